import ArgumentParser
import Catalog
import Foundation
import JobContracts
import JobQueue
import Logging
import Postgres
import PyramydalRuntime
import Snapshots
import WorkerSupport


/// The snapshot worker's entry point (docs/snapshots.md).
///
/// Started by the dispatcher (`PYRAMYDAL_JOB_ID` set, no arguments) it runs
/// that `snapshot` job: a snapshot of the configured database into the
/// configured store, then retention. Directly (the benchmark, people):
///
/// ```
/// SnapshotWorker snapshot [--no-prune]
/// SnapshotWorker restore <snapshot> [--into URL] [--catalog-schema S] [--data-schema S] [--dataset D]...
/// ```
///
/// Exit codes (``WorkerExitCode``): 0 done, 64 usage, 65 bad input (unknown
/// snapshot, corrupt object, non-empty target, a bad configuration), 75
/// transient (another snapshot running, the database or store unreachable).
@main
struct SnapshotWorker: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "SnapshotWorker",
        abstract: "Take a snapshot of the catalog and every dataset version into the store, or restore one.",
        discussion: """
            environment: PYRAMYDAL_DATABASE_URL, PYRAMYDAL_STORE, PYRAMYDAL_SNAPSHOT_KEEP_DAILY/WEEKLY/MONTHLY,
                         PYRAMYDAL_SNAPSHOT_GZIP_LEVEL, PYRAMYDAL_CATALOG_SCHEMA, PYRAMYDAL_DATA_SCHEMA
            """,
        subcommands: [TakeSnapshot.self, Restore.self])

    static func main() async {
        await WorkerMain.run(Self.self, kinds: [SnapshotArgs.kind]) { job in
            _ = try job.context.decodeArguments(SnapshotArgs.self)
            let outcome = try await snapshot(configuration: job.configuration, environment: ProcessInfo.processInfo.environment,
                                             prune: true, logger: job.logger)
            return SnapshotResult(snapshot: outcome.manifest.id, kind: outcome.manifest.kind.rawValue,
                                  objects: outcome.manifest.objects.count, pruned: outcome.prune?.pruned ?? [])
        }
    }

    func run() async throws {
        throw WorkerFailure(.usage, Self.helpMessage())
    }

    /// The configuration and logger of a command run by hand; its errors
    /// as the worker's exit codes.
    static func running(_ body: (Configuration, Logger) async throws -> Void) async throws {
        let configuration: Configuration
        do {
            configuration = try Configuration.fromProcessEnvironment()
        } catch {
            throw WorkerFailure(.badInput, "\(error)")
        }
        LoggingSetup.bootstrap(configuration)
        let logger = Logger(label: "pyramydal.snapshot-worker")
        do {
            try await body(configuration, logger)
        } catch let error as SnapshotError where error.code == .busy {
            logger.error("snapshot not taken", metadata: ["error": "\(error)"])
            throw WorkerFailure(.transient, nil)
        } catch let error as SnapshotError {
            logger.error("snapshot failed", metadata: ["error": "\(error)"])
            throw WorkerFailure(.badInput, nil)
        } catch {
            logger.error("snapshot failed", metadata: ["error": "\(error)"])
            throw WorkerFailure(.transient, nil)
        }
    }

    /// A snapshot, then retention. `PYRAMYDAL_SNAPSHOT_TEST_PAUSE_FILE`
    /// (tests only) makes the worker create that file after its first
    /// object upload and then wait to be killed.
    static func snapshot(configuration: Configuration, environment: [String: String], prune: Bool, logger: Logger)
        async throws -> (manifest: SnapshotManifest, prune: PruneResult?) {
        let policy = try RetentionPolicy(environment: environment)
        let url = try await EmbeddedStack.databaseURL(for: configuration, logger: logger)
        let connection = try await PostgresConnection.connect(url: url, variable: Configuration.Variable.databaseURL,
                                                              applicationName: "pyramydal-snapshot", logger: logger)
        defer { connection.close() }
        let schemas = configuration.catalogSchemas
        _ = try await connection.run { try Catalog(schemas: schemas).migrate($0) }
        var writer = SnapshotWriter(store: try configuration.openStore(logger: logger), schemas: schemas, logger: logger)
        if let text = environment[SnapshotWriter.gzipLevelVariable], !text.isEmpty {
            guard let level = Int(text), (0...9).contains(level) else {
                throw SnapshotError(.badSetting, "\(SnapshotWriter.gzipLevelVariable) must be 0…9, not \"\(text)\"")
            }
            writer.gzipLevel = level
        }
        if let pauseFile = environment["PYRAMYDAL_SNAPSHOT_TEST_PAUSE_FILE"], !pauseFile.isEmpty {
            writer.afterObjectUpload = { _ in
                _ = FileManager.default.createFile(atPath: pauseFile, contents: Data())
                while true { try? await Task.sleep(for: .seconds(60)) }
            }
        }
        let actor = AuditActor.current(environment: environment)
        if prune {
            let outcome = try await writer.runAndPrune(connection: connection, actor: actor, policy: policy)
            return (outcome.manifest, outcome.prune)
        }
        return (try await writer.run(connection: connection, actor: actor), nil)
    }

    static func restore(_ options: RestoreOptions, configuration: Configuration, logger: Logger) async throws -> RestoreSummary {
        var url = options.into ?? ""
        if options.into == nil { url = try await EmbeddedStack.databaseURL(for: configuration, logger: logger) }
        let connection = try await PostgresConnection.connect(url: url, variable: options.into == nil ? Configuration.Variable.databaseURL : "--into",
                                                              applicationName: "pyramydal-restore", logger: logger)
        defer { connection.close() }
        return try await SnapshotRestorer(store: try configuration.openStore(logger: logger), logger: logger)
            .restore(snapshot: options.snapshot, datasets: options.datasets, into: connection, schemas: options.schemas,
                     actor: AuditActor.current())
    }
}

