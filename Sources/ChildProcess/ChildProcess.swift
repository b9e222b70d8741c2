#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Starting and reaping child processes with `posix_spawn` and `waitpid`.
///
/// Not `Foundation.Process`: on Linux its exit monitoring can miss a child's
/// exit (seen here with `runuser … pg_ctl start`, and with test helpers run
/// from several tasks at once), leaving `waitUntilExit` blocked for ever.
/// Everything here is blocking; async callers run it off the cooperative
/// pool (a dedicated thread or dispatch queue).
public enum ChildProcess {
    /// What a finished child left behind.
    public struct Output: Sendable {
        /// The exit status, or 128 + the signal number if a signal ended it.
        public var status: Int32
        public var standardOutput: [UInt8]
        public var standardError: [UInt8]
        public var succeeded: Bool { status == 0 }
        public var stdoutText: String { String(decoding: standardOutput, as: UTF8.self) }
        public var stderrText: String { String(decoding: standardError, as: UTF8.self) }
    }

    /// Where a child's standard stream goes.
    public enum Stream: Sendable {
        case null
        case inherit
        case pipe
        /// Appends to (or creates) the file at the path.
        case file(String)
    }

    /// Runs a program to completion: writes `input` to its standard input,
    /// collects standard output and standard error (read together with
    /// `poll`, so neither pipe can fill up and stall the child).
    ///
    /// `executable` without a `/` is looked up on `PATH`; `environment` nil
    /// means ours.
    public static func run(
        _ executable: String, _ arguments: [String] = [],
        environment: [String: String]? = nil, currentDirectory: String? = nil,
        input: [UInt8]? = nil
    ) throws(ChildProcessError) -> Output {
        let child = try spawn(executable, arguments, environment: environment, currentDirectory: currentDirectory,
                              standardInput: input == nil ? .null : .pipe, standardOutput: .pipe, standardError: .pipe)
        var pending = input ?? []
        var written = 0
        var stdout: [UInt8] = []
        var stderr: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        var inputFD = child.standardInput
        if inputFD >= 0 && pending.isEmpty { child.closeStandardInput(); inputFD = -1 }
        var open: [(fd: Int32, isError: Bool)] = [(child.standardOutput, false), (child.standardError, true)]
        while !open.isEmpty || inputFD >= 0 {
            var fds = open.map { pollfd(fd: $0.fd, events: Int16(POLLIN), revents: 0) }
            if inputFD >= 0 { fds.append(pollfd(fd: inputFD, events: Int16(POLLOUT), revents: 0)) }
            let ready = poll(&fds, nfds_t(fds.count), -1)
            if ready < 0 {
                if errno == EINTR { continue }
                throw ChildProcessError(operation: "poll the pipes of \(executable)", errno: errno)
            }
            var stillOpen: [(fd: Int32, isError: Bool)] = []
            for (index, stream) in open.enumerated() {
                guard fds[index].revents != 0 else { stillOpen.append(stream); continue }
                let count = buffer.withUnsafeMutableBytes { read(stream.fd, $0.baseAddress!, $0.count) }
                if count > 0 {
                    if stream.isError { stderr += buffer[0..<count] } else { stdout += buffer[0..<count] }
                    stillOpen.append(stream)
                } else if count < 0 && (errno == EINTR || errno == EAGAIN) {
                    stillOpen.append(stream)
                }
            }
            open = stillOpen
            if inputFD >= 0, let last = fds.last, last.revents != 0 {
                let count = pending.withUnsafeBytes { write(inputFD, $0.baseAddress! + written, $0.count - written) }
                if count > 0 { written += count }
                if count < 0 && errno != EINTR && errno != EAGAIN { written = pending.count }
                if written >= pending.count {
                    child.closeStandardInput()
                    inputFD = -1
                    pending = []
                }
            }
        }
        let status = try child.wait()
        return Output(status: status, standardOutput: stdout, standardError: stderr)
    }

