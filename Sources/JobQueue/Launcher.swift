/// Starts the task that runs one attempt of a job: a child process locally
/// (``LocalProcessLauncher``), an ECS task in AWS.
public protocol Launcher: Sendable {
    /// Starts the worker for `job` (state `launching`, with its launch token).
    /// Throws ``LaunchFailure`` when nothing was started.
    func launch(_ job: Job) async throws -> any LaunchedTask
    /// Whether the dispatcher stops its tasks when it shuts down (child
    /// processes die with it; ECS tasks run on without it).
    var stopsTasksOnShutdown: Bool { get }
}

/// One started attempt.
public protocol LaunchedTask: Sendable {
    /// ECS task ARN or `pid:<pid>@<host>`, recorded on the job.
    var taskID: String { get }
    /// Waits until the task ends and says how.
    func waitForExit() async throws -> TaskExit
    /// Asks the task to stop (SIGTERM / StopTask), then forces it after `grace`.
    func stop(reason: String, grace: Duration) async
}

/// A launch that started nothing.
public struct LaunchFailure: Error, Sendable, CustomStringConvertible {
    public var reason: String
    /// `false` for a failed start that should not use up an attempt (e.g.
    /// ECS capacity); `true` when retrying can't help (e.g. no executable),
    /// which counts as a failed attempt.
    public var consumesAttempt: Bool

    public init(reason: String, consumesAttempt: Bool) {
        self.reason = reason
        self.consumesAttempt = consumesAttempt
    }

    public var description: String { reason }
}
