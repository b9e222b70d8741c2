import Catalog
import Basics
import XLSXReader

/// What pass 1 learns about one sheet: where its header is, its columns,
/// their names and types (inferred over the whole column) and statistics.
struct SheetPlan: Sendable {
    var sheet: SheetInfo
    var dataset: DatasetRef
    /// Spreadsheet column (0-based) of the table's first column.
    var firstColumn: Int
    var names: [String]
    var inference: [ColumnTypeInference]
    var dataRowCount: Int
    /// The sheet rows (1-based) of the first and last data row: pass 2
    /// reads the rows between them (rows above are the header and what was
    /// skipped above it; rows below, a trailing total or footnote).
    var firstDataRow = 0
    var lastDataRow = 0
    /// Rows left out above the header (titles, notes) and below the table
    /// (totals, footnotes), recorded on the version.
    var skippedAbove: [SkippedRow] = []
    var skippedBelow: [SkippedRow] = []
    /// The Excel Table this plan is of (its range is the table's, exactly),
    /// or nil for a sheet whose table was found by ``TableShape``.
    var table: ExcelTable? = nil
    /// False for a sheet without header: a single row of values and no
    /// table (a cover note, a title), or a first row of numbers. Its rows
    /// are then data, under letter-named columns (`A`, `B`, …) — if the
    /// sheet lands at all (see ``Ingest``).
    var hasHeader = true
    /// The row of the header (or of the first row of values).
    var headerRow = 0

    /// A sheet of one row of values and no header: beside sheets with
    /// tables it is skipped (see ``Ingest``).
    var isLoneRow: Bool { !hasHeader && dataRowCount == 1 }

    var types: [ColumnType] { inference.map(\.inferredType) }

    /// What this version's notes say about its rows: the numbers rounded to
    /// Excel's precision, a single row landed under letter names.
    var notes: [String] {
        var notes: [String] = []
        if isLoneRow {
            notes.append("sheet \"\(sheet.name)\" has a single row of values (row \(headerRow)) and no header: "
                         + "its values land as data under the column letters")
        } else if !hasHeader {
            notes.append("sheet \"\(sheet.name)\": row \(headerRow) holds values, not labels, so it is data and "
                         + "the columns are named by their letters")
        }
        if let table {
            notes.append("sheet \"\(sheet.name)\": Excel table \"\(table.name)\" (\(table.range))")
        }
        notes += SkippedRow.notes(sheet: sheet.name, header: hasHeader ? headerRow : nil, above: skippedAbove, below: skippedBelow)
        let rounded = zip(names, inference).filter { $0.1.roundedCount > 0 }
        if !rounded.isEmpty {
            let total = rounded.reduce(0) { $0 + $1.1.roundedCount }
            let perColumn = rounded.map { "\($0.0) \($0.1.roundedCount)" }.joined(separator: ", ")
            notes.append("\(total) number\(total == 1 ? "" : "s") written with more than 15 significant digits "
                         + "rounded to 15, Excel's precision (\(perColumn))")
        }
        return notes
    }

    var columns: [ColumnInfo] {
        zip(names, inference).enumerated().map { i, pair in
            ColumnInfo(name: pair.0, type: pair.1.inferredType.sqlName,
                       sourceColumn: CellReference.columnName(firstColumn + i), nonNull: pair.1.nonNullCount,
                       nulls: pair.1.nullCount, errors: pair.1.errorCount, kinds: pair.1.kindsSeen.names,
                       rounded: pair.1.roundedCount, format: format(of: pair.1))
        }
    }

    /// The workbook's number format codes (a reader's; none for CSV).
    var formatCodes: [String] = []

    /// A number or date column's dominant number format, unless General.
    func format(of column: ColumnTypeInference) -> ColumnFormat? {
        let slot = Int(column.formatSlot)
        guard slot > 0, slot < formatCodes.count, column.inferredType != .text, column.inferredType != .boolean else { return nil }
        let format = ExcelNumberFormat(formatCodes[slot])
        guard format.kind != .general, format.kind != .text else { return nil }
        return ColumnFormat(code: format.code, kind: format.kind.rawValue, currency: format.currencySymbol,
                            decimals: format.decimals, thousands: format.thousands)
    }


