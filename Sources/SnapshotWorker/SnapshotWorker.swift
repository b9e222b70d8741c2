import Catalog
import Foundation
import JobContracts
import JobQueue
import Logging
import Postgres
import PyramydalRuntime
import Snapshots

#if canImport(Glibc)
import Glibc
#endif

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
/// Exit codes: 0 done, 64 usage, 65 bad input (unknown snapshot, corrupt
/// object, non-empty target), 75 transient (another snapshot running, the
/// database or store unreachable).
@main
struct SnapshotWorker {
    static func main() async {
        let arguments = Array(CommandLine.arguments.dropFirst())
        let environment = ProcessInfo.processInfo.environment
        if arguments.first == "--help" || arguments.first == "-h" {
            print(usage)
            exit(WorkerExitCode.success.rawValue)
        }
        let configuration: Configuration
        do {
            configuration = try Configuration.fromProcessEnvironment()
        } catch {
            FileHandle.standardError.write(Data("SnapshotWorker: \(error)\n".utf8))
            exit(WorkerExitCode.badInput.rawValue)
        }
        LoggingSetup.bootstrap(configuration)
        let logger = Logger(label: "pyramydal.snapshot-worker")
        if arguments.isEmpty, environment[WorkerEnvironment.jobID] != nil {
            exit(await runWorker(kind: SnapshotArgs.kind, logger: logger) { job in
                _ = try job.decodeArguments(SnapshotArgs.self)
                let outcome = try await snapshot(configuration: configuration, environment: environment, prune: true, logger: logger)
                return try JSONValue(encoding: SnapshotResult(snapshot: outcome.manifest.id, kind: outcome.manifest.kind.rawValue,
                                                              objects: outcome.manifest.objects.count,
                                                              pruned: outcome.prune?.pruned ?? []))
            })
        }
        do {
            switch arguments.first {
            case "snapshot":
                let outcome = try await snapshot(configuration: configuration, environment: environment,
                                                 prune: !arguments.contains("--no-prune"), logger: logger)
                print("snapshot \(outcome.manifest.id) (\(outcome.manifest.kind.rawValue)): \(outcome.manifest.objects.count) objects written, \(outcome.manifest.inherited.count) inherited")
            case "restore":
                let options = try RestoreOptions(Array(arguments.dropFirst()), configuration: configuration)
                let summary = try await restore(options, configuration: configuration, logger: logger)
                print("restored \(summary.snapshot): \(summary.datasets) datasets, \(summary.versions) versions, \(summary.rows) rows")
            default:
                FileHandle.standardError.write(Data((usage + "\n").utf8))
                exit(WorkerExitCode.usage.rawValue)
            }
            exit(WorkerExitCode.success.rawValue)
        } catch let error as SnapshotError where error.code == .busy {
            logger.error("snapshot not taken", metadata: ["error": "\(error)"])
            exit(WorkerExitCode.transient.rawValue)
        } catch let error as SnapshotError {
            logger.error("snapshot failed", metadata: ["error": "\(error)"])
            exit(WorkerExitCode.badInput.rawValue)
        } catch let error as UsageError {
            FileHandle.standardError.write(Data("SnapshotWorker: \(error.message)\n\(usage)\n".utf8))
            exit(WorkerExitCode.usage.rawValue)
        } catch {
            logger.error("snapshot failed", metadata: ["error": "\(error)"])
            exit(WorkerExitCode.transient.rawValue)
        }
    }

    static let usage = """
        usage: SnapshotWorker snapshot [--no-prune]
               SnapshotWorker restore <snapshot> [--into URL] [--catalog-schema S] [--data-schema S] [--dataset D]...
        environment: PYRAMYDAL_DATABASE_URL, PYRAMYDAL_STORE, PYRAMYDAL_SNAPSHOT_KEEP_DAILY/WEEKLY/MONTHLY,
                     PYRAMYDAL_SNAPSHOT_GZIP_LEVEL, PYRAMYDAL_CATALOG_SCHEMA, PYRAMYDAL_DATA_SCHEMA
        """

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
        let schemas = CatalogSchemas(environment: environment)
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

struct UsageError: Error {
    var message: String
}

/// `restore <snapshot> [--into URL] [--catalog-schema S] [--data-schema S] [--dataset D]...`
struct RestoreOptions {
    var snapshot = ""
    var into: String?
    var schemas: CatalogSchemas
    var datasets: [DatasetRef] = []

    init(_ arguments: [String], configuration: Configuration) throws {
        schemas = CatalogSchemas(environment: ProcessInfo.processInfo.environment)
        var i = 0
        func value() throws -> String {
            i += 1
            guard i < arguments.count else { throw UsageError(message: "\(arguments[i - 1]) needs a value") }
            return arguments[i]
        }
        while i < arguments.count {
            switch arguments[i] {
            case "--into": into = try value()
            case "--catalog-schema": schemas.catalog = try value()
            case "--data-schema": schemas.data = try value()
            case "--dataset": datasets.append(DatasetRef(parsing: try value()))
            case let other where other.hasPrefix("--"): throw UsageError(message: "unknown option \(other)")
            case let id:
                guard snapshot.isEmpty else { throw UsageError(message: "one snapshot only") }
                snapshot = id
            }
            i += 1
        }
        guard !snapshot.isEmpty else { throw UsageError(message: "which snapshot? (see `pyramydal snapshots`)") }
    }
}
