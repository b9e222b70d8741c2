import Catalog
import Foundation
import Ingest
import Postgres
import Testing
import XLSXReader
import XLSXWriter

/// Workbooks from several producers, ingested and checked cell by cell in
/// the database (types too). Rows are read in physical order: each table is
/// fresh and filled by one COPY, so a sequential scan returns COPY order.
@Suite("Ingest: producers, cell by cell")
struct ProducerIngestTests {
    typealias S = IngestTestSupport

    @Test func xlsxWriterTypes() async throws {
        try await S.withCatalog { connection, catalog in
            let versions = try await S.ingestFile(S.fixture("xlsxwriter_types.xlsx"), catalog: catalog)
            // Hidden and very hidden sheets are not datasets.
            #expect(versions.map(\.dataset.name) == ["xlsxwriter_types:Data", "xlsxwriter_types:Dates"])
            #expect(versions.map(\.version) == [1, 1])

            let types = try await S.columnTypes("xlsxwriter_types:Data", catalog: catalog, on: connection)
            #expect(types.map(\.name) == ["id", "name", "price", "small", "flag", "formula", "error", "text formula"])
            #expect(types.map(\.type) == ["text", "text", "numeric", "numeric", "boolean", "bigint", "text", "text"])
            let rows = try await S.rows("xlsxwriter_types:Data", catalog: catalog, on: connection)
            let expected: [[String?]] = [
                ["1", "Alpha", "0.1", "0.001", "true", "2", "#N/A", "xAlpha"],
                ["2", "Beta rich", "0", "123456789012", "false", nil, nil, nil],  // #DIV/0! is NULL in bigint
                ["merged", nil, nil, nil, nil, nil, nil, nil],  // merged A5:C6: value in the top-left cell only
                ["  spaced  ", nil, nil, nil, nil, nil, nil, nil],
                ["line1\nline2", nil, nil, nil, nil, nil, nil, nil],
                ["under_x0041_score", nil, nil, nil, nil, nil, nil, nil],
                [nil, "42", nil, nil, nil, nil, nil, nil],  // style-only rows are not rows
            ]
            #expect(rows == expected)

            // Error cells are counted per column, NULL or not.
            let formula = try #require(versions[0].columns.first { $0.name == "formula" })
            #expect(formula.errors == 1 && formula.nonNull == 1 && formula.nulls == 5)
            let error = try #require(versions[0].columns.first { $0.name == "error" })
            #expect(error.errors == 1 && error.type == "text")

            // Mixed dates, durations and plain numbers: a text column, nothing lost.
            let dates = try await S.rows("xlsxwriter_types:Dates", catalog: catalog, on: connection)
            #expect(dates.count == 22)
            #expect(dates.first { $0[0] == "general" }?[1] == "45366.5732638889")
            #expect(dates.first { $0[0] == "iso" }?[1]?.hasPrefix("2024-03-15 13:45:30") == true)
            #expect(dates.first { $0[0] == "elapsed" }?[1]?.hasPrefix("1088797:45:30") == true)
            #expect(dates[dates.count - 2] == ["-5", nil])  // a negative serial under a date format stays a number
            #expect(dates.last == ["2024-03-15 13:45:30", nil])
        }
    }

    @Test func openpyxlTypes() async throws {
        try await S.withCatalog { connection, catalog in
            let versions = try await S.ingestFile(S.fixture("openpyxl_types.xlsx"), catalog: catalog)
            #expect(versions.map(\.dataset.name) == ["openpyxl_types:People", "openpyxl_types:Durations"])
            let types = try await S.columnTypes("openpyxl_types:People", catalog: catalog, on: connection)
            #expect(types.map(\.name) == ["name", "age", "joined", "active", "score", "note"])
            // joined mixes dates, a date-time and a time of day: text.
            #expect(types.map(\.type) == ["text", "bigint", "text", "boolean", "double precision", "text"])
            let rows = try await S.rows("openpyxl_types:People", catalog: catalog, on: connection)
            // The two lone labels under the table, after a blank row, are
            // footnotes: left out, and recorded on the version.
            try #require(rows.count == 3)
            #expect(versions[0].notes.contains("sheet \"People\": header at row 1; skipped 2 footnote rows below"))
            #expect(versions[0].notes.contains { $0.hasSuffix("(footnote): after gap") })
            #expect(rows[0] == ["Ann", "34", "2020-05-17", "true", "1.5", nil])
            #expect(rows[1][0] == "Bob" && rows[1][1] == "41" && rows[1][3] == "false" && rows[1][4] == "-2.25" && rows[1][5] == "ok")
            // 2021-06-01 08:30 as a float serial: within a millisecond.
            let bob = try await connection.query(
                "SELECT abs(extract(epoch FROM (joined::timestamp - timestamp '2021-06-01 08:30'))) < 0.001 FROM \(catalog.schemas.dataRelation("openpyxl_types:People")) WHERE name = 'Bob'",
                purpose: "bob")
            #expect(try bob[0][0, as: Bool.self])
            #expect(rows[2] == ["Cé", nil, "07:15:00", nil, "1e+20", "#N/A"])
            let note = try #require(versions[0].columns.first { $0.name == "note" })
            #expect(note.errors == 1)

            // A first row of no text (1.5 under [h]:mm:ss) is not a header:
            // it is data, and the column is named by its letter.
            let durations = try await S.rows("openpyxl_types:Durations", catalog: catalog, on: connection)
            #expect(durations == [["36:00:00"], ["06:00:00"], ["2023-03-15"]])
            #expect(try await S.columnTypes("openpyxl_types:Durations", catalog: catalog, on: connection).map(\.name) == ["A"])
        }
    }

