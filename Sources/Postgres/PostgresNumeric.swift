/// A validated decimal text (`[+-]digits[.digits]` or `NaN`) and its
/// PostgreSQL binary `numeric` form: base-10000 digit groups, the weight of
/// the first group, a sign word and the display scale. Reads the text's bytes
/// in place, so the COPY writer encodes without allocating.
struct NumericLayout {
    static let positive: Int16 = 0x0000
    static let negative: Int16 = 0x4000
    static let notANumber: Int16 = -0x4000  // 0xC000

    private let bytes: UnsafeBufferPointer<UInt8>
    private let integerStart: Int
    private let integerCount: Int
    private let fractionStart: Int
    private let fractionCount: Int
    private let integerPad: Int
    /// Range of non-zero-trimmed groups, in group numbers.
    let groups: Range<Int>
    let weight: Int16
    let sign: Int16
    let displayScale: Int16

    init?(_ bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
        if bytes.count == 3, bytes[0] == UInt8(ascii: "N"), bytes[1] == UInt8(ascii: "a"), bytes[2] == UInt8(ascii: "N") {
            (integerStart, integerCount, fractionStart, fractionCount, integerPad) = (0, 0, 0, 0, 0)
            (groups, weight, sign, displayScale) = (0..<0, 0, Self.notANumber, 0)
            return
        }
        var index = 0
        var negative = false
        if index < bytes.count, bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "+") {
            negative = bytes[index] == UInt8(ascii: "-")
            index += 1
        }
        let digitsStart = index
        while index < bytes.count, bytes[index] &- UInt8(ascii: "0") < 10 { index += 1 }
        let integerEnd = index
        var fractionStart = index
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            fractionStart = index
            while index < bytes.count, bytes[index] &- UInt8(ascii: "0") < 10 { index += 1 }
        }
        let fractionCount = index - fractionStart
        guard index == bytes.count, integerEnd > digitsStart || fractionCount > 0,
              fractionCount <= 16383 else { return nil }
        var integerStart = digitsStart
        while integerStart < integerEnd, bytes[integerStart] == UInt8(ascii: "0") { integerStart += 1 }
        self.integerStart = integerStart
        integerCount = integerEnd - integerStart
        self.fractionStart = fractionStart
        self.fractionCount = fractionCount
        integerPad = (4 - integerCount % 4) % 4
        let fractionPad = (4 - fractionCount % 4) % 4
        let groupCount = (integerPad + integerCount + fractionCount + fractionPad) / 4
        displayScale = Int16(fractionCount)

        var weight = (integerPad + integerCount) / 4 - 1
        var first = 0
        // `group` needs every stored property; compute with a local copy.
        func group(_ number: Int) -> Int16 {
            Self.group(number, bytes: bytes, integerStart: integerStart, integerCount: integerEnd - integerStart,
                       fractionStart: fractionStart, fractionCount: fractionCount, integerPad: (4 - (integerEnd - integerStart) % 4) % 4)
        }
        while first < groupCount, group(first) == 0 {
            first += 1
            weight -= 1
        }
        var end = groupCount
        while end > first, group(end - 1) == 0 { end -= 1 }
        guard let weight16 = Int16(exactly: first == end ? 0 : weight) else { return nil }
        groups = first..<end
        self.weight = weight16
        sign = negative && first < end ? Self.negative : Self.positive
    }

    /// Base-10000 group `number` (0 is the most significant, zero-padded).
    func group(_ number: Int) -> Int16 {
        Self.group(number, bytes: bytes, integerStart: integerStart, integerCount: integerCount,
                   fractionStart: fractionStart, fractionCount: fractionCount, integerPad: integerPad)
    }

    private static func group(
        _ number: Int, bytes: UnsafeBufferPointer<UInt8>, integerStart: Int, integerCount: Int,
        fractionStart: Int, fractionCount: Int, integerPad: Int
    ) -> Int16 {
        var value: Int16 = 0
        for position in (number * 4)..<(number * 4 + 4) {
            let digitIndex = position - integerPad
            var digit: Int16 = 0
            if digitIndex >= 0 {
                if digitIndex < integerCount {
                    digit = Int16(bytes[integerStart + digitIndex] - UInt8(ascii: "0"))
                } else if digitIndex - integerCount < fractionCount {
                    digit = Int16(bytes[fractionStart + digitIndex - integerCount] - UInt8(ascii: "0"))
                }
            }
            value = value * 10 + digit
        }
        return value
    }
}

/// ``NumericLayout`` as plain values, for tests and non-hot paths.
struct PostgresNumeric: Equatable {
    var digits: [Int16]
    var weight: Int16
    var sign: Int16
    var displayScale: Int16

    init?(_ text: String) {
        let decoded: PostgresNumeric?? = Array(text.utf8).withUnsafeBufferPointer { bytes in
            NumericLayout(bytes).map { layout in
                PostgresNumeric(digits: layout.groups.map { layout.group($0) }, weight: layout.weight,
                                sign: layout.sign, displayScale: layout.displayScale)
            }
        }
        guard let value = decoded ?? nil else { return nil }
        self = value
    }

    init(digits: [Int16], weight: Int16, sign: Int16, displayScale: Int16) {
        self.digits = digits
        self.weight = weight
        self.sign = sign
        self.displayScale = displayScale
    }
}
