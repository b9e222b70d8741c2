import Foundation
public import Postgres

/// The platform schema: datasets, versions, artifacts, report requests and
/// the audit log, plus the naming and (re)pointing of the per-dataset
/// views in the data schema.
///
/// Every method is synchronous and uses the connection it is given, so the
/// ingest can run several of them inside one transaction. Call them on a
/// dedicated thread or through `PostgresConnection.run`, never directly
/// from Swift's cooperative pool.
public struct Catalog: Sendable {
    public let schemas: CatalogSchemas

    public init(schemas: CatalogSchemas = CatalogSchemas()) {
        self.schemas = schemas
    }

    /// Applies the catalog's migrations (idempotent, safe concurrently).
    @discardableResult
    public func migrate(_ connection: PostgresConnection) throws -> [Int] {
        try PostgresMigrator(schema: schemas.catalog, component: "catalog",
                             migrations: Self.migrations(schemas)).migrate(connection)
    }

    /// ``migrate(_:)`` inside the caller's open transaction (a restore:
    /// the schemas appear with the restored rows, or not at all).
    @discardableResult
    public func migrate(inOpenTransaction connection: PostgresConnection) throws -> [Int] {
        try PostgresMigrator(schema: schemas.catalog, component: "catalog",
                             migrations: Self.migrations(schemas)).migrate(inOpenTransaction: connection)
    }

    var datasets: String { schemas.catalogTable("datasets") }
    var versions: String { schemas.catalogTable("dataset_versions") }

    // MARK: - datasets

    /// Takes the dataset's transaction-level advisory lock: concurrent
    /// ingests of one dataset serialise here until COMMIT/ROLLBACK.
    public func lockDataset(_ ref: DatasetRef, on connection: PostgresConnection) throws {
        _ = try connection.query("SELECT pg_advisory_xact_lock(hashtext($1))",
                                 [.text("pyramydal.dataset:\(schemas.catalog):\(ref.department)/\(ref.name)")],
                                 purpose: "lock dataset \(ref)")
    }

    /// The dataset's id and view name, if it exists.
    public func dataset(_ ref: DatasetRef, on connection: PostgresConnection) throws -> (id: Int64, viewName: String)? {
        let rows = try connection.query("SELECT id, view_name FROM \(datasets) WHERE department = $1 AND name = $2 AND deleted_at IS NULL",
                                        [.text(ref.department), .text(ref.name)], purpose: "find dataset \(ref)")
        guard let row = rows.first else { return nil }
        return (try row[0, as: Int64.self], try row[1, as: String.self])
    }

    /// The dataset's id and view name, creating the dataset (and choosing
    /// its view name, see ``TableNaming``) if needed. Call under
    /// ``lockDataset(_:on:)`` inside a transaction.
    public func ensureDataset(_ ref: DatasetRef, on connection: PostgresConnection) throws -> (id: Int64, viewName: String) {
        if let existing = try dataset(ref, on: connection) { return existing }
        let base = TableNaming.viewBase(department: ref.department, name: ref.name)
        var attempt = 1
        while true {
            let candidate = TableNaming.viewCandidate(base: base, attempt: attempt)
            let rows = try connection.query("""
                INSERT INTO \(datasets) (department, name, view_name)
                SELECT $1, $2, $3 WHERE NOT EXISTS (SELECT 1 FROM \(datasets) WHERE view_name = $3)
                RETURNING id
                """, [.text(ref.department), .text(ref.name), .text(candidate)], purpose: "create dataset \(ref)")
            if let row = rows.first { return (try row[0, as: Int64.self], candidate) }
            attempt += 1
        }
    }

    // MARK: - versions

    /// A committed version of the dataset made from the same object (same
    /// store, key and etag) or the same content (same SHA-256), if any.
    public func committedVersion(datasetID: Int64, source: SourceIdentity, on connection: PostgresConnection) throws -> VersionRecord? {
        let rows = try connection.query("""
            SELECT \(Self.versionColumns) FROM \(versions)
            WHERE dataset_id = $1 AND status = 'committed'
              AND ((store IS NOT DISTINCT FROM $2 AND key = $3 AND etag = $4) OR sha256 = $5)
            ORDER BY version LIMIT 1
            """, [.int64(datasetID), .text(source.store), .text(source.key), .text(source.etag), .text(source.sha256)],
            purpose: "idempotency check")
        return try rows.first.map(Self.version(from:))
    }

    /// The number the next committed version gets (failed attempts use none).
    public func nextVersionNumber(datasetID: Int64, on connection: PostgresConnection) throws -> Int {
        let rows = try connection.query(
            "SELECT COALESCE(max(version), 0) + 1 FROM \(versions) WHERE dataset_id = $1",
            [.int64(datasetID)], purpose: "next version number")
        return try rows[0][0, as: Int.self]
    }