    /// Pass 1 over a sheet: finds the table (see ``TableShape``), infers its
    /// columns' types over every data row, and counts them. Returns nil for
    /// an empty sheet, and a plan without header (letter-named columns) for
    /// a sheet with a single row of values or a first row of numbers.
    /// Throws bad input for too many columns.
    static func infer(
        _ sheet: SheetInfo, dataset: DatasetRef, reader: WorkbookReader, file: String
    ) throws -> SheetPlan? {
        var builder = Builder(sheet: sheet, dataset: dataset, file: file, dateSystem: reader.date1904 ? .excel1904 : .excel1900)
        try reader.readRawRows(of: sheet) { builder.observe($0) }
        var plan = try builder.plan()
        plan?.formatCodes = reader.numberFormatCodes
        return plan
    }

    /// Pass 1 over a sheet with Excel Tables: one plan per table (its
    /// dataset beside it), all learnt in one read of the sheet. A table
    /// with no data rows gives no plan.
    static func infer(
        _ sheet: SheetInfo, tables: [(table: ExcelTable, dataset: DatasetRef)], reader: WorkbookReader, file: String
    ) throws -> [SheetPlan] {
        let dateSystem: DateSystem = reader.date1904 ? .excel1904 : .excel1900
        var builders = tables.map { Builder(sheet: sheet, dataset: $0.dataset, file: file, dateSystem: dateSystem, table: $0.table) }
        try reader.readRawRows(of: sheet) { row in
            for i in builders.indices { builders[i].observe(row) }
        }
        var plans: [SheetPlan] = []
        for i in builders.indices {
            if var plan = try builders[i].plan(), plan.dataRowCount > 0 {
                plan.formatCodes = reader.numberFormatCodes
                plans.append(plan)
            }
        }
        return plans
    }

    /// Accumulates what pass 1 learns, row by row, in one pass: the rows
    /// before the header is known (a few) and rows that may be a trailing
    /// total or footnote are held back and released once their part is
    /// clear, so no row is read twice.
    struct Builder {
        let sheet: SheetInfo
        let dataset: DatasetRef
        let file: String
        let dateSystem: DateSystem
        var inference: [ColumnTypeInference] = []
        /// Rows the shape has decided are data since the caller last took
        /// them; the caller records their values (in order, before the
        /// row `place` answered `.data` for).
        private(set) var released: [RawRow] = []
        private var shape = TableShape()
        private var minColumn = Int.max
        private var maxColumn = -1
        private var dataRows = 0
        private var firstDataRow = 0
        private var lastDataRow = 0
        /// An Excel Table's range, header and totals replace the shape's
        /// detection.
        private let table: ExcelTable?
        private var tableHeader: RawRow?
        private var tableTotals: [SkippedRow] = []

        /// From the dataset's ingest settings: an error, not a guess, when
        /// the sheet no longer fits them.
        private let settings: IngestSettings?

        init(sheet: SheetInfo, dataset: DatasetRef, file: String, dateSystem: DateSystem, table: ExcelTable? = nil) {
            self.sheet = sheet
            self.dataset = dataset
            self.file = file
            self.dateSystem = dateSystem
            self.table = table
            settings = nil
        }

        /// A builder that reads the sheet as the dataset's ingest settings
        /// say: the header at their row, or their range as the table, and
        /// totals kept if they say so.
        init(sheet: SheetInfo, dataset: DatasetRef, file: String, dateSystem: DateSystem, settings: IngestSettings) {
            self.sheet = sheet
            self.dataset = dataset
            self.file = file
            self.dateSystem = dateSystem
            self.settings = settings
            table = settings.range.flatMap(CellReference.parseRange).map {
                ExcelTable(name: "range", firstColumn: $0.first.column, lastColumn: $0.last.column, firstRow: $0.first.row,
                           lastRow: $0.last.row)
            }
            shape = TableShape(headerRow: table == nil ? settings.headerRow : nil, keepTotals: settings.keepTotals)
        }

