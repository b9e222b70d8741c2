import Accounts
import Catalog
import Foundation
import JobQueue

/// The JSON shapes of API v1 (snake_case members, ISO 8601 times).
enum API {
    struct UserJSON: Encodable {
        var username: String
        var is_admin: Bool
        /// Department → role.
        var departments: [String: String]

        init(_ user: User) {
            username = user.username
            is_admin = user.isAdmin
            departments = user.grants.mapValues(\.rawValue)
        }
    }

    struct SessionJSON: Encodable {
        var user: UserJSON
        /// Send it in `X-CSRF-Token` with every state-changing request (cookie sessions only).
        var csrf_token: String?
        /// `session` or `token`.
        var via: String
        var token_scope: String?
    }

    struct Login: Decodable {
        var username: String
        var password: String
    }

    struct DepartmentJSON: Encodable {
        var name: String
        var datasets: Int
        var role: String
    }

    struct DatasetJSON: Encodable {
        var id: Int64
        var department: String
        var name: String
        var view: String
        var latest_version: Int?
        var row_count: Int64?
        var column_count: Int?
        var status: String
        var updated_at: Date?
        var source: String?
        /// Hidden from the list unless `archived=true`.
        var archived: Bool
        /// Only in `show`: the latest committed version's columns.
        var columns: [ColumnJSON]?

        init(_ d: DatasetSummary, columns: [ColumnInfo]? = nil) {
            id = d.id
            department = d.ref.department
            name = d.ref.name
            view = d.viewName
            latest_version = d.version
            row_count = d.rowCount
            column_count = d.columnCount
            status = d.status
            updated_at = d.when
            source = d.source
            archived = d.archivedAt != nil
            self.columns = columns?.map(ColumnJSON.init)
        }
    }

    struct ColumnJSON: Encodable {
        var name: String
        var type: String
        var source_column: String
        var non_null: Int
        var nulls: Int
        var errors: Int
        /// Numbers written with more than 15 significant digits, stored rounded to 15.
        var rounded: Int
        var kinds: [String]
        /// The number format most of its numbers had in the workbook.
        var format: FormatJSON?

        struct FormatJSON: Encodable {
            var code: String
            var kind: String
            var currency: String?
            var decimals: Int?
            var thousands: Bool
        }

        init(_ c: ColumnInfo) {
            name = c.name
            type = c.type
            source_column = c.sourceColumn
            non_null = c.nonNull
            nulls = c.nulls
            errors = c.errors
            rounded = c.rounded
            kinds = c.kinds
            format = c.format.map { FormatJSON(code: $0.code, kind: $0.kind, currency: $0.currency, decimals: $0.decimals, thousands: $0.thousands) }
        }
    }

    struct VersionJSON: Encodable {
        var id: Int64
        var dataset_id: Int64
        var department: String
        var dataset: String
        var version: Int?
        var status: String
        var source_uri: String
        var sheet: String?
        var row_count: Int64?
        var columns: [ColumnJSON]
        var error: VersionError?
        /// What the ingest did that a person should know (sheets skipped, numbers rounded).
        var notes: [String]
        var timings: VersionTimings?
        var created_at: Date?
        var committed_at: Date?
        /// A revert's: the id of the version it made the latest again (whose table it shares).
        var reverted_from: Int64?

        init(_ v: VersionRecord, dataset: DatasetRef) {
            id = v.id
            dataset_id = v.datasetID
            department = dataset.department
            self.dataset = dataset.name
            version = v.version
            status = v.status
            source_uri = v.sourceURI
            sheet = v.sheet
            row_count = v.rowCount
            columns = v.columns.map(ColumnJSON.init)
            error = v.error
            notes = v.notes
            timings = v.timings
            created_at = v.createdAt
            committed_at = v.committedAt
            reverted_from = v.revertedFrom
        }
    }

    struct List<Item: Encodable>: Encodable {
        var items: [Item]
        /// Opaque cursor of the next page (`cursor=`), null on the last.
        var next: String?

        enum CodingKeys: String, CodingKey { case items, next }

        /// `next` is always present (null on the last page).
        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(items, forKey: .items)
            try c.encode(next, forKey: .next)
        }
    }

    struct JobJSON: Encodable {
        var id: Int64
        var kind: String
        var state: String
        var department: String?
        var attempt: Int
        var max_attempts: Int
        var progress: Double?
        var progress_message: String?
        var created_at: Date
        var started_at: Date?
        var finished_at: Date?
        var last_error: String?
        var arguments: JSONValue
        var result: JSONValue?

        init(_ job: Job) {
            id = job.id
            kind = job.kind
            state = job.state.rawValue
            department = JobScope.department(of: job)
            attempt = job.attempt
            max_attempts = job.maxAttempts
            progress = job.progress
            progress_message = job.progressMessage
            created_at = job.createdAt
            started_at = job.startedAt
            finished_at = job.finishedAt
            last_error = job.lastError
            arguments = job.arguments
            result = job.result
        }
    }

    struct AuditJSON: Encodable {
        var id: Int64
        var at: Date
        var who: String
        var what: String
        var outcome: String
        var detail: JSONValue?

        init(_ e: AuditEntry) {
            id = e.id
            at = e.at
            who = e.who
            what = e.what
            outcome = e.outcome
            detail = e.detail.flatMap { try? JSONValue.parse($0) }
        }
    }
}

/// Which department a job belongs to, from its arguments: a report's
/// `request.dataset`, a `dataset` or `department`, or an ingest's
/// `incoming/<department>/…` key. Nil (snapshots, maintenance): only global
/// admins see the job.
enum JobScope {
    /// `principal`'s role for `job`: in its department, or admin of a job of no department for a global admin.
    static func role(of principal: Principal, for job: Job) -> Role? {
        department(of: job).flatMap(principal.user.role(in:)) ?? (principal.user.isAdmin ? .admin : nil)
    }

    static func department(of job: Job) -> String? {
        if let name = job.arguments["request"]?["dataset"]?.stringValue ?? job.arguments["dataset"]?.stringValue {
            return DatasetRef(parsing: name).department
        }
        if let department = job.arguments["department"]?.stringValue { return department }
        if job.kind == "ingest", let key = job.arguments["key"]?.stringValue {
            let parts = key.split(separator: "/", omittingEmptySubsequences: false)
            guard let incoming = parts.firstIndex(of: "incoming") else { return nil }
            let rest = parts[(incoming + 1)...]
            return rest.count >= 2 ? String(rest.first!) : "default"
        }
        return nil
    }
}
