import Foundation
import Testing
import Basics
import TestSupport
@testable import XLSXReader

/// Issue 14 ("Real workbooks"): reader defects seen on workbooks from other
/// tools, each reproduced by a workbook made here; and Excel's precision
/// on the digits of a number.
@Suite struct WorkbookReaderRealWorkbookTests {
    private func withDirectory<T>(_ name: String, _ body: (URL) throws -> T) throws -> T {
        try TIProcess.withTemporaryDirectory(name, body)
    }

    private func rows(_ path: String, sheet: Int = 0) throws -> [Row] {
        let reader = try WorkbookReader(path: path)
        var rows: [Row] = []
        try reader.readRows(of: reader.sheets[sheet]) { rows.append($0) }
        return rows
    }

    private func rawRows(_ path: String) throws -> [Row] {
        let reader = try WorkbookReader(path: path)
        var rows: [Row] = []
        try reader.readRawRows(of: reader.sheets[0]) { rows.append($0.materialized()) }
        return rows
    }

    /// Both ways of reading: `Row`s and the ingest's raw rows.
    private var readers: [(String) throws -> [Row]] { [{ try self.rows($0) }, { try self.rawRows($0) }] }

    // MARK: Excel's 15 significant digits, on the written digits

    private func rounded(_ text: String) -> String? {
        Array(text.utf8).withUnsafeBufferPointer { b -> String? in
            guard let d = DecimalText(b), d.exceedsExcelPrecision else { return nil }
            return d.withExcelPrecision(in: b) { _, r in String(decoding: r, as: UTF8.self) }
        }
    }

    @Test(arguments: [
        ("84.73999999999999", "84.74"), ("0.30000000000000004", "0.3"), ("960.9400000000001", "960.94"),
        ("-84.73999999999999", "-84.74"), ("1.9999999999999999", "2"), ("0.99999999999999999", "1"),
        ("9.9999999999999999E5", "1E6"), ("1.2345678901234567E-5", "1.23456789012346E-5"),
        ("123456789012345678E-2", "1.23456789012346E15"), ("-0.00001234567890123456789e+3", "-1.23456789012346E-2"),
        ("12345678901234567", "12345678901234600"), ("99999999999999999", "100000000000000000"),
        ("0.000123456789012345678", "0.000123456789012346"), ("123456789012345.5", "123456789012346"),
        ("123456789012344.5", "123456789012345"),   // half away from zero, not to even
        ("1.00000000000000049", "1"), (".12345678901234567", "0.123456789012346"),
        ("-0.1234567890123455", "-0.123456789012346"),
    ])
    func roundsToFifteenSignificantDigits(text: String, expected: String) {
        #expect(rounded(text) == expected)
    }

    @Test(arguments: ["84.74", "0.1", "123456789012345", "1.23456789012345E-5", "100000000000000000000", "0.000000000000000001", "-0"])
    func fifteenDigitsOrFewerStayExact(text: String) {
        #expect(rounded(text) == nil)
    }

    // MARK: Time-of-day formats

    @Test(arguments: [
        ("h:mm;@", NumberKind.time), ("[$-409]h:mm AM/PM;@", .time), ("mm:ss.0;@", .time), ("H", .time), ("HHMM", .time),
        ("S", .time), ("AM/PM", .time), ("A/P", .time), ("[h]:mm:ss", .duration), ("yyyy-mm-dd h:mm", .dateTime),
    ])
    func timeOfDayFormatCodes(code: String, kind: NumberKind) {
        #expect(NumberFormats.classify(code) == kind)
    }

    @Test func timeOfDaySerials() {
        func reads(_ text: String) -> ExcelDate.TimeSerial {
            Array(text.utf8).withUnsafeBufferPointer { ExcelDate.timeSerial(DecimalText($0)!, in: $0) }
        }
        #expect(reads("0") == .timeOfDay)
        #expect(reads("0.5") == .timeOfDay)
        #expect(reads("0.999999") == .timeOfDay)
        #expect(reads("1") == .dateTime)
        #expect(reads("1.5") == .dateTime)
        #expect(reads("45366.5") == .dateTime)
        #expect(reads("-0.5") == .number)
        #expect(reads("2958466") == .number)
        #expect(ExcelDate.timestamp(serial: "1.5", system: .excel1900) == ExcelTimestamp(year: 1900, month: 1, day: 1, hour: 12))
    }

