import Catalog
import JobQueue
import Logging
import PyramydalRuntime

/// The dispatcher of a ``Configuration``, as `pyramydal dispatch` (and a
/// command waiting for its job) runs it: the launcher (local processes
/// from `tasks/<kind>.json`, or ECS RunTask), with `intake` the store's
/// `incoming/` watcher (and the SQS intake when configured), and retries
/// and give-ups written to the audit log (``DispatchAudit``).
public enum ProductionDispatcher {
    /// - Parameters:
    ///   - quiet: log warnings and errors only, of the dispatcher and of the
    ///     workers it starts (a command waiting for its job prints its own progress).
    public static func make(configuration: Configuration, databaseURL url: String, intake: Bool,
                            shutdownTimeout: Duration, quiet: Bool = false, logger: Logger) async throws -> Dispatcher {
        let settings = configuration.jobs
        var logger = logger
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
                client: AWSClients.ecs(region: configuration.s3.region, endpoint: settings.ecsEndpoint),
                settings: ECSSettings(cluster: settings.ecsCluster ?? "", subnets: settings.ecsSubnets,
                                      securityGroups: settings.ecsSecurityGroups, taskFamilyPrefix: settings.ecsTaskFamilyPrefix),
                logger: logger)
        }
        var intakes: [any JobIntake] = []
        if intake {
            try EmbeddedStack.prepareLocalStore(configuration)
            let store = try configuration.openStore(logger: logger)
            intakes.append(IncomingWatcher(store: store))
            if let queueURL = settings.sqsQueueURL, case .s3(let bucket, let prefix) = configuration.store {
                intakes.append(SQSIntake(
                    client: AWSClients.sqs(region: configuration.s3.region, endpoint: settings.sqsEndpoint),
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
            onAttemptEnded: try await DispatchAudit.start(databaseURL: url, catalog: Catalog(schemas: configuration.catalogSchemas),
                                                          logger: logger).record)
    }

    /// True when no dispatcher holds the queue's leadership (a running
    /// dispatcher always does), so nobody else would launch a job. With
    /// the ECS launcher jobs are left to the deployed dispatcher.
    public static func isUnattended(configuration: Configuration, databaseURL: String, logger: Logger) async throws -> Bool {
        guard configuration.jobs.launcher == .local else { return false }
        let probe = try await JobQueue.connect(url: databaseURL, schema: configuration.jobs.schema,
                                               applicationName: "pyramydal-wait-probe", logger: logger)
        defer { probe.connection.close() }  // closing the session releases the probe's lock
        return try await probe.tryLeadership()
    }
}
