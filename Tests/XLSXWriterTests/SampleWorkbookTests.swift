import Foundation
import Testing
import TestSupport
import XLSXWriter

@Suite("Sample workbook")
struct SampleWorkbookTests {
    @Test func rowsAreDeterministicAndRealistic() {
        let a = Array(SampleWorkbook.Rows(count: 2000, seed: 7))
        let b = Array(SampleWorkbook.Rows(count: 2000, seed: 7))
        let c = Array(SampleWorkbook.Rows(count: 2000, seed: 8))
        #expect(a == b)
        #expect(a != c)
        #expect(a.allSatisfy { $0.count == 20 })
        #expect(a.enumerated().allSatisfy { i, row in row[0] == .integer(Int64(i + 1)) })
        // About 5% blanks in the other columns.
        let blanks = a.reduce(0) { $0 + $1.dropFirst().filter { $0 == .blank }.count }
        let ratio = Double(blanks) / Double(2000 * 19)
        #expect(ratio > 0.04 && ratio < 0.06)
        // 12 categories, some non-ASCII and CJK text.
        let categories = Set(a.compactMap { if case .text(let s) = $0[5] { s } else { nil } })
        #expect(categories.count == 12)
        #expect(a.contains { if case .text(let s) = $0[16] { s.unicodeScalars.contains { $0.value >= 0x3000 } } else { false } })
        for row in a {
            if case .cents(let q) = row[8] { #expect((0...30).contains(q)) }
            if case .date(let y, _, _) = row[10] { #expect((2020...2024).contains(y)) }
        }
    }

    @Test func writeErrorsNameThePath() async throws {
        let error = await #expect(throws: XLSXWriterError.self) {
            try await SampleWorkbook.writeDetached(rows: 10, to: "/nonexistent-\(UUID().uuidString)/s.xlsx")
        }
        #expect(error?.code == .closing)
    }

    @Test(arguments: [true, false])
    func writtenWorkbookReadsBackCellByCell(constantMemory: Bool) throws {
        let dir = try TIProcess.temporaryDirectory("sample")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("orders.xlsx").path
        let count = 300
        try SampleWorkbook.write(rows: count, to: path, seed: 42, constantMemory: constantMemory)
        // Inline strings in constant-memory mode, a shared-strings table otherwise.
        let parts = try TIProcess.run("python3", ["-c", "import zipfile,sys; print('\\n'.join(zipfile.ZipFile(sys.argv[1]).namelist()))", path])
        #expect(parts.contains("xl/sharedStrings.xml") == !constantMemory)

        let book = try TIOpenpyxl.dump(path)
        let sheet = try #require(book[SampleWorkbook.sheetName])
        #expect(sheet["max_row"] as? Int == count + 1)
        #expect(sheet["max_column"] as? Int == 20)
        #expect(sheet["freeze"] as? String == "A2")
        let rows = TIOpenpyxl.rows(sheet)
        #expect(rows[0].map { $0?[1] as? String } == SampleWorkbook.columns.map(\.name))
        #expect(rows[0].allSatisfy { $0?[3] as? Bool == true })

        let expected = Array(SampleWorkbook.Rows(count: count, seed: 42))
        for (r, row) in expected.enumerated() {
            let actual = rows[r + 1]
            for (c, value) in row.enumerated() {
                let cell = c < actual.count ? actual[c] : nil
                let where_ = "row \(r + 2) column \(SampleWorkbook.columns[c].name)"
                switch value {
                case .blank:
                    #expect(cell == nil, "\(where_)")
                case .integer(let v):
                    #expect(cell?[0] as? String == "int", "\(where_)")
                    #expect((cell?[1] as? Int).map(Int64.init) == v, "\(where_)")
                case .cents(let v):
                    #expect(["float", "int"].contains(cell?[0] as? String), "\(where_)")
                    #expect((cell?[1] as? Double).map { Int64(($0 * 100).rounded()) } == v, "\(where_)")
                    #expect(cell?[2] as? String == SampleWorkbook.decimalFormat, "\(where_)")
                case .date(let y, let m, let d):
                    #expect(cell?[0] as? String == "datetime", "\(where_)")
                    #expect(cell?[1] as? String == String(format: "%04d-%02d-%02d 00:00:00", y, m, d), "\(where_)")
                    #expect(cell?[2] as? String == SampleWorkbook.dateFormat, "\(where_)")
                case .dateTime(let ts):
                    let (y, m, d) = ts.calendarDate
                    #expect(cell?[0] as? String == "datetime", "\(where_)")
                    #expect(cell?[1] as? String == String(format: "%04d-%02d-%02d %02d:%02d:%02d", y, m, d, ts.hour, ts.minute, ts.second), "\(where_)")
                case .boolean(let v):
                    #expect(cell?[0] as? String == "bool", "\(where_)")
                    #expect(cell?[1] as? Bool == v, "\(where_)")
                case .text(let s):
                    #expect(cell?[0] as? String == "str", "\(where_)")
                    #expect(cell?[1] as? String == s, "\(where_)")
                }
            }
        }
    }

    @Test func zeroRowsIsJustTheHeader() async throws {
        let dir = try TIProcess.temporaryDirectory("sample-empty")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("empty.xlsx").path
        try await SampleWorkbook.writeDetached(rows: 0, to: path, seed: 1)
        let sheet = try #require(try TIOpenpyxl.dump(path)[SampleWorkbook.sheetName])
        #expect(sheet["max_row"] as? Int == 1)
    }
}
