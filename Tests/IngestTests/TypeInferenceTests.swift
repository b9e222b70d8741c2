import Testing
@testable import Ingest
@testable import XLSXReader

@Suite("Type inference")
struct TypeInferenceTests {
    private func infer(_ values: [CellValue]) -> ColumnTypeInference {
        var inference = ColumnTypeInference()
        for v in values { inference.observe(v) }
        return inference
    }

    private func type(_ values: [CellValue]) -> ColumnType { infer(values).inferredType }
    private func n(_ t: String, _ k: NumberKind = .plain) -> CellValue { .number(t, k) }

    @Test func kindNamesAndCodable() throws {
        let i = infer([n("1"), n("1.5"), .text("x"), .error("#N/A")])
        #expect(i.kindsSeen.names == ["integer", "decimal", "text"])
        #expect(ColumnType(sqlName: "double precision") == .doublePrecision)
        #expect(ColumnType(sqlName: "float") == nil)
        #expect(ColumnType.allCases.allSatisfy { ColumnType(sqlName: $0.sqlName) == $0 })
    }

    @Test func sqlNames() {
        #expect(ColumnType.allCases.map(\.sqlName) == [
            "bigint", "numeric", "double precision", "date", "timestamp", "interval", "boolean", "text",
        ])
    }

    @Test func blanksAreNullAndDoNotVote() {
        let i = infer([.empty, n("1"), .empty, n("2")])
        #expect(i.inferredType == .bigint)
        #expect(i.nullCount == 2)
        #expect(i.nonNullCount == 2)
        #expect(i.cellCount == 4)
        #expect(type([.empty, .empty]) == .text)
        #expect(type([]) == .text)
    }

    @Test func integersThatFitInt64AreBigint() {
        #expect(type([n("1"), n("-0"), n("007"), n("+5"), n("0")]) == .bigint)
        #expect(type([n("999999999999999"), n("-999999999999999")]) == .bigint)
        // Beyond 15 significant digits the rounded value votes: Int64.max is
        // 9223372036854780000 at Excel's precision, beyond Int64.
        #expect(type([n("9223372036854775807")]) == .numeric)
        #expect(type([n("9223372036854770000")]) == .bigint)   // 15 significant digits: exact
        #expect(infer([n("42")]).kindsSeen == .integer)
    }

    @Test func integersBeyondInt64AreNumeric() {
        #expect(type([n("9223372036854775808")]) == .numeric)
        #expect(type([n("1"), n("-9223372036854775809")]) == .numeric)
        #expect(type([n("12345678901234567890123456789012345678")]) == .numeric)  // 38 digits
    }

    @Test func exponentNotationIsDouble() {
        #expect(type([n("1E3")]) == .doublePrecision)
        #expect(type([n("1e-3")]) == .doublePrecision)
        #expect(type([n("1"), n("2.5"), n("1.0000000000000001E-3")]) == .doublePrecision)
    }

    @Test func positionalDecimalsAreNumeric() {
        #expect(type([n("0.1")]) == .numeric)
        #expect(type([n("1"), n("2.50"), n("-0.5")]) == .numeric)
        #expect(type([n("5.0")]) == .numeric)  // written with a point
        #expect(type([n("0.30000000000000004")]) == .numeric)
        #expect(type([n("0.000000000000000000000000000000000000000001")]) == .numeric)  // 1 significant digit
    }

    @Test func tooManyDigitsIsDouble() {
        // 39 digits after the point: rounded to 15 first (1.23456789012346), numeric.
        #expect(type([n("1.23456789012345678901234567890123456789")]) == .numeric)
        #expect(type([n("123456789012345678901234567890123456789")]) == .doublePrecision)
        #expect(type([n("1000000000000000000000000000000000000000")]) == .doublePrecision)  // 40 digits written
    }

    @Test func numericAndDoubleMixIsDouble() {
        #expect(type([n("0.1"), n("1E-5")]) == .doublePrecision)
        #expect(type([n("7"), n("1E-5")]) == .doublePrecision)
    }

    @Test func notANumberIsText() {
        #expect(type([n("abc")]) == .text)
        #expect(type([n("1,5")]) == .text)
        #expect(type([n("")]) == .text)
        #expect(type([n("NaN")]) == .text)
        #expect(type([n(" 1")]) == .text)
        #expect(type([n("1E")]) == .text)
        #expect(type([n(".")]) == .text)
    }

    @Test func wholeDaySerialsAreDates() {
        #expect(type([n("43831", .date), n("43832", .date), .empty]) == .date)
        #expect(type([n("0", .date)]) == .date)
        #expect(type([n("2958465", .date)]) == .date)  // 9999-12-31
    }

    @Test func timesOfDayUnderDateFormatsAreTimestamps() {
        #expect(type([n("43831", .date), n("43831.5", .date)]) == .timestamp)
        #expect(type([n("43831", .dateTime)]) == .timestamp)
        #expect(type([n("43831", .date), n("43831.25", .dateTime)]) == .timestamp)
        #expect(infer([n("43831.5", .date)]).kindsSeen == .dateTime)
    }

    @Test func negativeOrHugeSerialsAreNumbers() {
        #expect(type([n("-5", .date)]) == .bigint)
        #expect(type([n("-5.5", .dateTime)]) == .numeric)
        #expect(type([n("2958466", .date)]) == .bigint)
        #expect(type([n("-0", .date)]) == .date)  // -0 is zero, not negative
        // A date column with one negative serial mixes dates and numbers: text.
        #expect(type([n("43831", .date), n("-1", .date)]) == .text)
        #expect(type([n("43831", .date), n("12")]) == .text)
    }

    @Test func durationsAndTimesAreIntervals() {
        #expect(type([n("1.5", .duration), n("0.25", .time), n("-0.5", .duration)]) == .interval)
        #expect(type([n("0.5", .time)]) == .interval)
        #expect(type([n("1.5", .duration), n("43831", .date)]) == .text)
        #expect(type([n("1.5", .duration), n("3")]) == .text)
        #expect(type([n("200000000", .duration)]) == .bigint)  // too long for an interval: a number
    }

    @Test func booleans() {
        #expect(type([.boolean(true), .boolean(false), .empty]) == .boolean)
        #expect(type([.boolean(true), n("1")]) == .text)
        #expect(type([.boolean(true), .text("yes")]) == .text)
    }

    @Test func textWins() {
        #expect(type([.text("007"), .text("008")]) == .text)  // leading zeros typed as text
        #expect(type([n("1"), .text("x")]) == .text)
        #expect(type([n("43831", .date), .text("tbd")]) == .text)
        #expect(type([.text("a")]) == .text)
    }

    @Test func errorCellsAreCountedAndDoNotVote() {
        let i = infer([n("1"), .error("#N/A"), n("2"), .error("#DIV/0!"), .empty])
        #expect(i.inferredType == .bigint)
        #expect(i.errorCount == 2)
        #expect(i.nonNullCount == 2)
        #expect(i.nullCount == 1)
        let onlyErrors = infer([.error("#N/A")])
        #expect(onlyErrors.inferredType == .text)
        #expect(onlyErrors.errorCount == 1)
        #expect(infer([.text("x"), .error("#REF!")]).errorCount == 1)
    }

    @Test func everyPairOfKindsResolves() {
        let samples: [(ColumnTypeInference.ValueKinds, CellValue)] = [
            (.integer, n("1")), (.decimal, n("1.5")), (.float, n("1E5")), (.date, n("43831", .date)),
            (.dateTime, n("43831.5", .dateTime)), (.interval, n("0.5", .duration)), (.boolean, .boolean(true)),
            (.text, .text("x")),
        ]
        let compatible: [ColumnTypeInference.ValueKinds: ColumnType] = [
            [.integer, .decimal]: .numeric, [.integer, .float]: .doublePrecision, [.decimal, .float]: .doublePrecision,
            [.date, .dateTime]: .timestamp,
        ]
        for (k1, v1) in samples {
            for (k2, v2) in samples where k1.rawValue < k2.rawValue {
                let expected = compatible[k1.union(k2)] ?? .text
                #expect(type([v1, v2]) == expected, "\(v1) + \(v2)")
                #expect(type([v2, v1]) == expected, "order must not matter")
            }
        }
    }

    @Test func mergeCombinesParts() {
        var a = infer([n("1"), .empty])
        let b = infer([n("2.5"), .error("#N/A")])
        a.merge(b)
        #expect(a.inferredType == .numeric)
        #expect(a == infer([n("1"), .empty, n("2.5"), .error("#N/A")]))
        #expect(a.kindsSeen == [.integer, .decimal])
        a.observeBlanks(3)
        #expect(a.nullCount == 4)
    }
}

