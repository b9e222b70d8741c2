/// A validated decimal text (`[+-]digits[.digits]` or `NaN`), read in place
/// as the digits ``PostgresBinaryCopy/appendNumeric(negative:pointPosition:firstSignificant:lastSignificant:displayScale:digit:to:)``
/// encodes, so the COPY writer's `numeric` fields and the ingest's come
/// from one `numeric_send`.
struct NumericText {
    private let bytes: UnsafeBufferPointer<UInt8>
    let isNaN: Bool
    let negative: Bool
    /// The integer digits after leading zeros, then the fraction digits.
    private let integerStart: Int
    private let integerCount: Int
    private let fractionStart: Int
    let fractionCount: Int
    /// The non-zero digits' range in the digit string (empty for zero).
    private let firstSignificant: Int
    private let lastSignificant: Int

    init?(_ bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
        if bytes.count == 3, bytes[0] == UInt8(ascii: "N"), bytes[1] == UInt8(ascii: "a"), bytes[2] == UInt8(ascii: "N") {
            (isNaN, negative, integerStart, integerCount, fractionStart, fractionCount) = (true, false, 0, 0, 0, 0)
            (firstSignificant, lastSignificant) = (0, 0)
            return
        }
        isNaN = false
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
        self.negative = negative
        self.integerStart = integerStart
        integerCount = integerEnd - integerStart
        self.fractionStart = fractionStart
        self.fractionCount = fractionCount
        // Leading zeros are gone from the integer part; find the fraction's.
        let total = integerCount + fractionCount
        var first = 0
        while first < total, Self.digit(first, bytes, integerStart, integerCount, fractionStart) == 0 { first += 1 }
        var last = total
        while last > first, Self.digit(last - 1, bytes, integerStart, integerCount, fractionStart) == 0 { last -= 1 }
        firstSignificant = first
        lastSignificant = last
        // The first base-10000 digit's weight must fit numeric's 16 bits.
        if first < last {
            let exponent = integerCount - 1 - first
            guard (exponent >= 0 ? exponent / 4 : -((-exponent + 3) / 4)) <= Int(Int16.max) else { return nil }
        }
    }

    private static func digit(_ k: Int, _ bytes: UnsafeBufferPointer<UInt8>, _ integerStart: Int, _ integerCount: Int,
                              _ fractionStart: Int) -> UInt8 {
        k < integerCount ? bytes[integerStart + k] &- 48 : bytes[fractionStart + k - integerCount] &- 48
    }

    /// Appends the `numeric` field (length word included); false (nothing
    /// written) when PostgreSQL can't hold the value.
    func appendBinary(to out: inout [UInt8]) -> Bool {
        if isNaN {
            PostgresBinaryCopy.appendNumericNaN(to: &out)
            return true
        }
        return PostgresBinaryCopy.appendNumeric(
            negative: negative, pointPosition: integerCount, firstSignificant: firstSignificant,
            lastSignificant: lastSignificant, displayScale: fractionCount,
            digit: { Self.digit($0, bytes, integerStart, integerCount, fractionStart) }, to: &out)
    }
}

/// A `numeric`'s binary form as plain values (read back from
/// ``NumericText/appendBinary(to:)``), for tests.
struct PostgresNumeric: Equatable {
    var digits: [Int16]
    var weight: Int16
    var sign: Int16
    var displayScale: Int16

    init?(_ text: String) {
        var field: [UInt8] = []
        let ok = Array(text.utf8).withUnsafeBufferPointer { bytes in NumericText(bytes)?.appendBinary(to: &field) ?? false }
        guard ok, field.count >= 12 else { return nil }
        func int16(_ at: Int) -> Int16 { Int16(bitPattern: UInt16(field[at]) << 8 | UInt16(field[at + 1])) }
        let count = Int(int16(4))
        self.init(digits: (0..<count).map { int16(12 + 2 * $0) }, weight: int16(6), sign: int16(8), displayScale: int16(10))
    }

    init(digits: [Int16], weight: Int16, sign: Int16, displayScale: Int16) {
        self.digits = digits
        self.weight = weight
        self.sign = sign
        self.displayScale = displayScale
    }
}