    // MARK: Repeated row elements

    @Test func consecutiveRowsWithOneNumberAreOneRow() throws {
        try withDirectory("rows") { dir in
            let path = try HandMadeWorkbook.oneSheet(
                #"<row r="1"><c r="A1"><v>1</v></c></row><row r="1"><c r="B1"><v>2</v></c></row>"#
                    + #"<row r="1"><c r="A1"><v>3</v></c></row><row r="1"/>"#
                    + #"<row r="2"><c r="B2"><v>4</v></c></row><row r="2"><c r="A2"><v>5</v></c></row>"#
                    + #"<row r="3"><c r="A3"><v>6</v></c></row><row r="2"><c r="C2"><v>7</v></c></row>"#,
                in: dir)
            for read in readers {
                let got = try read(path)
                // Row 2 coming back after row 3 is an out-of-order row: reported on its own.
                #expect(got.map(\.number) == [1, 2, 3, 2])
                #expect(got[0].cells.map(\.column) == [0, 1])
                #expect(got[0].cells[0].value == .number("3", .plain))   // the later A1 wins
                #expect(got[0].cells[1].value == .number("2", .plain))
                #expect(got[1].cells.map(\.column) == [0, 1])            // merged, sorted
                #expect(got[1].cells.map(\.value) == [.number("5", .plain), .number("4", .plain)])
                #expect(got[3].cells.map(\.value) == [.number("7", .plain)])
            }
        }
    }

    // MARK: Line endings

