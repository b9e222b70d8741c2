import ChildProcess
import Foundation

/// Runs a program we did not write (python3, pdftotext, psql) to completion
/// and captures its output (``ChildProcess``: posix_spawn + waitpid rather
/// than Foundation.Process, whose exit monitoring can hang on Linux).
enum Tool {
    struct Result {
        var status: Int32
        /// Standard output, then standard error.
        var output: String
    }

    static func run(_ executable: String, _ arguments: [String]) throws -> Result {
        // Our PG* variables would redirect psql to another server.
        let environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("PG") }
        let result = try ChildProcess.run(executable, arguments, environment: environment)
        return Result(status: result.status, output: result.stdoutText + result.stderrText)
    }

    /// Runs and throws unless the program exits 0.
    static func check(_ executable: String, _ arguments: [String]) throws -> String {
        let r = try run(executable, arguments)
        guard r.status == 0 else {
            throw ToolError(message: "\(executable) \(arguments.joined(separator: " ")) exited \(r.status): \(r.output)")
        }
        return r.output
    }
}

struct ToolError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
