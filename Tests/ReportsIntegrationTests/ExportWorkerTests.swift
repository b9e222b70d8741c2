import Foundation
import Postgres
import Reports
import TestSupport
import Testing

/// The built `ExportWorker` binary, run end to end.
@Suite struct ExportWorkerTests {
    static var binary: String {
        ProcessInfo.processInfo.environment["PYRAMYDAL_EXPORT_WORKER"] ?? BuiltProducts.path(of: "ExportWorker")
    }

    /// Runs the worker with the test database in its environment.
    static func run(_ arguments: [String], maxRows: Int? = nil) throws -> Tool.Result {
        var env = ["PYRAMYDAL_DATABASE_URL=\(TestDatabase.url)"]
        if let maxRows { env.append("PYRAMYDAL_REPORT_MAX_ROWS=\(maxRows)") }
        return try Tool.run("/usr/bin/env", env + [binary] + arguments)
    }

    @Test func rendersAndExitsWithTheWorkerCodes() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.binary), "build ExportWorker first")
        try await TestDatabase.withSchema { connection, schema, dir in
            _ = try await TestDatabase.makeOrders(connection, schema: schema, rows: 60)
            let table = "\(schema).orders"
            let ok = try Self.run(["render", "--table", table, "--format", "xlsx", "--output", dir + "/o.xlsx",
                                   "--where", "paid = true", "--sort", "-id", "--columns", "id,paid"])
            #expect(ok.status == 0, "\(ok.output)")
            let paid = try await connection.query("SELECT count(*) FROM orders WHERE paid", purpose: "paid")
            #expect(ok.output.contains("xlsx: \(try paid[0][0, as: Int.self]) rows"), "\(ok.output)")
            let dump = try XLSXDump.read(dir + "/o.xlsx")
            #expect(dump.openpyxl["data"]?.dropFirst().allSatisfy { $0[1].value == "true" } == true)

            let unknown = try Self.run(["render", "--table", table, "--format", "csv", "--output", dir + "/x.csv",
                                        "--columns", "id,nope"])
            #expect(unknown.status == 65)
            #expect(unknown.output.contains("unknown column \\\"nope\\\"") || unknown.output.contains("unknown column \"nope\""),
                    "\(unknown.output)")
            #expect(try Self.run(["render", "--table", table, "--format", "pdf", "--output", dir + "/x.pdf"], maxRows: 10).status == 65)
            #expect(try Self.run(["render", "--table", table, "--format", "doc", "--output", dir + "/x.doc"]).status == 65)
            #expect(try Self.run(["render", "--table", schema + ".missing", "--format", "csv", "--output", dir + "/m.csv"]).status == 65)
            #expect(!FileManager.default.fileExists(atPath: dir + "/x.csv"))
            #expect(try Self.run(["frobnicate"]).status == 64)
        }
    }
}
