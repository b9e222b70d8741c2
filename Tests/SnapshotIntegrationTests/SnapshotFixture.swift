import Catalog
import Foundation
import Logging
@testable import ObjectStore
import Postgres
import Snapshots
import Testing
import TestSupport

/// One test's world: its own catalog and data schemas (named after the
/// test), its own store (a directory, or a fresh bucket on moto), and
/// helpers to add versions and compare a restore with the original.
struct SnapshotFixture {
    static let databaseURL = variable("PYRAMYDAL_TEST_DATABASE_URL", TestDatabaseURL.loopbackDefault)

    static func variable(_ name: String, _ fallback: String) -> String {
        ProcessInfo.processInfo.environment[name].flatMap { $0.isEmpty ? nil : $0 } ?? fallback
    }

    static var logger: Logger {
        var logger = Logger(label: "test.snapshots")
        logger.logLevel = .warning
        return logger
    }

    let connection: PostgresConnection
    let schemas: CatalogSchemas
    /// Where the originals are copied before the schemas are dropped.
    let reference: String
    let store: any ObjectStore
    /// The directory store's root (nil on S3) and a scratch directory.
    let storeRoot: String?
    let directory: String
    var catalog: Catalog { Catalog(schemas: schemas) }

    /// rclone, not moto, for S3: moto's listing signature check rejects a
    /// `prefix` with `/` in it (see ObjectStoreIntegrationTests/TestServers.swift).
    enum StoreKind { case directory, rclone }

    /// Runs `body` with a fresh fixture; drops its schemas and files after.
    static func with(_ test: String = #function, store kind: StoreKind = .directory,
                     _ body: (SnapshotFixture) async throws -> Void) async throws {
        let base = test.lowercased().filter { $0.isLetter || $0.isNumber }.prefix(30)
        let tag = "\(base)_\(UInt32.random(in: 0...UInt32.max))"
        let schemas = CatalogSchemas(catalog: "snap_\(tag)", data: "snap_\(tag)_data")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("snap_\(tag)").path
        try FileManager.default.createDirectory(atPath: directory + "/store", withIntermediateDirectories: true)
        let store: any ObjectStore
        var root: String?
        switch kind {
        case .directory:
            store = try DirectoryStore(root: directory + "/store")
            root = directory + "/store"
        case .rclone:
            let settings = S3Settings(bucket: "pyr-snapshots", prefix: "run-\(tag)/", region: "us-east-1",
                                      endpoint: variable("PYRAMYDAL_TEST_RCLONE_ENDPOINT", "http://127.0.0.1:55001"), pathStyle: true)
            let credentials = AWSCredentials(accessKeyID: variable("PYRAMYDAL_TEST_RCLONE_ACCESS_KEY_ID", "rclonetestkey"),
                                             secretAccessKey: variable("PYRAMYDAL_TEST_RCLONE_SECRET_ACCESS_KEY", "rclonetestsecret"))
            let s3 = S3Store(settings: settings, credentials: StaticCredentialProvider(credentials), logger: logger)
            try await s3.createBucket()
            store = s3
        }
        let connection = try await PostgresConnection.connect(url: databaseURL, variable: "PYRAMYDAL_TEST_DATABASE_URL",
                                                              applicationName: "pyramydal-snapshot-tests")
        let fixture = SnapshotFixture(connection: connection, schemas: schemas, reference: "snap_\(tag)_ref", store: store,
                                      storeRoot: root, directory: directory)
        try await connection.run { conn in _ = try Catalog(schemas: schemas).migrate(conn) }
        defer {
            try? FileManager.default.removeItem(atPath: directory)
            connection.close()
        }
        do {
            try await body(fixture)
        } catch {
            try? await fixture.dropAll()
            throw error
        }
        try await fixture.dropAll()
    }

    func dropAll() async throws {
        for schema in [schemas.catalog, schemas.data, reference, schemas.catalog + "_r", schemas.data + "_r"] {
            try await connection.execute("DROP SCHEMA IF EXISTS \(PostgresConnection.quoteIdentifier(schema)) CASCADE",
                                         purpose: "drop test schema")
        }
    }

    func writer(now: Date = Date()) -> SnapshotWriter {
        SnapshotWriter(store: store, schemas: schemas, temporaryDirectory: directory, logger: Self.logger)
    }

    func restorer() -> SnapshotRestorer {
        SnapshotRestorer(store: store, temporaryDirectory: directory, logger: Self.logger)
    }

    @discardableResult
    func snapshot(at date: Date = Date()) async throws -> SnapshotManifest {
        try await writer().run(connection: connection, actor: "test", now: date)
    }

