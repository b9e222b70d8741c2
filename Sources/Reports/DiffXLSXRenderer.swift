import Postgres
import XLSXWriter

/// Writes a diff as a workbook with libxlsxwriter in constant-memory mode:
/// sheets Summary, Added, Removed and Changed (each continued on
/// "Added (2)", … past the per-sheet row limit). Rows stream from one
/// `COPY (SELECT …) TO STDOUT` per sheet, so memory stays flat however
/// large the diff is.
///
/// Changed (with a key): the key columns, then for each compared column
/// the new value and, beside it, `<column> (old)`. A changed cell's new
/// value has a yellow fill (``highlight``) and its old value is written
/// beside it; the old column stays empty where nothing changed. Without a
/// key there are no changed rows (a changed row is one removed and one
/// added), and the Changed sheet says so.
final class DiffXLSXRenderer {
    /// Excel's "neutral" yellow.
    static let highlight: UInt32 = 0xFFEB9C

    private let writer: XLSXWriter
    private let plan: DiffPlan
    private let diff: VersionDiff
    private let maxRowsPerSheet: Int
    private let bold: XLSXWriter.Format

    init(path: String, plan: DiffPlan, diff: VersionDiff, maxRowsPerSheet: Int = XLSXReportRenderer.excelDataRows,
         temporaryDirectory: String? = nil) throws(XLSXWriterError) {
        writer = try XLSXWriter(path: path, constantMemory: true, temporaryDirectory: temporaryDirectory)
        self.plan = plan
        self.diff = diff
        self.maxRowsPerSheet = max(1, min(maxRowsPerSheet, XLSXReportRenderer.excelDataRows))
        bold = try writer.format(XLSXFormat(bold: true))
    }

    /// Streams every sheet from `connection` (inside the caller's
    /// transaction) and writes the file.
    func render(connection: PostgresConnection, generatedAt: String) throws {
        let summary = try writer.addWorksheet(named: "Summary")
        let rowColumns = plan.keyed ? nil : plan.contentColumns
        let added = try SheetRun(writer, name: "Added", count: diff.added, perSheet: maxRowsPerSheet,
                                 columns: (rowColumns ?? plan.new.columns).map { ($0.name, $0.type, false) }, header: bold)
        let removed = try SheetRun(writer, name: "Removed", count: diff.removed, perSheet: maxRowsPerSheet,
                                   columns: (rowColumns ?? plan.old.columns).map { ($0.name, $0.type, false) }, header: bold)
        var changedColumns = plan.keyColumns.map { ($0.name, $0.new, false) }
        for c in plan.valueColumns {
            changedColumns += [(c.name, c.new, false), ("\(c.name) (old)", c.old, true)]
        }
        let changed = try SheetRun(writer, name: "Changed", count: diff.changed, perSheet: maxRowsPerSheet,
                                   columns: plan.keyed ? changedColumns : [], header: bold)

        let decoder = PostgresCopyReader()
        var fields: [String?] = []
        for (run, sql) in [(added, plan.keyed ? plan.onlyInSQL(added: true, keyOnly: false, limit: nil) : plan.exceptSQL(added: true, limit: nil)),
                           (removed, plan.keyed ? plan.onlyInSQL(added: false, keyOnly: false, limit: nil) : plan.exceptSQL(added: false, limit: nil))] {
            _ = try connection.copyOut("COPY (\(sql)) TO STDOUT", purpose: "diff report: \(run.name) rows") { chunk in
                decoder.decode(chunk, into: &fields)
                let (sheet, r) = try run.nextRow()
                for (i, value) in fields.enumerated() {
                    guard let value else { continue }
                    try XLSXReportRenderer.writeCell(sheet, row: r, column: i, type: run.columns[i].type, value, format: run.formats[i])
                }
            }
        }
        if plan.keyed {
            let k = plan.key.count
            _ = try connection.copyOut("COPY (\(plan.changedSQL(limit: nil))) TO STDOUT", purpose: "diff report: changed rows") { chunk in
                decoder.decode(chunk, into: &fields)
                let (sheet, r) = try changed.nextRow()
                for i in 0..<k {
                    guard let value = fields[i] else { continue }
                    try XLSXReportRenderer.writeCell(sheet, row: r, column: i, type: changed.columns[i].type, value, format: changed.formats[i])
                }
                for j in 0..<plan.valueColumns.count {
                    let isChanged = fields[k + 3 * j] == "t"
                    let newColumn = k + 2 * j
                    if let value = fields[k + 3 * j + 2] {
                        try XLSXReportRenderer.writeCell(sheet, row: r, column: newColumn, type: changed.columns[newColumn].type, value,
                                                         format: isChanged ? changed.highlighted[newColumn] : changed.formats[newColumn])
                    } else if isChanged {
                        try sheet.writeBlank(row: r, column: newColumn, format: changed.highlighted[newColumn])
                    }
                    if isChanged, let old = fields[k + 3 * j + 1] {
                        try XLSXReportRenderer.writeCell(sheet, row: r, column: newColumn + 1, type: changed.columns[newColumn + 1].type,
                                                         old, format: changed.formats[newColumn + 1])
                    }
                }
            }
        } else {
            try changed.sheets[0].writeString(row: 0, column: 0,
                "Compared without a key: a changed row shows as one removed row (its old content) and one added row "
                    + "(its new content). Give a key (--key column) to see changed cells.")
            try changed.sheets[0].setColumnWidth(first: 0, last: 0, width: 120)
        }
        for run in [added, removed, changed] { try run.finish() }
        try writeSummary(summary, generatedAt: generatedAt, sheets: [added, removed, changed])
        try writer.close()
    }

