public import Postgres

/// What a snapshot reads from the catalog and what a restore writes back
/// (docs/snapshots.md). The snapshot copies the catalog tables row by row
/// as JSON (`row_to_json`), and a restore inserts those rows again through
/// `json_populate_recordset`, so a later catalog column travels without a
/// change here.
extension Catalog {
    /// The catalog tables a snapshot carries, in the order a restore
    /// inserts them (each after the tables it references).
    public static let snapshotTables = ["datasets", "dataset_versions", "artifacts", "report_requests"]

    /// Up to `limit` rows of one of the ``snapshotTables`` with an id
    /// above `id`, by id, each as its `row_to_json` text.
    public func snapshotRows(of table: String, after id: Int64, limit: Int,
                             on connection: PostgresConnection) throws -> [(id: Int64, json: String)] {
        try connection.query(
            "SELECT t.id, row_to_json(t)::text FROM \(schemas.catalogTable(table)) t WHERE t.id > $1 ORDER BY t.id LIMIT $2",
            [.int64(id), .int(limit)], purpose: "snapshot catalog \(table)"
        ).map { (try $0[0, as: Int64.self], try $0[1, as: String.self]) }
    }

    /// How full a restore target is: the tables and views in the data
    /// schema, and the datasets in the catalog (0 when it has no tables yet).
    public func contents(on connection: PostgresConnection) throws -> (dataRelations: Int64, datasets: Int64) {
        let relations = try connection.query("""
            SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = $1 AND c.relkind IN ('r', 'v', 'p', 'm')
            """, [.text(schemas.data)], purpose: "check the target data schema")[0][0, as: Int64.self]
        let exists = try connection.query("SELECT to_regclass($1) IS NOT NULL", [.text(datasets)],
                                          purpose: "check the target catalog")[0][0, as: Bool.self]
        guard exists else { return (relations, 0) }
        let count = try connection.query("SELECT count(*) FROM \(datasets)", purpose: "check the target catalog")[0][0, as: Int64.self]
        return (relations, count)
    }

    /// Inserts rows of one of the ``snapshotTables`` (each a JSON object as
    /// ``snapshotRows(of:after:limit:on:)`` gave it), only those of
    /// `datasetIDs` when given, then moves the table's id sequence past
    /// its largest id.
    public func restoreSnapshotRows(_ rows: [String], into table: String, datasetIDs: Set<Int64>?,
                                    on connection: PostgresConnection) throws {
        let relation = schemas.catalogTable(table)
        let ids = "{" + (datasetIDs ?? []).map(String.init).joined(separator: ",") + "}"
        let filters: [String: String] = datasetIDs == nil ? [:] : [
            "datasets": "r.id = ANY($2::bigint[])",
            "dataset_versions": "r.dataset_id = ANY($2::bigint[])",
            "report_requests": "r.dataset_id = ANY($2::bigint[])",
            "artifacts": "r.version_id IN (SELECT id FROM \(versions) WHERE dataset_id = ANY($2::bigint[]))",
        ]
        let filter = filters[table] ?? "$2::text IS NOT NULL"
        var start = 0
        while start < rows.count {
            let batch = rows[start..<min(start + 1000, rows.count)]
            _ = try connection.query(
                "INSERT INTO \(relation) SELECT * FROM json_populate_recordset(NULL::\(relation), $1::json) AS r WHERE \(filter)",
                [.text("[" + batch.joined(separator: ",") + "]"), .text(ids)], purpose: "restore catalog \(table)")
            start += 1000
        }
        _ = try connection.query("""
            SELECT setval(pg_get_serial_sequence($1, 'id'), COALESCE((SELECT max(id) FROM \(relation)), 1),
                          (SELECT max(id) FROM \(relation)) IS NOT NULL)
            """, [.text(relation)], purpose: "restore catalog \(table) sequence")
    }

    /// Points each dataset's view at its latest committed version, for
    /// the datasets whose latest version's table is one of `tables`.
    public func pointViewsAtLatestVersions(among tables: Set<String>, on connection: PostgresConnection) throws {
        let latest = try connection.query("""
            SELECT DISTINCT ON (d.id) d.view_name, v.table_name
            FROM \(datasets) d JOIN \(versions) v ON v.dataset_id = d.id
            WHERE v.status = 'committed' AND v.table_name IS NOT NULL AND d.deleted_at IS NULL
            ORDER BY d.id, v.version DESC
            """, purpose: "latest versions")
        for row in latest {
            let table = try row[1, as: String.self]
            guard tables.contains(table) else { continue }
            try pointView(try row[0, as: String.self], at: table, on: connection)
        }
    }
}
