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

/// Cell references: `A` ↔ 0, `XFD` ↔ 16383, `B7`.
public enum CellReference {
    /// The largest 0-based column index (`XFD`).
    public static let maxColumn = 16383

    /// `0` → `A`, `27` → `AB`.
    public static func columnName(_ column: Int) -> String {
        var n = column + 1
        var letters: [UInt8] = []
        while n > 0 {
            let r = (n - 1) % 26
            letters.append(UInt8(65 + r))
            n = (n - 1) / 26
        }
        return String(decoding: letters.reversed(), as: UTF8.self)
    }

    /// `(column: 1, row: 7)` → `B7` (row 1-based).
    public static func name(column: Int, row: Int) -> String {
        columnName(column) + String(row)
    }
}
