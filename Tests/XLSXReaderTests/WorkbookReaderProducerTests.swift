import Testing
@testable import XLSXReader
import TestSupport

/// Workbooks written by XlsxWriter, openpyxl and LibreOffice, checked cell by cell.
@Suite struct WorkbookReaderProducerTests {
    @Test func xlsxWriterValues() throws {
        let (reader, sheets) = try WorkbookFixtures.readAll("xlsxwriter_types.xlsx")
        #expect(reader.sheets.map(\.name) == ["Data", "Dates", "Hidden", "VeryHidden"])
        #expect(reader.sheets.map(\.visibility) == [.visible, .visible, .hidden, .veryHidden])
        #expect(reader.sheets.map(\.index) == [0, 1, 2, 3])
        #expect(reader.date1904 == false)
        let rows = try #require(sheets["Data"])
        #expect(rows.row(1)?.cells.map(\.value) == ["id", "name", "price", "small", "flag", "formula", "error", "text formula"].map { .text($0) })
        #expect(rows["A2"] == .number("1", .plain))
        #expect(rows["B2"] == .text("Alpha"))
        #expect(rows["C2"] == .number("0.1", .plain))
        #expect(rows["D2"] == .number("0.001", .plain))
        #expect(rows["E2"] == .boolean(true))
        #expect(rows["F2"] == .number("2", .plain))          // formula: the cached value
        #expect(rows["G2"] == .error("#N/A"))
        #expect(rows["H2"] == .text("xAlpha"))                // t="str" formula result
        #expect(rows["B3"] == .text("Beta rich"))             // rich-text runs joined
        #expect(rows["C3"] == .number("-0", .plain))
        #expect(rows["D3"] == .number("123456789012", .plain))
        #expect(rows["E3"] == .boolean(false))
        #expect(rows["F3"] == .error("#DIV/0!"))
        // Merged A5:C6: the value is in the top-left cell only.
        #expect(rows.row(5)?.cells.count == 1)
        #expect(rows["A5"] == .text("merged"))
        #expect(rows.row(6) == nil)
        #expect(rows["A7"] == .text("  spaced  "))
        #expect(rows["A8"] == .text("line1\nline2"))
        #expect(rows["A9"] == .text("under_x0041_score"))  // written as _x005F_x0041_
        // Style-only row 10 and style-only cell A11 are skipped.
        #expect(rows.map(\.number) == [1, 2, 3, 5, 7, 8, 9, 12])
        #expect(rows.row(12)?.cells.map(\.column) == [1])
        #expect(rows["B12"] == .number("42", .plain))
        #expect(sheets["Hidden"]?["A1"] == .text("secret"))
        #expect(sheets["VeryHidden"]?["A1"] == .text("more secret"))
    }

    @Test func xlsxWriterDateFormats() throws {
        let (_, sheets) = try WorkbookFixtures.readAll("xlsxwriter_types.xlsx")
        let rows = try #require(sheets["Dates"])
        let expected: [String: NumberKind] = [
            "id14": .date, "id15": .date, "id16": .date, "id17": .date,
            "id18": .time, "id19": .time, "id20": .time, "id21": .time,
            "id22": .dateTime, "id45": .time, "id46": .duration, "id47": .time,
            "iso": .date, "elapsed": .duration, "dmy hm": .dateTime, "mmss": .time,
            "quoted": .plain, "red": .plain, "locale": .date, "general": .plain, "percent": .plain,
        ]
        var seen = 0
        for row in rows {
            guard case .text(let label) = row[0], let kind = expected[label] else { continue }
            #expect(row[1] == .number("45366.5732638889", kind), "\(label)")
            seen += 1
        }
        #expect(seen == expected.count)
        // A negative serial under a date format is still read as written;
        // the date conversion decides what to do with it.
        #expect(rows["A22"] == .number("-5", .date))
        #expect(rows["A23"] == .number("45366.57326388889", .dateTime))
    }

    @Test func xlsxWriterInlineStrings() throws {
        let (reader, sheets) = try WorkbookFixtures.readAll("xlsxwriter_inline.xlsx")
        #expect(reader.sharedStringCount == 0)
        let rows = try #require(sheets["Inline"])
        #expect(rows["A1"] == .text("a"))
        #expect(rows["B1"] == .text("b & <c>"))
        #expect(rows["C1"] == .text("é ü 日本 😀"))
        #expect(rows["A2"] == .number("1", .plain))
        #expect(rows["B2"] == .number("2.5", .plain))
        #expect(rows["C2"] == .text("x"))
    }

