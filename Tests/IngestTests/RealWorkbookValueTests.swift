import Catalog
import Testing
@testable import Ingest
@testable import XLSXReader

/// Issue 14 ("Real workbooks"): values as Excel shows them (15 significant
/// digits, time-of-day formats) and a sheet of one row, as values.
@Suite("Real workbooks: values")
struct RealWorkbookValueTests {
    let encoder = CopyEncoder()

    private func n(_ t: String, _ k: NumberKind = .plain) -> CellValue { .number(t, k) }

    private func infer(_ values: [CellValue]) -> ColumnTypeInference {
        var inference = ColumnTypeInference()
        for v in values { inference.observe(v) }
        return inference
    }

    private func text(_ v: CellValue, _ t: ColumnType) throws -> String {
        var out: [UInt8] = []
        try encoder.appendText(v, as: t, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// The binary field of `v` as `t` equals the binary field of `expected`.
    private func binaryEqual(_ v: CellValue, _ expected: CellValue, _ t: ColumnType) throws -> Bool {
        var a: [UInt8] = []
        var b: [UInt8] = []
        try encoder.appendBinary(v, as: t, to: &a)
        try encoder.appendBinary(expected, as: t, to: &b)
        return a == b
    }

    // MARK: 15 significant digits

    @Test func numbersBeyondFifteenDigitsAreStoredRoundedAndCounted() throws {
        let column = infer([n("84.73999999999999"), n("0.30000000000000004"), n("1.5"), n("12345678901234567")])
        #expect(column.inferredType == .numeric)
        #expect(column.roundedCount == 3)
        #expect(try text(n("84.73999999999999"), .numeric) == "84.74")
        #expect(try text(n("960.9400000000001"), .text) == "960.94")
        #expect(try text(n("0.30000000000000004"), .doublePrecision) == "0.3")
        #expect(try text(n("12345678901234567"), .bigint) == "12345678901234600")
        #expect(try binaryEqual(n("84.73999999999999"), n("84.74"), .numeric))
        #expect(try binaryEqual(n("84.73999999999999"), n("84.74"), .doublePrecision))
        #expect(try binaryEqual(n("960.9400000000001"), n("960.94"), .text))
        #expect(try binaryEqual(n("3.0000000000000004"), n("3"), .bigint))
        #expect(encoder.displayText(n("0.30000000000000004")) == "0.3")
        // Up to 15 significant digits: exact, as written.
        #expect(try text(n("0.123456789012345"), .numeric) == "0.123456789012345")
        #expect(infer([n("0.123456789012345"), n("1.50")]).roundedCount == 0)
    }

    @Test func theVoteIsTheRoundedValues() {
        // 1.9999999999999999 is 2 at Excel's precision: an integer.
        #expect(infer([n("1.9999999999999999"), n("3")]).inferredType == .bigint)
        #expect(infer([n("1.23456789012345678E3")]).inferredType == .doublePrecision)
    }

    @Test func datesAndDurationsKeepTheirSerialsExact() {
        #expect(infer([n("43831.000001423611", .dateTime), n("2.000011574074074", .duration)]).roundedCount == 0)
    }

    @Test func theHotPathRoundsAndCountsAlike() throws {
        for type in [ColumnType.numeric, .doublePrecision, .text] {
            var one = ColumnTypeInference()
            var out: [UInt8] = []
            try one.observe(n("84.73999999999999"), appendingBinaryAs: type, with: encoder, to: &out)
            var expected: [UInt8] = []
            try encoder.appendBinary(n("84.74"), as: type, to: &expected)
            #expect(out == expected)
            #expect(one.roundedCount == 1)
            #expect(one == infer([n("84.73999999999999")]))
        }
        // A raw row's cell (the ingest's own path) is counted too.
        let raw = RawRow(Row(number: 2, cells: [(0, n("0.30000000000000004")), (1, n("7"))]))
        var columns = [ColumnTypeInference(), ColumnTypeInference()]
        BinaryRowEncoder.observe(raw, into: &columns)
        #expect(columns.map(\.roundedCount) == [1, 0])
    }

    // MARK: Time-of-day formats

    @Test func timeOfDaySerialsOfOneOrMoreAreDateTimes() throws {
        #expect(infer([n("1.5", .time)]).inferredType == .timestamp)
        #expect(try text(n("1.5", .time), .timestamp) == "1900-01-01 12:00:00")
        #expect(try text(n("45366.5732638889", .time), .timestamp).hasPrefix("2024-03-15 13:45:30"))
        #expect(try text(n("1.5", .time), .text) == "1900-01-01 12:00:00")
        // Values in [0, 1) are times of day, as before.
        #expect(infer([n("0.5", .time), n("0.25", .time)]).inferredType == .interval)
        #expect(try text(n("0.5", .time), .interval) == "12:00:00")
        // A time of day never lands as an interval of a whole serial.
        #expect(throws: CopyEncodingError.self) { try text(n("1.5", .time), .interval) }
        // A column mixing both: timestamps, the times of day on 1899-12-31.
        let mixed = infer([n("0.5", .time), n("1.5", .time)])
        #expect(mixed.inferredType == .timestamp)
        #expect(mixed.kindsSeen.names == ["dateTime", "timeOfDay"])
        #expect(try text(n("0.5", .time), .timestamp) == "1899-12-31 12:00:00")
        #expect(infer([n("0.5", .time), n("45366.25", .dateTime)]).inferredType == .timestamp)
        #expect(infer([n("0.5", .time), n("45366", .date)]).inferredType == .text)   // a date column with a stray time
        // Durations beside times of day are intervals; beside date-times, text.
        #expect(infer([n("0.5", .time), n("30.5", .duration)]).inferredType == .interval)
        #expect(infer([n("1.5", .time), n("30.5", .duration)]).inferredType == .text)
    }

    @Test func negativeTimeOfDaySerialsStayNumbers() throws {
        #expect(infer([n("-0.5", .time)]).inferredType == .numeric)
        #expect(infer([n("-1", .time), n("2")]).inferredType == .bigint)
        #expect(try text(n("-0.5", .time), .text) == "-0.5")
        #expect(infer([n("-0.5", .duration)]).inferredType == .interval)   // elapsed: a negative interval
    }

    // MARK: A sheet of one row

    @Test func aSingleRowIsDataUnderLetterNames() throws {
        let sheet = SheetInfo(name: "Cover", index: 0, visibility: .visible, partName: "xl/worksheets/sheet1.xml")
        var builder = SheetPlan.Builder(sheet: sheet, dataset: DatasetRef(name: "book"), file: "book.xlsx", dateSystem: .excel1900)
        let observed = builder.observe(RawRow(Row(number: 3, cells: [(1, .text("Quarterly report")), (3, n("2024"))])))
        #expect(!observed)   // the first row: a header, until no other row comes
        let plan = try #require(try builder.plan())
        #expect(!plan.hasHeader)
        #expect(plan.headerRow == 3)
        #expect(plan.names == ["B", "C", "D"])
        #expect(plan.types == [.text, .text, .bigint])
        #expect(plan.dataRowCount == 1)
        #expect(plan.columns.map(\.nonNull) == [1, 0, 1])
        #expect(plan.columns.map(\.nulls) == [0, 1, 0])
        #expect(plan.notes.count == 1 && plan.notes[0].contains("no header"))
    }

    @Test func roundedNumbersAreNotedOnTheVersion() throws {
        let sheet = SheetInfo(name: "S", index: 0, visibility: .visible, partName: "xl/worksheets/sheet1.xml")
        var builder = SheetPlan.Builder(sheet: sheet, dataset: DatasetRef(name: "book"), file: "book.xlsx", dateSystem: .excel1900)
        builder.observe(RawRow(Row(number: 1, cells: [(0, .text("price")), (1, .text("qty"))])))
        builder.observe(RawRow(Row(number: 2, cells: [(0, n("84.73999999999999")), (1, n("1"))])))
        builder.observe(RawRow(Row(number: 3, cells: [(0, n("960.9400000000001")), (1, n("2"))])))
        let plan = try #require(try builder.plan())
        #expect(plan.hasHeader)
        #expect(plan.columns.map(\.rounded) == [2, 0])
        #expect(plan.notes == ["2 numbers written with more than 15 significant digits rounded to 15, Excel's precision (price 2)"])
    }
}
