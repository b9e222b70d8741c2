import ChildProcess
import Foundation

/// Runs a command and returns its standard output; throws with the
/// command's standard error when it exits non-zero. (Named for the tests of
/// type inference and the writer, to stay clear of the reader's helpers.)
public enum TIProcess {
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    public static func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) throws -> String {
        var env = ProcessInfo.processInfo.environment
        env.merge(environment) { $1 }
        let result = try ChildProcess.run(executable, arguments, environment: env)
        guard result.succeeded else {
            throw Failure(description: "\(executable) exited \(result.status): \(result.stderrText)")
        }
        return result.stdoutText
    }

    public static func temporaryDirectory(_ name: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("pyramydal-ti-\(name)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Runs `body` with a fresh temporary directory, removed afterwards.
    public static func withTemporaryDirectory<T>(_ name: String, _ body: (URL) throws -> T) throws -> T {
        let dir = try temporaryDirectory(name)
        defer { try? FileManager.default.removeItem(at: dir) }
        return try body(dir)
    }
}
