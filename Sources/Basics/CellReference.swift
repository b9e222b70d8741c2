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

    /// `B7` (or `$B$7`, any case) → `(column: 1, row: 7)`; nil for anything
    /// else, or beyond `XFD1048576`.
    public static func parse<S: StringProtocol>(_ text: S) -> (column: Int, row: Int)? {
        var column = 0, row = 0, letters = 0, digits = 0
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "$") where digits == 0:
                continue
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"):
                guard digits == 0, letters < 3 else { return nil }
                column = column * 26 + Int((byte | 0x20) - UInt8(ascii: "a")) + 1
                letters += 1
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                guard letters > 0, digits < 7 else { return nil }
                row = row * 10 + Int(byte - UInt8(ascii: "0"))
                digits += 1
            default:
                return nil
            }
        }
        guard letters > 0, digits > 0, row >= 1, row <= 1_048_576, column - 1 <= maxColumn else { return nil }
        return (column - 1, row)
    }

    /// `A4:F1004` → its top-left and bottom-right cells (a single cell is a
    /// range of one); nil when either end is not a cell or they are swapped.
    public static func parseRange(_ text: String) -> (first: (column: Int, row: Int), last: (column: Int, row: Int))? {
        let ends = text.split(separator: ":", omittingEmptySubsequences: false)
        guard ends.count <= 2, let first = parse(ends[0]), let last = ends.count == 2 ? parse(ends[1]) : first,
              first.column <= last.column, first.row <= last.row else { return nil }
        return (first, last)
    }
}
