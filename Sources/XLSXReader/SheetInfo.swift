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

    public init(name: String, index: Int, visibility: SheetVisibility, partName: String) {
        self.name = name
        self.index = index
        self.visibility = visibility
        self.partName = partName
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
