import Catalog
import Foundation
import Ingest
import JobContracts
import JobQueue
import Logging
import Postgres
import PyramydalRuntime
import Synchronization
import WorkerSupport

/// The `ingest` job as the dispatcher launches it (`PYRAMYDAL_JOB_ID` set):
/// arguments ``IngestArgs`` (the `incoming/` watcher and the SQS intake
/// enqueue them), the same path as `--key`, and on commit the
/// dataset's standing report requests become `export`/`print` jobs in the
/// version's own transaction, so they exist exactly when the version does.
enum IngestJob {
    static func run(_ worker: WorkerJob) async throws -> [IngestedVersion] {
        let (job, configuration, logger) = (worker.context, worker.configuration, worker.logger)
        sweepStaleDownloads(logger: logger)
        let arguments = try job.decodeArguments(IngestArgs.self)
        // Its own connection: the job's carries the heartbeats while the COPY runs.
        let (connection, catalog) = try await connectToCatalog(configuration: configuration, logger: logger)
        defer { connection.close() }
        let schema = job.queue.schema
        let ingest = Ingest(connection: connection, catalog: catalog, logger: logger) { version, conn in
            try enqueueReports(for: version, catalog: catalog, queueSchema: schema, on: conn, logger: logger)
        }
        do {
            let store = try IngestStores.open(arguments.store, configuration: configuration)
            let progress = job.throttledProgress()
            let last = Mutex<IngestProgress?>(nil)
            let versions = try await StoreIngest(ingest: ingest, store: store).run(key: arguments.key, etag: arguments.etag) { p in
                last.withLock { $0 = p }
                progress.report(p.fraction, progressMessage(p))
            }
            // The last word on the job page: every row read (none for a workbook ingested before).
            if var p = last.withLock({ $0 }) {
                p.totalRows = p.rowsCopied
                await progress.finish(1, message: progressMessage(p))
            }
            return versions.map { version in
                IngestedVersion(dataset: version.dataset.description, version: version.version, rows: version.rowCount,
                                columns: version.columns.count, alreadyIngested: version.alreadyIngested)
            }
        } catch let error as IngestError where error.kind == .badInput {
            throw WorkerError.badInput(error.description)
        }
    }

    /// "12,000 of about 100,000 rows read into orders" (the upload page shows it under the bar).
    static func progressMessage(_ p: IngestProgress) -> String {
        func grouped(_ n: Int) -> String { n.formatted(.number.grouping(.automatic).locale(Locale(identifier: "en_US"))) }
        let of: String
        if p.totalRows > 0 {
            of = " of " + grouped(p.totalRows)
        } else if let expected = p.expectedRows, expected > 0 {
            of = " of about " + grouped(expected)
        } else {
            of = ""
        }
        return "\(grouped(p.rowsCopied))\(of) rows read into \(p.dataset)"
    }

    /// Removes downloads left in `TMPDIR` by ingest workers killed
    /// mid-download (their process is gone); run when a worker starts.
    static func sweepStaleDownloads(logger: Logger) {
        for name in StoreIngest.sweepStaleDownloads() {
            logger.notice("removed a download left by a killed worker", metadata: ["file": "\(name)"])
        }
    }

    /// A connection of the ingest's own, with the catalog migrated.
    static func connectToCatalog(configuration: Configuration, logger: Logger) async throws -> (PostgresConnection, Catalog) {
        let url = try await EmbeddedStack.databaseURL(for: configuration, logger: logger)
        let connection = try await PostgresConnection.connect(url: url, variable: Configuration.Variable.databaseURL,
                                                              applicationName: "pyramydal-ingest", logger: logger)
        let catalog = Catalog(schemas: configuration.catalogSchemas)
        do {
            _ = try await connection.run { try catalog.migrate($0) }
        } catch {
            connection.close()
            throw error
        }
        return (connection, catalog)
    }

    /// One `export` or `print` job per standing report request of the
    /// version's dataset; the unique key (request + version) makes a rerun
    /// of the same ingest enqueue nothing new.
    static func enqueueReports(for version: CommittedVersion, catalog: Catalog, queueSchema: String,
                               on connection: PostgresConnection, logger: Logger) throws {
        guard !version.alreadyIngested else { return }
        for request in try catalog.reportRequests(datasetID: version.datasetID, on: connection) {
            // The request's stored options (columns, filters, …) with this version's dataset, version and format.
            var fields = (try? JSONValue.parse(request.options).objectValue) ?? [:]
            fields["dataset"] = .string(version.dataset.description)
            fields["version"] = .number(Double(version.version))
            fields["format"] = .string(request.format)
            let report: ReportRequest
            do {
                report = try JSONValue.object(fields).decode(ReportRequest.self)
            } catch {
                logger.error("a standing report request is unreadable; no report job for it", metadata: [
                    "report.request": "\(request.id)", "dataset": "\(version.dataset)", "error": "\(error)",
                ])
                continue
            }
            let job = try JobQueue.enqueue(on: connection, schema: queueSchema, ExportJobArguments(request: report),
                                           uniqueKey: "report:\(request.id):v\(version.versionID)")
            logger.info("report job enqueued", metadata: [
                "job.id": "\(job.id)", "job.kind": "\(job.kind)", "dataset": "\(version.dataset)", "dataset.version": "\(version.version)",
            ])
        }
    }
}