        /// Places a row and records the values of every row that is now
        /// known to be data; returns whether `row` itself was one.
        @discardableResult
        mutating func observe(_ row: RawRow) -> Bool {
            let isData = place(row)
            observeReleased()
            if isData { BinaryRowEncoder.observe(row, into: &inference) }
            return isData
        }

        private mutating func observeReleased() {
            guard !released.isEmpty else { return }
            for r in takeReleased() { BinaryRowEncoder.observe(r, into: &inference) }
        }

        /// Places a row in the table's shape without recording its values:
        /// true when it is a data row now (the caller records its values,
        /// after those of ``takeReleased()``), false when it is the header,
        /// outside the table, or held until later rows tell.
        mutating func place(_ row: RawRow) -> Bool {
            guard !row.cells.isEmpty else { return false }
            if let table {
                placeInTable(row, table)
                return false
            }
            switch shape.place(row) {
            case .data:
                releaseHeld()
                counted(row)
                return true
            case .held:
                releaseHeld()
                return false
            }
        }

        /// A row against an Excel Table: its data rows (cut to the table's
        /// columns) are released, its header kept, its totals row noted.
        private mutating func placeInTable(_ row: RawRow, _ table: ExcelTable) {
            guard row.number >= table.firstRow && row.number <= table.lastRow else { return }
            let cut = row.restricted(to: table.firstColumn...table.lastColumn)
            guard !cut.cells.isEmpty else { return }
            if table.headerRowCount > 0 && row.number == table.firstRow {
                tableHeader = cut.kept()
            } else if let rows = table.dataRows, rows.contains(row.number) {
                let kept = cut.kept()
                counted(kept)
                released.append(kept)
            } else if table.totalsRowCount > 0 && row.number == table.lastRow {
                tableTotals.append(SkippedRow(row: cut, reason: .total))
            }
        }

        /// The rows released since the last call, for the caller to record.
        mutating func takeReleased() -> [RawRow] {
            defer { released = [] }
            return released
        }

        /// Ends the sheet: rows still held are decided (the header of a
        /// short sheet, a trailing total or footnote left out). The caller
        /// then records ``takeReleased()``.
        mutating func finish() {
            shape.finish()
            releaseHeld()
        }

        private mutating func releaseHeld() {
            guard shape.hasReleased else { return }
            for row in shape.takeReleased() {
                counted(row)
                released.append(row)
            }
        }

        private mutating func counted(_ row: RawRow) {
            guard let first = row.cells.first, let last = row.cells.last else { return }
            minColumn = min(minColumn, first.column)
            maxColumn = max(maxColumn, last.column)
            if dataRows == 0 { firstDataRow = row.number }
            lastDataRow = row.number
            dataRows += 1
            if last.column >= inference.count {
                inference.append(contentsOf: repeatElement(ColumnTypeInference(), count: last.column + 1 - inference.count))
            }
        }

        /// The plan of the whole sheet (nil: no row at all). Ends the sheet
        /// first if the caller has not.
        mutating func plan() throws -> SheetPlan? {
            if !shape.finished {
                finish()
                observeReleased()
            }
            return try planSoFar()
        }

