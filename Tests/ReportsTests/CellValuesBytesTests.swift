import Postgres
@testable import Reports
import Testing

/// The byte-level checks the XLSX row path uses to decide "number as its
/// own text" versus "keep as a string", on PostgreSQL's text output.
@Suite struct CellValuesBytesTests {
    func check(_ text: String, _ body: (UnsafeRawBufferPointer) -> Bool) -> Bool {
        Array(text.utf8).withUnsafeBytes(body)
    }

    @Test func integersUpToTwoToThe53AreNumbers() {
        #expect(check("0", CellValues.isExactInteger))
        #expect(check("-42", CellValues.isExactInteger))
        #expect(check("9007199254740992", CellValues.isExactInteger))   // 2^53
        #expect(!check("9007199254740993", CellValues.isExactInteger))  // 2^53 + 1: text
        #expect(!check("12345678901234567", CellValues.isExactInteger))
        #expect(!check("-", CellValues.isExactInteger))
        #expect(!check("", CellValues.isExactInteger))
    }

    @Test func decimalsWithFifteenSignificantDigitsAreNumbers() {
        #expect(check("1234.50", CellValues.isExactDecimal))
        #expect(check("-0.05", CellValues.isExactDecimal))
        #expect(check("0.000000000000000001", CellValues.isExactDecimal))
        #expect(!check("1234567890123456", CellValues.isExactDecimal))
        #expect(!check("NaN", CellValues.isExactDecimal))
        #expect(!check(".", CellValues.isExactDecimal))
    }

    @Test func finiteDoublesAreNumbers() {
        #expect(check("0.30000000000000004", CellValues.isFiniteDouble))
        #expect(check("1e-05", CellValues.isFiniteDouble))
        #expect(check("-1.5e+300", CellValues.isFiniteDouble))
        #expect(!check("Infinity", CellValues.isFiniteDouble))
        #expect(!check("-Infinity", CellValues.isFiniteDouble))
        #expect(!check("NaN", CellValues.isFiniteDouble))
    }

    @Test func datesBecomeWholeDaySerials() {
        #expect(Array("2024-01-31".utf8).withUnsafeBytes(CellValues.excelDay) == 45322)
        #expect(Array("1900-03-01".utf8).withUnsafeBytes(CellValues.excelDay) == 61)
        #expect(Array("1900-02-28".utf8).withUnsafeBytes(CellValues.excelDay) == nil)
        #expect(Array("2024-01-31 BC".utf8).withUnsafeBytes(CellValues.excelDay) == nil)
        #expect(Array("infinity".utf8).withUnsafeBytes(CellValues.excelDay) == nil)
        #expect(CellValues.excelSerial("2024-01-31 12:00:00 BC", withTime: true) == nil)
    }

    @Test func escapedFieldsAreDecoded() {
        var out: [UInt8] = []
        Array(#"a\tb\\c\nd\001"#.utf8).withUnsafeBytes { PostgresCopyReader().unescape($0, into: &out) }
        #expect(out == Array("a\tb\\c\nd\u{1}".utf8))
    }
}