    /// Adds a committed version of `dataset` whose table is `CREATE TABLE … AS <select>`.
    @discardableResult
    func addVersion(_ dataset: String, _ select: String) async throws -> String {
        let ref = DatasetRef(parsing: dataset)
        let catalog = self.catalog
        let schemas = self.schemas
        return try await connection.run { conn in
            try conn.transaction(purpose: "add version") { conn in
                try catalog.lockDataset(ref, on: conn)
                let ds = try catalog.ensureDataset(ref, on: conn)
                let n = try catalog.nextVersionNumber(datasetID: ds.id, on: conn)
                let table = TableNaming.tableName(viewName: ds.viewName, datasetID: ds.id, version: n)
                let source = SourceIdentity(uri: "s3://bucket/incoming/\(ref.name).xlsx", store: "s3://bucket", bucket: "bucket",
                                            key: "incoming/\(ref.name).xlsx", etag: "\"e\(n)\"", sha256: UUID().uuidString)
                let id = try catalog.insertLoadingVersion(datasetID: ds.id, version: n, source: source, sheet: "Sheet1",
                                                          tableName: table, createdBy: "test", on: conn)
                try conn.execute("CREATE TABLE \(schemas.dataRelation(table)) AS \(select)", purpose: "fill version")
                let rows = try conn.query("SELECT count(*) FROM \(schemas.dataRelation(table))", purpose: "count")[0][0, as: Int.self]
                let columns = [ColumnInfo(name: "a", type: "bigint", sourceColumn: "A", nonNull: rows, nulls: 0, errors: 0, kinds: ["integer"])]
                try catalog.markCommitted(versionID: id, rowCount: rows, columns: columns,
                                          timings: VersionTimings(download: 0.1, parseInfer: 0.2, copy: 0.30000000000000004, total: 0.6),
                                          on: conn)
                try catalog.pointView(ds.viewName, at: table, on: conn)
                return table
            }
        }
    }

    /// The data tables (not views) of `schema`.
    func tables(in schema: String) async throws -> [String] {
        try await connection.query("""
            SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = $1 AND c.relkind = 'r' ORDER BY 1
            """, [.text(schema)], purpose: "list tables").map { try $0[0, as: String.self] }
    }

    static let catalogTables = ["datasets", "dataset_versions", "artifacts", "report_requests"]

    /// Copies every data table and catalog table into the reference schema.
    func saveReference() async throws {
        let ref = PostgresConnection.quoteIdentifier(reference)
        try await connection.execute("CREATE SCHEMA \(ref)", purpose: "reference schema")
        for table in try await tables(in: schemas.data) {
            try await connection.execute("CREATE TABLE \(ref).\(PostgresConnection.quoteIdentifier("d:" + table)) AS SELECT * FROM \(schemas.dataRelation(table))",
                                         purpose: "copy \(table)")
        }
        for table in Self.catalogTables {
            try await connection.execute("CREATE TABLE \(ref).\(PostgresConnection.quoteIdentifier("c:" + table)) AS SELECT * FROM \(schemas.catalogTable(table))",
                                         purpose: "copy \(table)")
        }
    }

    func dropOriginal() async throws {
        try await connection.execute("""
            DROP SCHEMA \(PostgresConnection.quoteIdentifier(schemas.catalog)) CASCADE;
            DROP SCHEMA \(PostgresConnection.quoteIdentifier(schemas.data)) CASCADE
            """, purpose: "drop the originals")
    }

    /// Rows in `a` not in `b` plus rows in `b` not in `a` (EXCEPT ALL both ways).
    func difference(_ a: String, _ b: String) async throws -> Int {
        try await connection.query("""
            SELECT (SELECT count(*) FROM (SELECT * FROM \(a) EXCEPT ALL SELECT * FROM \(b)) x)
                 + (SELECT count(*) FROM (SELECT * FROM \(b) EXCEPT ALL SELECT * FROM \(a)) y)
            """, purpose: "compare \(a) and \(b)")[0][0, as: Int.self]
    }

    /// Checks the restored schemas against the reference: the same tables
    /// with the same column types, equal row for row, and equal catalogs.
    func expectEqualToReference(restored: CatalogSchemas) async throws {
        let ref = PostgresConnection.quoteIdentifier(reference)
        let saved = try await tables(in: reference).filter { $0.hasPrefix("d:") }.map { String($0.dropFirst(2)) }
        let restoredTables = try await tables(in: restored.data)
        #expect(restoredTables == saved)
        for table in saved {
            let original = "\(ref).\(PostgresConnection.quoteIdentifier("d:" + table))"
            #expect(try await difference(original, restored.dataRelation(table)) == 0, "table \(table)")
            let types = """
                SELECT string_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod), ', ' ORDER BY a.attnum)
                FROM pg_attribute a WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped
                """
            let before = try await connection.query(types, [.text(original)], purpose: "types")[0][0, as: String.self]
            let after = try await connection.query(types, [.text(restored.dataRelation(table))], purpose: "types")[0][0, as: String.self]
            #expect(before == after)
        }
        for table in Self.catalogTables {
            let original = "\(ref).\(PostgresConnection.quoteIdentifier("c:" + table))"
            #expect(try await difference(original, restored.catalogTable(table)) == 0, "catalog \(table)")
        }
    }
}
