import Catalog
import Foundation
import JobContracts
import JobQueue
import Snapshots

/// The JSON shapes of the upload, report and snapshot endpoints (snake_case
/// members, ISO 8601 times), beside ``API``'s.
extension API {
    /// `PUT /api/v1/datasets/{department}/{name}/upload` answers this (202):
    /// where the workbook went and the ingest job that reads it.
    struct UploadJSON: Encodable {
        var department: String
        var dataset: String
        /// The store key, `incoming/<department>/<name>.<ext>`.
        var key: String
        var format: String
        var bytes: Int64
        var job: JobJSON
    }

    /// `POST /api/v1/versions/{id}/reports`: `pyramydal export`'s options.
    struct ReportRequestBody: Decodable {
        var format: String
        /// Column names (empty: all, in table order).
        var columns: [String]?
        /// `column op value` filters (`= != < <= > >= contains`), combined with AND.
        var `where`: [String]?
        /// `column`, `-column` or `column desc`.
        var sort: [String]?
        /// Only rows where some text column contains this text, ignoring
        /// case (the table page's search, `q`).
        var q: String?
        /// The file name without extension (default: the job's).
        var name: String?
        /// CSV: start with a UTF-8 byte order mark.
        var bom: Bool?
        /// CSV: prefix `'` to text cells starting with `= + - @` (default true).
        var neutralise: Bool?
        /// PDF: `a4` or `letter`.
        var paper: String?
        /// PDF: landscape (default) or portrait.
        var landscape: Bool?
        /// PDF: wrap long cells instead of cutting them.
        var wrap: Bool?
    }

    struct ReportJSON: Encodable {
        var id: Int64
        var format: String
        var key: String
        var file_name: String
        var bytes: Int64?
        var sha256: String?
        var created_at: Date
        var job_id: Int64?
        var version_id: Int64?
        var dataset_id: Int64?
        var department: String?
        var dataset: String?
        var version: Int?
        /// The request's columns, filters, sort and search, as the job recorded them.
        var request: JSONValue?
        /// Who asked for it (nil for reports made before this was recorded).
        var requested_by: String?
        var download: String

        init(_ a: ReportArtifact) {
            id = a.id
            format = a.kind
            key = a.key
            file_name = ReportDownload.fileName(of: a.key)
            bytes = a.bytes
            sha256 = a.sha256
            created_at = a.createdAt
            job_id = a.jobID
            version_id = a.versionID
            dataset_id = a.datasetID
            department = a.dataset?.department
            dataset = a.dataset?.name
            version = a.version
            request = try? JSONValue.parse(a.filtersJSON)
            requested_by = a.requestedBy
            download = "/api/v1/reports/\(a.id)/download"
        }
    }

    struct SnapshotJSON: Encodable {
        var id: String
        /// `complete`, `incomplete` (no manifest: failed, or running now) or `pruned`.
        var state: String
        /// `full` or `incremental` (complete ones only).
        var kind: String?
        var previous: String?
        var created_at: Date?
        /// Dataset versions the snapshot holds (its own and inherited ones) and their rows.
        var versions: Int?
        var rows: Int64?
        /// Objects under the snapshot's prefix and their size.
        var objects: Int
        var bytes: Int64

        init(_ entry: SnapshotEntry, manifest: SnapshotManifest?) {
            id = entry.id
            state = entry.state.rawValue
            kind = manifest?.kind.rawValue
            previous = manifest?.previous
            created_at = manifest?.createdAt ?? SnapshotLayout.date(of: entry.id)
            versions = manifest?.dataObjects.count
            rows = manifest.map { $0.dataObjects.reduce(0) { $0 + $1.rows } }
            objects = entry.objectCount
            bytes = entry.bytes
        }
    }
}
