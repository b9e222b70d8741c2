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
