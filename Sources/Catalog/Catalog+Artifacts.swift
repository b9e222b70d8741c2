public import Foundation
public import Postgres

/// A file a job produced (a report), to be recorded in `artifacts`.
public struct NewArtifact: Sendable, Hashable {
    /// `csv`, `xlsx` or `pdf`.
    public var kind: String
    /// The store key.
    public var key: String
    public var bytes: Int
    /// Lowercase hex SHA-256 of the file.
    public var sha256: String
    public var jobID: Int64?
    /// The `dataset_versions` id it was made from.
    public var versionID: Int64?
    /// The request's columns, filters and sort as a JSON object.
    public var filtersJSON: String
    /// Who asked for it (the job's `requestedBy`), nil when not known.
    public var requestedBy: String?

    public init(kind: String, key: String, bytes: Int, sha256: String, jobID: Int64?, versionID: Int64?, filtersJSON: String,
                requestedBy: String? = nil) {
        self.kind = kind
        self.key = key
        self.bytes = bytes
        self.sha256 = sha256
        self.jobID = jobID
        self.versionID = versionID
        self.filtersJSON = filtersJSON
        self.requestedBy = requestedBy
    }
}

/// One row of `artifacts`, as `pyramydal reports` and `download` show it.
public struct Artifact: Sendable, Hashable {
    public var id: Int64
    public var kind: String
    public var key: String
    public var bytes: Int64?
    public var createdAt: Date
    /// The request's filters as a JSON array (`[]` when none).
    public var filters: String
}

extension Catalog {
    var artifacts: String { schemas.catalogTable("artifacts") }

    /// Records the artifact, replacing one with the same key and job (so a
    /// job that runs twice leaves one row); returns its id.
    public func recordArtifact(_ artifact: NewArtifact, on connection: PostgresConnection) throws -> Int64 {
        try connection.transaction(purpose: "record report artifact") { conn in
            _ = try conn.query("DELETE FROM \(artifacts) WHERE key = $1 AND job_id IS NOT DISTINCT FROM $2",
                               [.text(artifact.key), .int64(artifact.jobID)], purpose: "replace artifact")
            let rows = try conn.query("""
                INSERT INTO \(artifacts) (kind, key, bytes, sha256, job_id, version_id, filters, requested_by)
                VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8) RETURNING id
                """, [.text(artifact.kind), .text(artifact.key), .int64(Int64(artifact.bytes)), .text(artifact.sha256),
                      .int64(artifact.jobID), .int64(artifact.versionID), .json(artifact.filtersJSON), .text(artifact.requestedBy)],
                purpose: "insert artifact")
            return try rows[0][0, as: Int64.self]
        }
    }

    /// The stored reports (CSV, XLSX and PDF artifacts), newest first; with
    /// `dataset`, only those made from its versions.
    public func reports(dataset: DatasetRef? = nil, limit: Int = 50, on connection: PostgresConnection) throws -> [Artifact] {
        try connection.query("""
            SELECT a.id, a.kind, a.key, a.bytes, a.created_at, coalesce(a.filters->>'filters', '[]')
            FROM \(artifacts) a
            LEFT JOIN \(versions) v ON v.id = a.version_id
            LEFT JOIN \(datasets) d ON d.id = v.dataset_id
            WHERE a.kind IN ('csv', 'xlsx', 'pdf') AND d.deleted_at IS NULL
              AND ($1::text IS NULL OR (d.department = $1 AND d.name = $2))
            ORDER BY a.created_at DESC, a.id DESC LIMIT $3
            """, [.text(dataset?.department), .text(dataset?.name), .int(limit)], purpose: "list reports"
        ).map(Self.artifact(from:))
    }

    /// The artifact with this id, if any.
    public func artifact(id: Int64, on connection: PostgresConnection) throws -> Artifact? {
        try connection.query("""
            SELECT id, kind, key, bytes, created_at, coalesce(filters->>'filters', '[]') FROM \(artifacts) WHERE id = $1
            """, [.int64(id)], purpose: "find artifact").first.map(Self.artifact(from:))
    }

    static func artifact(from row: PostgresRow) throws -> Artifact {
        Artifact(id: try row[0, as: Int64.self], kind: try row[1, as: String.self], key: try row[2, as: String.self],
                 bytes: try row[3, as: Int64?.self], createdAt: try row[4, as: Date.self], filters: try row[5, as: String.self])
    }
}
