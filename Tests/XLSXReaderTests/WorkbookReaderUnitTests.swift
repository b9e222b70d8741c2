import Testing
@testable import XLSXReader
import Basics
import TestSupport

/// Pure pieces of the reader, tested without files.
@Suite struct WorkbookReaderUnitTests {
    @Test(arguments: [
        ("General", NumberKind.plain), ("0.00", .plain), ("#,##0", .plain), ("0.00E+00", .plain), ("0%", .plain),
        ("yyyy-mm-dd", .date), ("d-mmm-yy", .date), ("mmm yyyy", .date), ("mmmm", .date), ("[$-409]mmmm d, yyyy", .date),
        ("h:mm", .time), ("hh:mm:ss", .time), ("mm:ss", .time), ("h:mm AM/PM", .time), ("[$-F400]h:mm:ss AM/PM", .time),
        ("m/d/yy h:mm", .dateTime), ("dd/mm/yyyy hh:mm", .dateTime), ("yyyy-mm-dd\\Thh:mm:ss", .dateTime),
        ("[h]:mm", .duration), ("[h]:mm:ss", .duration), ("[mm]:ss", .duration), ("[ss]", .duration),
        ("0.00\" days\"", .plain), ("\"y\"0", .plain), ("\\d0", .plain), ("[Red]0.00", .plain),
        ("[Red][<0]0.0;0.0", .plain), ("0;[Red]yyyy", .plain), ("_(* #,##0_)", .plain),
    ])
    func formatCodes(code: String, kind: NumberKind) {
        #expect(NumberFormats.classify(code) == kind, "\(code)")
    }

    @Test func builtInFormats() {
        #expect((14...17).allSatisfy { NumberFormats.builtIn($0) == .date })
        #expect((18...21).allSatisfy { NumberFormats.builtIn($0) == .time })
        #expect(NumberFormats.builtIn(22) == .dateTime)
        #expect(NumberFormats.builtIn(45) == .time)
        #expect(NumberFormats.builtIn(46) == .duration)
        #expect(NumberFormats.builtIn(47) == .time)
        #expect([0, 1, 2, 9, 10, 11, 12, 13, 37, 44, 48, 49].allSatisfy { NumberFormats.builtIn($0) == .plain })
    }

    @Test(arguments: [
        ("SUM(C2:C99)", 2, true), ("sum(c2:c99)", 2, true), ("=SUM($C$2:$C$99)", 2, true), ("SUM(C:C)", 2, true),
        ("SUBTOTAL(9,C2:C99)", 2, true), ("SUBTOTAL(109, Data!C2:C99)", 2, true), ("_xlfn.AGGREGATE(9,4,'My data'!AB2:AB9)", 27, true),
        ("SUM(B7:D7)", 4, false), ("SUM(C2:C99)", 3, false), ("AVERAGE(C2:C99)", 2, false), ("SUM(Table1[Amount])", 2, false),
        ("SUMIF(C2:C9,\">0\")", 2, false), ("SUM(C2:C9)*2", 2, true), ("", 0, false), ("SUM(", 0, false), ("SUM(ABCD1)", 0, false),
    ])
    func columnTotalFormulas(formula: String, column: Int, total: Bool) {
        #expect(ColumnTotalFormula.isTotal(Array(formula.utf8), column: column) == total, "\(formula) in column \(column)")
    }

    private func decoded(_ s: String) -> String {
        var bytes = Array(s.utf8)
        XMLEscapes.decodeUnderscoreEscapes(&bytes, from: 0)
        return String(decoding: bytes, as: UTF8.self)
    }

    @Test func underscoreEscapes() {
        #expect(decoded("a_x000D_b") == "a\rb")
        #expect(decoded("_x005F_x0041_") == "_x0041_")
        #expect(decoded("_xD83D__xDE00_") == "😀")
        #expect(decoded("_xd83d__xde00_") == "😀")
        #expect(decoded("_xD83D_x") == "\u{FFFD}x")           // lone high surrogate
        #expect(decoded("_xDE00_") == "\u{FFFD}")
        #expect(decoded("_x00E9_t_x00e9_") == "été")
        #expect(decoded("_x004_ _xZZZZ_ x0041_ _x0041") == "_x004_ _xZZZZ_ x0041_ _x0041")
        #expect(decoded("plain_text") == "plain_text")
    }

    @Test func entities() {
        func entity(_ s: String) -> UInt32? {
            let bytes = Array(s.utf8)
            return bytes.withUnsafeBufferPointer { XMLEscapes.entity($0) }
        }
        #expect(entity("amp") == 0x26)
        #expect(entity("lt") == 0x3C)
        #expect(entity("gt") == 0x3E)
        #expect(entity("quot") == 0x22)
        #expect(entity("apos") == 0x27)
        #expect(entity("#65") == 65)
        #expect(entity("#x1F600") == 0x1F600)
        #expect(entity("#X41") == 0x41)
        #expect(entity("#0") == nil)
        #expect(entity("#xD800") == nil)
        #expect(entity("#x110000") == nil)
        #expect(entity("nbsp") == nil)
        #expect(entity("e") == nil)
    }

    @Test func isoDates() {
        #expect(ISODate.serial("1900-01-01", date1904: false)! == ("1", .date))
        #expect(ISODate.serial("1900-02-28", date1904: false)! == ("59", .date))
        #expect(ISODate.serial("1900-03-01", date1904: false)! == ("61", .date))
        #expect(ISODate.serial("2024-03-15", date1904: false)! == ("45366", .date))
        #expect(ISODate.serial("2024-03-15", date1904: true)! == ("43904", .date))
        #expect(ISODate.serial("2024-03-15T06:00:00Z", date1904: false)! == ("45366.25", .dateTime))
        #expect(ISODate.serial("12:00:00", date1904: false)! == ("0.5", .time))
        #expect(ISODate.serial("2024-13-01", date1904: false) == nil)
        #expect(ISODate.serial("yesterday", date1904: false) == nil)
    }

    @Test func cellReferences() {
        #expect(CellReference.columnName(0) == "A")
        #expect(CellReference.columnName(25) == "Z")
        #expect(CellReference.columnName(26) == "AA")
        #expect(CellReference.columnName(16383) == "XFD")
        #expect(CellReference.name(column: 1, row: 7) == "B7")
    }

    @Test func partResolution() {
        #expect(PackageParts.resolve("worksheets/sheet1.xml", from: "xl/workbook.xml") == "xl/worksheets/sheet1.xml")
        #expect(PackageParts.resolve("/xl/styles.xml", from: "xl/workbook.xml") == "xl/styles.xml")
        #expect(PackageParts.resolve("../xl/./a.xml", from: "xl/workbook.xml") == "xl/a.xml")
        #expect(PackageParts.resolve("xl\\workbook.xml", from: "") == "xl/workbook.xml")
        #expect(PackageParts.relationshipsPart(of: "xl/workbook.xml") == "xl/_rels/workbook.xml.rels")
        #expect(ZipArchive.normalise("\\XL\\Worksheets\\Sheet1.XML") == "xl/worksheets/sheet1.xml")
    }

    @Test func rowSubscript() {
        let row = Row(number: 3, cells: [(0, .text("a")), (5, .boolean(true)), (16383, .number("1", .plain))])
        #expect(row[0] == .text("a"))
        #expect(row[1] == .empty)
        #expect(row[5] == .boolean(true))
        #expect(row[16383] == .number("1", .plain))
        #expect(row[20000] == .empty)
    }
}
