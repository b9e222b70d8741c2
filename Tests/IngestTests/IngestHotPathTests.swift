import Foundation
import Testing
@testable import Ingest
import Postgres
@testable import XLSXReader
import TestSupport
import XLSXWriter

/// The reader and encoder paths the ingest uses for speed give exactly what
/// the plain paths give.
@Suite("Ingest hot path")
struct IngestHotPathTests {
    static let values: [CellValue] = [
        .empty, .error("#N/A"), .text("abc"), .text(""), .boolean(true), .boolean(false),
        .number("42", .plain), .number("-7", .plain), .number("3.14", .plain), .number("1.50", .plain),
        .number("1E-3", .plain), .number("99999999999999999999", .plain), .number("0", .plain),
        .number("45000", .date), .number("45000.5", .dateTime), .number("45000.5", .date),
        .number("0.25", .time), .number("1.5", .duration), .number("abc", .plain), .number("", .plain),
    ]

    /// `observe(_:appendingBinaryAs:with:to:)` (one number parse) records
    /// and appends what `observe` and `appendBinary` do, and throws when
    /// they throw — for every value against every column type.
    @Test(arguments: ColumnType.allCases)
    func observeAndEncodeMatchesTheTwoSteps(type: ColumnType) {
        let encoder = CopyEncoder()
        for value in Self.values {
            var separate = ColumnTypeInference()
            separate.observe(value)
            var expected: [UInt8] = [9]
            var expectedError: CopyEncodingError? = nil
            do { try encoder.appendBinary(value, as: type, to: &expected) } catch { expectedError = error }

            var combined = ColumnTypeInference()
            var got: [UInt8] = [9]
            var gotError: CopyEncodingError? = nil
            do { try combined.observe(value, appendingBinaryAs: type, with: encoder, to: &got) } catch { gotError = error }

            #expect(combined == separate, "\(value) as \(type)")
            #expect(gotError?.code == expectedError?.code, "\(value) as \(type)")
            if expectedError == nil { #expect(got == expected, "\(value) as \(type)") }
        }
    }

    /// The sheet is inflated on a prefetch thread: stopping early (throwing
    /// from the row callback) stops and joins it, so the same reader can
    /// read the sheet again and gets every row.
    @Test func stoppingEarlyThenRereading() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("hotpath-\(UUID().uuidString).xlsx").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try SampleWorkbook.write(rows: 3000, to: path)
        // Small chunks, so the ring is full and the producer mid-entry when stopped.
        let reader = try WorkbookReader(path: path, limits: .default, chunkSize: 4096)
        let sheet = try #require(reader.sheets.first)
        struct Stop: Error {}
        var seen = 0
        #expect(throws: Stop.self) {
            try reader.readRows(of: sheet) { _ in
                seen += 1
                if seen == 10 { throw Stop() }
            }
        }
        #expect(seen == 10)
        var rows = 0
        var last = 0
        try reader.readRows(of: sheet) { row in
            rows += 1
            last = row.number
        }
        #expect(rows == 3001)  // header + data rows
        #expect(last == 3001)
    }

    /// The raw rows the ingest reads (cells as bytes and shared-string
    /// numbers) hold exactly the values of the public rows, and record and
    /// encode exactly as those values do — for every fixture, in memory
    /// and with the shared strings spilled, for every column type.
    @Test(arguments: [false, true])
    func rawRowsReadRecordAndEncodeAsTheirValues(spilled: Bool) throws {
        let names = ["xlsxwriter_types.xlsx", "openpyxl_types.xlsx", "libreoffice.xlsx", "utf16.xlsx", "prefixed.xlsx",
                     "strict.xlsx", "no_r.xlsx", "out_of_order.xlsx", "sparse.xlsx", "escapes.xlsx", "styles.xlsx",
                     "xlsxwriter_inline.xlsx", "xlsxwriter_1904.xlsx"]
        let encoder = CopyEncoder()
        var cells = 0
        var spills = 0
        for name in names {
            var limits = ReaderLimits()
            if spilled { limits.sharedStringMemoryBytes = 16 }
            let reader = try WorkbookReader(path: WorkbookFixtures.path(name), limits: limits, chunkSize: spilled ? 61 : 256 << 10,
                                            sharedStringBlockSize: 61)
            let (_, expected) = try WorkbookFixtures.readAll(name)
            for sheet in reader.sheets {
                var rows: [Row] = []
                try reader.readRawRows(of: sheet) { raw in
                    rows.append(raw.materialized())
                    for formatted in raw.cells {
                        cells += 1
                        let value = raw.value(formatted)
                        // A value carries no number format: compare the cell as General,
                        // and check the cell's own format is what its column votes for.
                        var voted = ColumnTypeInference()
                        voted.observe(formatted, in: raw)
                        #expect(voted.formatSlot == (formatted.type == .number ? formatted.format : 0))
                        var cell = formatted
                        cell.format = 0
                        var fromValue = ColumnTypeInference(), fromCell = ColumnTypeInference()
                        fromValue.observe(value)
                        fromCell.observe(cell, in: raw)
                        #expect(fromCell == fromValue, "\(name) \(value)")
                        for type in ColumnType.allCases {
                            var want: [UInt8] = [], got: [UInt8] = []
                            var wantError: CopyEncodingError? = nil, gotError: CopyEncodingError? = nil
                            var wantInference = ColumnTypeInference(), gotInference = ColumnTypeInference()
                            do throws(CopyEncodingError) { try wantInference.observe(value, appendingBinaryAs: type, with: encoder, to: &want) } catch { wantError = error }
                            do throws(CopyEncodingError) { try gotInference.observe(cell, in: raw, appendingBinaryAs: type, with: encoder, to: &got) } catch { gotError = error }
                            #expect(got == want && gotError == wantError && gotInference == wantInference, "\(name) \(value) as \(type)")
                        }
                    }
                }
                let want = try #require(expected[sheet.name])
                #expect(rows.map(\.number) == want.map(\.number), "\(name) \(sheet.name)")
                #expect(rows.map { $0.cells.map(\.column) } == want.map { $0.cells.map(\.column) }, "\(name) \(sheet.name)")
                #expect(rows.map { $0.cells.map(\.value) } == want.map { $0.cells.map(\.value) }, "\(name) \(sheet.name)")
            }
            if reader.sharedStringsSpilled { spills += 1 }
        }
        #expect(cells > 100)
        #expect(spilled ? spills >= 4 : spills == 0)
    }

    /// A row of values made raw (the CSV reader's path) encodes as the
    /// values do, one tuple per row, through the row encoder; a row whose
    /// cell doesn't fit its column throws naming that column and appends
    /// nothing, and `observeAndEncode` then still records every cell.
    @Test(arguments: ColumnType.allCases)
    func rowEncoderMatchesTheValues(type: ColumnType) {
        let encoder = CopyEncoder()
        let values = Self.values.filter { $0 != .empty }
        var row = Row(number: 2, cells: [])
        for (i, value) in values.enumerated() { row.cells.append((3 + 2 * i, value)) }
        let raw = RawRow(row)
        #expect(raw.materialized().cells.map(\.value) == values)
        let columns = 2 * values.count + 1
        let rows = BinaryRowEncoder(firstColumn: 2, types: Array(repeating: type, count: columns), encoder: encoder)
        #expect(rows.fits(raw))
        #expect(!BinaryRowEncoder(firstColumn: 4, types: [type], encoder: encoder).fits(raw))

        var want: [UInt8] = [7]
        PostgresBinaryCopy.appendTupleStart(fieldCount: columns, to: &want)
        var wantInference = [ColumnTypeInference](repeating: ColumnTypeInference(), count: 2 + columns)
        var firstFailure: Int? = nil
        var next = 0
        for i in 0..<columns {
            if next < row.cells.count && row.cells[next].column == 2 + i {
                let value = row.cells[next].value
                wantInference[2 + i].observe(value)
                do { try encoder.appendBinary(value, as: type, to: &want) } catch { if firstFailure == nil { firstFailure = i } }
                next += 1
            } else {
                PostgresBinaryCopy.appendNull(to: &want)
            }
        }
        var got: [UInt8] = [7]
        var gotFailure: Int? = nil
        do throws(BinaryRowEncoder.CellError) { try rows.encode(raw, to: &got) } catch { gotFailure = error.index }
        var inference = [ColumnTypeInference](repeating: ColumnTypeInference(), count: 2 + columns)
        var combined: [UInt8] = [7]
        let fitted = rows.observeAndEncode(raw, into: &inference, to: &combined)
        #expect(gotFailure == firstFailure)
        #expect(fitted == (firstFailure == nil))
        #expect(inference == wantInference)
        if firstFailure == nil {
            #expect(got == want)
            #expect(combined == want)
        } else {
            #expect(got == [7])
            #expect(combined == [7])
        }
    }

    /// A shared-strings part declared larger than the memory budget is
    /// spilled while it is parsed (buffering 1 MiB at a time) and reads the
    /// same strings as in memory.
    @Test func sharedStringsDeclaredLargerThanTheBudgetSpillWhileParsed() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("spill-\(UUID().uuidString).xlsx").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try SampleWorkbook.write(rows: 30000, to: path, constantMemory: false)
        let normal = try WorkbookReader(path: path)
        var limits = ReaderLimits()
        limits.sharedStringMemoryBytes = SharedStrings.spillWriteBytes + 1
        let small = try WorkbookReader(path: path, limits: limits)
        #expect(!normal.sharedStringsSpilled)
        #expect(small.sharedStringsSpilled)
        let sheet = try #require(normal.sheets.first)
        var want: [[CellValue]] = [], got: [[CellValue]] = []
        try normal.readRows(of: sheet) { want.append($0.cells.map(\.value)) }
        try small.readRows(of: sheet) { got.append($0.cells.map(\.value)) }
        #expect(want.count == 30001)
        #expect(got == want)
    }
}
