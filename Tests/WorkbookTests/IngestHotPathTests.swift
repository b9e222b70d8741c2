import Foundation
import Testing
@testable import Workbook

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
}