    @Test func libreOffice() async throws {
        try await S.withCatalog { connection, catalog in
            let versions = try await S.ingestFile(S.fixture("libreoffice.xlsx"), catalog: catalog)
            #expect(versions.map(\.dataset.name) == ["libreoffice:People", "libreoffice:Durations"])
            let types = try await S.columnTypes("libreoffice:People", catalog: catalog, on: connection)
            // Blank header cells get the spreadsheet column's letter.
            #expect(types.map(\.name) == ["name", "age", "joined", "active", "score", "note", "column_G", "column_H", "column_I"])
            #expect(types.map(\.type) == ["text", "bigint", "text", "boolean", "double precision", "text", "bigint", "bigint", "text"])
            let rows = try await S.rows("libreoffice:People", catalog: catalog, on: connection)
            // LibreOffice computed the formulas: =B2*2, =B2+B3, =1/0.
            #expect(rows[0] == ["Ann", "34", "2020-05-17", "true", "1.5", nil, "68", "75", "#DIV/0!"])
            #expect(rows[2] == ["Cé", nil, "07:15:00", nil, "1e+20", "#N/A", nil, nil, nil])
            #expect(rows.count == 3)   // two lone labels after a blank row: footnotes, noted on the version
            #expect(versions[0].notes.contains { $0.hasSuffix("skipped 2 footnote rows below") })
        }
    }

    @Test func ourOwnWriterEveryCell() async throws {
        let dir = try S.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/orders.xlsx"
        let count = 2_000
        try SampleWorkbook.write(rows: count, to: path, seed: 7, constantMemory: false)
        try await S.withCatalog { connection, catalog in
            let versions = try await S.ingestFile(path, catalog: catalog)
            #expect(versions.map(\.dataset.name) == ["orders"])
            #expect(versions[0].rowCount == count)
            let types = try await S.columnTypes("orders", catalog: catalog, on: connection)
            #expect(types.map(\.name) == SampleWorkbook.columns.map(\.name))
            let expectedTypes = SampleWorkbook.columns.map { column -> String in
                switch column.kind {
                case .integer: "bigint"
                case .decimal2: "numeric"
                case .date: "date"
                case .dateTime: "timestamp without time zone"
                case .boolean: "boolean"
                case .text: "text"
                }
            }
            #expect(types.map(\.type) == expectedTypes)
            let rows = try await S.rows("orders", catalog: catalog, on: connection, orderBy: "row_id")
            var expected = SampleWorkbook.Rows(count: count, seed: 7)
            var mismatches: [String] = []
            for (r, row) in rows.enumerated() {
                guard let values = expected.next() else { break }
                for (c, value) in values.enumerated() where !Self.matches(row[c], value) {
                    mismatches.append("row \(r + 2) column \(SampleWorkbook.columns[c].name): \(row[c] ?? "NULL") ≠ \(Self.text(value) ?? "NULL")")
                }
            }
            #expect(mismatches.isEmpty, "\(mismatches.prefix(10))")
        }
    }

    /// Whether the database's text is the generated value. libxlsxwriter
    /// writes doubles with 16 significant digits (`9.640000000000001`), which
    /// the reader keeps exactly as written, and a date-time serial carries
    /// sub-millisecond noise: cents compare after rounding, date-times to the
    /// millisecond; everything else exactly.
    static func matches(_ actual: String?, _ value: SampleWorkbook.Value) -> Bool {
        let expected = text(value)
        if actual == expected { return true }
        guard let actual, let expected else { return false }
        switch value {
        case .cents(let c):
            return Decimal(string: actual).map { NSDecimalNumber(decimal: $0 * 100).doubleValue.rounded() == Double(c) } ?? false
        case .dateTime:
            return abs(seconds(actual) - seconds(expected)) < 0.001
        default:
            return false
        }
    }

    /// `YYYY-MM-DD HH:MM:SS[.ffffff]` as seconds since 1970 (UTC).
    static func seconds(_ text: String) -> Double {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
        let whole = formatter.date(from: String(text.prefix(19)))?.timeIntervalSince1970 ?? .nan
        return whole + (Double("0" + text.dropFirst(19)) ?? 0)
    }

    /// PostgreSQL's text for a generated value.
    static func text(_ value: SampleWorkbook.Value) -> String? {
        func pad(_ n: Int64, _ width: Int) -> String {
            let s = String(n)
            return String(repeating: "0", count: max(0, width - s.count)) + s
        }
        switch value {
        case .blank: return nil
        case .integer(let v): return String(v)
        case .cents(let c):
            var s = "\(c / 100).\(pad(c % 100, 2))"
            while s.hasSuffix("0") { s.removeLast() }
            if s.hasSuffix(".") { s.removeLast() }
            return s
        case .date(let y, let m, let d): return "\(pad(Int64(y), 4))-\(pad(Int64(m), 2))-\(pad(Int64(d), 2))"
        case .dateTime(let ts):
            let (y, m, d) = ExcelDate.civil(daysSince2000: ts.daysSince2000)
            let s = ts.microsecondOfDay / 1_000_000
            return "\(pad(Int64(y), 4))-\(pad(Int64(m), 2))-\(pad(Int64(d), 2)) \(pad(s / 3600, 2)):\(pad(s / 60 % 60, 2)):\(pad(s % 60, 2))"
        case .boolean(let b): return b ? "true" : "false"
        case .text(let t): return t
        }
    }
}
