import Catalog
import Foundation
import JobQueue
import Logging
import ObjectStore
import Postgres
import PyramydalRuntime
import Reports
import WorkerSupport

/// The `export` and `print` jobs as the dispatcher launches them
/// (`PYRAMYDAL_JOB_ID` set): arguments ``ExportJobArguments``; the report
/// is rendered, uploaded under `reports/…` and recorded as an artifact
/// (``ExportJob``). A ``ReportError`` that is the request's fault (unknown
/// dataset, version or column, a bad filter, too many rows) discards the
/// job; anything else is retried.
enum ExportJobRunner {
    static func run(_ worker: WorkerJob) async throws -> any Encodable & Sendable {
        let (job, kind, configuration, logger) = (worker.context, worker.kind, worker.configuration, worker.logger)
        let arguments = try job.decodeArguments(ExportJobArguments.self)
        guard arguments.kind == kind else {
            throw WorkerError.badInput("a \(arguments.request.format.rawValue) report is a \(arguments.kind) job, not \(kind)")
        }
        let environment = ProcessInfo.processInfo.environment
        let catalog = Catalog(schemas: configuration.catalogSchemas)
        let url = try await EmbeddedStack.databaseURL(for: configuration, logger: logger)
        let connection = try await PostgresConnection.connect(url: url, variable: Configuration.Variable.databaseURL,
                                                              applicationName: "pyramydal-\(kind)", logger: logger)
        defer { connection.close() }
        let exportJob = ExportJob(
            sources: CatalogReportSources(catalog: catalog),
            publisher: ReportPublisher(
                exporter: ReportExporter(maxRows: try ReportLimits.maxRows(for: arguments.request.format, environment: environment)),
                store: try configuration.openStore(logger: logger),
                catalog: catalog))
        let audit = ExportAudit(catalog: catalog, kind: kind, arguments: arguments, jobID: job.id,
                                attempt: job.attempt, logger: logger)
        do {
            if let diff = arguments.diff {
                try? await job.progress(0.05, message: "comparing v\(diff.from) and v\(diff.to) of \(diff.dataset)")
                let published = try await exportJob.runDiff(diff, name: arguments.name, jobID: job.id, connection: connection)
                await audit.record(outcome: "done", key: published.key, connection: connection)
                return DiffReportResult(key: published.key, added: published.diff.added,
                                        removed: published.diff.removed, changed: published.diff.changed)
            }
            let format = arguments.request.format.rawValue
            try? await job.progress(0.05, message: "rendering \(format) of \(arguments.request.dataset)")
            let published = try await exportJob.run(arguments, jobID: job.id, connection: connection) { output in
                var rendered = "\(output.rows) rows, \(output.bytes) bytes"
                if let pages = output.pages { rendered += ", \(pages) pages" }
                try? await job.progress(0.8, message: "rendered \(rendered); uploading")
            }
            await audit.record(outcome: "done", key: published.key, connection: connection)
            return ExportResult(key: published.key, artifact: published.artifactID,
                                rows: published.output.rows, bytes: published.bytes)
        } catch let error as ReportError where error.isBadInput {
            await audit.record(outcome: "refused", error: error.description, connection: connection)
            throw WorkerError.badInput(error.description)
        } catch let error as ObjectStoreError where error.code == .invalidKey {
            // A key the store refuses comes from the request (its name), not from a passing fault.
            await audit.record(outcome: "refused", error: error.description, connection: connection)
            throw WorkerError.badInput(error.description)
        } catch {
            await audit.record(outcome: "failed", error: "\(error)", connection: connection)
            throw error
        }
    }
}

/// The audit row of an `export`/`print` job's attempt: who asked (the
/// requester in the arguments, else this worker's principal, see
/// ``AuditActor``), what (`export <dataset>`, `print <dataset>`, `diff <dataset>`),
/// and the outcome (`done`, `refused` for bad input, `failed`, retried by the dispatcher).
struct ExportAudit {
    let catalog: Catalog
    let kind: String
    let arguments: ExportJobArguments
    let jobID: Int64
    let attempt: Int
    let logger: Logger

    func record(outcome: String, key: String? = nil, error: String? = nil, connection: PostgresConnection) async {
        let dataset = DatasetRef(parsing: arguments.request.dataset)
        var details: [String: AuditValue] = ["job": .int(jobID), "attempt": .int(Int64(attempt)),
                                             "format": .string(arguments.request.format.rawValue)]
        if let diff = arguments.diff {
            details["from"] = .int(Int64(diff.from))
            details["to"] = .int(Int64(diff.to))
            if !diff.key.isEmpty { details["key"] = .strings(diff.key) }
        } else if let version = arguments.request.version {
            details["version"] = .int(Int64(version))
        }
        if let key { details["report"] = .string(key) }
        if let error { details["error"] = .string(error) }
        let who = arguments.requestedBy ?? AuditActor.current()
        let what = "\(arguments.diff == nil ? kind : "diff") \(dataset)"
        let catalog = self.catalog
        let all = details
        do {
            try await connection.run { conn in
                try catalog.audit(who: who, what: what, outcome: outcome, dataset: dataset, details: all, on: conn)
            }
        } catch {
            logger.error("could not write the audit row", metadata: ["error": "\(error)"])
        }
    }
}
