import Foundation

/// How a ``Dispatcher`` behaves; every value has a default fit for production.
public struct DispatcherSettings: Sendable {
    /// Recorded on each claimed job (`jobs.dispatcher`) and in logs.
    public var name: String
    /// Tasks in flight at once, all kinds together.
    public var maxConcurrent: Int
    /// Tighter limits for some kinds (`PYRAMYDAL_MAX_CONCURRENT_<KIND>`).
    public var maxConcurrentPerKind: [String: Int]
    /// Launches per second (token bucket); Fargate sustains about 20 RunTask/s per account.
    public var launchRate: Double
    /// Polling fallback when no notification arrives.
    public var pollInterval: Duration
    /// How often the leader rescues lost jobs and prunes, and schedules and intake run.
    public var housekeepingInterval: Duration
    /// A running job without a heartbeat for this long is lost (workers beat every 5 s).
    public var lease: Duration
    /// A launching job with no task recorded after this long is relaunched (same attempt, same token).
    public var launchTimeout: Duration
    /// A launching job whose task never started within this long is retried.
    public var startTimeout: Duration
    /// Finished jobs are deleted after this long (`PYRAMYDAL_JOB_RETENTION`).
    public var retention: Duration
    /// SIGTERM → SIGKILL grace when stopping a task.
    public var stopGrace: Duration
    /// On shutdown, how long to let running tasks finish before stopping them.
    public var shutdownTimeout: Duration
    public var backoff: Backoff
    /// Delay before relaunching after a start that failed without using an attempt (capacity).
    public var launchRetryDelay: Duration
    /// Enqueue due cron slots.
    public var runSchedules: Bool

    public init(
        name: String = DispatcherSettings.defaultName(),
        maxConcurrent: Int = 16,
        maxConcurrentPerKind: [String: Int] = [:],
        launchRate: Double = 20,
        pollInterval: Duration = .seconds(1),
        housekeepingInterval: Duration = .seconds(5),
        lease: Duration = .seconds(15),
        launchTimeout: Duration = .seconds(30),
        startTimeout: Duration = .seconds(600),
        retention: Duration = .seconds(7 * 86_400),
        stopGrace: Duration = .seconds(10),
        shutdownTimeout: Duration = .seconds(30),
        backoff: Backoff = Backoff(),
        launchRetryDelay: Duration = .seconds(5),
        runSchedules: Bool = true
    ) {
        self.name = name
        self.maxConcurrent = maxConcurrent
        self.maxConcurrentPerKind = maxConcurrentPerKind
        self.launchRate = launchRate
        self.pollInterval = pollInterval
        self.housekeepingInterval = housekeepingInterval
        self.lease = lease
        self.launchTimeout = launchTimeout
        self.startTimeout = startTimeout
        self.retention = retention
        self.stopGrace = stopGrace
        self.shutdownTimeout = shutdownTimeout
        self.backoff = backoff
        self.launchRetryDelay = launchRetryDelay
        self.runSchedules = runSchedules
    }

    /// `<host>-<pid>-<random>`.
    public static func defaultName() -> String {
        "\(ProcessInfo.processInfo.hostName)-\(ProcessInfo.processInfo.processIdentifier)-\(UInt16.random(in: 0...UInt16.max))"
    }
}
