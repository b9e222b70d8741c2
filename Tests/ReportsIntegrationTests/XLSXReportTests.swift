import Foundation
import Postgres
import Reports
import TestSupport
import Testing

/// What read_xlsx.py prints.
struct XLSXDump: Decodable {
    var sheets: [String]
    var openpyxl: [String: [[Cell]]]
    var calamine: [String: [[Cell]]]
    var formats: [String: [String: String]]
    var frozen: [String: String?]
    var autofilter: [String: String?]
    var bold: [String: Bool]

    typealias Cell = XLSXDumpCell

    static func read(_ path: String) throws -> XLSXDump {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Scripts/read_xlsx.py").path
        let json = try Tool.check("python3", [script, path])
        return try JSONDecoder().decode(XLSXDump.self, from: Data(json.utf8))
    }
}

@Suite struct XLSXReportTests {
    /// The database's view of each value, as text, in the same order.
    static func expectedRows(_ connection: PostgresConnection, limit: Int? = nil) async throws -> [[String?]] {
        try await connection.execute("SET IntervalStyle = iso_8601; SET extra_float_digits = 1", purpose: "styles")
        let rows = try await connection.query(
            """
            SELECT id::text, customer, amount::text, ratio::text, day::text, to_char(at, 'YYYY-MM-DD HH24:MI:SS'),
                   span, paid::text, note FROM orders ORDER BY orders.id
            """ + (limit.map { " LIMIT \($0)" } ?? ""), purpose: "expected")
        return try rows.map { row in try (0..<9).map { try row.text($0) } }
    }

