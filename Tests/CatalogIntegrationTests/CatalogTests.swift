import Catalog
import Foundation
import Logging
import Postgres
import Testing
import TestSupport

enum CatalogTestDatabase {
    static var url: String {
        TestDatabaseURL.value
    }

    /// A migrated catalog in schemas of its own, dropped afterwards.
    static func withCatalog<T>(test: String = #function, _ body: @escaping (PostgresConnection, Catalog) throws -> T) async throws -> T {
        let base = test.prefix { $0 != "(" }.lowercased().filter { $0.isLetter || $0.isNumber }.prefix(30)
        let run = UInt32.random(in: 0...UInt32.max)
        let catalog = Catalog(schemas: CatalogSchemas(catalog: "ct_\(base)_\(run)", data: "ct_\(base)_\(run)_data"))
        var logger = Logger(label: "test.catalog")
        logger.logLevel = .warning
        let connection = try await PostgresConnection.connect(url: url, variable: "PYRAMYDAL_TEST_DATABASE_URL", logger: logger)
        defer { connection.close() }
        let cleanup = "DROP SCHEMA IF EXISTS \(PostgresConnection.quoteIdentifier(catalog.schemas.data)) CASCADE; "
            + "DROP SCHEMA IF EXISTS \(PostgresConnection.quoteIdentifier(catalog.schemas.catalog)) CASCADE"
        // Tests only: the body runs on the connection's queue and nowhere else.
        let work = UncheckedBox(body)
        do {
            let result = try await connection.run { conn in
                try catalog.migrate(conn)
                return UncheckedBox(try work.value(conn, catalog))
            }
            try await connection.execute(cleanup, purpose: "cleanup")
            return result.value
        } catch {
            _ = try? await connection.execute(cleanup, purpose: "cleanup")
            throw error
        }
    }

    struct UncheckedBox<T>: @unchecked Sendable { let value: T; init(_ v: T) { value = v } }
}

@Suite("Catalog")
struct CatalogTests {
    @Test func migrationIsIdempotentAndCreatesEverything() async throws {
        try await CatalogTestDatabase.withCatalog { conn, catalog in
            #expect(try catalog.migrate(conn) == [])
            let tables = try conn.query(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY 1",
                [.text(catalog.schemas.catalog)], purpose: "tables").map { try $0[0, as: String.self] }
            #expect(tables == ["artifacts", "audit_log", "dataset_versions", "datasets", "report_requests", "schema_migrations"])
            let data = try conn.query("SELECT count(*) FROM pg_namespace WHERE nspname = $1", [.text(catalog.schemas.data)], purpose: "data schema")
            #expect(try data[0][0, as: Int.self] == 1)
        }
    }

    @Test func failuresTakeNoVersionNumber() async throws {
        try await CatalogTestDatabase.withCatalog { conn, catalog in
            let ref = DatasetRef(department: "finance", name: "budget")
            let error = VersionError(kind: "badInput", code: "headerOnly", file: "incoming/finance/budget.xlsx", sheet: "S",
                                     cell: "A1", message: "only a header")
            try catalog.recordFailure(ref, source: SourceIdentity(uri: "s3://b/k"), sheet: "S", error: error,
                                      timings: VersionTimings(), createdBy: "test", on: conn)
            let dataset = try #require(try catalog.dataset(ref, on: conn))
            #expect(dataset.viewName == "finance/budget")
            #expect(try catalog.nextVersionNumber(datasetID: dataset.id, on: conn) == 1)
            let versions = try catalog.listVersions(of: dataset.id, on: conn)
            #expect(versions.count == 1 && versions[0].status == "failed" && versions[0].version == nil)
            #expect(versions[0].error == error)
            let listed = try catalog.listDatasets(on: conn)
            #expect(listed.map(\.status) == ["failed"])
            let audit = try conn.query("SELECT who, outcome FROM \(catalog.schemas.catalogTable("audit_log"))", purpose: "audit")
            #expect(try audit[0][0, as: String.self] == "test" && audit[0][1, as: String.self] == "failed")
        }
    }