/// CSV's `true` / `false`, any case, and nothing else.
@Test func csvBooleanWordsInAnyCase() {
    for (text, expected) in [("true", true), ("TRUE", true), ("True", true), ("tRuE", true), ("false", false), ("FALSE", false),
                             ("False", false)] {
        #expect(CSVReader.typed(text) == .boolean(expected), "\(text)")
    }
    for text in ["truth", "tru", "yes", "t", "0", "falsey", "trUe ", "Tr\u{FC}e", "TRUE\u{0}"] {
        #expect(CSVReader.typed(text) != .boolean(true) && CSVReader.typed(text) != .boolean(false), "\(text)")
    }
}

/// CSV written the continental way: decimal commas, dots between
/// thousands, day.month.year dates.
@Test func continentalNumbersAndDates() {
    #expect(CSVReader.continentalNumber(Array("1.234,56".utf8)) == "1234.56")
    #expect(CSVReader.continentalNumber(Array("-0,5".utf8)) == "-0.5")
    #expect(CSVReader.continentalNumber(Array("1.234.567".utf8)) == "1234567")
    for notOne in ["1.23", "12", "007", "1,2,3", "12.34,5,", "1.2345,6", ",5", "1,"] {
        #expect(CSVReader.continentalNumber(Array(notOne.utf8)) == nil, "\(notOne)")
    }
    #expect(CSVReader.typed("3,50", decimalComma: true) == .number("3.50", .plain))
    #expect(CSVReader.typed("3.50", decimalComma: true) == .text("3.50"))
    #expect(CSVReader.typed("3.50") == .number("3.50", .plain))
    #expect(CSVReader.typed("31.12.2024", decimalComma: true) == .number("45657", .date))
    #expect(CSVReader.typed("31.02.2024", decimalComma: true) == .text("31.02.2024"))
    #expect(CSVReader.detectDecimalComma(Array("a;b\nx;1,5\ny;2,25\n".utf8), delimiter: 0x3B))
    #expect(!CSVReader.detectDecimalComma(Array("a;b\nx;1.5\ny;2.25\n".utf8), delimiter: 0x3B))
    #expect(CSVReader.detectDelimiter(Array("Report title\na;b;c\n1;2;3\n4;5;6\n".utf8)) == 0x3B)
}
