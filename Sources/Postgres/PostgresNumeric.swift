/// PostgreSQL's binary `numeric`: base-10000 digits, the weight of the first
/// one, a sign word and the display scale (digits after the point).
struct PostgresNumeric: Equatable {
    var digits: [Int16]
    var weight: Int16
    var sign: Int16
    var displayScale: Int16

    static let positive: Int16 = 0x0000
    static let negative: Int16 = 0x4000
    static let notANumber: Int16 = -0x4000  // 0xC000

    /// Parses `[+-]digits[.digits]` (or `NaN`); nil for anything else.
    init?(_ text: String) {
        if text == "NaN" {
            self.init(digits: [], weight: 0, sign: Self.notANumber, displayScale: 0)
            return
        }
        var utf8 = Array(text.utf8)[...]
        var negative = false
        if let first = utf8.first, first == UInt8(ascii: "-") || first == UInt8(ascii: "+") {
            negative = first == UInt8(ascii: "-")
            utf8 = utf8.dropFirst()
        }
        var integerPart: [UInt8] = []
        var fractionPart: [UInt8] = []
        var seenPoint = false
        for byte in utf8 {
            if byte == UInt8(ascii: ".") {
                guard !seenPoint else { return nil }
                seenPoint = true
            } else if byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") {
                if seenPoint { fractionPart.append(byte - UInt8(ascii: "0")) }
                else { integerPart.append(byte - UInt8(ascii: "0")) }
            } else {
                return nil
            }
        }
        guard !integerPart.isEmpty || !fractionPart.isEmpty, fractionPart.count <= Int(Int16.max) else { return nil }
        while integerPart.first == 0 { integerPart.removeFirst() }

        // Pad so groups of four line up with the decimal point.
        let integerPad = (4 - integerPart.count % 4) % 4
        let fractionPad = (4 - fractionPart.count % 4) % 4
        let all = [UInt8](repeating: 0, count: integerPad) + integerPart + fractionPart
            + [UInt8](repeating: 0, count: fractionPad)
        var groups: [Int16] = []
        groups.reserveCapacity(all.count / 4)
        var index = 0
        while index < all.count {
            groups.append(Int16(all[index]) * 1000 + Int16(all[index + 1]) * 100 + Int16(all[index + 2]) * 10
                + Int16(all[index + 3]))
            index += 4
        }
        var weight = (integerPart.count + integerPad) / 4 - 1
        var start = 0
        while start < groups.count, groups[start] == 0 {
            start += 1
            weight -= 1
        }
        var end = groups.count
        while end > start, groups[end - 1] == 0 { end -= 1 }
        let digits = Array(groups[start..<end])
        guard let weight16 = Int16(exactly: digits.isEmpty ? 0 : weight) else { return nil }
        self.init(digits: digits, weight: weight16,
                  sign: negative && !digits.isEmpty ? Self.negative : Self.positive,
                  displayScale: Int16(fractionPart.count))
    }

    init(digits: [Int16], weight: Int16, sign: Int16, displayScale: Int16) {
        self.digits = digits
        self.weight = weight
        self.sign = sign
        self.displayScale = displayScale
    }
}