/// `SnapshotWorker snapshot [--no-prune]`.
struct TakeSnapshot: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "snapshot", abstract: "Take a snapshot, then apply retention.")

    @Flag(name: .customLong("no-prune"), help: "Don't apply retention afterwards.") var noPrune = false

    func run() async throws {
        try await SnapshotWorker.running { configuration, logger in
            let outcome = try await SnapshotWorker.snapshot(configuration: configuration, environment: ProcessInfo.processInfo.environment,
                                                            prune: !noPrune, logger: logger)
            print("snapshot \(outcome.manifest.id) (\(outcome.manifest.kind.rawValue)): \(outcome.manifest.objects.count) objects written, \(outcome.manifest.inherited.count) inherited")
        }
    }
}

/// `SnapshotWorker restore <snapshot> [--into URL] [--catalog-schema S] [--data-schema S] [--dataset D]...`
struct Restore: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Restore a snapshot (see `pyramydal snapshots`).")

    @Argument(help: "The snapshot's id, or latest.") var snapshot: String
    @Option(help: "A database URL to restore into (default: PYRAMYDAL_DATABASE_URL).") var into: String?
    @Option(name: .customLong("catalog-schema"), help: "The catalog schema to restore into.") var catalogSchema: String?
    @Option(name: .customLong("data-schema"), help: "The data schema to restore into.") var dataSchema: String?
    @Option(name: .customLong("dataset"), help: "Restore only this [department/]name (repeatable).") var datasets: [String] = []

    func run() async throws {
        try await SnapshotWorker.running { configuration, logger in
            var schemas = configuration.catalogSchemas
            if let catalogSchema { schemas.catalog = catalogSchema }
            if let dataSchema { schemas.data = dataSchema }
            let options = RestoreOptions(snapshot: snapshot, into: into, schemas: schemas, datasets: datasets.map(DatasetRef.init(parsing:)))
            let summary = try await SnapshotWorker.restore(options, configuration: configuration, logger: logger)
            print("restored \(summary.snapshot): \(summary.datasets) datasets, \(summary.versions) versions, \(summary.rows) rows")
        }
    }
}

/// What to restore, and where.
struct RestoreOptions {
    var snapshot: String
    var into: String?
    var schemas: CatalogSchemas
    var datasets: [DatasetRef]
}
