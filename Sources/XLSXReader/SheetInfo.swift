internal import Basics

/// Whether a sheet is shown in Excel's tab bar.
public enum SheetVisibility: String, Sendable, Hashable {
    case visible
    /// `state="hidden"`: unhidden from Excel's menu.
    case hidden
    /// `state="veryHidden"`: only reachable from VBA.
    case veryHidden
}

/// One worksheet of a workbook, in workbook order (chart, dialog and macro
/// sheets and sheets of an unknown state are not listed: see
/// ``SkippedSheet``).
public struct SheetInfo: Sendable, Hashable {
    /// The sheet's name as shown on its tab.
    public var name: String
    /// 0-based position among the workbook's worksheets.
    public var index: Int
    public var visibility: SheetVisibility
    /// The package part holding the sheet's XML (`xl/worksheets/sheet1.xml`).
    public var partName: String
    /// The sheet's Excel Tables (ListObjects), in the order of its
    /// relationships.
    public var tables: [ExcelTable]

    public init(name: String, index: Int, visibility: SheetVisibility, partName: String, tables: [ExcelTable] = []) {
        self.name = name
        self.index = index
        self.visibility = visibility
        self.partName = partName
        self.tables = tables
    }
}

/// An Excel Table (a ListObject, `xl/tables/tableN.xml`) on a worksheet:
/// its name, its exact range, and how many of the range's rows are the
/// header and the totals row.
public struct ExcelTable: Sendable, Hashable {
    /// The table's name as Excel shows it (`displayName`, else `name`).
    public var name: String
    /// The range, 0-based columns and 1-based rows, both ends included.
    public var firstColumn: Int
    public var lastColumn: Int
    public var firstRow: Int
    public var lastRow: Int
    /// Rows of the range that are the header (0 or 1) and totals (0 or 1).
    public var headerRowCount: Int
    public var totalsRowCount: Int
    /// The columns' names (`tableColumn`), one per column of the range
    /// when the part lists them all.
    public var columnNames: [String]

    public init(name: String, firstColumn: Int, lastColumn: Int, firstRow: Int, lastRow: Int,
                headerRowCount: Int = 1, totalsRowCount: Int = 0, columnNames: [String] = []) {
        self.name = name
        self.firstColumn = firstColumn
        self.lastColumn = lastColumn
        self.firstRow = firstRow
        self.lastRow = lastRow
        self.headerRowCount = headerRowCount
        self.totalsRowCount = totalsRowCount
        self.columnNames = columnNames
    }

    /// `B4:F10`.
    public var range: String {
        CellReference.name(column: firstColumn, row: firstRow) + ":" + CellReference.name(column: lastColumn, row: lastRow)
    }

    /// The rows of data: the range without its header and totals rows.
    public var dataRows: ClosedRange<Int>? {
        let first = firstRow + headerRowCount, last = lastRow - totalsRowCount
        return first <= last ? first...last : nil
    }
}

/// A sheet of the workbook's `<sheets>` that the reader does not read,
/// and why (listed in ``WorkbookReader/skippedSheets``; never an error of
/// the workbook).
public struct SkippedSheet: Sendable, Hashable, CustomStringConvertible {
    public enum Reason: Sendable, Hashable {
        /// A chart sheet: a chart, no cells.
        case chartSheet
        /// An Excel 5 dialog sheet.
        case dialogSheet
        /// An Excel 4.0 macro sheet (`xlMacrosheet`, `xlIntlMacrosheet`).
        case macroSheet(type: String)
        /// A relationship of a type that is not a sheet the reader knows
        /// (the full relationship type URI).
        case otherType(String)
        /// A `state` other than `visible`, `hidden` and `veryHidden`: the
        /// sheet is refused (its siblings are read).
        case unknownState(String)
    }

    /// The sheet's name as shown on its tab.
    public var name: String
    public var reason: Reason

    public init(name: String, reason: Reason) {
        self.name = name
        self.reason = reason
    }

    /// For people: `sheet "Chart1" skipped: a chart sheet (no cells)`.
    public var description: String {
        switch reason {
        case .chartSheet: "sheet \"\(name)\" skipped: a chart sheet (no cells)"
        case .dialogSheet: "sheet \"\(name)\" skipped: a dialog sheet (no cells)"
        case .macroSheet(let type): "sheet \"\(name)\" skipped: an Excel 4.0 macro sheet (relationship type \(type))"
        case .otherType(let type): "sheet \"\(name)\" skipped: its part is of relationship type \(type), not a worksheet"
        case .unknownState(let state):
            "sheet \"\(name)\" refused: its state \"\(state)\" is none of visible, hidden and veryHidden"
        }
    }
}
