import Catalog
import Foundation
import JobQueue
import Logging
import Postgres

/// The dispatcher's audit rows: an attempt that ended `retryable` is
/// recorded as `retry job <id>` (outcome `scheduled`), one that used the
/// last attempt as `discard job <id>` (outcome `discarded`), with the
/// job's dataset, attempt and exit in the details. Completions are audited
/// by the workers themselves (export, print, ingest). Each row is written
/// on a short-lived connection; a failure to write is logged, never fatal.
public struct DispatchAudit: Sendable {
    let databaseURL: String
    let catalog: Catalog
    let logger: Logger

    /// Migrates the catalog (so the audit table exists) and returns the recorder.
    public static func start(databaseURL: String, catalog: Catalog, logger: Logger) async throws -> DispatchAudit {
        let connection = try await PostgresConnection.connect(url: databaseURL, variable: "PYRAMYDAL_DATABASE_URL",
                                                              applicationName: "pyramydal-dispatcher-audit", logger: logger)
        defer { connection.close() }
        try await connection.run { conn in _ = try catalog.migrate(conn) }
        return DispatchAudit(databaseURL: databaseURL, catalog: catalog, logger: logger)
    }

    @Sendable public func record(_ end: AttemptEnd) async {
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

/// Audit rows the CLI and the dispatcher write for actions on jobs
/// (cancel, retry): the job's dataset, when its arguments name one
/// (`request.dataset` of export/print, `dataset` of others), goes into the details.
public enum JobAudit {
    public static func record(_ job: Job, what: String, outcome: String, who: String = AuditActor.current(),
                       details extra: [String: AuditValue] = [:], connection: PostgresConnection,
                       catalog: Catalog) async throws {
        var details = extra
        details["job"] = .int(job.id)
        details["kind"] = .string(job.kind)
        details["attempt"] = .int(Int64(job.attempt))
        let dataset = datasetName(of: job).map(DatasetRef.init(parsing:))
        let all = details
        try await connection.run { conn in
            try catalog.migrate(conn)
            try catalog.audit(who: who, what: what, outcome: outcome, dataset: dataset, details: all, on: conn)
        }
    }

    public static func datasetName(of job: Job) -> String? {
        if case .string(let name)? = job.arguments["request"]?["dataset"] { return name }
        if case .string(let name)? = job.arguments["dataset"] { return name }
        return nil
    }
}
