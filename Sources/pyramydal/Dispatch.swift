import ArgumentParser
import Dispatching
import Foundation
import JobQueue
import Logging
import PyramydalRuntime
import ServiceLifecycle

/// `pyramydal dispatch`: the long-running dispatcher. SIGTERM or SIGINT
/// shuts it down gracefully (no new claims; running workers get 30 s, then
/// SIGTERM and SIGKILL; nothing is left in `launching`).
struct Dispatch: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dispatch",
        abstract: "Run the dispatcher: launch queued jobs as worker processes, run cron schedules, watch incoming/.",
        discussion: """
            Workers are started with the command of tasks/<kind>.json (PYRAMYDAL_TASKS_DIR), found next to
            this executable or on PATH. Stop with SIGTERM or Ctrl-C.
            """
    )

    @Flag(name: .customLong("no-intake"), help: "Don't watch the store's incoming/ prefix.")
    var noIntake = false

    @Flag(name: .customLong("until-idle"),
          help: "Stop once jobs have run and none is waiting, launching, running or due for a retry (demos, scripts).")
    var untilIdle = false

    @Option(name: .customLong("idle-timeout"), help: "With --until-idle: give up after this many seconds.")
    var idleTimeout: Int = 600

    @Option(name: .customLong("shutdown-timeout"),
            help: "Seconds running workers get to finish after SIGTERM before they are stopped.")
    var shutdownTimeout: Int = 30

    func validate() throws {
        guard shutdownTimeout >= 0 else { throw ValidationError("--shutdown-timeout must be 0 or more seconds") }
    }

    func run() async throws {
        try await CommandContext.run(label: "pyramydal.dispatcher") { context in
            let settings = context.configuration.jobs
            let url = try await EmbeddedStack.databaseURL(for: context.configuration, logger: context.logger)
            let dispatcher = try await ProductionDispatcher.make(configuration: context.configuration, databaseURL: url,
                                                                 intake: !noIntake, shutdownTimeout: .seconds(shutdownTimeout),
                                                                 logger: context.logger)

            // A ServiceGroup turns SIGTERM / SIGINT into a graceful shutdown.
            let group = ServiceGroup(configuration: ServiceGroupConfiguration(
                services: [.init(service: dispatcher)],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: context.logger))
            print("pyramydal dispatch: launching jobs from \(settings.tasksDirectory); stop with Ctrl-C")
            guard untilIdle else {
                try await group.run()
                return
            }
            // The watch counts finished jobs before the dispatcher starts, so
            // even a job that finishes within its first poll counts as work.
            let watch = try await IdleWatch.start(databaseURL: url, schema: settings.schema, timeout: .seconds(idleTimeout),
                                                  logger: context.logger)
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await group.run() }
                tasks.addTask {
                    try await watch.wait()
                    await group.triggerGracefulShutdown()
                }
                try await tasks.waitForAll()
            }
        }
    }
}

/// `--until-idle`: waits until the queue has done some work and then has
/// nothing left to do for a few seconds in a row (no job available,
/// launching, running or retryable; scheduled ones, like the nightly
/// snapshot, don't count), or until the timeout.
struct IdleWatch {
    static let pending: Set<JobState> = [.available, .scheduled, .launching, .running, .retryable]

    let queue: JobQueue
    let timeout: Duration
    let logger: Logger
    /// Finished jobs before the dispatcher started (0 before the queue's first migration).
    let baseline: Int

    static func start(databaseURL: String, schema: String, timeout: Duration, logger: Logger) async throws -> IdleWatch {
        let queue = try await JobQueue.connect(url: databaseURL, schema: schema, applicationName: "pyramydal-idle-watch",
                                               logger: logger)
        let counts = (try? await queue.countsByState()) ?? [:]
        return IdleWatch(queue: queue, timeout: timeout, logger: logger,
                         baseline: counts.filter { !pending.contains($0.key) }.values.reduce(0, +))
    }

    func wait() async throws {
        defer { queue.connection.close() }
        let deadline = ContinuousClock.now + timeout
        var quietPolls = 0
        while ContinuousClock.now < deadline {
            try await Task.sleep(for: .seconds(1))
            let counts = (try? await queue.countsByState()) ?? [:]
            let waiting = counts.filter { Self.pending.contains($0.key) && $0.key != .scheduled }.values.reduce(0, +)
            let finished = counts.filter { !Self.pending.contains($0.key) }.values.reduce(0, +)
            quietPolls = waiting == 0 && finished > baseline ? quietPolls + 1 : 0
            if quietPolls >= 3 {
                logger.info("the queue is idle; stopping")
                return
            }
        }
        logger.warning("--until-idle: still busy after the idle timeout; stopping anyway")
    }
}
