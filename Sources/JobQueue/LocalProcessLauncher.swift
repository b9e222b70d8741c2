import Foundation
import Logging

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs each attempt as a child process: the command of `tasks/<kind>.json`
/// (its first word looked up next to the running executable, then on
/// `PATH`), with `PYRAMYDAL_JOB_ID`, `PYRAMYDAL_JOB_TOKEN`,
/// `PYRAMYDAL_JOB_ATTEMPT` and `PYRAMYDAL_JOB_MEMORY_MB` (the task's memory,
/// which ``runWorker(kind:environment:logger:body:)`` applies as the
/// process's data-size limit) in its environment.
///
/// Spawned with `posix_spawn` and reaped with `waitpid` on a thread of its
/// own per child, not with `Foundation.Process`, whose exit monitoring can
/// miss a child's exit on Linux; the pid is what cancellation signals.
public struct LocalProcessLauncher: Launcher {
    public var tasksDirectory: String
    /// Extra variables for every worker (database URL, store, queue schema…).
    public var environment: [String: String]
    /// Where to look for worker executables before `PATH`; default: the
    /// directory of the running executable.
    public var executableDirectory: String
    public var logger: Logger
    public var stopsTasksOnShutdown: Bool { true }

    public init(tasksDirectory: String, environment: [String: String] = [:], executableDirectory: String? = nil,
                logger: Logger = Logger(label: "pyramydal.launcher")) {
        self.tasksDirectory = tasksDirectory
        self.environment = environment
        self.executableDirectory = executableDirectory ?? Self.runningExecutableDirectory()
        self.logger = logger
    }

    static func runningExecutableDirectory() -> String {
        let path = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? CommandLine.arguments.first ?? "."
        return URL(fileURLWithPath: path).deletingLastPathComponent().path
    }

    /// The absolute path of `name`: as given when it has a `/`, else in
    /// ``executableDirectory``, else on `PATH`.
    public func resolveExecutable(_ name: String) -> String? {
        if name.contains("/") { return FileManager.default.isExecutableFile(atPath: name) ? name : nil }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for directory in [executableDirectory] + path.split(separator: ":").map(String.init) {
            let candidate = directory + "/" + name
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    public func launch(_ job: Job) async throws -> any LaunchedTask {
        let definition: TaskDefinition
        do {
            definition = try TaskDefinition.load(kind: job.kind, directory: tasksDirectory)
        } catch {
            throw LaunchFailure(reason: "\(error)", consumesAttempt: true)
        }
        guard let executable = resolveExecutable(definition.command[0]) else {
            throw LaunchFailure(reason: "worker executable \"\(definition.command[0])\" for kind \(job.kind) not found next to "
                                + "\(executableDirectory) or on PATH", consumesAttempt: true)
        }
        var variables = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("PYRAMYDAL_JOB_") }
        variables.merge(environment) { $1 }
        variables[WorkerEnvironment.jobID] = String(job.id)
        variables[WorkerEnvironment.token] = job.launchToken
        variables[WorkerEnvironment.attempt] = String(job.attempt)
        variables[WorkerEnvironment.kind] = job.kind
        if let memory = definition.memoryMiB { variables[WorkerEnvironment.memoryMiB] = String(memory) }

        let arguments = [executable] + definition.command.dropFirst()
        let pid = try Self.spawn(executable: executable, arguments: arguments, environment: variables)
        logger.info("worker started", metadata: [
            "job.id": "\(job.id)", "job.kind": "\(job.kind)", "job.attempt": "\(job.attempt)", "process.pid": "\(pid)",
        ])
        return LocalProcess(pid: pid, logger: logger)
    }

    /// `posix_spawn` in a process group of its own, stdin from /dev/null,
    /// stdout and stderr shared with us.
    static func spawn(executable: String, arguments: [String], environment: [String: String]) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // Own process group; default signal handling and an empty mask, even
        // though the dispatcher ignores SIGTERM/SIGINT (it handles them with a
        // dispatch source) — ignored signals would otherwise stay ignored in
        // the child, and SIGTERM could not stop a worker.
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))
        posix_spawnattr_setpgroup(&attributes, 0)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGTERM, SIGINT, SIGHUP, SIGPIPE, SIGQUIT] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        var mask = sigset_t()
        sigemptyset(&mask)
        posix_spawnattr_setsigmask(&attributes, &mask)

        let envp = environment.map { "\($0.key)=\($0.value)" }
        var pid: pid_t = 0
        let status = withCStringArray(arguments) { argv in
            withCStringArray(envp) { envp in
                posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
            }
        }
        guard status == 0 else {
            throw LaunchFailure(reason: "could not start \(executable): \(String(cString: strerror(status)))", consumesAttempt: true)
        }
        return pid
    }
}

