public import Postgres

/// A committed version as a report, a diff or a snapshot reads it: its
/// table in the data schema and where it came from.
public struct VersionTable: Sendable, Hashable {
    /// The `dataset_versions` id.
    public var id: Int64
    public var datasetID: Int64
    public var dataset: DatasetRef
    public var version: Int
    /// The version's table in the data schema.
    public var tableName: String
    /// Where the version came from (`s3://bucket/incoming/…`), if known.
    public var sourceURI: String?
}

extension Catalog {
    /// Committed version `version` of the dataset (nil: its latest
    /// committed one), if there is one with a table.
    public func versionTable(of ref: DatasetRef, version: Int?, on connection: PostgresConnection) throws -> VersionTable? {
        let rows = try connection.query("""
            SELECT v.id, v.dataset_id, v.version, v.table_name, v.source_uri
            FROM \(versions) v JOIN \(datasets) d ON d.id = v.dataset_id
            WHERE d.department = $1 AND d.name = $2 AND d.deleted_at IS NULL AND v.status = 'committed'
              AND ($3::integer IS NULL OR v.version = $3::integer)
            ORDER BY v.version DESC LIMIT 1
            """, [.text(ref.department), .text(ref.name), .int(version)], purpose: "find committed version of \(ref)")
        guard let row = rows.first, let table = try row[3, as: String?.self] else { return nil }
        return VersionTable(id: try row[0, as: Int64.self], datasetID: try row[1, as: Int64.self], dataset: ref,
                            version: try row[2, as: Int.self], tableName: table, sourceURI: try row[4, as: String?.self])
    }

    /// Every committed version that has a table, by dataset and version,
    /// each table once (a revert's version shares the table of the version
    /// it names: the first version on a table stands for it); none of a
    /// deleted dataset.
    public func committedVersionTables(on connection: PostgresConnection) throws -> [VersionTable] {
        try connection.query("""
            SELECT * FROM (
                SELECT DISTINCT ON (v.table_name) v.id, v.dataset_id, v.version, v.table_name, d.department, d.name, v.source_uri
                FROM \(versions) v JOIN \(datasets) d ON d.id = v.dataset_id
                WHERE v.status = 'committed' AND v.table_name IS NOT NULL AND d.deleted_at IS NULL
                ORDER BY v.table_name, v.version
            ) t
            ORDER BY dataset_id, version
            """, purpose: "list committed versions"
        ).map { row in
            VersionTable(id: try row[0, as: Int64.self], datasetID: try row[1, as: Int64.self],
                         dataset: DatasetRef(department: try row[4, as: String.self], name: try row[5, as: String.self]),
                         version: try row[2, as: Int.self], tableName: try row[3, as: String.self],
                         sourceURI: try row[6, as: String?.self])
        }
    }
}
