public import Foundation
public import Postgres

/// A stored report as the API shows it: the artifact with the dataset
/// version it was made from.
public struct ReportArtifact: Sendable, Hashable {
    public var id: Int64
    /// `csv`, `xlsx` or `pdf`.
    public var kind: String
    public var key: String
    public var bytes: Int64?
    public var sha256: String?
    public var createdAt: Date
    public var jobID: Int64?
    public var versionID: Int64?
    /// The dataset and version number, nil when the version is gone (or none was recorded).
    public var dataset: DatasetRef?
    public var datasetID: Int64?
    public var version: Int?
    /// The request's columns, filters, sort and search (a JSON object, `{}` when none).
    public var filtersJSON: String
    /// Who asked for it, nil when not recorded (reports made before it was).
    public var requestedBy: String?
}

extension Catalog {
    /// The reports (CSV, XLSX and PDF artifacts), newest first, `limit`
    /// rows with ids below `beforeID`. With `departments`, only those made
    /// from a version of a dataset of one of them (a report of no version
    /// only without `departments`, i.e. for global admins); with `dataset`,
    /// only that dataset's.
    public func reportArtifacts(departments: [String]?, dataset: DatasetRef? = nil, beforeID: Int64? = nil, limit: Int,
                                on connection: PostgresConnection) throws -> [ReportArtifact] {
        try reportArtifacts(id: nil, departments: departments, dataset: dataset, beforeID: beforeID, limit: limit, on: connection)
    }

    /// One report by id, if it is one of `departments`' (nil: any).
    public func reportArtifact(id: Int64, departments: [String]?, on connection: PostgresConnection) throws -> ReportArtifact? {
        try reportArtifacts(id: id, departments: departments, dataset: nil, beforeID: nil, limit: 1, on: connection).first
    }

    private func reportArtifacts(id: Int64?, departments: [String]?, dataset: DatasetRef?, beforeID: Int64?, limit: Int,
                                 on connection: PostgresConnection) throws -> [ReportArtifact] {
        try connection.query("""
            SELECT a.id, a.kind, a.key, a.bytes, a.sha256, a.created_at, a.job_id, a.version_id,
                   d.department, d.name, d.id, v.version, coalesce(a.filters::text, '{}'), a.requested_by
            FROM \(artifacts) a
            LEFT JOIN \(versions) v ON v.id = a.version_id
            LEFT JOIN \(datasets) d ON d.id = v.dataset_id
            WHERE a.kind IN ('csv', 'xlsx', 'pdf') AND d.deleted_at IS NULL
              AND ($1::bigint IS NULL OR a.id < $1::bigint)
              AND (NOT $2::boolean OR d.department = ANY($3::text[]))
              AND ($4::text IS NULL OR (d.department = $4 AND d.name = $5))
              AND ($7::bigint IS NULL OR a.id = $7::bigint)
            ORDER BY a.id DESC LIMIT $6
            """, [.int64(beforeID), .bool(departments != nil), .text(Self.textArray(departments ?? [])),
                  .text(dataset?.department), .text(dataset?.name), .int(limit), .int64(id)],
            purpose: "list reports").map(Self.reportArtifact(from:))
    }

    static func reportArtifact(from row: PostgresRow) throws -> ReportArtifact {
        let department = try row[8, as: String?.self], name = try row[9, as: String?.self]
        return ReportArtifact(
            id: try row[0, as: Int64.self], kind: try row[1, as: String.self], key: try row[2, as: String.self],
            bytes: try row[3, as: Int64?.self], sha256: try row[4, as: String?.self], createdAt: try row[5, as: Date.self],
            jobID: try row[6, as: Int64?.self], versionID: try row[7, as: Int64?.self],
            dataset: department.flatMap { d in name.map { DatasetRef(department: d, name: $0) } },
            datasetID: try row[10, as: Int64?.self], version: try row[11, as: Int?.self], filtersJSON: try row[12, as: String.self],
            requestedBy: try row[13, as: String?.self])
    }
}
