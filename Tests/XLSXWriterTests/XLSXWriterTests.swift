import Foundation
import Testing
import TestSupport
import XLSXWriter

/// Reads a workbook back with openpyxl (pip; the project's reader is
/// written in parallel) and prints each cell as JSON: `[type, value]`,
/// dates in ISO form, plus sheet layout details.
enum TIOpenpyxl {
    static let script = #"""
    import json, sys, datetime, openpyxl
    wb = openpyxl.load_workbook(sys.argv[1])
    limit = int(sys.argv[2])
    out = {}
    for ws in wb.worksheets:
        rows = []
        max_row, max_column = ws.max_row, ws.max_column
        for row in ws.iter_rows(max_row=min(limit, max_row)):
            cells = []
            for c in row:
                v = c.value
                if v is None: cells.append(None); continue
                if isinstance(v, bool): t = "bool"
                elif isinstance(v, int): t = "int"
                elif isinstance(v, float): t = "float"
                elif isinstance(v, datetime.datetime): t = "datetime"; v = v.isoformat(sep=" ")
                elif isinstance(v, datetime.date): t = "date"; v = v.isoformat()
                else: t = "str"
                cells.append([t, v, c.number_format, bool(c.font.b)])
            rows.append(cells)
        out[ws.title] = {
            "rows": rows, "freeze": ws.freeze_panes, "autofilter": ws.auto_filter.ref,
            "widths": {k: round(d.width, 2) for k, d in ws.column_dimensions.items() if d.width},
            "max_row": max_row, "max_column": max_column,
        }
    print(json.dumps(out))
    """#

    static func dump(_ path: String, maxRows: Int = 1_000_000) throws -> [String: [String: Any]] {
        let json = try TIProcess.run("python3", ["-c", script, path, String(maxRows)])
        return try JSONSerialization.jsonObject(with: Data(json.utf8)) as! [String: [String: Any]]
    }

    /// `[type, value, number format, bold]` or nil for a blank cell.
    static func rows(_ sheet: [String: Any]) -> [[[Any]?]] {
        (sheet["rows"] as! [[Any]]).map { $0.map { $0 as? [Any] } }
    }
}

@Suite("XLSX writer")
struct XLSXWriterTests {
    @Test func writesEveryKindOfCellAndLayout() throws {
        let dir = try TIProcess.temporaryDirectory("writer")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("kinds.xlsx").path

        let writer = try XLSXWriter(path: path)
        let sheet = try writer.addWorksheet(named: "Données")
        let bold = try writer.format(XLSXFormat(bold: true))
        #expect(try writer.format(XLSXFormat(bold: true)) == bold)  // one format per spec
        let money = try writer.format(XLSXFormat(numberFormat: "#,##0.00"))
        let stamp = try writer.format(XLSXFormat(numberFormat: "yyyy-mm-dd hh:mm:ss"))
        let day = try writer.format(XLSXFormat(numberFormat: "yyyy-mm-dd"))
        let grey = try writer.format(XLSXFormat(italic: true))
        for (c, name) in ["n", "s", "b", "when", "day", "blank"].enumerated() {
            try sheet.writeString(row: 0, column: c, name, format: bold)
        }
        try sheet.writeNumber(row: 1, column: 0, 1234.5, format: money)
        try sheet.writeString(row: 1, column: 1, "Zürich 東京 🎉")
        try sheet.writeBoolean(row: 1, column: 2, true)
        try sheet.writeDateTime(row: 1, column: 3, XLSXDateTime(year: 2024, month: 2, day: 29, hour: 13, minute: 5, second: 7), format: stamp)
        try sheet.writeDateTime(row: 1, column: 4, XLSXDateTime(year: 1900, month: 3, day: 1), format: day)
        try sheet.writeBlank(row: 1, column: 5, format: grey)
        try sheet.writeNumber(row: 2, column: 0, -7)
        try sheet.writeBoolean(row: 2, column: 2, false)
        try sheet.setColumnWidth(first: 1, last: 1, width: 30)
        try sheet.freezePanes(row: 1, column: 0)
        try sheet.autofilter(firstRow: 0, firstColumn: 0, lastRow: 2, lastColumn: 5)
        let second = try writer.addWorksheet()
        try second.writeNumber(row: 0, column: 0, 1)
        #expect(second.name == "Sheet2")
        try writer.close()

        let book = try TIOpenpyxl.dump(path)
        #expect(Set(book.keys) == ["Données", "Sheet2"])
        let data = try #require(book["Données"])
        let rows = TIOpenpyxl.rows(data)
        #expect(rows[0].map { $0?[1] as? String } == ["n", "s", "b", "when", "day", "blank"])
        #expect(rows[0].allSatisfy { $0?[3] as? Bool == true })
        #expect(rows[1][0]?[0] as? String == "float")
        #expect(rows[1][0]?[1] as? Double == 1234.5)
        #expect(rows[1][0]?[2] as? String == "#,##0.00")
        #expect(rows[1][1]?[1] as? String == "Zürich 東京 🎉")
        #expect(rows[1][2]?[0] as? String == "bool")
        #expect(rows[1][2]?[1] as? Bool == true)
        #expect(rows[1][3]?[0] as? String == "datetime")
        #expect(rows[1][3]?[1] as? String == "2024-02-29 13:05:07")
        #expect(rows[1][4]?[1] as? String == "1900-03-01 00:00:00")
        #expect(rows[1][5] == nil)  // formatted blank: no value
        #expect(rows[2][0]?[0] as? String == "int")
        #expect(rows[2][0]?[1] as? Int == -7)
        #expect(rows[2][2]?[1] as? Bool == false)
        #expect(data["freeze"] as? String == "A2")
        #expect(data["autofilter"] as? String == "A1:F3")
        #expect((data["widths"] as? [String: Double])?["B"].map { $0 > 29 } == true)
    }

    @Test func libxlsxwriterErrorsAreTyped() throws {
        let dir = try TIProcess.temporaryDirectory("writer-errors")
        defer { try? FileManager.default.removeItem(at: dir) }
        let writer = try XLSXWriter(path: dir.appendingPathComponent("e.xlsx").path)
        let sheet = try writer.addWorksheet(named: "one")

        let badName = #expect(throws: XLSXWriterError.self) { try writer.addWorksheet(named: "bad[name]") }
        #expect(badName?.code == .addingWorksheet)
        #expect(badName?.message.lowercased().contains("sheet") == true)
        #expect(throws: XLSXWriterError.self) { try writer.addWorksheet(named: "one") }

        let tooLong = #expect(throws: XLSXWriterError.self) {
            try sheet.writeString(row: 0, column: 0, String(repeating: "x", count: 40_000))
        }
        #expect(tooLong?.code == .writingCell)
        #expect(tooLong?.message.contains("32,767") == true)
        #expect(tooLong?.description.contains("cell A1") == true)

        let outside = #expect(throws: XLSXWriterError.self) { try sheet.writeNumber(row: 1_048_576, column: 0, 1) }
        #expect(outside?.code == .writingCell)

        try sheet.writeNumber(row: 5, column: 0, 1)
        // Constant-memory mode: earlier rows are already on disk.
        let earlier = #expect(throws: XLSXWriterError.self) { try sheet.writeNumber(row: 2, column: 0, 1) }
        #expect(earlier?.code == .writingCell)

        try writer.close()
        let closed = #expect(throws: XLSXWriterError.self) { try sheet.writeNumber(row: 6, column: 0, 1) }
        #expect(closed?.code == .alreadyClosed)
        #expect(throws: XLSXWriterError.self) { try writer.close() }
    }

    @Test func closeReportsAnUnwritablePath() throws {
        let writer = try XLSXWriter(path: "/nonexistent-directory-\(UUID().uuidString)/x.xlsx")
        _ = try writer.addWorksheet()
        let error = #expect(throws: XLSXWriterError.self) { try writer.close() }
        #expect(error?.code == .closing)
        #expect(error?.message.isEmpty == false)
        #expect(error?.description.contains("nonexistent-directory") == true)
    }

    @Test func unclosedWriterLeavesNoFile() throws {
        let dir = try TIProcess.temporaryDirectory("writer-unclosed")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("never.xlsx").path
        do {
            let writer = try XLSXWriter(path: path)
            try writer.addWorksheet().writeNumber(row: 0, column: 0, 1)
        }
        #expect(!FileManager.default.fileExists(atPath: path))
    }
}