    @Test func rawLineBreaksInTextAreLineFeeds() throws {
        try withDirectory("crlf") { dir in
            // Raw CR LF and lone CR bytes, as some writers leave them in <t>.
            let shared = #"<?xml version="1.0" encoding="UTF-8"?><sst xmlns="\#(HandMadeWorkbook.main)" count="4" uniqueCount="4">"#
                + "<si><t>a\r\nb</t></si><si><t>c\rd</t></si><si><t>e_x000D_\r\nf</t></si>"
                + "<si><r><t>g\r\n</t></r><r><t>h&#13;&#10;i&amp;\r</t></r></si></sst>"
            let sheet = HandMadeWorkbook.worksheet(
                #"<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="s"><v>2</v></c><c r="D1" t="s"><v>3</v></c>"#
                    + "<c r=\"E1\" t=\"inlineStr\"><is><t>j\r\nk\rl</t></is></c><c r=\"F1\" t=\"str\"><v>m_x000D_\r\nn</v></c>"
                    + "<c r=\"G1\" t=\"str\"><f>X</f><v>o\r\np&amp;</v></c><c r=\"H1\" t=\"inlineStr\"><is><t><![CDATA[q\r\nr]]></t></is></c></row>")
            let path = try HandMadeWorkbook.write([HandMadeWorkbook.Sheet(name: "S", target: "worksheets/sheet1.xml")],
                                                  parts: ["xl/worksheets/sheet1.xml": sheet, "xl/sharedStrings.xml": shared], in: dir)
            for read in readers {
                let values = try read(path)[0].cells.map(\.value)
                #expect(values == [
                    .text("a\nb"), .text("c\nd"), .text("e\r\nf"), .text("g\nh\r\ni&\n"),
                    .text("j\nk\nl"), .text("m\r\nn"), .text("o\np&"), .text("q\nr"),
                ])
            }
        }
    }

    @Test func aRunOfPlainSharedStringsKeepsItsEscapesAndLineBreaks() throws {
        try withDirectory("sst-run") { dir in
            // The reader takes runs of plain items in one loop and checks
            // each text eight bytes at a time for a CR or an `_`: put them
            // in every lane, between plain items and in the tail.
            var items: [(xml: String, text: String)] = []
            for k in 0..<20 {
                let pad = String(repeating: "p", count: k)
                items.append(("plain \(pad)", "plain \(pad)"))
                items.append(("\(pad)_x0041_z", "\(pad)Az"))
                items.append(("\(pad)\r\nz", "\(pad)\nz"))
                items.append(("\(pad)snake_case", "\(pad)snake_case"))
                items.append(("\(pad)\r", "\(pad)\n"))
            }
            let shared = #"<?xml version="1.0" encoding="UTF-8"?><sst xmlns="\#(HandMadeWorkbook.main)">"#
                + items.map { "<si><t>\($0.xml)</t></si>" }.joined() + "</sst>"
            let cells = items.indices.map { #"<c r="\#(CellReference.columnName($0))1" t="s"><v>\#($0)</v></c>"# }.joined()
            let sheet = HandMadeWorkbook.worksheet(#"<row r="1">\#(cells)</row>"#)
            let path = try HandMadeWorkbook.write([HandMadeWorkbook.Sheet(name: "S", target: "worksheets/sheet1.xml")],
                                                  parts: ["xl/worksheets/sheet1.xml": sheet, "xl/sharedStrings.xml": shared], in: dir)
            for read in readers {
                #expect(try read(path)[0].cells.map(\.value) == items.map { .text($0.text) })
            }
        }
    }

    // MARK: Sheets that are not read

    @Test func chartDialogMacroAndUnknownSheetsAreSkippedWithTheirReason() throws {
        try withDirectory("skipped") { dir in
            let r = HandMadeWorkbook.rel
            let data = HandMadeWorkbook.worksheet(#"<row r="1"><c r="A1"><v>1</v></c></row>"#)
            let path = try HandMadeWorkbook.write([
                .init(name: "Chart1", target: "chartsheets/sheet1.xml", type: "\(r)/chartsheet"),
                .init(name: "Dialog1", target: "dialogsheets/sheet1.xml", type: "\(r)/dialogsheet"),
                .init(name: "Macro1", target: "macrosheets/sheet1.xml", type: "http://schemas.microsoft.com/office/2006/relationships/xlMacrosheet"),
                .init(name: "Odd", target: "odd/sheet1.xml", type: "http://example.com/relationships/oddsheet"),
                .init(name: "Weird", target: "worksheets/sheet2.xml", state: "weird"),
                .init(name: "Data", target: "worksheets/sheet1.xml"),
            ], parts: ["xl/worksheets/sheet1.xml": data, "xl/worksheets/sheet2.xml": data,
                       "xl/chartsheets/sheet1.xml": "<chartsheet/>", "xl/dialogsheets/sheet1.xml": "<dialogsheet/>",
                       "xl/macrosheets/sheet1.xml": "<xm:macrosheet xmlns:xm=\"x\"/>", "xl/odd/sheet1.xml": "<odd/>"], in: dir)
            let reader = try WorkbookReader(path: path)
            #expect(reader.sheets.map(\.name) == ["Data"])
            #expect(reader.sheets[0].index == 0)
            #expect(reader.skippedSheets.map(\.name) == ["Chart1", "Dialog1", "Macro1", "Odd", "Weird"])
            #expect(reader.skippedSheets.map(\.reason) == [
                .chartSheet, .dialogSheet, .macroSheet(type: "http://schemas.microsoft.com/office/2006/relationships/xlMacrosheet"),
                .otherType("http://example.com/relationships/oddsheet"), .unknownState("weird"),
            ])
            #expect(reader.skippedSheets[2].description.contains("xlMacrosheet"))
            #expect(!reader.skippedSheets[2].description.contains("missing"))
            #expect(reader.skippedSheets[4].description == #"sheet "Weird" refused: its state "weird" is none of visible, hidden and veryHidden"#)
        }
    }

    @Test func aWorkbookOfOnlySkippedSheetsSaysWhy() throws {
        try withDirectory("only-chart") { dir in
            let path = try HandMadeWorkbook.write(
                [.init(name: "Chart1", target: "chartsheets/sheet1.xml", type: "\(HandMadeWorkbook.rel)/chartsheet")],
                parts: ["xl/chartsheets/sheet1.xml": "<chartsheet/>"], in: dir)
            let error = try #require(WorkbookFixtures.error { _ = try WorkbookReader(path: path) })
            #expect(error.code == .noSheets)
            #expect(error.message.contains(#"sheet "Chart1" skipped: a chart sheet"#), "\(error)")
        }
    }
}
