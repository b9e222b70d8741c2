import Catalog
import ChildProcess
import Foundation
import Postgres
import TestSupport

/// A catalog of its own (catalog and data schemas named after the test,
/// dropped afterwards) with committed versions made through the Catalog's
/// own API, as the ingest makes them.
struct DiffFixture {
    static let databaseURL = TestDatabaseURL.value

    let connection: PostgresConnection
    let catalog: Catalog
    /// A scratch folder (the local store lives under `store/`).
    let directory: String
    let suffix: String

    var schemas: CatalogSchemas { catalog.schemas }

    static func with<T>(_ test: String = #function, _ body: (DiffFixture) async throws -> T) async throws -> T {
        let base = test.lowercased().filter { $0.isLetter || $0.isNumber }.prefix(24)
        let suffix = "\(base)_\(UInt32.random(in: 0...UInt32.max))"
        let catalog = Catalog(schemas: CatalogSchemas(catalog: "diff_cat_\(suffix)", data: "diff_data_\(suffix)"))
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pyramydal-diff-\(suffix)").path
        try FileManager.default.createDirectory(atPath: directory + "/store", withIntermediateDirectories: true)
        let connection = try await PostgresConnection.connect(url: databaseURL, variable: "PYRAMYDAL_TEST_DATABASE_URL",
                                                              applicationName: "pyramydal-diff-tests")
        let fixture = DiffFixture(connection: connection, catalog: catalog, directory: directory, suffix: suffix)
        defer {
            _ = try? connection.execute("DROP SCHEMA IF EXISTS \(PostgresConnection.quoteIdentifier(catalog.schemas.catalog)), "
                                        + "\(PostgresConnection.quoteIdentifier(catalog.schemas.data)), "
                                        + "\(PostgresConnection.quoteIdentifier("diff_jobs_\(suffix)")) CASCADE", purpose: "cleanup")
            connection.close()
            try? FileManager.default.removeItem(atPath: directory)
        }
        try await connection.run { conn in _ = try catalog.migrate(conn) }
        return try await body(fixture)
    }

    /// Commits version `version` of `ref` with these columns (SQL types)
    /// and rows (`VALUES …` SQL, literals only).
    func addVersion(_ ref: DatasetRef, version: Int, columns: [(String, String)], values: String) async throws {
        let catalog = self.catalog
        try await connection.run { conn in
            try conn.transaction(purpose: "add version") { conn in
                let dataset = try catalog.ensureDataset(ref, on: conn)
                let table = TableNaming.tableName(viewName: dataset.viewName, datasetID: dataset.id, version: version)
                let id = try catalog.insertLoadingVersion(
                    datasetID: dataset.id, version: version,
                    source: SourceIdentity(uri: "s3://bucket/incoming/\(ref.department)/\(ref.name)-v\(version).xlsx", sha256: "v\(version)"),
                    sheet: "Sheet1", tableName: table, createdBy: "test", on: conn)
                try catalog.createTable(table, columns: columns.map { (name: $0.0, type: $0.1) }, on: conn)
                let rows = try conn.execute("INSERT INTO \(catalog.schemas.dataRelation(table)) VALUES \(values)", purpose: "rows")
                try catalog.markCommitted(
                    versionID: id, rowCount: rows,
                    columns: columns.enumerated().map { i, c in
                        ColumnInfo(name: c.0, type: c.1, sourceColumn: String(UnicodeScalar(UInt8(65 + i))), nonNull: rows, nulls: 0,
                                   errors: 0, kinds: [])
                    }, timings: VersionTimings(), on: conn)
                try catalog.pointView(dataset.viewName, at: table, on: conn)
            }
        }
    }

    /// sales/orders v1 and v2 with known differences (see the tests):
    /// - row 2 removed, rows 6 and 7 added;
    /// - row 3: name c → C; row 4: name NULL → d and amount 10 → 10.5;
    /// - row 5: amount 5 → 5.0 (numeric → double precision: equal as numbers);
    /// - column `region` removed, `due` added, `amount` numeric → double precision.
    func makeOrders() async throws -> DatasetRef {
        let ref = DatasetRef(department: "sales", name: "orders")
        try await addVersion(ref, version: 1, columns: [("id", "bigint"), ("name", "text"), ("amount", "numeric"), ("region", "text")],
                             values: "(1, 'a', 1, 'north'), (2, 'b', 2, 'south'), (3, 'c', 3, 'east'), (4, NULL, 10, 'west'), (5, 'e', 5, 'north')")
        try await addVersion(ref, version: 2, columns: [("id", "bigint"), ("name", "text"), ("amount", "double precision"), ("due", "date")],
                             values: "(1, 'a', 1, '2024-01-01'), (3, 'C', 3, NULL), (4, 'd', 10.5, '2024-02-29'), (5, 'e', 5.0, NULL), "
                                 + "(6, 'f', 6, '2024-03-01'), (7, 'g', 7, NULL)")
        return ref
    }

    // MARK: - built binaries

    /// The repository root.
    static let root = BuiltProducts.packageRoot

    /// `.build/<config>/`, where the test bundle and the executables live.
    static var binDirectory: String { BuiltProducts.directory(containing: "pyramydal") }

    var jobsSchema: String { "diff_jobs_\(suffix)" }

    /// The environment of `pyramydal` for this fixture's schemas and store.
    func environment(tasksDirectory: String? = nil) -> [String: String] {
        var environment = ChildProcess.currentEnvironment().filter { !$0.key.hasPrefix("PYRAMYDAL_") && !$0.key.hasPrefix("PG") }
        environment.merge([
            "PYRAMYDAL_DATABASE_URL": Self.databaseURL, "PYRAMYDAL_HOME": directory, "PYRAMYDAL_STORE": "file://\(directory)/store",
            "PYRAMYDAL_CATALOG_SCHEMA": schemas.catalog, "PYRAMYDAL_DATA_SCHEMA": schemas.data, "PYRAMYDAL_JOBS_SCHEMA": jobsSchema,
            "PYRAMYDAL_TASKS_DIR": tasksDirectory ?? Self.root + "/tasks", "PYRAMYDAL_LOG_LEVEL": "warning",
            "PYRAMYDAL_ACTOR": "tester@example",
        ]) { $1 }
        return environment
    }

    /// Runs `pyramydal` to completion.
    func pyramydal(_ arguments: [String], tasksDirectory: String? = nil) throws -> ChildProcess.Output {
        try ChildProcess.run(Self.binDirectory + "/pyramydal", arguments, environment: environment(tasksDirectory: tasksDirectory))
    }
}