    @Test func idempotencyMatchesObjectOrContent() async throws {
        try await CatalogTestDatabase.withCatalog { conn, catalog in
            let ref = DatasetRef(name: "orders")
            let dataset = try catalog.ensureDataset(ref, on: conn)
            let source = SourceIdentity(uri: "s3://b/incoming/orders.xlsx", store: "s3://b", bucket: "b",
                                        key: "incoming/orders.xlsx", etag: "\"e1\"", sha256: "aa")
            let id = try catalog.insertLoadingVersion(datasetID: dataset.id, version: 1, source: source, sheet: "S",
                                                      tableName: "orders@v1", createdBy: "test", on: conn)
            // Not yet committed: not a match.
            #expect(try catalog.committedVersion(datasetID: dataset.id, source: source, on: conn) == nil)
            try catalog.markCommitted(versionID: id, rowCount: 3, columns: [], timings: VersionTimings(total: 1), on: conn)
            #expect(try catalog.committedVersion(datasetID: dataset.id, source: source, on: conn)?.version == 1)
            var sameObject = source
            sameObject.sha256 = "other"
            #expect(try catalog.committedVersion(datasetID: dataset.id, source: sameObject, on: conn) != nil)
            var sameContent = SourceIdentity(uri: "/tmp/x.xlsx", sha256: "aa")
            #expect(try catalog.committedVersion(datasetID: dataset.id, source: sameContent, on: conn) != nil)
            sameContent.sha256 = "bb"
            #expect(try catalog.committedVersion(datasetID: dataset.id, source: sameContent, on: conn) == nil)
            #expect(try catalog.nextVersionNumber(datasetID: dataset.id, on: conn) == 2)
        }
    }

    @Test func viewAndTableNames() async throws {
        try await CatalogTestDatabase.withCatalog { conn, catalog in
            let long = String(repeating: "é", count: 40)  // 80 bytes
            let a = try catalog.ensureDataset(DatasetRef(name: long + "a"), on: conn)
            let b = try catalog.ensureDataset(DatasetRef(name: long + "b"), on: conn)
            #expect(a.viewName.utf8.count <= 63 && b.viewName.utf8.count <= 63)
            #expect(a.viewName != b.viewName)
            #expect(b.viewName.hasSuffix("~2"))
            let at = try catalog.ensureDataset(DatasetRef(department: "ops", name: "x@y"), on: conn)
            #expect(at.viewName == "ops/x_y")
            // Tables and views are real, quoted relations.
            let table = TableNaming.tableName(viewName: a.viewName, datasetID: a.id, version: 12)
            #expect(table.utf8.count <= 63 && table.hasSuffix("@\(a.id)v12"))
            try catalog.createTable(table, columns: [("Weird \"name\"", "bigint"), ("ünï", "text")], on: conn)
            try catalog.pointView(a.viewName, at: table, on: conn)
            let rows = try conn.query("SELECT count(*) FROM \(catalog.schemas.dataRelation(a.viewName))", purpose: "view")
            #expect(try rows[0][0, as: Int.self] == 0)
        }
    }

    @Test func namingRules() {
        #expect(TableNaming.viewBase(department: "default", name: "orders") == "orders")
        #expect(TableNaming.viewBase(department: "finance", name: "q1:Summary") == "finance/q1:Summary")
        #expect(TableNaming.tableName(viewName: "orders", datasetID: 7, version: 3) == "orders@v3")
        let long = String(repeating: "x", count: 63)
        #expect(TableNaming.tableName(viewName: long, datasetID: 7, version: 3) == String(repeating: "x", count: 59) + "@7v3")
        #expect(TableNaming.viewCandidate(base: long, attempt: 3) == String(repeating: "x", count: 61) + "~3")
        #expect(TableNaming.truncate("aé", toBytes: 2) == "a")
        #expect(DatasetRef(parsing: "finance/budget") == DatasetRef(department: "finance", name: "budget"))
        #expect(DatasetRef(parsing: "orders").department == "default")
        // Only the first `/` separates the department, as the ingest names incoming/a/b/c.xlsx.
        #expect(DatasetRef(parsing: "a/b/c") == DatasetRef(department: "a", name: "b/c"))
        #expect(DatasetRef(parsing: "a/b/c").description == "a/b/c")
    }
}
