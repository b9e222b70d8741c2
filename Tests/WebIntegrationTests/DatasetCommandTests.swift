import Accounts
import Catalog
import ChildProcess
import Foundation
import Hummingbird
import Postgres
import Testing
import TestSupport
import Web

extension WebFixture {
    /// The next version of dept-a's `sales`: `rows` rows of the fixture's
    /// columns (made by `select`, if given) on a table of its own. Returns
    /// the version's id and table.
    @discardableResult
    func addVersionA(rows: Int, select: String? = nil) async throws -> (id: Int64, table: String) {
        let catalog = self.catalog
        return try await connection.run { conn in
            try conn.transaction(purpose: "add a version") { conn in
                let ref = DatasetRef(department: "dept-a", name: "sales")
                try catalog.lockDataset(ref, on: conn)
                let dataset = try catalog.ensureDataset(ref, on: conn)
                let number = try catalog.nextVersionNumber(datasetID: dataset.id, on: conn)
                let table = TableNaming.tableName(viewName: dataset.viewName, datasetID: dataset.id, version: number)
                let id = try catalog.insertLoadingVersion(
                    datasetID: dataset.id, version: number, source: SourceIdentity(uri: "file:///dept-a/sales-\(number).xlsx"),
                    sheet: "Sheet1", tableName: table, createdBy: "test", on: conn)
                try catalog.createTable(table, columns: [("id", "bigint"), ("name", "text"), ("amount", "double precision"),
                                                         ("region", "text"), ("day", "date")], on: conn)
                try conn.execute("INSERT INTO \(catalog.schemas.dataRelation(table)) "
                                 + (select ?? "SELECT g, 'new ' || g, g, NULL, NULL FROM generate_series(1, \(rows)) g"),
                                 purpose: "fill")
                try catalog.markCommitted(versionID: id, rowCount: rows, columns: [], timings: VersionTimings(), on: conn)
                try catalog.pointView(dataset.viewName, at: table, on: conn)
                return (id, table)
            }
        }
    }

    /// One integer from a query.
    func count(_ sql: String) async throws -> Int {
        try await connection.query(sql, purpose: "count")[0][0, as: Int.self]
    }

    var dataTables: String {
        "SELECT count(*) FROM pg_tables WHERE schemaname = '\(catalog.schemas.data)'"
    }
}

extension WebIntegration {
    /// `pyramydal dataset revert|rename|move|archive|unarchive|delete|settings`, run as the built binary.
    @Suite struct DatasetCommandTests {
        @Test func theDatasetCommands() async throws {
            try await WebFixture.run { fixture, _ in
                try await fixture.addVersionA(rows: 10)
                let schemas = fixture.catalog.schemas
                var environment = ChildProcess.currentEnvironment()
                environment["PYRAMYDAL_DATABASE_URL"] = WebFixture.url
                environment["PYRAMYDAL_CATALOG_SCHEMA"] = schemas.catalog
                environment["PYRAMYDAL_DATA_SCHEMA"] = schemas.data
                environment["PYRAMYDAL_JOBS_SCHEMA"] = schemas.catalog
                environment["PYRAMYDAL_HOME"] = NSTemporaryDirectory() + "manage-cli-\(schemas.catalog)"
                environment["PYRAMYDAL_ACTOR"] = "cli-tester"
                let pyramydal = BuiltProducts.path(of: "pyramydal")
                let fixed = environment
                func cli(_ arguments: String...) async throws -> ChildProcess.Output {
                    try await offPool { try ChildProcess.run(pyramydal, arguments, environment: fixed) }
                }
                let revert = try await cli("dataset", "revert", "dept-a/sales", "1")
                #expect(revert.succeeded, "\(revert.stderrText)")
                #expect(revert.stdoutText.contains("version 3 is version 1 again"))
                #expect(try await cli("dataset", "rename", "dept-a/sales", "orders").succeeded)
                #expect(try await cli("dataset", "move", "dept-b/sales", "dept-a").succeeded)
                let conflict = try await cli("dataset", "rename", "dept-a/orders", "sales")
                #expect(conflict.status == 1)
                #expect(conflict.stderrText.contains("dept-a/sales already exists"))
                #expect(try await cli("dataset", "archive", "dept-a/orders").succeeded)
                #expect(!(try await cli("datasets").stdoutText.contains("dept-a/orders")))
                #expect(try await cli("datasets", "--archived").stdoutText.contains("dept-a/orders (archived)"))
                #expect(try await cli("dataset", "unarchive", "dept-a/orders").succeeded)
                #expect(try await cli("datasets").stdoutText.contains("dept-a/orders"))
                #expect(try await cli("dataset", "delete", "dept-a/orders").status == 64)
                #expect(try await cli("dataset", "delete", "dept-a/orders", "--yes").succeeded)
                let gone = try await cli("versions", "dept-a/orders")
                #expect(gone.status == 1)
                #expect(gone.stderrText.contains("no dataset dept-a/orders"))

                // Ingest settings: shown, set, refused when malformed, cleared.
                #expect(try await cli("dataset", "settings", "dept-b/sales").stdoutText
                    .contains("dept-b/sales: ingest settings none (the table is detected)"))
                let set = try await cli("dataset", "settings", "dept-b/sales", "--sheet", "Stock", "--header-row", "4", "--no-totals")
                #expect(set.stdoutText.contains(#"dept-b/sales: ingest settings sheet "Stock", header row 4, totals kept"#), "\(set.stderrText)")
                #expect(try await cli("dataset", "settings", "dept-b/sales", "--range", "4A:F").status == 64)
                #expect(try await cli("dataset", "settings", "dept-b/sales", "--clear").stdoutText.contains("none (the table is detected)"))

                let audit = try await fixture.connection.query(
                    "SELECT what FROM \(schemas.catalogTable("audit_log")) WHERE who = 'cli-tester' ORDER BY id", purpose: "audit")
                    .map { try $0[0, as: String.self] }
                #expect(audit == ["revert dept-a/sales", "rename dept-a/sales", "move dept-b/sales", "archive dept-a/orders",
                                  "unarchive dept-a/orders", "delete dept-a/orders", "ingest settings", "ingest settings"])
            }
        }
    }
}
