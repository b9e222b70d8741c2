import Postgres
import XLSXWriter

/// Writes rows to a styled workbook: an "About" sheet first, then "data"
/// (and "data (2)", … past the per-sheet row limit), each with a bold
/// frozen header, an autofilter, column widths from the first rows and
/// number formats per column type. libxlsxwriter (constant memory) writes
/// the structure; the data rows go through ``XLSXRowStream`` (sheet XML
/// made here from COPY's text, deflated on a second thread).
final class XLSXReportRenderer {
    /// Excel's 1,048,576 rows minus the header.
    static let excelDataRows = XLSXWorksheet.maxRows - 1
    static let sampleSize = 1000

    private let writer: XLSXWriter
    private let about: XLSXWorksheet
    private let columns: [ReportColumn]
    private let maxRowsPerSheet: Int
    private let header: XLSXWriter.Format
    private let cellFormats: [XLSXWriter.Format?]
    private var widths: [Double] = []
    private var sample: [[String?]] = []
    private var laidOut = false
    private var sheets: [XLSXWorksheet] = []
    private var stream: XLSXRowStream?
    private var sheetRow = 0
    private let reader = PostgresCopyReader()
    private var fields: [String?] = []
    /// A field with backslash escapes, decoded.
    private var unescaped: [UInt8] = []
    private(set) var rows = 0
    var sheetCount: Int { sheets.count }

    init(path: String, columns: [ReportColumn], maxRowsPerSheet: Int = XLSXReportRenderer.excelDataRows,
         temporaryDirectory: String? = nil) throws(XLSXWriterError) {
        let writer = try XLSXWriter(path: path, constantMemory: true, temporaryDirectory: temporaryDirectory)
        self.writer = writer
        self.columns = columns
        self.maxRowsPerSheet = max(1, min(maxRowsPerSheet, Self.excelDataRows))
        about = try writer.addWorksheet(named: "About")
        header = try writer.format(XLSXFormat(bold: true))
        var formats: [XLSXWriter.Format?] = []
        for c in columns {
            if let f = CellValues.numberFormat(c) {
                formats.append(try writer.format(XLSXFormat(numberFormat: f)))
            } else {
                formats.append(nil)
            }
        }
        cellFormats = formats
    }

    /// One row of text fields (nil = NULL) in column order.
    func consume(_ fields: [String?]) throws(XLSXWriterError) {
        rows += 1
        if !laidOut {
            sample.append(fields)
            if sample.count >= Self.sampleSize { try flushSample() }
            return
        }
        try write(fields)
    }

    /// One row of COPY text output (tab-separated, `\N` for NULL, may end
    /// with its newline); the first rows are kept as text for the widths.
    func consume(row chunk: UnsafeRawBufferPointer) throws(XLSXWriterError) {
        if !laidOut {
            reader.decode(chunk, into: &fields)
            try consume(fields)
            return
        }
        rows += 1
        try startRow()
        guard let stream, chunk.baseAddress != nil else { return }
        let columnCount = columns.count
        try reader.forEachField(in: chunk) { (i, field) throws(XLSXWriterError) in
            guard i < columnCount, let field else { return }  // NULL: no cell
            try reader.withUnescaped(field, scratch: &unescaped) { (u) throws(XLSXWriterError) in
                try write(u, column: i, to: stream)
            }
        }
    }

    /// Writes the About sheet and the file.
    func finish(metadata: ReportMetadata) throws(XLSXWriterError) {
        if !laidOut { try flushSample() }
        if sheets.isEmpty { try newSheet() }
        try finishSheet()
        let bold = header
        var lines: [(String, String)] = [
            ("Dataset", "\(metadata.source.department)/\(metadata.source.dataset)"),
            ("Version", String(metadata.source.version)),
            ("Source file", metadata.source.sourceFile ?? "unknown"),
            ("Filters", metadata.filters),
            ("Sort", metadata.sort),
            ("Columns", columns.map(\.name).joined(separator: ", ")),
            ("Generated at", metadata.generatedAt),
            ("Row count", String(rows)),
            ("Sheets", sheets.map(\.name).joined(separator: ", ")),
        ]
        if sheets.count > 1 {
            lines.append(("Note", "Excel holds at most \(maxRowsPerSheet) data rows per sheet here; the rows continue "
                + "on sheets " + sheets.dropFirst().map { "\"\($0.name)\"" }.joined(separator: ", ") + ", in order."))
        }
        for (i, (key, value)) in lines.enumerated() {
            try about.writeString(row: i, column: 0, key, format: bold)
            if key == "Version" || key == "Row count" {
                try about.writeNumber(row: i, column: 1, Double(value) ?? 0)
            } else {
                try about.writeString(row: i, column: 1, value)
            }
        }
        try about.setColumnWidth(first: 0, last: 0, width: 14)
        try about.setColumnWidth(first: 1, last: 1, width: 80)
        try writer.close()
    }

    /// libxlsxwriter refuses strings over 32,767 bytes (Excel's cell limit
    /// is 32,767 characters); longer text is cut there, ending in "…".
    static let maxCellBytes = 32_767

    static func clip(_ v: String) -> String {
        var out = ""
        var bytes = 0
        for ch in v {
            let n = ch.utf8.count
            if bytes + n > maxCellBytes - 3 { break }
            out.append(ch)
            bytes += n
        }
        return out + "…"
    }

    // MARK: - layout

