import Foundation
import Reports
import Testing
import XLSXWriter

/// The streamed sheet XML (``XLSXRowStream``) read back by tools we did not
/// write: Python's zipfile (CRCs and sizes of the spliced part), openpyxl,
/// python-calamine and LibreOffice.
@Suite struct XLSXRowStreamTests {
    static func scratch(_ name: String = #function) throws -> String {
        let dir = FileManager.default.temporaryDirectory
            .appendingPathComponent("xlsx-stream-\(name.filter { $0.isLetter })-\(UInt32.random(in: 0...UInt32.max))").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    /// zipfile's testzip (every CRC), the sheets' `<dimension>` refs and the
    /// cells as openpyxl and calamine see them.
    static let readScript = """
        import json, sys, zipfile, re
        import openpyxl
        from python_calamine import CalamineWorkbook
        path = sys.argv[1]
        z = zipfile.ZipFile(path)
        bad = z.testzip()
        dims = {n: re.search(r'<dimension ref="([^"]*)"', z.read(n).decode()).group(1)
                for n in z.namelist() if n.startswith('xl/worksheets/sheet')}
        wb = openpyxl.load_workbook(path)
        def v(x):
            if isinstance(x, bool): return ['bool', x]
            if isinstance(x, (int, float)): return ['number', float(x)]
            if x is None: return ['null', None]
            return ['string', str(x)]
        op = {ws.title: [[v(c) for c in row] for row in ws.iter_rows(values_only=True)] for ws in wb.worksheets}
        cw = CalamineWorkbook.from_path(path)
        ca = {n: [[v(c if c != '' else None) for c in row] for row in cw.get_sheet_by_name(n).to_python(skip_empty_area=False)]
              for n in cw.sheet_names}
        json.dump({'bad': bad, 'dims': dims, 'openpyxl': op, 'calamine': ca}, sys.stdout)
        """

    struct Dump: Decodable {
        var bad: String?
        var dims: [String: String]
        var openpyxl: [String: [[XLSXDump.Cell]]]
        var calamine: [String: [[XLSXDump.Cell]]]
    }

    static func writeNumberText(_ stream: XLSXRowStream, column: Int, _ text: String,
                                format: XLSXWriter.Format? = nil) throws {
        try Array(text.utf8).withUnsafeBytes { b in
            Result { () throws(XLSXWriterError) in try stream.writeNumber(column: column, text: b, format: format) }
        }.get()
    }

    @Test func streamedRowsReadBackWithEscapesNumbersAndBooleans() throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/stream.xlsx"
        let writer = try XLSXWriter(path: path, temporaryDirectory: dir)
        let bold = try writer.format(XLSXFormat(bold: true))
        let money = try writer.format(XLSXFormat(numberFormat: "#,##0.00"))
        let about = try writer.addWorksheet(named: "About")
        try about.writeString(row: 0, column: 0, "kept", format: bold)
        let sheet = try writer.addWorksheet(named: "data")
        for (i, name) in ["text", "number", "flag", "int"].enumerated() {
            try sheet.writeString(row: 0, column: i, name, format: bold)
        }
        try sheet.freezePanes(row: 1, column: 0)
        let stream = try sheet.streamRows()
        let texts = ["a & b < c > d", "ctrl\u{1}\u{1F}x", "\rcr first", "  padded  ", "tab\tand\nnewline",
                     "Zürich 株式会社 한국어 😀", "\"quotes\" 'single'"]
        for (r, text) in texts.enumerated() {
            try stream.nextRow()
            try stream.writeString(column: 0, text)
            try Self.writeNumberText(stream, column: 1, "-1234.50", format: money)
            try stream.writeBoolean(column: 2, r % 2 == 0)
            try stream.writeNumber(column: 3, r * 1_000_003 - 5)
        }
        try stream.nextRow() // a row with only a double in column 1 (others empty)
        try stream.writeNumber(column: 1, 0.1 + 0.2)
        // Out-of-order cells, bad number text and writes through libxlsxwriter are refused.
        #expect(throws: XLSXWriterError.self) { try stream.writeNumber(column: 0, 1) }
        #expect(throws: XLSXWriterError.self) { try sheet.writeString(row: 50, column: 0, "late") }
        try stream.nextRow()
        #expect(throws: XLSXWriterError.self) {
            try Self.writeNumberText(stream, column: 0, "1<2")
        }
        try sheet.autofilter(firstRow: 0, firstColumn: 0, lastRow: texts.count + 2, lastColumn: 3)
        // A streamed sheet without rows keeps libxlsxwriter's extent (its autofilter).
        let empty = try writer.addWorksheet(named: "empty")
        try empty.writeString(row: 0, column: 0, "only", format: bold)
        let emptyStream = try empty.streamRows()
        try empty.autofilter(firstRow: 0, firstColumn: 0, lastRow: 1, lastColumn: 3)
        try emptyStream.finish()
        // Not finished by hand: close() finishes it.
        try writer.close()
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["stream.xlsx"]) // temp parts removed

        let dump = try JSONDecoder().decode(Dump.self, from: Data(Tool.check("python3", ["-c", Self.readScript, path]).utf8))
        #expect(dump.bad == nil)
        #expect(dump.dims["xl/worksheets/sheet2.xml"] == "A1:D10")
        #expect(dump.dims["xl/worksheets/sheet3.xml"] == "A1:D2")
        for (reader, sheets) in [("openpyxl", dump.openpyxl), ("calamine", dump.calamine)] {
            let rows = try #require(sheets["data"], "\(reader)")
            #expect(rows.count >= 9, "\(reader)")
            #expect(rows.first?.map(\.value) == ["text", "number", "flag", "int"], "\(reader)")
            for (r, text) in texts.enumerated() where r + 1 < rows.count {
                let cells = rows[r + 1]
                // Control characters are stored as _xHHHH_ (Excel and LibreOffice
                // decode them); both readers here leave them escaped in inline strings.
                let shown = text.replacingOccurrences(of: "\u{1}", with: "_x0001_")
                    .replacingOccurrences(of: "\u{1F}", with: "_x001F_").replacingOccurrences(of: "\r", with: "_x000D_")
                #expect(cells[0] == XLSXDump.Cell("string", shown), "\(reader) row \(r)")
                #expect(cells[1] == XLSXDump.Cell("number", "-1234.5"), "\(reader) row \(r)")
                #expect(cells[2] == XLSXDump.Cell("bool", r % 2 == 0 ? "true" : "false"), "\(reader) row \(r)")
                #expect(cells[3] == XLSXDump.Cell("number", String(Double(r * 1_000_003 - 5))), "\(reader) row \(r)")
            }
            #expect(rows[8].count > 1 && rows[8][1] == XLSXDump.Cell("number", String(0.1 + 0.2)), "\(reader)")
            #expect(sheets["About"]?.first?.first == XLSXDump.Cell("string", "kept"), "\(reader)")
        }
    }

    @Test func aFailedReportLeavesNoTemporaryParts() throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        do {
            let writer = try XLSXWriter(path: dir + "/dropped.xlsx", temporaryDirectory: dir)
            let sheet = try writer.addWorksheet(named: "data")
            let stream = try sheet.streamRows()
            for r in 0..<20_000 {
                try stream.nextRow()
                try stream.writeString(column: 0, "row \(r) with some text to fill more than one slot of the ring")
            }
            // Dropped without close(), as when a report fails half-way.
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).isEmpty)
    }

    /// LibreOffice (`soffice --headless --convert-to csv`) opens the report
    /// and shows the database's values on the "data" sheet.
    @Test func libreOfficeOpensTheReport() async throws {
        try await TestDatabase.withSchema { connection, schema, dir in
            let source = try await TestDatabase.makeOrders(connection, schema: schema, rows: 300)
            let path = dir + "/orders.xlsx"
            let request = ReportRequest(dataset: "sales/orders", format: .xlsx, sort: [ReportSort(column: "id")])
            _ = try await ReportExporter().render(request, source: source, to: path, connection: connection)
            // Sheet 2 ("data") as UTF-8 CSV, values as shown; a profile of its own so parallel runs don't collide.
            _ = try Tool.check("soffice", [
                "-env:UserInstallation=file://\(dir)/lo-profile", "--headless", "--norestore",
                "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true,false,false,2",
                "--outdir", dir + "/lo", path,
            ])
            let csv = try String(contentsOfFile: dir + "/lo/orders-data.csv", encoding: .utf8)
            let rows = try Tool.check("python3", ["-c", """
                import csv, json, sys
                json.dump(list(csv.reader(open(sys.argv[1], newline='', encoding='utf-8'))), sys.stdout)
                """, dir + "/lo/orders-data.csv"])
            let table = try JSONDecoder().decode([[String]].self, from: Data(rows.utf8))
            #expect(table.count == 301, "\(csv.prefix(300))")
            #expect(table.first == ["id", "customer", "amount", "ratio", "day", "at", "span", "paid", "note"])
            let expected = try await XLSXReportTests.expectedRows(connection)
            for (r, db) in expected.enumerated() where r + 1 < table.count {
                let shown = table[r + 1]
                let context = Comment(rawValue: "row \(r + 1): \(shown) vs \(db)")
                #expect(shown.count == 9, context)
                guard shown.count == 9 else { continue }
                #expect(shown[0] == db[0], context)                          // id, format "0"
                #expect(shown[1] == (db[1] ?? ""), context)                  // text
                #expect(shown[4] == (db[4] ?? ""), context)                  // yyyy-mm-dd
                #expect(shown[5] == (db[5] ?? ""), context)                  // yyyy-mm-dd hh:mm:ss
                #expect(shown[6] == (db[6] ?? ""), context)                  // interval as text
                #expect(shown[7] == (db[7].map { $0 == "true" ? "TRUE" : "FALSE" } ?? ""), context)
                #expect(shown[8] == (db[8] ?? ""), context)                  // _x000D_ decoded
                if let amount = db[2] {                                      // #,##0.00
                    #expect(shown[2].replacingOccurrences(of: ",", with: "") == amount, context)
                }
            }
        }
    }
}

extension XLSXDump.Cell {
    init(_ type: String, _ value: String?) {
        let typed: Any? = switch type {
        case "number": value.flatMap(Double.init)
        case "bool": value.map { $0 == "true" }
        default: value
        }
        let json = try! JSONSerialization.data(withJSONObject: typed.map { [type, $0] } ?? [type])
        self = try! JSONDecoder().decode(XLSXDump.Cell.self, from: json)
    }
}
