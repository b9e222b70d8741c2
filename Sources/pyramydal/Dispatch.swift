import ArgumentParser
import Catalog
import Foundation
import JobQueue
import Logging
import ObjectStore
import Postgres
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
            let dispatcher = try await Self.makeDispatcher(context, databaseURL: url, intake: !noIntake,
                                                     shutdownTimeout: .seconds(shutdownTimeout))

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

    /// The dispatcher of this configuration: the launcher (local processes
    /// from `tasks/<kind>.json`, or ECS), and with `intake` the store's
    /// `incoming/` watcher (and the SQS intake when configured); retries and
    /// give-ups go to the audit log. `pyramydal export` runs one without
    /// intake while it waits for its job.
    ///   - quiet: log warnings and errors only, of the dispatcher and of the
    ///     workers it starts (a command waiting for its job prints its own progress).
    static func makeDispatcher(_ context: CommandContext, databaseURL url: String, intake: Bool,
                               shutdownTimeout: Duration, quiet: Bool = false) async throws -> Dispatcher {
        let configuration = context.configuration
        let settings = configuration.jobs
        var logger = context.logger
        var environment = [
            "PYRAMYDAL_DATABASE_URL": url,
            "PYRAMYDAL_STORE": configuration.store.description,
            WorkerEnvironment.schema: settings.schema,
        ]
        environment["PYRAMYDAL_HOME"] = configuration.home
        if quiet, logger.logLevel < .warning {
            logger.logLevel = .warning
            environment["PYRAMYDAL_LOG_LEVEL"] = "warning"
        }
        let launcher: any Launcher
        switch settings.launcher {
        case .local:
            launcher = LocalProcessLauncher(tasksDirectory: settings.tasksDirectory, environment: environment,
                                            logger: logger)
        case .ecs:
            launcher = ECSLauncher(
                client: DispatchStore.ecs(region: configuration.s3.region, endpoint: settings.ecsEndpoint),
                settings: ECSSettings(cluster: settings.ecsCluster ?? "", subnets: settings.ecsSubnets,
                                      securityGroups: settings.ecsSecurityGroups, taskFamilyPrefix: settings.ecsTaskFamilyPrefix),
                logger: logger)
        }
        var intakes: [any JobIntake] = []
        if intake {
            try EmbeddedStack.prepareLocalStore(configuration)
            let store = try objectStore(configuration, logger: logger)
            intakes.append(IncomingWatcher(store: store))
            if let queueURL = settings.sqsQueueURL, case .s3(let bucket, let prefix) = configuration.store {
                intakes.append(SQSIntake(
                    client: DispatchStore.sqs(region: configuration.s3.region, endpoint: settings.sqsEndpoint),
                    queueURL: queueURL, storeLocation: store.location, bucket: bucket, prefix: prefix, logger: logger))
            }
        }
        return Dispatcher(
            databaseURL: url, schema: settings.schema, launcher: launcher,
            settings: DispatcherSettings(
                maxConcurrent: settings.maxConcurrent, maxConcurrentPerKind: settings.maxConcurrentPerKind,
                launchRate: settings.launchRate, retention: .seconds(settings.retentionSeconds),
                shutdownTimeout: shutdownTimeout),
            intakes: intakes, logger: logger,
            onAttemptEnded: try await DispatchAudit.start(databaseURL: url, logger: logger).record)
    }

    static func objectStore(_ configuration: Configuration, logger: Logger) throws -> any ObjectStore {
        try configuration.openStore(logger: logger)
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

/// The dispatcher's audit rows: an attempt that ended `retryable` is
/// recorded as `retry job <id>` (outcome `scheduled`), one that used the
/// last attempt as `discard job <id>` (outcome `discarded`), with the
/// job's dataset, attempt and exit in the details. Completions are audited
/// by the workers themselves (export, print, ingest). Each row is written
/// on a short-lived connection; a failure to write is logged, never fatal.
struct DispatchAudit: Sendable {
    let databaseURL: String
    let catalog: Catalog
    let logger: Logger

    /// Migrates the catalog (so the audit table exists) and returns the recorder.
    static func start(databaseURL: String, logger: Logger) async throws -> DispatchAudit {
        let catalog = Catalog(schemas: CatalogSchemas(environment: ProcessInfo.processInfo.environment))
        let connection = try await PostgresConnection.connect(url: databaseURL, variable: "PYRAMYDAL_DATABASE_URL",
                                                              applicationName: "pyramydal-dispatcher-audit", logger: logger)
        defer { connection.close() }
        try await connection.run { conn in _ = try catalog.migrate(conn) }
        return DispatchAudit(databaseURL: databaseURL, catalog: catalog, logger: logger)
    }

    @Sendable func record(_ end: AttemptEnd) async {
        let (what, outcome): (String, String)
        switch end.state {
        case .retryable?: (what, outcome) = ("retry job \(end.job.id)", "scheduled")
        case .discarded?: (what, outcome) = ("discard job \(end.job.id)", "discarded")
        default: return
        }
        do {
            let connection = try await PostgresConnection.connect(url: databaseURL, variable: "PYRAMYDAL_DATABASE_URL",
                                                                  applicationName: "pyramydal-dispatcher-audit", logger: logger)
            defer { connection.close() }
            try await JobAudit.record(end.job, what: what, outcome: outcome, details: ["exit": .string(end.exit.description)],
                                      connection: connection, catalog: catalog)
        } catch {
            logger.error("could not write the audit row", metadata: ["job.id": "\(end.job.id)", "error": "\(error)"])
        }
    }
}