/// The environment variables a launcher gives a worker.
public enum WorkerEnvironment {
    public static let jobID = "PYRAMYDAL_JOB_ID"
    /// The attempt's launch token; the worker's writes are fenced by it.
    public static let token = "PYRAMYDAL_JOB_TOKEN"
    public static let attempt = "PYRAMYDAL_JOB_ATTEMPT"
    public static let kind = "PYRAMYDAL_JOB_KIND"
    /// The task's memory in MiB (from `tasks/<kind>.json`).
    public static let memoryMiB = "PYRAMYDAL_JOB_MEMORY_MB"
    /// The schema of the queue tables (default `pyramydal`).
    public static let schema = "PYRAMYDAL_JOBS_SCHEMA"
    /// Seconds between heartbeats (default 5).
    public static let heartbeatSeconds = "PYRAMYDAL_JOB_HEARTBEAT_SECONDS"
}

/// A child process started by ``LocalProcessLauncher``: a thread of its own
/// blocks in `waitpid` and publishes the exit.
final class LocalProcess: LaunchedTask {
    let pid: pid_t
    let taskID: String
    private let logger: Logger
    private struct State {
        var exit: TaskExit?
        var stopReason: String?
        var waiters: [CheckedContinuation<TaskExit, Never>] = []
    }
    private let state = Locked(State())

    init(pid: pid_t, logger: Logger) {
        self.pid = pid
        self.logger = logger
        taskID = "pid:\(pid)@\(ProcessInfo.processInfo.hostName)"
        let thread = Thread { [self] in reap() }
        thread.name = "pyramydal.reaper.\(pid)"
        thread.start()
    }

    private func reap() {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            if errno != EINTR { status = -1; break }
        }
        // WIFEXITED / WEXITSTATUS / WTERMSIG are macros Swift can't import.
        var exit = TaskExit()
        if status == -1 {
            exit.stopReason = "waitpid failed: \(String(cString: strerror(errno)))"
        } else if status & 0x7f == 0 {
            exit.exitCode = (status >> 8) & 0xff
        } else {
            exit.signal = status & 0x7f
        }
        let waiters = state.withLock { state in
            exit.stopReason = exit.stopReason ?? state.stopReason
            state.exit = exit
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume(returning: exit) }
    }

    var hasExited: Bool { state.withLock { $0.exit != nil } }

    func waitForExit() async throws -> TaskExit {
        await withCheckedContinuation { continuation in
            let exit: TaskExit? = state.withLock { state in
                if let exit = state.exit { return exit }
                state.waiters.append(continuation)
                return nil
            }
            if let exit { continuation.resume(returning: exit) }
        }
    }

    func stop(reason: String, grace: Duration) async {
        let signalled = state.withLock { state -> Bool in
            guard state.exit == nil else { return false }
            state.stopReason = reason
            return kill(pid, SIGTERM) == 0
        }
        guard signalled else { return }
        logger.info("stopping worker", metadata: ["process.pid": "\(pid)", "stop.reason": "\(reason)"])
        let deadline = ContinuousClock.now + grace
        while ContinuousClock.now < deadline {
            if hasExited { return }
            try? await Task.sleep(for: .milliseconds(50))
        }
        state.withLock { state in
            if state.exit == nil {
                logger.warning("worker ignored SIGTERM; sending SIGKILL", metadata: ["process.pid": "\(pid)"])
                _ = kill(pid, SIGKILL)
            }
        }
    }
}

/// Calls `body` with a NULL-terminated `char *[]` of `strings`, valid only during the call.
func withCStringArray<R>(_ strings: [String], _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> R) -> R {
    var pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
    pointers.append(nil)
    defer { pointers.forEach { free($0) } }
    return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
}