    private func flushSample() throws(XLSXWriterError) {
        laidOut = true
        widths = columns.enumerated().map { i, c in
            var w = Double(c.name.count) + 3 // room for the autofilter button
            for row in sample {
                guard let v = row[i] else { continue }
                let shown: Int
                switch c.type {
                case .date: shown = 10
                case .timestamp: shown = 19
                case .boolean: shown = 5
                case .numeric(let scale?): shown = v.count + (v.count - scale) / 3 // thousands separators
                default: shown = v.count
                }
                w = max(w, Double(shown) + 1)
            }
            return min(max(w, 6), 60)
        }
        let rows = sample
        sample = []
        for r in rows { try write(r) }
    }

    private func newSheet() throws(XLSXWriterError) {
        if !sheets.isEmpty { try finishSheet() }
        let sheet = try writer.addWorksheet(named: sheets.isEmpty ? "data" : "data (\(sheets.count + 1))")
        sheets.append(sheet)
        for (i, c) in columns.enumerated() {
            try sheet.setColumnWidth(first: i, last: i, width: widths.isEmpty ? 12 : widths[i])
            try sheet.writeString(row: 0, column: i, c.name, format: header)
        }
        try sheet.freezePanes(row: 1, column: 0)
        stream = try sheet.streamRows()
        sheetRow = 0
    }

    private func finishSheet() throws(XLSXWriterError) {
        guard let sheet = sheets.last else { return }
        try sheet.autofilter(firstRow: 0, firstColumn: 0, lastRow: max(sheetRow, 1), lastColumn: columns.count - 1)
        try stream?.finish()
        stream = nil
    }

    @inline(__always)
    private func startRow() throws(XLSXWriterError) {
        if sheets.isEmpty || sheetRow >= maxRowsPerSheet { try newSheet() }
        sheetRow += 1
        try stream?.nextRow()
    }

    private func write(_ fields: [String?]) throws(XLSXWriterError) {
        try startRow()
        guard let stream else { return }
        for i in 0..<columns.count {
            guard var v = fields[i] else { continue }
            try v.withUTF8 { u in
                Result { () throws(XLSXWriterError) in try write(UnsafeRawBufferPointer(u), column: i, to: stream) }
            }.get()
        }
    }

    /// One non-NULL field (PostgreSQL's text output) as its column's type;
    /// what doesn't fit a number or date stays text.
    @inline(__always)
    private func write(_ v: UnsafeRawBufferPointer, column i: Int, to stream: XLSXRowStream) throws(XLSXWriterError) {
        let format = cellFormats[i]
        switch columns[i].type {
        case .integer:
            if CellValues.isExactInteger(v) { return try stream.writeNumber(column: i, text: v, format: format) }
        case .numeric:
            if CellValues.isExactDecimal(v) { return try stream.writeNumber(column: i, text: v, format: format) }
        case .double:
            if CellValues.isFiniteDouble(v) { return try stream.writeNumber(column: i, text: v, format: format) }
        case .date:
            if let d = CellValues.excelDay(v) { return try stream.writeNumber(column: i, d, format: format) }
        case .timestamp:
            if let d = CellValues.excelSerial(v, withTime: true) { return try stream.writeNumber(column: i, d, format: format) }
        case .boolean:
            return try stream.writeBoolean(column: i, v.count == 1 && v[0] == 0x74)
        case .interval, .text:
            break
        }
        if v.count > Self.maxCellBytes {
            return try stream.writeString(column: i, Self.clip(String(decoding: v, as: UTF8.self)))
        }
        try stream.writeString(column: i, utf8: v)
    }

    /// Writes one value as PostgreSQL printed it through libxlsxwriter's
    /// cell-by-cell API (the diff report, whose sheets mix formats per cell):
    /// a number, date or boolean where its type allows, text otherwise
    /// (clipped to Excel's limit).
    @inline(__always)
    static func writeCell(_ sheet: XLSXWorksheet, row r: Int, column i: Int, type: ReportColumnType, _ v: String,
                          format: XLSXWriter.Format?) throws(XLSXWriterError) {
        switch type {
        case .integer:
            if let d = CellValues.exactInteger(v) { try sheet.writeNumber(row: r, column: i, d, format: format) }
            else { try sheet.writeString(row: r, column: i, v, format: format) }
        case .numeric:
            if let d = CellValues.exactDouble(v) { try sheet.writeNumber(row: r, column: i, d, format: format) }
            else { try sheet.writeString(row: r, column: i, v, format: format) }
        case .double:
            if let d = Double(v), d.isFinite { try sheet.writeNumber(row: r, column: i, d, format: format) }
            else { try sheet.writeString(row: r, column: i, v, format: format) }
        case .date:
            if let d = CellValues.excelSerial(v, withTime: false) { try sheet.writeNumber(row: r, column: i, d, format: format) }
            else { try sheet.writeString(row: r, column: i, v, format: format) }
        case .timestamp:
            if let d = CellValues.excelSerial(v, withTime: true) { try sheet.writeNumber(row: r, column: i, d, format: format) }
            else { try sheet.writeString(row: r, column: i, v, format: format) }
        case .boolean:
            try sheet.writeBoolean(row: r, column: i, v == "t", format: format)
        case .interval, .text:
            try sheet.writeString(row: r, column: i, v.utf8.count > maxCellBytes ? clip(v) : v, format: format)
        }
    }
}
