import Foundation
import Logging
import Postgres
import ServiceLifecycle

/// The long-running service behind `pyramydal dispatch`: claims due jobs
/// and starts each attempt through a ``Launcher``, watches the task to its
/// end and records how it ended; the elected leader rescues lost jobs and
/// prunes finished ones; every dispatcher enqueues due cron slots (exactly
/// once per slot) and runs the intakes.
///
/// A `Service`: the claim-and-launch loop runs here, and beside it a
/// `ServiceGroup` of small services, as River's `internal/maintenance`
/// splits them: the notification listener and the polling ticker (woken at
/// once by `NOTIFY` on enqueue, with a polling fallback), the
/// ``LeaderElector``, and the ``JobRescuer``, ``JobPruner`` and
/// ``IntakeSweeper`` that run on the leader only, and the ``CronEnqueuer``.
///
/// ``shutdown()`` (SIGTERM in the CLI, or the service group's graceful
/// shutdown) is graceful: no new claims, claimed
/// jobs not yet launched go back to `available`, running tasks get
/// `shutdownTimeout` to finish and are then stopped (SIGTERM, then SIGKILL)
/// and recorded as retryable, so no job is left in `launching`.
public final class Dispatcher: Service, Sendable {
    public let settings: DispatcherSettings
    public let schema: String
    let url: String
    let launcher: any Launcher
    let intakes: [any JobIntake]
    let logger: Logger
    /// Told how each attempt this dispatcher watched ended (after it is
    /// recorded): the CLI writes retries and give-ups to the audit log.
    let onAttemptEnded: (@Sendable (AttemptEnd) async -> Void)?

    enum Wake: Sendable {
        case tick
        case enqueued
        case slotFreed
        case shutdown
    }

    private struct State {
        var shuttingDown = false
        var wake: AsyncStream<Wake>.Continuation?
        var active: [Int64: (kind: String, task: any LaunchedTask)] = [:]
        var launched = 0
        var limiter: RateLimiter
        /// Why ``run()`` stopped on its own (rethrown after the graceful stop).
        var failure: (any Error & Sendable)?
    }
    private let state: Locked<State>

    public init(databaseURL: String, schema: String = JobQueue.defaultSchema, launcher: any Launcher,
                settings: DispatcherSettings = DispatcherSettings(), intakes: [any JobIntake] = [],
                logger: Logger = Logger(label: "pyramydal.dispatcher"),
                onAttemptEnded: (@Sendable (AttemptEnd) async -> Void)? = nil) {
        self.onAttemptEnded = onAttemptEnded
        url = databaseURL
        self.schema = schema
        self.launcher = launcher
        self.settings = settings
        self.intakes = intakes
        var logger = logger
        logger[metadataKey: "dispatcher"] = "\(settings.name)"
        self.logger = logger
        state = Locked(State(limiter: RateLimiter(rate: settings.launchRate)))
    }

    /// Tasks launched since start.
    public var launchedCount: Int { state.withLock { $0.launched } }
    /// Tasks in flight now.
    public var activeCount: Int { state.withLock { $0.active.count } }

    /// Asks ``run()`` to stop gracefully; returns at once.
    public func shutdown() {
        state.withLock { state in
            state.shuttingDown = true
            state.wake?.yield(.shutdown)
        }
    }

    private var isShuttingDown: Bool { state.withLock { $0.shuttingDown } }

    private func wake(_ event: Wake) { _ = state.withLock { $0.wake?.yield(event) } }

    /// Runs until ``shutdown()``, a graceful shutdown of its service group,
    /// or task cancellation (all graceful). Throws if the database
    /// connection was lost (after stopping as gracefully as it can), so the
    /// process exits and is restarted.
    public func run() async throws {
        try await withGracefulShutdownHandler {
            try await runUntilShutdown()
        } onGracefulShutdown: {
            self.shutdown()
        }
    }

    private func runUntilShutdown() async throws {
        let queue = try await JobQueue.connect(url: url, schema: schema, applicationName: "pyramydal-dispatcher", logger: logger)
        defer { queue.connection.close() }
        try await queue.migrate()
        let (stream, continuation) = AsyncStream<Wake>.makeStream(bufferingPolicy: .bufferingNewest(256))
        state.withLock { state in
            state.wake = continuation
            if state.shuttingDown { continuation.yield(.shutdown) }
        }
        logger.info("dispatcher started", metadata: ["jobs.schema": "\(schema)", "dispatcher.max_concurrent": "\(settings.maxConcurrent)"])

        let housekeeping = MaintenanceConnection(url: url, schema: schema, logger: logger)
        defer { housekeeping.close() }
        let services = ServiceGroup(configuration: ServiceGroupConfiguration(
            services: backgroundServices(channel: queue.channel, housekeeping: housekeeping).map { .init(service: $0) },
            logger: logger))
        await withTaskCancellationHandler {
            await withDiscardingTaskGroup { group in
                group.addTask { try? await services.run() }
                continuation.yield(.tick)
                for await event in stream {
                    switch event {
                    case .shutdown:
                        break
                    case .tick, .enqueued, .slotFreed:
                        await dispatchAvailable(queue: queue, group: &group)
                        continue
                    }
                    break
                }
                await services.triggerGracefulShutdown()
                await drain(group: &group)
            }
        } onCancel: {
            shutdown()
        }
        state.withLock { state in
            state.wake?.finish()
            state.wake = nil
        }
        logger.info("dispatcher stopped", metadata: ["dispatcher.launched": "\(launchedCount)"])
        if let failure = state.withLock({ $0.failure }) { throw failure }
    }