    /// The sheet's `<dimension ref="A1:H12">` is heard before the first row (for progress), once.
    @Test func dimensionBeforeTheRows() throws {
        let reader = try WorkbookFixtures.open("xlsxwriter_types.xlsx")
        let sheet = try #require(reader.sheet(named: "Data"))
        var heard: [Int] = []
        var rowsBefore = -1
        var rows = 0
        try reader.readRawRows(of: sheet, dimension: { heard.append($0); rowsBefore = rows }) { _ in rows += 1 }
        #expect(heard == [12])
        #expect(rowsBefore == 0)
        #expect(rows > 0)
    }

    @Test func date1904Workbook() throws {
        let (reader, sheets) = try WorkbookFixtures.readAll("xlsxwriter_1904.xlsx")
        #expect(reader.date1904)
        #expect(sheets["D"]?["A1"] == .number("43904", .date))  // 2024-03-15 in the 1904 system (45366 - 1462)
    }

    @Test func headerOnlySheet() throws {
        let (_, sheets) = try WorkbookFixtures.readAll("header_only.xlsx")
        let rows = try #require(sheets["Only"])
        #expect(rows.count == 1)
        #expect(rows.first?.cells.map(\.value) == [.text("id"), .text("name"), .text("amount")])
    }

    @Test func openpyxlValues() throws {
        let (reader, sheets) = try WorkbookFixtures.readAll("openpyxl_types.xlsx")
        #expect(reader.sheets.map(\.name) == ["People", "Hidden", "VeryHidden", "Durations"])
        #expect(reader.sheets.map(\.visibility) == [.visible, .hidden, .veryHidden, .visible])
        let rows = try #require(sheets["People"])
        #expect(rows["A2"] == .text("Ann"))
        #expect(rows["B2"] == .number("34", .plain))
        #expect(rows["C2"] == .number("43968", .date))
        #expect(rows["D2"] == .boolean(true))
        #expect(rows["E2"] == .number("1.5", .plain))
        #expect(rows["F2"] == .empty)
        #expect(rows["G2"] == .empty)   // a formula without a cached value
        #expect(rows["C3"] == .number("44348.35416666666", .dateTime))
        #expect(rows["D3"] == .boolean(false))
        #expect(rows["E3"] == .number("-2.25", .plain))
        #expect(rows["A4"] == .text("Cé"))
        #expect(rows["C4"] == .number("0.3020833333333333", .time))
        #expect(rows["E4"] == .number("1e+20", .plain))
        #expect(rows["F4"] == .error("#N/A"))
        #expect(rows["A6"] == .text("after gap"))
        #expect(rows["A8"] == .text("merged"))
        #expect(rows.map(\.number) == [1, 2, 3, 4, 6, 8])
        let durations = try #require(sheets["Durations"])
        #expect(durations["A1"] == .number("1.5", .duration))
        #expect(durations["A2"] == .number("0.25", .time))
        #expect(durations["A3"] == .number("45000", .date))
    }

    @Test func libreOfficeValues() throws {
        let (reader, sheets) = try WorkbookFixtures.readAll("libreoffice.xlsx")
        #expect(reader.sheets.map(\.name) == ["People", "Hidden", "VeryHidden", "Durations"])
        // LibreOffice has no "very hidden": it writes state="hidden".
        #expect(reader.sheets.map(\.visibility) == [.visible, .hidden, .hidden, .visible])
        let rows = try #require(sheets["People"])
        #expect(rows.row(1)?.cells.map(\.value) == ["name", "age", "joined", "active", "score", "note"].map { .text($0) })
        #expect(rows["A2"] == .text("Ann"))
        #expect(rows["C2"] == .number("43968", .date))
        #expect(rows["D2"] == .boolean(true))
        #expect(rows["G2"] == .number("68", .plain))    // LibreOffice computed the formula
        #expect(rows["H2"] == .number("75", .plain))
        #expect(rows["I2"] == .error("#DIV/0!"))
        #expect(rows["C3"] == .number("44348.3541666667", .dateTime))
        #expect(rows["C4"] == .number("0.302083333333333", .time))
        #expect(rows["E4"] == .number("1E+020", .plain))
        #expect(rows["F4"] == .error("#N/A"))
        #expect(rows["A8"] == .text("merged"))
        #expect(rows.row(9) == nil)     // only styled (merged) cells
        let durations = try #require(sheets["Durations"])
        #expect(durations["A1"] == .number("1.5", .duration))
        #expect(durations["A3"] == .number("45000", .date))
    }
}
