import Foundation
import Postgres
import Reports
import Testing

@Suite struct CSVReportTests {
    @Test func roundTripsThroughCopyFrom() async throws {
        try await TestDatabase.withSchema { connection, schema, dir in
            let source = try await TestDatabase.makeOrders(connection, schema: schema, rows: 2000)
            let path = dir + "/orders.csv"
            let request = ReportRequest(dataset: "sales/orders", format: .csv,
                                        csv: CSVOptions(neutraliseFormulas: false))
            let output = try await ReportExporter().render(request, source: source, to: path, connection: connection)
            #expect(output.rows == 2000)
            #expect(output.bytes == ReportExporterTestSupport.size(path))

            // psql's \copy (a tool we did not write) reads it back into a twin table.
            try await connection.execute("CREATE TABLE back (LIKE orders)", purpose: "twin")
            _ = try Tool.check("psql", [TestDatabase.url, "-v", "ON_ERROR_STOP=1", "-c",
                                         "\\copy \(schema).back FROM '\(path)' (FORMAT csv, HEADER true)"])
            let diff = try await connection.query(
                "SELECT (SELECT count(*) FROM (SELECT * FROM orders EXCEPT ALL SELECT * FROM back) a) + "
                    + "(SELECT count(*) FROM (SELECT * FROM back EXCEPT ALL SELECT * FROM orders) b)",
                purpose: "compare")
            #expect(try diff[0][0, as: Int.self] == 0)
            let back = try await connection.query("SELECT count(*) FROM back", purpose: "count")
            #expect(try back[0][0, as: Int.self] == 2000)
        }
    }

    @Test func neutralisesFormulasInTextColumnsOnly() async throws {
        try await TestDatabase.withSchema { connection, schema, dir in
            let source = try await TestDatabase.makeOrders(connection, schema: schema, rows: 8)
            let path = dir + "/orders.csv"
            let request = ReportRequest(dataset: "sales/orders", format: .csv, sort: [ReportSort(column: "id")],
                                        csv: CSVOptions(byteOrderMark: true))
            _ = try await ReportExporter().render(request, source: source, to: path, connection: connection)
            let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
            #expect(Array(bytes.prefix(3)) == [0xEF, 0xBB, 0xBF])

            // Python's csv module parses it (RFC 4180, quoted newlines).
            let json = try Tool.check("python3", ["-c", """
                import csv, json, sys
                with open(sys.argv[1], encoding='utf-8-sig', newline='') as f:
                    print(json.dumps(list(csv.reader(f))))
                """, path])
            let rows = try JSONDecoder().decode([[String]].self, from: Data(json.utf8))
            #expect(rows.count == 9)
            #expect(rows[0] == ["id", "customer", "amount", "ratio", "day", "at", "span", "paid", "note"])
            #expect(rows[1][8] == "Zürich, \"Ecke\" Straße")
            #expect(rows[2][2] == "-0.05") // a negative number is left alone
            #expect(rows[5][1] == "'=HYPERLINK(\"http://x\")")
            #expect(rows[5][8] == "'-2+3")
            #expect(rows[6][1] == "'+49 30 1234")
            #expect(rows[6][8] == "'@SUM(A1)")
            #expect(rows[7][1] == "tab\tinside") // tab inside, not first
            #expect(rows[7][8] == "line1\nline2")
            #expect(rows[8][8] == "'\rcr first")
            #expect(rows[1][4] == "2024-01-31")
            #expect(rows[1][5] == "2024-01-31 13:45:10")
            #expect(rows[1][6] == "P1DT2H")
        }
    }

    @Test func filtersSortAndColumnsAreApplied() async throws {
        try await TestDatabase.withSchema { connection, schema, dir in
            let source = try await TestDatabase.makeOrders(connection, schema: schema, rows: 500)
            let path = dir + "/f.csv"
            let request = ReportRequest(
                dataset: "sales/orders", format: .csv, columns: ["id", "amount", "customer"],
                filters: [try ReportFilter(parsing: "amount >= 100"), try ReportFilter(parsing: "customer contains MER 1"),
                          try ReportFilter(parsing: "day < 2022-01-01")],
                sort: [try ReportSort(parsing: "-id")])
            let output = try await ReportExporter().render(request, source: source, to: path, connection: connection)
            let expected = try await connection.query(
                "SELECT id FROM orders WHERE amount >= 100 AND customer ILIKE '%mer 1%' AND day < '2022-01-01' ORDER BY id DESC",
                purpose: "expected")
            // Records end with CRLF (RFC 4180), the last one too.
            let text = try String(contentsOfFile: path, encoding: .utf8)
            #expect(text.hasSuffix("\r\n"))
            let lines = text.components(separatedBy: "\r\n").dropLast()
            #expect(lines.allSatisfy { !$0.contains("\n") && !$0.contains("\r") })
            #expect(lines.first == "id,amount,customer")
            #expect(output.rows == expected.count)
            #expect(expected.count > 10)
            let ids = lines.dropFirst().map { $0.split(separator: ",")[0] }.map { Int64($0) }
            #expect(ids == (try expected.map { try $0[0, as: Int64.self] }))
        }
    }

    @Test func refusesBadInputBeforeWritingAnything() async throws {
        try await TestDatabase.withSchema { connection, schema, dir in
            let source = try await TestDatabase.makeOrders(connection, schema: schema, rows: 50)
            let path = dir + "/bad.csv"
            func code(_ request: ReportRequest, _ e: ReportExporter = ReportExporter()) async -> ReportError.Code? {
                do {
                    _ = try await e.render(request, source: source, to: path, connection: connection)
                    return nil
                } catch let error as ReportError {
                    return error.code
                } catch {
                    Issue.record("unexpected \(type(of: error)) \(error)")
                    return nil
                }
            }
            #expect(await code(ReportRequest(dataset: "orders", format: .csv, columns: ["nope"])) == .unknownColumn)
            #expect(await code(ReportRequest(dataset: "orders", format: .xlsx,
                                             filters: [ReportFilter(column: "day", op: .equal, value: "yesterday")])) == .wrongType)
            #expect(await code(ReportRequest(dataset: "orders", format: .pdf,
                                             filters: [ReportFilter(column: "amount", op: .contains, value: "1")])) == .badFilter)
            #expect(!FileManager.default.fileExists(atPath: path))
            // An interval the client's loose check lets through but the server rejects.
            #expect(await code(ReportRequest(dataset: "orders", format: .csv,
                                             filters: [ReportFilter(column: "span", op: .equal, value: "1 day 2 day")])) == .wrongType)
            for format in ReportRequest.Format.allCases {
                let c = await code(ReportRequest(dataset: "orders", format: format), ReportExporter(maxRows: 49))
                #expect(c == .tooManyRows, "\(format)")
            }
            // The bound itself is fine.
            let ok = try await ReportExporter(maxRows: 50).render(ReportRequest(dataset: "orders", format: .csv),
                                                                  source: source, to: path, connection: connection)
            #expect(ok.rows == 50)
            // The connection is still usable after the failures (COPY cancelled, transaction rolled back).
            let one = try await connection.query("SELECT 1", purpose: "alive")
            #expect(try one[0][0, as: Int.self] == 1)
        }
    }
}

enum ReportExporterTestSupport {
    static func size(_ path: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.intValue ?? -1
    }
}