    /// Inserts a `loading` version row; returns its id.
    public func insertLoadingVersion(
        datasetID: Int64, version: Int, source: SourceIdentity, sheet: String, tableName: String, createdBy: String,
        on connection: PostgresConnection
    ) throws -> Int64 {
        let rows = try connection.query("""
            INSERT INTO \(versions) (dataset_id, version, status, source_uri, store, bucket, key, etag, sha256,
                                     sheet, table_name, created_by)
            VALUES ($1, $2, 'loading', $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id
            """, [.int64(datasetID), .int(version), .text(source.uri), .text(source.store), .text(source.bucket),
                  .text(source.key), .text(source.etag), .text(source.sha256), .text(sheet), .text(tableName),
                  .text(createdBy)], purpose: "insert version row")
        return try rows[0][0, as: Int64.self]
    }

    /// Marks the version committed with its statistics.
    public func markCommitted(
        versionID: Int64, rowCount: Int, columns: [ColumnInfo], timings: VersionTimings, notes: [String] = [],
        on connection: PostgresConnection
    ) throws {
        _ = try connection.query("""
            UPDATE \(versions) SET status = 'committed', row_count = $2, columns = $3::jsonb, timings = $4::jsonb,
                   notes = $5::jsonb, committed_at = now()
            WHERE id = $1
            """, [.int64(versionID), .int(rowCount), .json(Self.json(columns)), .json(Self.json(timings)),
                  .json(notes.isEmpty ? nil : Self.json(notes))],
            purpose: "mark version committed")
    }

    /// Creates the version's typed table (every identifier quoted).
    public func createTable(_ tableName: String, columns: [(name: String, type: String)], on connection: PostgresConnection) throws {
        let list = columns.map { "\(PostgresConnection.quoteIdentifier($0.name)) \($0.type)" }.joined(separator: ", ")
        try connection.execute("CREATE TABLE \(schemas.dataRelation(tableName)) (\(list))", purpose: "create table \(tableName)")
    }

    /// Points the dataset's view at `tableName` (drop and create: the new
    /// version may have other columns than the old).
    public func pointView(_ viewName: String, at tableName: String, on connection: PostgresConnection) throws {
        let view = schemas.dataRelation(viewName)
        try connection.execute("DROP VIEW IF EXISTS \(view); CREATE VIEW \(view) AS SELECT * FROM \(schemas.dataRelation(tableName))",
                               purpose: "point view \(viewName) at \(tableName)")
    }

    /// Records a failed attempt in its own short transaction: the dataset
    /// row (created if new, so the failure can be listed), a `failed`
    /// version row without a number, and an audit row. Takes no dataset
    /// lock, so it never waits for (or blocks) a running ingest.
    @discardableResult
    public func recordFailure(
        _ ref: DatasetRef, source: SourceIdentity, sheet: String?, error: VersionError, timings: VersionTimings,
        createdBy: String, on connection: PostgresConnection
    ) throws -> Int64 {
        try connection.transaction(purpose: "record failed ingest of \(ref)") { conn in
            let dataset = try ensureDataset(ref, on: conn)
            let rows = try conn.query("""
                INSERT INTO \(versions) (dataset_id, version, status, source_uri, store, bucket, key, etag, sha256,
                                         sheet, error, timings, created_by)
                VALUES ($1, NULL, 'failed', $2, $3, $4, $5, $6, $7, $8, $9::jsonb, $10::jsonb, $11) RETURNING id
                """, [.int64(dataset.id), .text(source.uri), .text(source.store), .text(source.bucket), .text(source.key),
                      .text(source.etag), .text(source.sha256), .text(sheet), .json(error.json()),
                      .json(Self.json(timings)), .text(createdBy)], purpose: "insert failed version row")
            try audit(who: createdBy, what: "ingest \(ref)", outcome: "failed", detail: error.json(), on: conn)
            return try rows[0][0, as: Int64.self]
        }
    }

    // MARK: - audit, report requests

    public func audit(who: String, what: String, outcome: String, detail: String?, on connection: PostgresConnection) throws {
        _ = try connection.query(
            "INSERT INTO \(schemas.catalogTable("audit_log")) (who, what, outcome, detail) VALUES ($1, $2, $3, $4::jsonb)",
            [.text(who), .text(what), .text(outcome), .json(detail)], purpose: "audit")
    }

    /// Adds a standing report request for a dataset (which must exist).
    @discardableResult
    public func addReportRequest(datasetID: Int64, format: String, optionsJSON: String = "{}", on connection: PostgresConnection) throws -> Int64 {
        try connection.query(
            "INSERT INTO \(schemas.catalogTable("report_requests")) (dataset_id, format, options) VALUES ($1, $2, $3::jsonb) RETURNING id",
            [.int64(datasetID), .text(format), .json(optionsJSON)], purpose: "add report request")[0][0, as: Int64.self]
    }