    private func writeSummary(_ sheet: XLSXWorksheet, generatedAt: String, sheets: [SheetRun]) throws(XLSXWriterError) {
        var lines: [(String, String, Bool)] = [
            ("Dataset", diff.dataset, false),
            ("From version", String(diff.from), true),
            ("To version", String(diff.to), true),
            ("Key", diff.key.isEmpty ? "none (rows compared by content on the shared columns)" : diff.key.joined(separator: ", "), false),
            ("Added rows", String(diff.added), true),
            ("Removed rows", String(diff.removed), true),
        ]
        if plan.keyed { lines.append(("Changed rows", String(diff.changed), true)) }
        lines.append(("Unchanged rows", String(diff.unchanged), true))
        lines.append(("Columns added", diff.columns.added.isEmpty ? "none" : diff.columns.added.joined(separator: ", "), false))
        lines.append(("Columns removed", diff.columns.removed.isEmpty ? "none" : diff.columns.removed.joined(separator: ", "), false))
        lines.append(("Type changed", diff.columns.typeChanged.isEmpty ? "none"
                      : diff.columns.typeChanged.map { "\($0.column): \($0.from) → \($0.to)" }.joined(separator: "; "), false))
        if !diff.columns.typeChanged.isEmpty {
            lines.append(("Note", "Columns with a new type compare as numbers when both types are numbers, as text otherwise.", false))
        }
        if plan.keyed {
            lines.append(("Changed cells", diff.changedCells.isEmpty ? "none"
                          : diff.changedCells.map { "\($0.column): \($0.count)" }.joined(separator: ", "), false))
            lines.append(("Highlight", "On the Changed sheet a changed cell is filled yellow; its old value is in the column beside it.", false))
        }
        lines.append(("Sheets", sheets.flatMap { $0.sheets.map(\.name) }.joined(separator: ", "), false))
        lines.append(("Generated at", generatedAt, false))
        for (i, (label, value, isNumber)) in lines.enumerated() {
            try sheet.writeString(row: i, column: 0, label, format: bold)
            if isNumber, let n = Double(value) {
                try sheet.writeNumber(row: i, column: 1, n)
            } else {
                try sheet.writeString(row: i, column: 1, value)
            }
        }
        try sheet.setColumnWidth(first: 0, last: 0, width: 16)
        try sheet.setColumnWidth(first: 1, last: 1, width: 90)
    }
}

/// One kind of row (Added, Removed, Changed) over as many sheets as its
/// count needs, all created up front so the tabs stay in order.
private final class SheetRun {
    let name: String
    let columns: [(name: String, type: ReportColumnType)]
    let formats: [XLSXWriter.Format?]
    /// The same formats with the highlight fill.
    let highlighted: [XLSXWriter.Format?]
    private(set) var sheets: [XLSXWorksheet] = []
    private let perSheet: Int
    private var rowsWritten = 0

    init(_ writer: XLSXWriter, name: String, count: Int, perSheet: Int,
         columns: [(String, ReportColumnType, Bool)], header: XLSXWriter.Format) throws(XLSXWriterError) {
        self.name = name
        self.perSheet = perSheet
        self.columns = columns.map { ($0.0, $0.1) }
        var formats: [XLSXWriter.Format?] = []
        var highlighted: [XLSXWriter.Format?] = []
        for (_, type, isOld) in columns {
            let number = CellValues.numberFormat(type)
            formats.append(number == nil && !isOld ? nil : try writer.format(XLSXFormat(italic: isOld, numberFormat: number)))
            highlighted.append(try writer.format(XLSXFormat(numberFormat: number, fillColor: DiffXLSXRenderer.highlight)))
        }
        self.formats = formats
        self.highlighted = highlighted
        let sheetCount = max(1, (count + perSheet - 1) / perSheet)
        for n in 1...sheetCount {
            let sheet = try writer.addWorksheet(named: n == 1 ? name : "\(name) (\(n))")
            for (i, c) in columns.enumerated() {
                try sheet.setColumnWidth(first: i, last: i, width: min(max(Double(c.0.count) + 3, 10), 40))
                try sheet.writeString(row: 0, column: i, c.0, format: header)
            }
            if !columns.isEmpty { try sheet.freezePanes(row: 1, column: 0) }
            sheets.append(sheet)
        }
    }

    /// The sheet and row number of the next data row.
    func nextRow() throws -> (XLSXWorksheet, Int) {
        let index = rowsWritten / perSheet
        guard index < sheets.count else {
            throw ReportError(.rendering, "more \(name.lowercased()) rows than counted; the versions changed during the report")
        }
        rowsWritten += 1
        return (sheets[index], rowsWritten - index * perSheet)
    }

    func finish() throws(XLSXWriterError) {
        guard !columns.isEmpty else { return }
        for (n, sheet) in sheets.enumerated() {
            let rows = min(perSheet, max(rowsWritten - n * perSheet, 0))
            try sheet.autofilter(firstRow: 0, firstColumn: 0, lastRow: max(rows, 1), lastColumn: columns.count - 1)
        }
    }
}
