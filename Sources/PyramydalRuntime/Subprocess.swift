import ChildProcess
import Foundation

/// Runs a program to completion and captures its output.
///
/// Blocking: callers are the synchronous internals of ``EmbeddedStack``,
/// which its async API runs on a dedicated dispatch queue, never on Swift's
/// cooperative pool.
struct Subprocess {
    struct Result {
        var status: Int32
        /// Standard output, then standard error.
        var output: String
        var succeeded: Bool { status == 0 }
    }

    /// The program and arguments; `display` is what errors show (never secrets).
    var executable: String
    var arguments: [String]
    var environment: [String: String]
    var currentDirectory: String = "/"

    var display: String {
        ([URL(fileURLWithPath: executable).lastPathComponent] + arguments).joined(separator: " ")
    }

    /// Our environment minus libpq's `PG*` variables, which would otherwise
    /// redirect psql/pg_ctl to some other server or data directory.
    static func cleanEnvironment(adding extra: [String: String] = [:]) -> [String: String] {
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("PG") }
        environment["LC_MESSAGES"] = "C"
        environment.merge(extra) { $1 }
        return environment
    }

    /// Runs the program to completion (``ChildProcess/run(_:_:environment:currentDirectory:input:)``:
    /// `posix_spawn` + `waitpid`, not `Foundation.Process`, whose exit
    /// monitoring missed the exit of `runuser … pg_ctl start`).
    func run() throws(EmbeddedStackError) -> Result {
        let output: ChildProcess.Output
        do {
            output = try ChildProcess.run(executable, arguments, environment: environment,
                                          currentDirectory: currentDirectory)
        } catch {
            throw EmbeddedStackError(code: .commandFailed, step: "run \(display)", path: executable,
                                     reason: error.reason)
        }
        var text = output.stdoutText
        if !output.standardError.isEmpty {
            if !text.isEmpty && !text.hasSuffix("\n") { text += "\n" }
            text += output.stderrText
        }
        return Result(status: output.status, output: text)
    }
}
