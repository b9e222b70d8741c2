import Foundation
import TestSupport
import Testing
import XLSXWriter

/// The streamed sheet XML (``XLSXRowStream``) read back by tools we did not
/// write: Python's zipfile (CRCs and sizes of the spliced part), openpyxl,
/// and python-calamine (LibreOffice opening a whole report: `ReportsIntegrationTests`).
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
        raw = z.read('xl/worksheets/sheet2.xml').decode()
        json.dump({'bad': bad, 'dims': dims, 'openpyxl': op, 'calamine': ca, 'raw': raw}, sys.stdout)
        """

    struct Dump: Decodable {
        var bad: String?
        var dims: [String: String]
        var openpyxl: [String: [[XLSXDumpCell]]]
        var calamine: [String: [[XLSXDumpCell]]]
        /// The data sheet's XML as written.
        var raw: String
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

        let dump = try JSONDecoder().decode(Dump.self, from: Data(TIProcess.run("python3", ["-c", Self.readScript, path]).utf8))
        #expect(dump.bad == nil)
        #expect(dump.dims["xl/worksheets/sheet2.xml"] == "A1:D10")
        #expect(dump.dims["xl/worksheets/sheet3.xml"] == "A1:D2")
        // What the file holds: control characters as _xHHHH_ escapes (XML 1.0
        // can't carry them), the rest as XML text.
        for text in texts {
            let escaped = text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
                .replacingOccurrences(of: ">", with: "&gt;")
                .replacingOccurrences(of: "\u{1}", with: "_x0001_").replacingOccurrences(of: "\u{1F}", with: "_x001F_")
                .replacingOccurrences(of: "\r", with: "_x000D_")
            #expect(dump.raw.contains(escaped), "the sheet XML holds \(escaped)")
        }
        for (reader, sheets) in [("openpyxl", dump.openpyxl), ("calamine", dump.calamine)] {
            let rows = try #require(sheets["data"], "\(reader)")
            #expect(rows.count >= 9, "\(reader)")
            #expect(rows.first?.map(\.value) == ["text", "number", "flag", "int"], "\(reader)")
            for (r, text) in texts.enumerated() where r + 1 < rows.count {
                let cells = rows[r + 1]
                // Control characters are stored as _xHHHH_ (checked in the XML
                // above). Excel and LibreOffice decode them; a reader may also
                // leave them escaped in inline strings (python-calamine 0.4
                // does, 0.9 decodes): either is a faithful reading of the file.
                let shown = text.replacingOccurrences(of: "\u{1}", with: "_x0001_")
                    .replacingOccurrences(of: "\u{1F}", with: "_x001F_").replacingOccurrences(of: "\r", with: "_x000D_")
                #expect(cells[0] == XLSXDumpCell("string", shown) || cells[0] == XLSXDumpCell("string", text),
                        "\(reader) row \(r)")
                #expect(cells[1] == XLSXDumpCell("number", "-1234.5"), "\(reader) row \(r)")
                #expect(cells[2] == XLSXDumpCell("bool", r % 2 == 0 ? "true" : "false"), "\(reader) row \(r)")
                #expect(cells[3] == XLSXDumpCell("number", String(Double(r * 1_000_003 - 5))), "\(reader) row \(r)")
            }
            #expect(rows[8].count > 1 && rows[8][1] == XLSXDumpCell("number", String(0.1 + 0.2)), "\(reader)")
            #expect(sheets["About"]?.first?.first == XLSXDumpCell("string", "kept"), "\(reader)")
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
}