        /// The plan for the rows placed so far, rows still held aside.
        func planSoFar() throws -> SheetPlan? {
            if let settings {
                let row = table?.firstRow ?? settings.headerRow ?? 1
                if shape.headerRowMissing || (table != nil && tableHeader == nil && shape.finished) {
                    throw IngestError.badInput(
                        "headerRowEmpty", file: file, sheet: sheet.name, cell: CellReference.name(column: table?.firstColumn ?? 0, row: row),
                        "row \(row), the header row the dataset's ingest settings name (\(settings.description)), holds no value: "
                            + "the sheet has changed; change the settings (pyramydal dataset settings) or the sheet, and drop it again")
                }
            }
            if let table { return try tablePlan(table) }
            guard dataRows > 0 || shape.header != nil else { return nil }
            var low = minColumn, high = maxColumn
            if let header = shape.header {
                low = min(low, header.cells.first?.column ?? low)
                high = max(high, header.cells.last?.column ?? high)
            }
            let count = high - low + 1
            var plan = SheetPlan(sheet: sheet, dataset: dataset, firstColumn: low, names: [], inference: columns(low...high),
                                 dataRowCount: dataRows, firstDataRow: firstDataRow, lastDataRow: lastDataRow,
                                 skippedAbove: shape.skippedAbove, skippedBelow: shape.skippedBelow)
            guard let header = shape.header else {
                // No header: a single row of values or a first row of
                // numbers: every row is data, under the column letters.
                plan.hasHeader = false
                plan.headerRow = firstDataRow
                plan.names = (low...high).map { CellReference.columnName($0) }
                return plan
            }
            plan.headerRow = header.number
            plan.names = try names(header: header, groups: shape.groupRow, low: low, count: count)
            return plan
        }

        /// Each column's inference over the data rows (blanks counted).
        private func columns(_ range: ClosedRange<Int>) -> [ColumnTypeInference] {
            range.map { c in
                var column = c < inference.count ? inference[c] : ColumnTypeInference()
                column.observeBlanks(dataRows - column.cellCount)
                return column
            }
        }

        /// The plan of an Excel Table: exactly its columns, named by its
        /// column names (its header row's text).
        private func tablePlan(_ table: ExcelTable) throws -> SheetPlan {
            let low = table.firstColumn, high = table.lastColumn
            var plan = SheetPlan(sheet: sheet, dataset: dataset, firstColumn: low, names: [], inference: columns(low...high),
                                 dataRowCount: dataRows, firstDataRow: firstDataRow, lastDataRow: lastDataRow,
                                 skippedBelow: tableTotals)
            plan.table = table
            plan.headerRow = table.headerRowCount > 0 ? table.firstRow : 0
            if settings == nil, table.columnNames.count == high - low + 1 {
                do {
                    plan.names = try ColumnNames.make(header: table.columnNames.map { .text($0) }, columnCount: high - low + 1,
                                                      firstColumn: low, dateSystem: dateSystem)
                } catch {
                    throw IngestError.classify(error, file: file, sheet: sheet.name)
                }
            } else if let tableHeader {
                plan.names = try names(header: tableHeader, low: low, count: high - low + 1)
            } else {
                plan.hasHeader = false
                plan.names = (low...high).map { CellReference.columnName($0) }
            }
            return plan
        }

        private func names(header: RawRow, groups: RawRow? = nil, low: Int, count: Int) throws -> [String] {
            var headerValues = [CellValue](repeating: .empty, count: count)
            for cell in header.cells { headerValues[cell.column - low] = header.value(cell) }
            if let groups {
                // Each group runs from its cell to the next group's: `Group · Label`.
                var group: String?
                var next = groups.cells.startIndex
                for i in 0..<count {
                    while next < groups.cells.endIndex && groups.cells[next].column <= low + i {
                        if case .text(let g) = groups.value(groups.cells[next]) { group = g }
                        next += 1
                    }
                    guard let group else { continue }
                    switch headerValues[i] {
                    case .empty: headerValues[i] = .text(group)
                    case .text(let label): headerValues[i] = .text("\(group) · \(label)")
                    case .number(let label, _), .error(let label): headerValues[i] = .text("\(group) · \(label)")
                    case .boolean(let b): headerValues[i] = .text("\(group) · \(b ? "TRUE" : "FALSE")")
                    }
                }
            }
            do {
                return try ColumnNames.make(header: headerValues, columnCount: count, firstColumn: low, dateSystem: dateSystem)
            } catch {
                throw IngestError.classify(error, file: file, sheet: sheet.name)
            }
        }
    }
}