    /// Checks one reader's cell against the database text for a column.
    static func check(_ cell: XLSXDump.Cell, _ db: String?, column: Int, reader: String, row: Int) {
        let context = Comment(rawValue: "\(reader) row \(row) column \(column): \(cell) vs \(db ?? "NULL")")
        guard let db, !(column == 1 && db.isEmpty) else {
            #expect(cell.type == "null", context)
            return
        }
        switch column {
        case 0, 2:
            #expect(cell.type == "number", context)
            #expect(Double(cell.value ?? "") == Double(db), context)
        case 3:
            // libxlsxwriter prints doubles with 16 significant digits ("%.16G");
            // Excel itself shows 15.
            #expect(cell.type == "number", context)
            let (a, b) = (Double(cell.value ?? "") ?? .nan, Double(db) ?? .nan)
            #expect(abs(a - b) <= abs(b) * 1e-15, context)
        case 4:
            #expect(cell.type == "date" || cell.type == "datetime", context)
            #expect(cell.value?.hasPrefix(db) == true, context)
            if cell.type == "datetime" { #expect(cell.value?.dropFirst(10).allSatisfy { " 0:".contains($0) } == true, context) }
        case 5:
            // calamine reports a whole-day serial as a date even under a date-time format.
            if cell.type == "date" {
                #expect(reader == "calamine" && (cell.value ?? "") + " 00:00:00" == db, context)
            } else {
                #expect(cell.type == "datetime", context)
                #expect(cell.value.map { String($0.prefix(19)) } == db, context)
            }
        case 7:
            #expect(cell.type == "bool", context)
            #expect(cell.value == (db == "true" ? "true" : "false"), context)
        default:
            #expect(cell.type == "string", context)
            // Control characters are stored as _xHHHH_ escapes (as Excel does);
            // openpyxl leaves them escaped in inline strings, calamine decodes them.
            #expect(cell.value?.replacingOccurrences(of: "_x000D_", with: "\r") == db, context)
        }
    }

    @Test func readersSeeTheDatabaseValuesAndTypes() async throws {
        try await TestDatabase.withSchema { connection, schema, dir in
            let source = try await TestDatabase.makeOrders(connection, schema: schema, rows: 1500)
            let path = dir + "/orders.xlsx"
            let request = ReportRequest(dataset: "sales/orders", format: .xlsx, sort: [ReportSort(column: "id")])
            let output = try await ReportExporter().render(request, source: source, to: path, connection: connection)
            #expect(output.rows == 1500)
            #expect(output.sheets == 1)

            let dump = try XLSXDump.read(path)
            #expect(dump.sheets == ["About", "data"])
            #expect(dump.frozen["data"] == "A2")
            #expect(dump.autofilter["data"] == "A1:I1501")
            #expect(dump.bold["data"] == true)
            #expect(dump.formats["data"]?["C2"] == "#,##0.00")
            #expect(dump.formats["data"]?["E2"] == "yyyy-mm-dd")
            #expect(dump.formats["data"]?["F2"] == "yyyy-mm-dd hh:mm:ss")

            let expected = try await Self.expectedRows(connection)
            for (reader, sheets) in [("openpyxl", dump.openpyxl), ("calamine", dump.calamine)] {
                let rows = try #require(sheets["data"])
                #expect(rows.count == 1501, "\(reader)")
                #expect(rows.first?.map(\.value) == ["id", "customer", "amount", "ratio", "day", "at", "span", "paid", "note"])
                for (r, db) in expected.enumerated() where r < rows.count - 1 {
                    let cells = rows[r + 1]
                    for c in 0..<9 {
                        Self.check(c < cells.count ? cells[c] : try JSONDecoder().decode(XLSXDump.Cell.self, from: Data("[\"null\"]".utf8)),
                                   db[c], column: c, reader: reader, row: r + 1)
                    }
                }
                // The About sheet.
                let about = try #require(sheets["About"])
                let pairs = Dictionary(about.map { ($0[0].value ?? "", $0.count > 1 ? $0[1].value ?? "" : "") }) { a, _ in a }
                #expect(pairs["Dataset"] == "sales/orders")
                #expect(pairs["Version"].flatMap(Double.init) == 3)
                #expect(pairs["Source file"] == "s3://bucket/incoming/sales/orders.xlsx")
                #expect(pairs["Row count"].flatMap(Double.init) == 1500)
                #expect(pairs["Filters"] == "none")
                #expect(pairs["Generated at"]?.isEmpty == false)
            }
        }
    }

    @Test func rowsBeyondTheSheetLimitContinueOnFurtherSheets() async throws {
        try await TestDatabase.withSchema { connection, schema, dir in
            let source = try await TestDatabase.makeOrders(connection, schema: schema, rows: 25)
            let path = dir + "/split.xlsx"
            let request = ReportRequest(dataset: "sales/orders", format: .xlsx, columns: ["id", "customer", "day"],
                                        filters: [try ReportFilter(parsing: "id > 0")], sort: [ReportSort(column: "id")])
            let output = try await ReportExporter(xlsxRowsPerSheet: 10)
                .render(request, source: source, to: path, connection: connection)
            #expect(output.rows == 25)
            #expect(output.sheets == 3)
            let dump = try XLSXDump.read(path)
            #expect(dump.sheets == ["About", "data", "data (2)", "data (3)"])
            for (reader, sheets) in [("openpyxl", dump.openpyxl), ("calamine", dump.calamine)] {
                let ids = ["data", "data (2)", "data (3)"].flatMap { name in
                    (sheets[name] ?? []).dropFirst().map { Double($0[0].value ?? "") ?? -1 }
                }
                #expect(ids == (1...25).map(Double.init), "\(reader)")
                for name in ["data", "data (2)", "data (3)"] {
                    #expect(sheets[name]?.first?.map(\.value) == ["id", "customer", "day"], "\(reader) \(name)")
                }
                let about = try #require(sheets["About"])
                let note = about.first { $0.first?.value == "Note" }?.last?.value ?? ""
                #expect(note.contains("\"data (2)\", \"data (3)\""), "\(reader): \(note)")
                #expect(about.first { $0.first?.value == "Filters" }?.last?.value == "id > 0")
            }
            #expect(dump.frozen["data (3)"] == "A2")
            #expect(dump.autofilter["data (3)"] == "A1:C6")
        }
    }

    @Test func emptyResultStillMakesAWorkbook() async throws {
        try await TestDatabase.withSchema { connection, schema, dir in
            let source = try await TestDatabase.makeOrders(connection, schema: schema, rows: 8)
            let path = dir + "/empty.xlsx"
            let request = ReportRequest(dataset: "sales/orders", format: .xlsx, filters: [try ReportFilter(parsing: "id > 100")])
            let output = try await ReportExporter().render(request, source: source, to: path, connection: connection)
            #expect(output.rows == 0)
            let dump = try XLSXDump.read(path)
            #expect(dump.sheets == ["About", "data"])
            #expect(dump.openpyxl["data"]?.count == 1)
        }
    }
}

@Suite struct XLSXLimitTests {
    @Test func overlongTextIsCutAtExcelsCellLimit() async throws {
        try await TestDatabase.withSchema { connection, schema, dir in
            try await connection.execute("CREATE TABLE long (id bigint, body text); INSERT INTO long VALUES (1, repeat('ä', 40000))",
                                         purpose: "long text")
            let source = try await connection.run { try ReportSource.describe(schema: schema, table: "long", connection: $0) }
            let path = dir + "/long.xlsx"
            _ = try await ReportExporter().render(ReportRequest(dataset: "long", format: .xlsx), source: source, to: path,
                                                  connection: connection)
            let dump = try XLSXDump.read(path)
            let body = try #require(dump.calamine["data"]?[1][1].value)
            #expect(body.hasSuffix("…"))
            #expect(body.utf8.count <= 32_767)
            #expect(body.hasPrefix(String(repeating: "ä", count: 16_000)))
        }
    }

    /// 1,048,576 rows at Excel's real limit make "data" full and one row on
    /// "data (2)" (about 15 s; PYRAMYDAL_TEST_REAL_SHEET_LIMIT=0 skips it).
    @Test(.enabled(if: ProcessInfo.processInfo.environment["PYRAMYDAL_TEST_REAL_SHEET_LIMIT"] != "0"))
    func realSheetLimit() async throws {
        try await TestDatabase.withSchema { connection, schema, dir in
            try await connection.execute("CREATE TABLE big AS SELECT g::bigint AS id FROM generate_series(1, 1048576) g",
                                         purpose: "big")
            let source = try await connection.run { try ReportSource.describe(schema: schema, table: "big", connection: $0) }
            let path = dir + "/big.xlsx"
            let output = try await ReportExporter().render(ReportRequest(dataset: "big", format: .xlsx, sort: [ReportSort(column: "id")]),
                                                           source: source, to: path, connection: connection)
            #expect(output.sheets == 2)
            let counts = try Tool.check("python3", ["-c", """
                import sys
                from python_calamine import CalamineWorkbook
                wb = CalamineWorkbook.from_path(sys.argv[1])
                for name in wb.sheet_names[1:]:
                    rows = wb.get_sheet_by_name(name).to_python()
                    print(name, len(rows), rows[1][0], rows[-1][0])
                """, path])
            #expect(counts == "data 1048576 1.0 1048575.0\ndata (2) 2 1048576.0 1048576.0\n")
        }
    }
}
