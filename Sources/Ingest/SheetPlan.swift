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

    var types: [ColumnType] { inference.map(\.inferredType) }

    var columns: [ColumnInfo] {
        zip(names, inference).enumerated().map { i, pair in
            ColumnInfo(name: pair.0, type: pair.1.inferredType.sqlName,
                       sourceColumn: CellReference.columnName(firstColumn + i), nonNull: pair.1.nonNullCount,
                       nulls: pair.1.nullCount, errors: pair.1.errorCount, kinds: pair.1.kindsSeen.names)
        }
    }

    /// Pass 1 over a sheet: the header is the first row holding a value;
    /// every later row holding a value is a data row (rows without any
    /// value are not rows of the dataset). Returns nil for an empty sheet.
    /// Throws bad input for a sheet with only a header or too many columns.
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
            if dataRows == 0 {
                throw IngestError.badInput(
                    "headerOnly", file: file, sheet: sheet.name, cell: CellReference.name(column: header[0].column, row: headerRow),
                    "the sheet has a header row (row \(headerRow)) but no data rows")
            }
            let count = maxColumn - minColumn + 1
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
                             dataRowCount: dataRows)
        }
    }
}