    /// Starts a program and returns at once. Pipes asked for are on the
    /// returned ``RunningChild``; the caller must ``RunningChild/wait()``.
    public static func spawn(
        _ executable: String, _ arguments: [String] = [],
        environment: [String: String]? = nil, currentDirectory: String? = nil,
        standardInput: Stream = .null, standardOutput: Stream = .inherit, standardError: Stream = .inherit,
        processGroup: Bool = false
    ) throws(ChildProcessError) -> RunningChild {
        let path = try resolve(executable, environment: environment)
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        var parentEnds: [Int32] = [-1, -1, -1]
        var childEnds: [Int32] = []
        defer { childEnds.forEach { _ = close($0) } }
        for (fd, stream) in [(Int32(0), standardInput), (1, standardOutput), (2, standardError)] {
            switch stream {
            case .inherit:
                break
            case .null:
                posix_spawn_file_actions_addopen(&actions, fd, "/dev/null", fd == 0 ? O_RDONLY : O_WRONLY, 0)
            case .file(let file):
                posix_spawn_file_actions_addopen(&actions, fd, file, fd == 0 ? O_RDONLY : O_WRONLY | O_CREAT | O_APPEND, 0o644)
            case .pipe:
                var ends: [Int32] = [-1, -1]
                guard pipeCloseOnExec(&ends) == 0 else {
                    parentEnds.filter { $0 >= 0 }.forEach { _ = close($0) }
                    throw ChildProcessError(operation: "create a pipe for \(executable)", errno: errno)
                }
                let (parent, child) = fd == 0 ? (ends[1], ends[0]) : (ends[0], ends[1])
                parentEnds[Int(fd)] = parent
                childEnds.append(child)
                // dup2 clears close-on-exec on 0/1/2 only; the originals stay
                // CLOEXEC, so a daemon the child leaves behind can't hold our pipe.
                posix_spawn_file_actions_adddup2(&actions, child, fd)
            }
        }
        if let currentDirectory { addChangeDirectory(&actions, currentDirectory) }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // The child starts with default signal handling and no blocked signals,
        // even where we ignore SIGTERM/SIGINT (the dispatcher handles them with
        // a dispatch source): an ignored signal would stay ignored in the child.
        var all = sigset_t()
        sigfillset(&all)
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setsigmask(&attributes, &none)
        var flags = POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK
        if processGroup {
            // A process group of its own (its id the child's pid): a Ctrl-C
            // at our terminal doesn't reach it; we decide when it stops.
            flags |= POSIX_SPAWN_SETPGROUP
            posix_spawnattr_setpgroup(&attributes, 0)
        }
        posix_spawnattr_setflags(&attributes, Int16(flags))

        let env = (environment ?? currentEnvironment()).map { "\($0.key)=\($0.value)" }
        var pid: pid_t = 0
        let result = withCStringArray([path] + arguments) { argv in
            withCStringArray(env) { envp in posix_spawn(&pid, path, &actions, &attributes, argv, envp) }
        }
        guard result == 0 else {
            parentEnds.filter { $0 >= 0 }.forEach { _ = close($0) }
            throw ChildProcessError(operation: "start \(executable)", errno: result)
        }
        return RunningChild(pid: pid, executable: executable,
                            standardInput: parentEnds[0], standardOutput: parentEnds[1], standardError: parentEnds[2])
    }

    /// Our own environment as a dictionary.
    public static func currentEnvironment() -> [String: String] {
        var result: [String: String] = [:]
        var pointer = environ
        while let entry = pointer.pointee {
            let text = String(cString: entry)
            if let equals = text.firstIndex(of: "=") {
                result[String(text[..<equals])] = String(text[text.index(after: equals)...])
            }
            pointer += 1
        }
        return result
    }