    /// The services beside the claim loop; cancelled when it stops.
    private func backgroundServices(channel: String, housekeeping: MaintenanceConnection) -> [any Service] {
        let elector = LeaderElector(connection: housekeeping, interval: settings.housekeepingInterval, logger: logger)
        var services: [any Service] = [
            JobNotificationListener(url: url, channel: channel, retryInterval: settings.pollInterval, logger: logger,
                                    onEnqueued: { [weak self] in self?.wake(.enqueued) },
                                    onCancel: { [weak self] id in self?.stopTask(ofJob: id) }),
            PollTicker(interval: settings.pollInterval, onTick: { [weak self] in self?.wake(.tick) }),
            elector,
            JobRescuer(elector: elector, connection: housekeeping, settings: settings, logger: logger),
            JobPruner(elector: elector, connection: housekeeping, retention: settings.retention, logger: logger),
        ]
        if !intakes.isEmpty {
            services.append(IntakeSweeper(elector: elector, connection: housekeeping, intakes: intakes,
                                          interval: settings.housekeepingInterval, logger: logger))
        }
        if settings.runSchedules {
            services.append(CronEnqueuer(connection: housekeeping, interval: settings.housekeepingInterval, logger: logger))
        }
        return services
    }

    // MARK: claiming and launching

    private func dispatchAvailable(queue: JobQueue, group: inout DiscardingTaskGroup) async {
        while !isShuttingDown {
            let (free, saturated) = state.withLock { state -> (Int, [String]) in
                var perKind: [String: Int] = [:]
                for entry in state.active.values { perKind[entry.kind, default: 0] += 1 }
                let saturated = settings.maxConcurrentPerKind.filter { perKind[$0.key, default: 0] >= $0.value }.map(\.key)
                return (settings.maxConcurrent - state.active.count, saturated.sorted())
            }
            guard free > 0 else { return }
            let jobs: [Job]
            do {
                jobs = try await queue.claim(limit: min(free, 32), dispatcher: settings.name, kinds: .excluding(saturated))
            } catch {
                logger.error("claiming failed", metadata: ["error": "\(error)"])
                if !queue.connection.isAlive {
                    state.withLock { $0.failure = error }
                    logger.critical("lost the database connection; stopping so the service restarts")
                    shutdown()
                }
                return
            }
            if jobs.isEmpty { return }
            for (index, job) in jobs.enumerated() {
                if isShuttingDown || !launchFits(job) {
                    await release(job, queue: queue, reason: isShuttingDown ? "the dispatcher is shutting down" : "kind at its concurrency limit")
                    if isShuttingDown {
                        for rest in jobs[(index + 1)...] { await release(rest, queue: queue, reason: "the dispatcher is shutting down") }
                        return
                    }
                    continue
                }
                await launch(job, queue: queue, group: &group)
            }
        }
    }

    /// Whether the per-kind limit still has room (a claim batch may hold several of one kind).
    private func launchFits(_ job: Job) -> Bool {
        guard let limit = settings.maxConcurrentPerKind[job.kind] else { return true }
        return state.withLock { state in state.active.values.filter { $0.kind == job.kind }.count < limit }
    }

    private func release(_ job: Job, queue: JobQueue, reason: String) async {
        guard let token = job.launchToken else { return }
        do {
            try await queue.releaseLaunch(id: job.id, token: token, reason: reason)
        } catch {
            logger.error("could not release a claimed job; the leader relaunches it after the launch timeout",
                         metadata: ["job.id": "\(job.id)", "error": "\(error)"])
        }
    }

