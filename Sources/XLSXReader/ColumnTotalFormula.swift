/// Recognises a formula that totals the column its cell stands in:
/// `SUM(C2:C99)`, `SUBTOTAL(9,C2:C99)`, `AGGREGATE(9,4,C2:C99)`, with
/// `$` anchors, a sheet prefix (`Data!C2:C99`, `'My data'!C:C`), an
/// `_xlfn.` prefix or a whole column (`SUM(C:C)`), any case. The first
/// reference argument must start in the cell's own column: `SUM(B7:D7)` in
/// E7 (a row's sum) is not a column total. Structured references
/// (`Table1[Amount]`) are left to the Table's own totals row.
///
/// The sheet scanner asks this of a cell's `<f>` text, so a table's total
/// row is found by its formulas even without a "Total" label.
enum ColumnTotalFormula {
    private static let names: [(name: [UInt8], skippedArguments: Int)] = [
        (Array("SUM(".utf8), 0), (Array("SUBTOTAL(".utf8), 1), (Array("AGGREGATE(".utf8), 2),
    ]
    private static let xlfn = Array("_XLFN.".utf8)

    /// Whether `formula` (the `<f>` text, decoded, without a leading `=`
    /// as stored, though one is allowed) totals the 0-based `column`.
    static func isTotal(_ formula: some Collection<UInt8>, column: Int) -> Bool {
        var text = ArraySlice(formula.drop { $0 == 0x20 })
        if text.first == UInt8(ascii: "=") { text = text.dropFirst() }
        if hasPrefix(text, xlfn) { text = text.dropFirst(xlfn.count) }
        guard let function = names.first(where: { hasPrefix(text, $0.name) }) else { return false }
        text = text.dropFirst(function.name.count)
        for _ in 0..<function.skippedArguments {
            guard let comma = text.firstIndex(of: UInt8(ascii: ",")) else { return false }
            text = text[(comma + 1)...]
        }
        // The reference runs to the next `,` `)` or `:`; a sheet prefix ends at its last `!`.
        let end = text.firstIndex { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: ")") || $0 == UInt8(ascii: ":") } ?? text.endIndex
        var reference = text[..<end]
        if let bang = reference.lastIndex(of: UInt8(ascii: "!")) { reference = reference[(bang + 1)...] }
        reference = reference.drop { $0 == 0x20 || $0 == UInt8(ascii: "$") }
        var letters = 0
        var index = 0
        for byte in reference {
            let upper = byte & ~0x20
            guard upper >= UInt8(ascii: "A") && upper <= UInt8(ascii: "Z") else { break }
            index = index * 26 + Int(upper - UInt8(ascii: "A") + 1)
            letters += 1
            if letters > 3 { return false }
        }
        guard letters > 0 else { return false }
        // After the letters: a row number (`C2`, `C$2`) or the reference's end (`C:C`).
        let rest = reference.dropFirst(letters).drop { $0 == UInt8(ascii: "$") }
        guard rest.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") || $0 == 0x20 }) else { return false }
        return index - 1 == column
    }

    private static func hasPrefix(_ text: ArraySlice<UInt8>, _ prefix: [UInt8]) -> Bool {
        guard text.count >= prefix.count else { return false }
        return zip(text, prefix).allSatisfy { a, b in (a >= 0x61 && a <= 0x7A ? a & ~0x20 : a) == b }
    }
}