    /// `executable` itself if it contains a `/`, else the first match on `PATH`.
    static func resolve(_ executable: String, environment: [String: String]?) throws(ChildProcessError) -> String {
        if executable.contains("/") { return executable }
        let searchPath = (environment ?? currentEnvironment())["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for directory in searchPath.split(separator: ":") {
            let candidate = "\(directory)/\(executable)"
            if access(candidate, X_OK) == 0 { return candidate }
        }
        throw ChildProcessError(operation: "find \(executable) on PATH", errno: ENOENT)
    }
}

/// A started child. Not `Sendable`: one owner waits for it.
public final class RunningChild {
    public let pid: pid_t
    public let executable: String
    /// Our ends of the pipes asked for, or -1.
    public private(set) var standardInput: Int32
    public let standardOutput: Int32
    public let standardError: Int32
    private var termination: ChildProcess.Termination?

    init(pid: pid_t, executable: String, standardInput: Int32, standardOutput: Int32, standardError: Int32) {
        self.pid = pid
        self.executable = executable
        self.standardInput = standardInput
        self.standardOutput = standardOutput
        self.standardError = standardError
    }

    deinit {
        if standardInput >= 0 { close(standardInput) }
        if standardOutput >= 0 { close(standardOutput) }
        if standardError >= 0 { close(standardError) }
    }

    public func closeStandardInput() {
        if standardInput >= 0 { close(standardInput) }
        standardInput = -1
    }

    /// Writes all of `bytes` to the child's standard input pipe.
    public func write(_ bytes: [UInt8]) throws(ChildProcessError) {
        var offset = 0
        while offset < bytes.count {
            let count = bytes.withUnsafeBytes { Glibc.write(standardInput, $0.baseAddress! + offset, $0.count - offset) }
            if count < 0 {
                if errno == EINTR { continue }
                throw ChildProcessError(operation: "write to \(executable)", errno: errno)
            }
            offset += count
        }
    }

    /// Reads one line (without its newline) from the standard output pipe;
    /// nil at end of file.
    public func readLine() -> String? {
        var line: [UInt8] = []
        var byte: UInt8 = 0
        while true {
            let count = read(standardOutput, &byte, 1)
            if count == 1 {
                if byte == UInt8(ascii: "\n") { return String(decoding: line, as: UTF8.self) }
                line.append(byte)
            } else if count < 0 && errno == EINTR {
                continue
            } else {
                return line.isEmpty ? nil : String(decoding: line, as: UTF8.self)
            }
        }
    }

    /// Reads the standard output pipe to its end.
    public func readAllStandardOutput() -> [UInt8] {
        var result: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(standardOutput, $0.baseAddress!, $0.count) }
            if count > 0 { result += buffer[0..<count] } else if count < 0 && errno == EINTR { continue } else { break }
        }
        return result
    }

    /// Sends a signal (SIGTERM, SIGKILL, …); a child already reaped is left alone.
    public func signal(_ signal: Int32) {
        guard termination == nil else { return }
        _ = kill(pid, signal)
    }

    /// Blocks until the child exits; returns its status (128 + signal if killed).
    @discardableResult
    public func wait() throws(ChildProcessError) -> Int32 {
        try waitForTermination().status
    }

    /// Blocks until the child exits; says how it ended.
    public func waitForTermination() throws(ChildProcessError) -> ChildProcess.Termination {
        if let termination { return termination }
        let ended = try ChildProcess.waitForTermination(pid: pid, executable: executable)
        termination = ended
        return ended
    }

    /// The status if the child has exited, else nil (does not block).
    public func poll() throws(ChildProcessError) -> Int32? {
        if let termination { return termination.status }
        var status: Int32 = 0
        let result = waitpid(pid, &status, WNOHANG)
        if result == 0 { return nil }
        if result < 0 { throw ChildProcessError(operation: "check on \(executable)", errno: errno) }
        let ended = ChildProcess.Termination(waitStatus: status)
        termination = ended
        return ended.status
    }
}

