import Foundation
public import Postgres

/// A department as the API lists it.
public struct DepartmentSummary: Sendable, Hashable, Codable {
    public var name: String
    public var datasets: Int
}

extension Catalog {
    /// Every department that has a dataset (archived ones count, deleted
    /// ones not), with its dataset count, by name.
    public func departments(on connection: PostgresConnection) throws -> [DepartmentSummary] {
        try connection.query("""
            SELECT department, count(*) FROM \(datasets) WHERE deleted_at IS NULL GROUP BY department ORDER BY department
            """,
                             purpose: "list departments").map {
            DepartmentSummary(name: try $0[0, as: String.self], datasets: try $0[1, as: Int.self])
        }
    }

    /// One dataset (archived or not, never deleted) with its latest version, by id.
    public func datasetSummary(id: Int64, on connection: PostgresConnection) throws -> DatasetSummary? {
        try listDatasets(archived: true, id: id, on: connection).first
    }

    /// One attempt at a version (committed, loading or failed) by its id,
    /// with its dataset (never a deleted dataset's).
    public func version(id: Int64, on connection: PostgresConnection) throws -> (record: VersionRecord, dataset: DatasetRef)? {
        let rows = try connection.query("""
            SELECT \(Self.versionColumns.split(separator: ",").map { "v." + $0.trimmingCharacters(in: .whitespacesAndNewlines) }
                        .joined(separator: ", ")), d.department, d.name
            FROM \(versions) v JOIN \(datasets) d ON d.id = v.dataset_id WHERE v.id = $1 AND d.deleted_at IS NULL
            """, [.int64(id)], purpose: "read version \(id)")
        guard let row = rows.first else { return nil }
        let n = Self.versionColumns.split(separator: ",").count
        return (try Self.version(from: row), DatasetRef(department: try row[n, as: String.self], name: try row[n + 1, as: String.self]))
    }

    /// The audit log, newest first, `limit` rows with ids below `beforeID`.
    /// With `departments`, only the rows about a dataset of one of them (the
    /// details' `"dataset"`, or an ingest's `what`) or about one of them
    /// (the details' `"department"`: a role granted or revoked there); rows
    /// about neither (jobs, schedules, sign-ins) only without `departments`. `action` keeps the
    /// rows whose `what` is it or starts with it and a space (`upload`,
    /// `cancel job`); `who` those of that user, by session or by any of
    /// their tokens (`eddie`, `eddie (token …)`).
    public func auditEntries(departments: [String]?, beforeID: Int64?, limit: Int, action: String? = nil, who: String? = nil,
                             on connection: PostgresConnection) throws -> [AuditEntry] {
        let rows = try connection.query("""
            SELECT id, at, who, what, outcome, detail::text FROM (
                SELECT a.*, COALESCE(a.detail->>'dataset',
                                     CASE WHEN a.what LIKE 'ingest %' THEN substr(a.what, 8) END,
                                     (a.detail->>'department') || '/') AS about
                FROM \(schemas.catalogTable("audit_log")) a
                WHERE ($2::bigint IS NULL OR a.id < $2::bigint)
                  AND ($5::text IS NULL OR a.what = $5 OR left(a.what, length($5) + 1) = $5 || ' ')
                  AND ($6::text IS NULL OR a.who = $6 OR left(a.who, length($6) + 2) = $6 || ' (')
            ) x
            WHERE NOT $3::boolean
               OR (about IS NOT NULL
                   AND (CASE WHEN strpos(about, '/') > 0 THEN split_part(about, '/', 1) ELSE 'default' END) = ANY($1::text[]))
            ORDER BY id DESC LIMIT $4
            """, [.text(Self.textArray(departments ?? [])), .int64(beforeID), .bool(departments != nil), .int(limit),
               .text(action), .text(who)],
            purpose: "read the audit log")
        return try rows.map { row in
            AuditEntry(id: try row[0, as: Int64.self], at: try row[1, as: Date.self], who: try row[2, as: String.self],
                       what: try row[3, as: String.self], outcome: try row[4, as: String.self],
                       detail: try row[5, as: String?.self])
        }
    }
}
