import Testing
import TestSupport
@testable import Ingest
import Postgres
@testable import XLSXReader

@Suite("COPY encoding")
struct CopyEncodingTests {
    let encoder = CopyEncoder()

    private func text(_ v: CellValue, _ t: ColumnType) throws -> String {
        var out: [UInt8] = []
        try encoder.appendText(v, as: t, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    private func binary(_ v: CellValue, _ t: ColumnType) throws -> [UInt8] {
        var out: [UInt8] = []
        try encoder.appendBinary(v, as: t, to: &out)
        return out
    }

    /// A numeric field: length, ndigits, weight, sign, dscale, digits.
    private func numeric(ndigits: Int16, weight: Int16, negative: Bool = false, dscale: Int16, _ digits: [Int16]) -> [UInt8] {
        var out: [UInt8] = []
        PostgresBinaryCopy.appendBigEndian(Int32(8 + 2 * digits.count), to: &out)
        PostgresBinaryCopy.appendBigEndian(ndigits, to: &out)
        PostgresBinaryCopy.appendBigEndian(weight, to: &out)
        PostgresBinaryCopy.appendBigEndian(UInt16(negative ? 0x4000 : 0), to: &out)
        PostgresBinaryCopy.appendBigEndian(dscale, to: &out)
        for d in digits { PostgresBinaryCopy.appendBigEndian(d, to: &out) }
        return out
    }

    @Test func textEscaping() throws {
        #expect(try text(.text("a\tb\nc\\d\re"), .text) == "a\\tb\\nc\\\\d\\re")
        #expect(try text(.text("plain ünïcødé 東京"), .text) == "plain ünïcødé 東京")
        #expect(try text(.text("x\u{0}y"), .text) == "x\u{FFFD}y")
        #expect(try text(.text("\\N"), .text) == "\\\\N")
        #expect(try text(.text(""), .text) == "")
        #expect(try text(.text("\u{1}\u{B}"), .text) == "\u{1}\u{B}")  // other controls are literal
    }

    @Test func nullsAndErrors() throws {
        for t in ColumnType.allCases { #expect(try text(.empty, t) == "\\N") }
        #expect(try text(.error("#N/A"), .bigint) == "\\N")
        #expect(try text(.error("#N/A"), .date) == "\\N")
        #expect(try text(.error("#N/A"), .text) == "#N/A")
        #expect(try binary(.empty, .numeric) == [0xFF, 0xFF, 0xFF, 0xFF])
        #expect(try binary(.error("#DIV/0!"), .boolean) == [0xFF, 0xFF, 0xFF, 0xFF])
        #expect(try binary(.error("#N/A"), .text) == [0, 0, 0, 4] + Array("#N/A".utf8))
    }

    @Test func textFormatValues() throws {
        #expect(try text(.number("007", .plain), .bigint) == "7")
        #expect(try text(.number("-0", .plain), .bigint) == "0")
        #expect(try text(.number("12.50", .plain), .numeric) == "12.50")
        #expect(try text(.number("1E-3", .plain), .doublePrecision) == "1E-3")
        #expect(try text(.number("43831", .date), .date) == "2020-01-01")
        #expect(try text(.number("43831.5", .dateTime), .timestamp) == "2020-01-01 12:00:00")
        #expect(try text(.number("1.5", .duration), .interval) == "36:00:00")
        #expect(try text(.boolean(true), .boolean) == "t")
        #expect(try text(.boolean(false), .boolean) == "f")
    }

    @Test func nonTextCellsInTextColumns() throws {
        #expect(try text(.number("1E-3", .plain), .text) == "1E-3")
        #expect(try text(.number("43831", .date), .text) == "2020-01-01")
        #expect(try text(.number("43831.25", .date), .text) == "2020-01-01 06:00:00")
        #expect(try text(.number("-3", .date), .text) == "-3")
        #expect(try text(.number("0.5", .time), .text) == "12:00:00")
        #expect(try text(.boolean(true), .text) == "TRUE")
        #expect(try text(.number("abc", .plain), .text) == "abc")
        #expect(encoder.displayText(.number("43831", .dateTime)) == "2020-01-01 00:00:00")
        #expect(try binary(.boolean(false), .text) == [0, 0, 0, 5] + Array("FALSE".utf8))
        #expect(try binary(.number("43831", .date), .text) == [0, 0, 0, 10] + Array("2020-01-01".utf8))
    }

    @Test func mismatchesThrow() throws {
        let e1 = #expect(throws: CopyEncodingError.self) { try text(.text("x"), .bigint) }
        #expect(e1?.code == .valueDoesNotFitColumnType)
        #expect(e1?.columnType == .bigint)
        #expect(throws: CopyEncodingError.self) { try text(.number("1.5", .plain), .bigint) }
        let e2 = #expect(throws: CopyEncodingError.self) { try binary(.number("9223372036854775808", .plain), .bigint) }
        #expect(e2?.code == .valueOutOfRange)
        #expect(throws: CopyEncodingError.self) { try text(.number("43831.5", .date), .date) }
        #expect(throws: CopyEncodingError.self) { try binary(.number("43831", .plain), .date) }
        #expect(throws: CopyEncodingError.self) { try binary(.number("-1", .date), .timestamp) }
        #expect(throws: CopyEncodingError.self) { try binary(.boolean(true), .bigint) }
        #expect(throws: CopyEncodingError.self) { try binary(.number("0x10", .plain), .doublePrecision) }
        #expect(throws: CopyEncodingError.self) { try binary(.number("1", .plain), .boolean) }
        #expect(e1?.description.contains("bigint") == true)
    }

    @Test func binaryNumericEncodings() throws {
        #expect(try binary(.number("0", .plain), .numeric) == numeric(ndigits: 0, weight: 0, dscale: 0, []))
        #expect(try binary(.number("-0.00", .plain), .numeric) == numeric(ndigits: 0, weight: 0, dscale: 2, []))
        #expect(try binary(.number("-0.5", .plain), .numeric) == numeric(ndigits: 1, weight: -1, negative: true, dscale: 1, [5000]))
        #expect(try binary(.number("12345.6789", .plain), .numeric) == numeric(ndigits: 3, weight: 1, dscale: 4, [1, 2345, 6789]))
        #expect(try binary(.number("1E-20", .plain), .numeric) == numeric(ndigits: 1, weight: -5, dscale: 20, [1]))
        #expect(try binary(.number("10000", .plain), .numeric) == numeric(ndigits: 1, weight: 1, dscale: 0, [1]))
        #expect(try binary(.number("1.50", .plain), .numeric) == numeric(ndigits: 2, weight: 0, dscale: 2, [1, 5000]))
        #expect(try binary(.number("0.0001", .plain), .numeric) == numeric(ndigits: 1, weight: -1, dscale: 4, [1]))
        #expect(try binary(.number("100000001", .plain), .numeric) == numeric(ndigits: 3, weight: 2, dscale: 0, [1, 0, 1]))
        // 31 significant digits: stored at Excel's 15.
        #expect(try binary(.number("-123456789012345678901234567890.5", .plain), .numeric)
            == numeric(ndigits: 5, weight: 7, negative: true, dscale: 0, [12, 3456, 7890, 1234, 6000]))
        #expect(try binary(.number("-12345678901234.5", .plain), .numeric)   // 15 digits: exact
            == numeric(ndigits: 5, weight: 3, negative: true, dscale: 1, [12, 3456, 7890, 1234, 5000]))
        #expect(try binary(.number("1.5E3", .plain), .numeric) == numeric(ndigits: 1, weight: 0, dscale: 0, [1500]))
    }

    @Test func binaryScalars() throws {
        #expect(try binary(.number("-2", .plain), .bigint) == [0, 0, 0, 8, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFE])
        var expected: [UInt8] = [0, 0, 0, 8]
        PostgresBinaryCopy.appendBigEndian((0.1 as Double).bitPattern, to: &expected)
        #expect(try binary(.number("0.1", .plain), .doublePrecision) == expected)
        #expect(try binary(.number("36526", .date), .date) == [0, 0, 0, 4, 0, 0, 0, 0])
        #expect(try binary(.number("36527", .date), .date) == [0, 0, 0, 4, 0, 0, 0, 1])
        expected = [0, 0, 0, 8]
        PostgresBinaryCopy.appendBigEndian(Int64(86_400_000_000 + 43_200_000_000), to: &expected)
        #expect(try binary(.number("36527.5", .dateTime), .timestamp) == expected)
        expected = [0, 0, 0, 16]
        PostgresBinaryCopy.appendBigEndian(Int64(36 * 3_600_000_000), to: &expected)
        expected += [0, 0, 0, 0, 0, 0, 0, 0]
        #expect(try binary(.number("1.5", .duration), .interval) == expected)
        #expect(try binary(.boolean(true), .boolean) == [0, 0, 0, 1, 1])
        #expect(try binary(.text("é\u{0}"), .text) == [0, 0, 0, 5, 0xC3, 0xA9, 0xEF, 0xBF, 0xBD])
        // Short and long text (scanned differently for NUL) alike.
        for length in [63, 64, 65, 200] {
            let long = String(repeating: "a", count: length - 2) + "\u{0}b"
            let want = Array((String(repeating: "a", count: length - 2) + "\u{FFFD}b").utf8)
            #expect(try binary(.text(long), .text) == [0, 0, 0, UInt8(want.count)] + want)
            #expect(try binary(.text(String(repeating: "z", count: length)), .text) == [0, 0, 0, UInt8(length)] + Array(repeating: UInt8(ascii: "z"), count: length))
        }
    }

    @Test func nulFoundAtEveryPositionOfShortText() {
        // The short-text check reads eight bytes at a time: a NUL in each
        // lane, in the tail, and bytes ≥ 0x80 (which must not look like 0).
        for length in 0...64 {
            let clean = (0..<length).map { UInt8(0x80 &+ UInt8($0 % 0x7F) &+ 1) }
            #expect(!clean.withUnsafeBufferPointer { CopyEncoder.containsNUL($0) })
            for at in 0..<length {
                var bytes = clean
                bytes[at] = 0
                #expect(bytes.withUnsafeBufferPointer { CopyEncoder.containsNUL($0) }, "NUL at \(at) of \(length)")
                var out: [UInt8] = []
                bytes.withUnsafeBufferPointer { CopyEncoder.appendReplacingNUL($0, to: &out) }
                #expect(out == Array(clean[..<at]) + [0xEF, 0xBF, 0xBD] + Array(clean[(at + 1)...]))
            }
        }
    }

    /// Numbers of up to 18 + 16 digits are written from the digit values
    /// the parse kept; the bytes are those of the digit-by-digit encoder.
    @Test func shortNumericsMatchTheDigitByDigitEncoding() {
        func both(_ text: String) -> (fast: [UInt8], general: [UInt8]) {
            Array(text.utf8).withUnsafeBufferPointer { b in
                let d = DecimalText(b)!
                var fast: [UInt8] = [], general: [UInt8] = []
                _ = CopyEncoder.appendNumeric(d, b, to: &fast)
                _ = PostgresBinaryCopy.appendNumeric(
                    negative: d.negative, pointPosition: d.pointPosition, firstSignificant: d.firstSignificant,
                    lastSignificant: d.lastSignificant, displayScale: d.scale, digit: { d.digit($0, in: b) }, to: &general)
                return (fast, general)
            }
        }
        var texts = ["146.91", "0.05", "10000", "-10000.0001", "007", "0.0001", "12345678.87654321", "-0.5", "1.50",
                     "999999999999999999.9999999999999999", "100000000.00000001", "0.0000000000000001", "5", "-0.0"]
        // Zeros are likely, so zero groups at either end are common.
        var numbers = SeededNumbers(seed: 0x2545_F491_4F6C_DD1D)
        for _ in 0..<3000 { texts.append(numbers.decimalText(maxIntDigits: 18, maxFracDigits: 16, moreZeros: true)) }
        for text in texts {
            let (fast, general) = both(text)
            #expect(fast == general, "\(text)")
        }
    }

    @Test func binaryFraming() {
        var out: [UInt8] = []
        PostgresBinaryCopy.appendHeader(to: &out)
        #expect(out == Array("PGCOPY\n".utf8) + [0xFF, 0x0D, 0x0A, 0] + [0, 0, 0, 0] + [0, 0, 0, 0])
        out.removeAll()
        PostgresBinaryCopy.appendTupleStart(fieldCount: 3, to: &out)
        PostgresBinaryCopy.appendTrailer(to: &out)
        #expect(out == [0, 3, 0xFF, 0xFF])
        out.removeAll()
        CopyEncoder.appendTextFieldSeparator(to: &out)
        CopyEncoder.appendTextRowEnd(to: &out)
        #expect(out == [0x09, 0x0A])
    }

    @Test func date1904System() throws {
        let e = CopyEncoder(dateSystem: .excel1904)
        var out: [UInt8] = []
        try e.appendText(.number("0", .date), as: .date, to: &out)
        #expect(String(decoding: out, as: UTF8.self) == "1904-01-01")
    }
}
