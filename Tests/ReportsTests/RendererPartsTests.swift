import Postgres
@testable import Reports
import Testing

@Suite struct RendererPartsTests {
    func decode(_ text: String) -> [String?] {
        var fields: [String?] = []
        var bytes = Array(text.utf8)
        bytes.withUnsafeMutableBytes { PostgresCopyReader().decode(UnsafeRawBufferPointer($0), into: &fields) }
        return fields
    }

    @Test func copyTextRows() {
        #expect(decode("1\tabc\t\\N\n") == ["1", "abc", nil])
        #expect(decode("a\\tb\tline\\nnext\\\\\t\\r\n") == ["a\tb", "line\nnext\\", "\r"])
        #expect(decode("\\101\\x42\tZürich\t\n") == ["AB", "Zürich", ""])
        #expect(decode("") == [""])
        #expect(decode("\\N") == [nil])
    }

    @Test func excelSerials() {
        #expect(CellValues.excelSerial("1900-03-01", withTime: false) == 61)
        #expect(CellValues.excelSerial("2024-01-31", withTime: false) == 45322)
        #expect(CellValues.excelSerial("2024-01-31 12:00:00", withTime: true) == 45322.5)
        #expect(CellValues.excelSerial("2024-01-31 00:00:00.25", withTime: true) == 45322 + 0.25 / 86400)
        #expect(CellValues.excelSerial("1899-12-31", withTime: false) == nil) // before Excel's calendar
        #expect(CellValues.excelSerial("infinity", withTime: false) == nil)
        #expect(CellValues.excelSerial("2024-01-31 BC", withTime: false) == nil)
        #expect(CellValues.excelSerial("12024-01-31", withTime: false) == nil)
    }

    @Test func exactNumbers() {
        #expect(CellValues.exactDouble("1234.50") == 1234.5)
        #expect(CellValues.exactDouble("-0.05") == -0.05)
        #expect(CellValues.exactDouble("123456789012345") == 123456789012345)
        #expect(CellValues.exactDouble("1234567890123456") == nil) // 16 digits: kept as text
        #expect(CellValues.exactDouble("0.000000000000000001") == 1e-18)
        #expect(CellValues.exactDouble("NaN") == nil)
        #expect(CellValues.exactInteger("9007199254740992") == 9007199254740992)
        #expect(CellValues.exactInteger("9007199254740993") == nil)
        #expect(CellValues.numberFormat(.numeric(scale: 2)) == "#,##0.00")
        #expect(CellValues.numberFormat(.numeric(scale: 0)) == "#,##0")
        #expect(CellValues.numberFormat(.date) == "yyyy-mm-dd")
    }

    @Test func narrowTablesFitOneBandStretchedToThePage() {
        let layout = PDFReportLayout(pageWidth: 842, pageHeight: 595, fontSize: 7,
                                     natural: [30, 100, 60], minimum: [20, 40, 40])
        #expect(layout.bands.count == 1)
        #expect(layout.bands[0].columns == [0, 1, 2])
        #expect(abs(layout.bands[0].widths.reduce(0, +) - layout.usableWidth) < 0.001)
        #expect(layout.pageCount(rows: 0) == 1)
        #expect(layout.pageCount(rows: layout.rowsPerPage) == 1)
        #expect(layout.pageCount(rows: layout.rowsPerPage + 1) == 2)
    }

    @Test func wideTablesSplitIntoBandsRepeatingTheKey() {
        // 12 columns of 100pt on a 539pt-wide usable area.
        let layout = PDFReportLayout(pageWidth: 595, pageHeight: 842, fontSize: 7,
                                     natural: Array(repeating: 100, count: 12), minimum: Array(repeating: 30, count: 12))
        #expect(layout.bands.count > 1)
        #expect(layout.bands[0].columns.first == 0)
        for band in layout.bands.dropFirst() { #expect(band.columns.first == 0) }
        let covered = layout.bands.flatMap { $0.columns.dropFirst() } + [0]
        #expect(Set(covered) == Set(0..<12))
        #expect(covered.count == 12) // every column once (plus the repeated key)
        for band in layout.bands { #expect(band.widths.reduce(0, +) <= layout.usableWidth + 0.001) }
        #expect(layout.pageCount(rows: layout.rowsPerPage * 2) == 2 * layout.bands.count)
    }

    @Test func aSingleHugeColumnIsCapped() {
        let layout = PDFReportLayout(pageWidth: 595, pageHeight: 842, fontSize: 7,
                                     natural: [40, 5000], minimum: [20, 40])
        #expect(layout.bands.count == 1)
        #expect(layout.bands[0].widths.reduce(0, +) <= layout.usableWidth + 0.001)
    }
}
