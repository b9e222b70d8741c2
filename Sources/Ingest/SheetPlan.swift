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
    /// False for a sheet with a single row of values and no table (a cover
    /// note, a title): that row is then data, under letter-named columns
    /// (`A`, `B`, …) — if the sheet lands at all (see ``Ingest``).
    var hasHeader = true
    /// The row of the header (or of the single row of values).
    var headerRow = 0

    var types: [ColumnType] { inference.map(\.inferredType) }

    /// What this version's notes say about its rows: the numbers rounded to
    /// Excel's precision, a single row landed under letter names.
    var notes: [String] {
        var notes: [String] = []
        if !hasHeader {
            notes.append("sheet \"\(sheet.name)\" has a single row of values (row \(headerRow)) and no header: "
                         + "its values land as data under the column letters")
        }
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
                       rounded: pair.1.roundedCount)
        }
    }

    /// Pass 1 over a sheet: the header is the first row holding a value;
    /// every later row holding a value is a data row (rows without any
    /// value are not rows of the dataset). Returns nil for an empty sheet,
    /// and a plan without header (letter-named columns, the single row as
    /// data) for a sheet with a single row of values. Throws bad input for
    /// too many columns.
    static func infer(
        _ sheet: SheetInfo, dataset: DatasetRef, reader: WorkbookReader, file: String
    ) throws -> SheetPlan? {
        var builder = Builder(sheet: sheet, dataset: dataset, file: file, dateSystem: reader.date1904 ? .excel1904 : .excel1900)
        try reader.readRawRows(of: sheet) { builder.observe($0) }
        return try builder.plan()
    }

    /// Accumulates what pass 1 learns, row by row.
    struct Builder {
        let sheet: SheetInfo
        let dataset: DatasetRef
        let file: String
        let dateSystem: DateSystem
        var header: [(column: Int, value: CellValue)]? = nil
        var headerRow = 0
        var inference: [ColumnTypeInference] = []
        var minColumn = Int.max
        var maxColumn = -1
        var dataRows = 0

        init(sheet: SheetInfo, dataset: DatasetRef, file: String, dateSystem: DateSystem) {
            self.sheet = sheet
            self.dataset = dataset
            self.file = file
            self.dateSystem = dateSystem
        }

        /// Records a row; returns false for the header row.
        @discardableResult
        mutating func observe(_ row: RawRow) -> Bool {
            guard observeShape(row) else { return false }
            BinaryRowEncoder.observe(row, into: &inference)
            return true
        }

        /// Everything `observe` records except the cells' values, which the
        /// caller then records into `inference[column]` itself (the single
        /// pass does so while encoding them). Returns false for the header.
        mutating func observeShape(_ row: RawRow) -> Bool {
            guard let first = row.cells.first, let last = row.cells.last else { return false }
            minColumn = min(minColumn, first.column)
            maxColumn = max(maxColumn, last.column)
            if header == nil {
                header = row.materialized().cells
                headerRow = row.number
                return false
            }
            dataRows += 1
            if last.column >= inference.count {
                inference.append(contentsOf: repeatElement(ColumnTypeInference(), count: last.column + 1 - inference.count))
            }
            return true
        }

        /// The plan for the rows seen so far (nil: no row at all).
        func plan() throws -> SheetPlan? {
            guard let header else { return nil }
            let count = maxColumn - minColumn + 1
            if dataRows == 0 {
                // One row of values and no table: that row is the data,
                // under the column letters.
                var columns = [ColumnTypeInference](repeating: ColumnTypeInference(), count: count)
                for i in 0..<count { columns[i].observeBlanks(1) }
                for cell in header {
                    columns[cell.column - minColumn] = ColumnTypeInference()
                    columns[cell.column - minColumn].observe(cell.value)
                }
                let names = (minColumn...maxColumn).map { CellReference.columnName($0) }
                return SheetPlan(sheet: sheet, dataset: dataset, firstColumn: minColumn, names: names, inference: columns,
                                 dataRowCount: 1, hasHeader: false, headerRow: headerRow)
            }
            var headerValues = [CellValue](repeating: .empty, count: count)
            for cell in header { headerValues[cell.column - minColumn] = cell.value }
            let names: [String]
            do {
                names = try ColumnNames.make(header: headerValues, columnCount: count, firstColumn: minColumn, dateSystem: dateSystem)
            } catch {
                throw IngestError.classify(error, file: file, sheet: sheet.name)
            }
            var columns: [ColumnTypeInference] = []
            columns.reserveCapacity(count)
            for c in minColumn...maxColumn {
                var column = c < inference.count ? inference[c] : ColumnTypeInference()
                column.observeBlanks(dataRows - column.cellCount)
                columns.append(column)
            }
            return SheetPlan(sheet: sheet, dataset: dataset, firstColumn: minColumn, names: names, inference: columns,
                             dataRowCount: dataRows, headerRow: headerRow)
        }
    }
}
