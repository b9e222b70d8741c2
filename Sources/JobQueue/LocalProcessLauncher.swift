import ChildProcess
import Foundation
import Logging

/// Runs each attempt as a child process: the command of `tasks/<kind>.json`
/// (its first word looked up next to the running executable, then on
/// `PATH`), with `PYRAMYDAL_JOB_ID`, `PYRAMYDAL_JOB_TOKEN`,
/// `PYRAMYDAL_JOB_ATTEMPT` and `PYRAMYDAL_JOB_MEMORY_MB` (the task's memory,
/// which ``runWorker(kind:environment:logger:body:)`` applies as the
/// process's data-size limit) in its environment.
///
/// Spawned with ``ChildProcess`` (`posix_spawn`, in a process group of its
/// own) and reaped on a thread of its own per child, not with
/// `Foundation.Process`, whose exit monitoring can miss a child's exit on
/// Linux; the pid is what cancellation signals.
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

        let process = try Self.spawn(executable: executable, arguments: Array(definition.command.dropFirst()),
                                     environment: variables, logger: logger)
        logger.info("worker started", metadata: [
            "job.id": "\(job.id)", "job.kind": "\(job.kind)", "job.attempt": "\(job.attempt)", "process.pid": "\(process.pid)",
        ])
        return process
    }

    /// Starts `executable` in a process group of its own, stdin from
    /// /dev/null, stdout and stderr shared with us, and watches it.
    static func spawn(executable: String, arguments: [String], environment: [String: String],
                      logger: Logger) throws -> LocalProcess {
        let child: RunningChild
        do {
            child = try ChildProcess.spawn(executable, arguments, environment: environment,
                                           standardInput: .null, standardOutput: .inherit, standardError: .inherit,
                                           processGroup: true)
        } catch {
            throw LaunchFailure(reason: "could not start \(executable): \(error.reason)", consumesAttempt: true)
        }
        return LocalProcess(pid: child.pid, executable: executable, logger: logger)
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
    let pid: Int32
    let executable: String
    let taskID: String
    private let logger: Logger
    private struct State {
        var exit: TaskExit?
        var stopReason: String?
        var waiters: [CheckedContinuation<TaskExit, Never>] = []
    }
    private let state = Locked(State())

    init(pid: Int32, executable: String, logger: Logger) {
        self.pid = pid
        self.executable = executable
        self.logger = logger
        taskID = "pid:\(pid)@\(ProcessInfo.processInfo.hostName)"
        let thread = Thread { [self] in reap() }
        thread.name = "pyramydal.reaper.\(pid)"
        thread.start()
    }

    private func reap() {
        var exit = TaskExit()
        do {
            switch try ChildProcess.waitForTermination(pid: pid, executable: executable) {
            case .exited(let status): exit.exitCode = status
            case .signalled(let signal): exit.signal = signal
            }
        } catch {
            exit.stopReason = "\(error)"
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
            return ChildProcess.send(.terminate, to: pid)
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
                ChildProcess.send(.kill, to: pid)
            }
        }
    }
}
