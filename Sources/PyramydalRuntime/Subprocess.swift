import Foundation

/// Runs a program to completion and captures its output.
///
/// Blocking: callers are the synchronous internals of ``EmbeddedStack``,
/// which its async API runs on a dedicated dispatch queue, never on Swift's
/// cooperative pool.
struct Subprocess {
    struct Result {
        var status: Int32
        /// Standard output and standard error together, in the order written.
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

    /// Spawns the program with `posix_spawn`, reads its output to the end and
    /// reaps it with `waitpid`.
    ///
    /// Not `Foundation.Process`: on Linux its exit monitoring missed the exit
    /// of `runuser … pg_ctl start` (the child stayed a zombie and
    /// `waitUntilExit` never returned), so we wait for the child ourselves.
    func run() throws(EmbeddedStackError) -> Result {
        var pipeEnds: [Int32] = [-1, -1]
        guard GNUExtensions.pipe2(&pipeEnds, O_CLOEXEC) == 0 else { throw failure("create pipe") }
        let (readEnd, writeEnd) = (pipeEnds[0], pipeEnds[1])
        defer { close(readEnd) }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        // dup2 clears close-on-exec on 1 and 2; the original pipe fds stay CLOEXEC,
        // so a daemon the child leaves behind (postgres) can't hold our pipe open.
        posix_spawn_file_actions_adddup2(&actions, writeEnd, 1)
        posix_spawn_file_actions_adddup2(&actions, writeEnd, 2)
        GNUExtensions.addChangeDirectory(&actions, currentDirectory)

        let argv = [executable] + arguments
        let envp = environment.map { "\($0.key)=\($0.value)" }
        var pid: pid_t = 0
        let spawned = withCStringArray(argv) { argvPointer in
            withCStringArray(envp) { envpPointer in
                posix_spawn(&pid, executable, &actions, nil, argvPointer, envpPointer)
            }
        }
        close(writeEnd)
        guard spawned == 0 else {
            throw EmbeddedStackError(
                code: .commandFailed, step: "run \(display)", path: executable,
                reason: "could not start: " + String(cString: strerror(spawned)))
        }

        var output: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(readEnd, $0.baseAddress!, $0.count) }
            if count > 0 {
                output.append(contentsOf: buffer[0..<count])
            } else if count == 0 || errno != EINTR {
                break
            }
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            guard errno == EINTR else { throw failure("wait for \(display)") }
        }
        // WIFEXITED / WEXITSTATUS / WTERMSIG are macros Swift can't import.
        let signal = status & 0x7f
        let exitStatus = signal == 0 ? (status >> 8) & 0xff : 128 + signal
        return Result(status: exitStatus, output: String(decoding: output, as: UTF8.self))
    }

    private func failure(_ step: String) -> EmbeddedStackError {
        EmbeddedStackError(code: .commandFailed, step: step, reason: String(cString: strerror(errno)))
    }
}

/// Calls `body` with a NULL-terminated `char *[]` of `strings`, valid only during the call.
private func withCStringArray<R>(_ strings: [String], _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> R) -> R {
    var pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
    pointers.append(nil)
    defer { pointers.forEach { free($0) } }
    return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
}

/// glibc functions the Swift Glibc module hides behind `_GNU_SOURCE`,
/// looked up at run time with `dlsym`.
private enum GNUExtensions {
    private typealias Pipe2 = @convention(c) (UnsafeMutablePointer<Int32>, Int32) -> Int32
    private typealias AddChdir = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32

    private static func lookup<F>(_ name: String, as type: F.Type) -> F? {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), name) else { return nil }
        return unsafeBitCast(symbol, to: type)
    }

    // glibc ≥ 2.9; the fallback (pipe + FD_CLOEXEC) has a window where a
    // concurrent spawn could inherit the descriptors.
    static func pipe2(_ ends: UnsafeMutablePointer<Int32>, _ flags: Int32) -> Int32 {
        if let function = lookup("pipe2", as: Pipe2.self) { return function(ends, flags) }
        guard pipe(ends) == 0 else { return -1 }
        _ = fcntl(ends[0], F_SETFD, FD_CLOEXEC)
        _ = fcntl(ends[1], F_SETFD, FD_CLOEXEC)
        return 0
    }

    // glibc ≥ 2.29; without it the child keeps our working directory.
    static func addChangeDirectory(_ actions: UnsafeMutablePointer<posix_spawn_file_actions_t>, _ path: String) {
        guard let function = lookup("posix_spawn_file_actions_addchdir_np", as: AddChdir.self) else { return }
        _ = path.withCString { function(actions, $0) }
    }
}