    /// The standing report requests of a dataset.
    public func reportRequests(datasetID: Int64, on connection: PostgresConnection) throws -> [StandingReportRequest] {
        try connection.query(
            "SELECT id, dataset_id, format, options::text FROM \(schemas.catalogTable("report_requests")) WHERE dataset_id = $1 ORDER BY id",
            [.int64(datasetID)], purpose: "list report requests"
        ).map { StandingReportRequest(id: try $0[0, as: Int64.self], datasetID: try $0[1, as: Int64.self],
                              format: try $0[2, as: String.self], options: try $0[3, as: String.self]) }
    }

    // MARK: - listing

    /// Every dataset with its latest committed version (or its latest
    /// failure when none committed), by department and name; archived ones
    /// only with `archived`, deleted ones never; with `id`, only that one.
    public func listDatasets(archived: Bool = false, id: Int64? = nil, on connection: PostgresConnection) throws -> [DatasetSummary] {
        try connection.query("""
            SELECT d.id, d.department, d.name, d.view_name, v.version, v.row_count, jsonb_array_length(v.columns),
                   COALESCE(v.status, f.status, 'empty'), COALESCE(v.committed_at, f.created_at), COALESCE(v.source_uri, f.source_uri),
                   d.archived_at
            FROM \(datasets) d
            LEFT JOIN LATERAL (SELECT * FROM \(versions) x WHERE x.dataset_id = d.id AND x.status = 'committed'
                               ORDER BY x.version DESC LIMIT 1) v ON true
            LEFT JOIN LATERAL (SELECT * FROM \(versions) x WHERE x.dataset_id = d.id
                               ORDER BY x.id DESC LIMIT 1) f ON true
            WHERE d.deleted_at IS NULL AND ($1::boolean OR d.archived_at IS NULL) AND ($2::bigint IS NULL OR d.id = $2::bigint)
            ORDER BY d.department, d.name
            """, [.bool(archived), .int64(id)], purpose: "list datasets"
        ).map { row in
            DatasetSummary(
                id: try row[0, as: Int64.self], ref: DatasetRef(department: try row[1, as: String.self], name: try row[2, as: String.self]),
                viewName: try row[3, as: String.self], version: try row[4, as: Int?.self], rowCount: try row[5, as: Int64?.self],
                columnCount: try row[6, as: Int?.self], status: try row[7, as: String.self], when: try row[8, as: Date?.self],
                source: try row[9, as: String?.self], archivedAt: try row[10, as: Date?.self])
        }
    }

    /// Every attempt at the dataset, newest first.
    public func listVersions(of datasetID: Int64, on connection: PostgresConnection) throws -> [VersionRecord] {
        try connection.query("SELECT \(Self.versionColumns) FROM \(versions) WHERE dataset_id = $1 ORDER BY id DESC",
                             [.int64(datasetID)], purpose: "list versions").map(Self.version(from:))
    }

    static let versionColumns = """
        id, dataset_id, version, status, source_uri, etag, sha256, sheet, row_count, columns::text, error::text,
        timings::text, table_name, created_at, committed_at, notes::text, reverted_from, created_by
        """

    static func version(from row: PostgresRow) throws -> VersionRecord {
        let decoder = JSONDecoder()
        func decode<T: Decodable>(_ text: String?, as: T.Type) -> T? {
            text.flatMap { try? decoder.decode(T.self, from: Data($0.utf8)) }
        }
        return VersionRecord(
            id: try row[0, as: Int64.self], datasetID: try row[1, as: Int64.self], version: try row[2, as: Int?.self],
            status: try row[3, as: String.self], sourceURI: try row[4, as: String.self], etag: try row[5, as: String?.self],
            sha256: try row[6, as: String?.self], sheet: try row[7, as: String?.self], rowCount: try row[8, as: Int64?.self],
            columns: decode(try row[9, as: String?.self], as: [ColumnInfo].self) ?? [],
            error: decode(try row[10, as: String?.self], as: VersionError.self),
            timings: decode(try row[11, as: String?.self], as: VersionTimings.self),
            tableName: try row[12, as: String?.self], createdAt: try row[13, as: Date?.self],
            committedAt: try row[14, as: Date?.self], notes: decode(try row[15, as: String?.self], as: [String].self) ?? [],
            revertedFrom: try row[16, as: Int64?.self],
            createdBy: try row[17, as: String?.self])
    }

    static func json<T: Encodable>(_ value: T) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: (try? encoder.encode(value)) ?? Data("null".utf8), as: UTF8.self)
    }
}