    private func launch(_ job: Job, queue: JobQueue, group: inout DiscardingTaskGroup) async {
        guard let token = job.launchToken else { return }
        let delay = state.withLock { $0.limiter.acquire(now: .now) }
        if delay > .zero { try? await Task.sleep(for: delay) }
        var metadata: Logger.Metadata = ["job.id": "\(job.id)", "job.kind": "\(job.kind)", "job.attempt": "\(job.attempt)"]
        let task: any LaunchedTask
        do {
            task = try await launcher.launch(job)
        } catch let failure as LaunchFailure {
            metadata["error"] = "\(failure.reason)"
            do {
                if failure.consumesAttempt {
                    logger.error("launch failed", metadata: metadata)
                    let state = try await queue.finish(id: job.id, token: token, outcome: .retry, error: "launch failed: \(failure.reason)",
                                                       exit: TaskExit(stopReason: "launch failed"),
                                                       retryDelay: settings.backoff.delay(afterAttempt: job.attempt))
                    await onAttemptEnded?(AttemptEnd(job: job, state: state, exit: TaskExit(stopReason: "launch failed: \(failure.reason)")))
                } else {
                    logger.warning("launch failed; relaunching without using an attempt", metadata: metadata)
                    try await queue.releaseLaunch(id: job.id, token: token, reason: "launch failed: \(failure.reason)",
                                                  delay: settings.launchRetryDelay)
                }
            } catch {
                logger.error("could not record a failed launch", metadata: ["job.id": "\(job.id)", "error": "\(error)"])
            }
            return
        } catch {
            metadata["error"] = "\(error)"
            logger.warning("launch failed; relaunching without using an attempt", metadata: metadata)
            _ = try? await queue.releaseLaunch(id: job.id, token: token, reason: "launch failed: \(error)", delay: settings.launchRetryDelay)
            return
        }
        state.withLock { state in
            state.active[job.id] = (job.kind, task)
            state.launched += 1
        }
        do {
            try await queue.recordLaunch(id: job.id, token: token, taskID: task.taskID)
        } catch {
            logger.error("could not record the launch", metadata: ["job.id": "\(job.id)", "error": "\(error)"])
        }
        let backoff = settings.backoff
        let logger = self.logger
        let onAttemptEnded = self.onAttemptEnded
        group.addTask {
            let exit: TaskExit
            do {
                exit = try await task.waitForExit()
            } catch {
                exit = TaskExit(stopReason: "lost track of the task: \(error)")
            }
            do {
                let state = try await queue.recordExit(id: job.id, token: token, exit: exit, backoff: backoff)
                logger.info("task ended", metadata: [
                    "job.id": "\(job.id)", "job.kind": "\(job.kind)", "job.attempt": "\(job.attempt)",
                    "task.exit": "\(exit)", "job.state": "\(state.map(\.rawValue) ?? "superseded")",
                ])
                await onAttemptEnded?(AttemptEnd(job: job, state: state, exit: exit))
            } catch {
                logger.error("could not record the end of a task; the leader's rescue picks it up",
                             metadata: ["job.id": "\(job.id)", "error": "\(error)"])
            }
            self.state.withLock { state in
                state.active[job.id] = nil
                state.wake?.yield(.slotFreed)
            }
        }
    }

    /// After the main loop: let tasks finish for `shutdownTimeout`, then stop them.
    private func drain(group: inout DiscardingTaskGroup) async {
        guard launcher.stopsTasksOnShutdown else { return }
        let deadline = ContinuousClock.now + settings.shutdownTimeout
        while activeCount > 0 && ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(50))
        }
        let remaining = state.withLock { $0.active.values.map(\.task) }
        if !remaining.isEmpty {
            logger.warning("stopping tasks still running at shutdown", metadata: ["tasks": "\(remaining.count)"])
        }
        let grace = settings.stopGrace
        for task in remaining {
            group.addTask { await task.stop(reason: "dispatcher shutdown", grace: grace) }
        }
    }

    /// A job was cancelled: stop its task if this dispatcher runs it. Not
    /// through the wake-up stream, which drops old events under load.
    private func stopTask(ofJob id: Int64) {
        guard let task = state.withLock({ $0.active[id]?.task }) else { return }
        let grace = settings.stopGrace
        Task { await task.stop(reason: "cancelled by request", grace: grace) }
    }
}

/// How an attempt the dispatcher watched ended.
public struct AttemptEnd: Sendable {
    /// The job as claimed for this attempt (``Job/attempt`` is the attempt's number).
    public var job: Job
    /// The job's state after the attempt: `retryable` (another attempt is
    /// scheduled), `discarded` (given up), `completed`, `cancelled`; nil if
    /// the attempt was no longer the job's current one.
    public var state: JobState?
    /// How the task ended, as the launcher saw it.
    public var exit: TaskExit
}

/// A source of new jobs the dispatcher's leader sweeps periodically (the
/// local `incoming/` watcher, the S3 event queue).
public protocol JobIntake: Sendable {
    var name: String { get }
    /// Enqueues what is new; returns how many jobs it enqueued.
    @discardableResult
    func sweep(queue: JobQueue) async throws -> Int
}
