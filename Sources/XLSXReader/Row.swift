/// One sheet row with at least one value. Cells are sparse (only cells with
/// a value, never the bounding box) and sorted by column.
///
/// `WorkbookReader.readRows` reuses one `Row` between calls; copy it (it is
/// a value) if you keep it past the callback.
public struct Row: Sendable {
    /// 1-based row number (from the row's `r`, or the previous row + 1).
    public var number: Int
    /// (0-based column, value) for every non-empty cell, by column.
    public var cells: [(column: Int, value: CellValue)]

    public init(number: Int, cells: [(column: Int, value: CellValue)]) {
        self.number = number
        self.cells = cells
    }

    /// The value in 0-based `column`, `.empty` when the cell has none.
    public subscript(column: Int) -> CellValue {
        var low = 0, high = cells.count
        while low < high {
            let mid = (low + high) / 2
            if cells[mid].column < column { low = mid + 1 } else { high = mid }
        }
        return low < cells.count && cells[low].column == column ? cells[low].value : .empty
    }
}