extension ChildProcess {
    /// How a child ended.
    public enum Termination: Sendable, Hashable {
        /// It exited with this status.
        case exited(Int32)
        /// This signal ended it.
        case signalled(Int32)

        /// The exit status, or 128 + the signal number (the shell's convention).
        public var status: Int32 {
            switch self {
            case .exited(let status): status
            case .signalled(let signal): 128 + signal
            }
        }

        // WIFEXITED / WEXITSTATUS / WTERMSIG are macros Swift can't import.
        init(waitStatus status: Int32) {
            let signal = status & 0x7f
            self = signal == 0 ? .exited((status >> 8) & 0xff) : .signalled(signal)
        }
    }

    /// Blocks in `waitpid` until the child `pid` (started by ``spawn(_:_:environment:currentDirectory:standardInput:standardOutput:standardError:processGroup:)``)
    /// exits, and reaps it. For an owner that keeps only the pid, such as a
    /// reaper thread of its own; one waiter per child.
    public static func waitForTermination(pid: Int32, executable: String) throws(ChildProcessError) -> Termination {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            guard errno == EINTR else { throw ChildProcessError(operation: "wait for \(executable)", errno: errno) }
        }
        return Termination(waitStatus: status)
    }

    /// A signal a parent sends its child.
    public struct Signal: Sendable, Hashable {
        public var number: Int32
        public static let terminate = Signal(number: SIGTERM)
        public static let kill = Signal(number: SIGKILL)
        public static let interrupt = Signal(number: SIGINT)
    }

    /// Sends `signal` to the process `pid`; false if it is gone (or not ours).
    @discardableResult
    public static func send(_ signal: Signal, to pid: Int32) -> Bool {
        kill(pid, signal.number) == 0
    }
}

/// A spawn, pipe or wait that failed, with the C error text read right away.
public struct ChildProcessError: Error, CustomStringConvertible, Sendable {
    public var operation: String
    public var errno: Int32
    public var reason: String

    public init(operation: String, errno: Int32) {
        self.operation = operation
        self.errno = errno
        self.reason = String(cString: strerror(errno))
    }

    public var description: String { "could not \(operation): \(reason)" }
}

/// Calls `body` with a NULL-terminated `char *[]` of `strings`, valid only during the call.
private func withCStringArray<R>(_ strings: [String], _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> R) -> R {
    var pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
    pointers.append(nil)
    defer { pointers.forEach { free($0) } }
    return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
}

// glibc functions the Swift Glibc module hides behind `_GNU_SOURCE`, looked up
// at run time with `dlsym`.
private typealias Pipe2 = @convention(c) (UnsafeMutablePointer<Int32>, Int32) -> Int32
private typealias AddChdir = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32

private func lookup<F>(_ name: String, as type: F.Type) -> F? {
    guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), name) else { return nil }
    return unsafeBitCast(symbol, to: type)
}

/// `pipe2(O_CLOEXEC)` (glibc ≥ 2.9); the fallback has a window in which a
/// concurrent spawn could inherit the descriptors.
private func pipeCloseOnExec(_ ends: UnsafeMutablePointer<Int32>) -> Int32 {
    if let function = lookup("pipe2", as: Pipe2.self) { return function(ends, O_CLOEXEC) }
    guard pipe(ends) == 0 else { return -1 }
    _ = fcntl(ends[0], F_SETFD, FD_CLOEXEC)
    _ = fcntl(ends[1], F_SETFD, FD_CLOEXEC)
    return 0
}

/// `posix_spawn_file_actions_addchdir_np` (glibc ≥ 2.29); without it the
/// child keeps our working directory.
private func addChangeDirectory(_ actions: UnsafeMutablePointer<posix_spawn_file_actions_t>, _ path: String) {
    guard let function = lookup("posix_spawn_file_actions_addchdir_np", as: AddChdir.self) else { return }
    _ = path.withCString { function(actions, $0) }
}
