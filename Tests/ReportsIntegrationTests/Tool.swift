import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Runs a program we did not write (python3, pdftotext, psql) to completion
/// and captures its output. posix_spawn + waitpid rather than
/// Foundation.Process, whose exit monitoring can hang on Linux.
enum Tool {
    struct Result {
        var status: Int32
        var output: String
    }

    static func run(_ executable: String, _ arguments: [String]) throws -> Result {
        let path = executable.hasPrefix("/") ? executable : try which(executable)
        var ends: [Int32] = [-1, -1]
        guard pipe(&ends) == 0 else { throw ToolError(message: "pipe failed") }
        _ = fcntl(ends[0], F_SETFD, FD_CLOEXEC)
        _ = fcntl(ends[1], F_SETFD, FD_CLOEXEC)
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, ends[1], 1)
        posix_spawn_file_actions_adddup2(&actions, ends[1], 2)
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        let env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("PG") }.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + env).forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, path, &actions, nil, argv, env)
        close(ends[1])
        defer { close(ends[0]) }
        guard spawned == 0 else { throw ToolError(message: "cannot start \(path): \(String(cString: strerror(spawned)))") }
        var output: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(ends[0], $0.baseAddress!, $0.count) }
            if n > 0 { output += buffer[0..<n] } else if n == 0 || errno != EINTR { break }
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0, errno == EINTR {}
        let exit = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return Result(status: exit, output: String(decoding: output, as: UTF8.self))
    }

    /// Runs and throws unless the program exits 0.
    static func check(_ executable: String, _ arguments: [String]) throws -> String {
        let r = try run(executable, arguments)
        guard r.status == 0 else {
            throw ToolError(message: "\(executable) \(arguments.joined(separator: " ")) exited \(r.status): \(r.output)")
        }
        return r.output
    }

    static func which(_ name: String) throws -> String {
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let candidate = "\(dir)/\(name)"
            if access(candidate, X_OK) == 0 { return candidate }
        }
        throw ToolError(message: "\(name) not found on PATH")
    }
}

struct ToolError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
