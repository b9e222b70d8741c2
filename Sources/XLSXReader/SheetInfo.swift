/// Whether a sheet is shown in Excel's tab bar.
public enum SheetVisibility: String, Sendable, Hashable {
    case visible
    /// `state="hidden"`: unhidden from Excel's menu.
    case hidden
    /// `state="veryHidden"`: only reachable from VBA.
    case veryHidden
}

/// One worksheet of a workbook, in workbook order (chart sheets and
/// dialog sheets are not listed: they hold no cells).
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
