import Foundation
import Testing
import Ingest
import Postgres
import TestSupport
import XLSXReader

/// COPY text and COPY binary of the same encoded rows into a real
/// PostgreSQL server, read back through `psql`.
@Suite("COPY encoding against PostgreSQL")
struct CopyEncodingPostgresTests {
    static var databaseURL: String {
        TestDatabaseURL.value
    }

    private func psql(_ command: String) throws -> String {
        try TIProcess.run("psql", [Self.databaseURL, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-At", "-c", command])
    }

    static let columns: [(String, ColumnType)] = [
        ("i", .bigint), ("n", .numeric), ("d", .doublePrecision), ("dt", .date), ("ts", .timestamp),
        ("iv", .interval), ("b", .boolean), ("tx", .text),
    ]

    /// Rows of cells and the `::text` PostgreSQL must give back for each.
    static let rows: [([CellValue], [String?])] = [
        ([.number("42", .plain), .number("0.1", .plain), .number("0.1", .plain), .number("43831", .date),
          .number("43831.5", .dateTime), .number("1.5", .duration), .boolean(true), .text("plain")],
         ["42", "0.1", "0.1", "2020-01-01", "2020-01-01 12:00:00", "36:00:00", "true", "plain"]),
        ([.number("-0", .plain), .number("-0.5", .plain), .number("1E-3", .plain), .number("1", .date),
          .number("61", .date), .number("-0.25", .duration), .boolean(false), .text("tab\there\nnew\\back\rcr")],
         ["0", "-0.5", "0.001", "1900-01-01", "1900-03-01 00:00:00", "-06:00:00", "false", "tab\there\nnew\\back\rcr"]),
        ([.number("9223372036854770000", .plain), .number("12345.6789", .plain), .number("1E+20", .plain), .number("59", .date),
          .number("60", .date), .number("0.000011574074074074073", .duration), .empty, .error("#N/A")],
         ["9223372036854770000", "12345.6789", "1e+20", "1900-02-28", "1900-03-01 00:00:00", "00:00:01", nil, "#N/A"]),
        ([.number("-9223372036854770000", .plain), .number("1E-20", .plain), .number("-2.5", .plain), .error("#REF!"),
          .number("43831.99999999999", .dateTime), .empty, .error("#N/A"), .number("007", .plain)],
         ["-9223372036854770000", "0.00000000000000000001", "-2.5", nil, "2020-01-01 23:59:59.999999", nil, nil, "007"]),
        ([.empty, .number("-123456789012345678901234567890.123456789", .plain), .number("0.30000000000000004", .plain), .empty,
          .number("0.5", .dateTime), .number("2.000011574074074", .duration), .boolean(true), .number("43831", .date)],
         // More than 15 significant digits: rounded to 15, Excel's precision.
         [nil, "-123456789012346000000000000000", "0.3", nil, "1899-12-31 12:00:00", "48:00:01", "true", "2020-01-01"]),
        ([.number("007", .plain), .number("1.50", .plain), .number("-1.7976931348623157E308", .plain), .number("2958465", .date),
          .number("43831.000001423611", .dateTime), .number("0.5", .time), .empty, .text("a\u{0}b Zürich 東京 🎉 \\N")],
         ["7", "1.50", "-1.7976931348623157e+308", "9999-12-31", "2020-01-01 00:00:00.123", "12:00:00", nil, "a\u{FFFD}b Zürich 東京 🎉 \\N"]),
        ([.number("100000001", .plain), .number("10000", .plain), .number("5", .plain), .number("0", .date),
          .number("1", .dateTime), .number("100", .duration), .boolean(false), .boolean(false)],
         ["100000001", "10000", "5", "1899-12-31", "1900-01-01 00:00:00", "2400:00:00", "false", "FALSE"]),
        ([.number("1", .plain), .number("-0.00", .plain), .number("4.9E-324", .plain), .number("366", .date),
          .number("43831.1", .date), .number("-1", .duration), .empty, .text("")],
         ["1", "0.00", "5e-324", "1900-12-31", "2020-01-01 02:24:00", "-24:00:00", nil, ""]),
    ]

    @Test func textAndBinaryCopyRoundTrip() throws {
        let schema = "ti_copy_round_trip"
        let dir = try TIProcess.temporaryDirectory("copy")
        defer { try? FileManager.default.removeItem(at: dir) }
        let encoder = CopyEncoder()

        var text: [UInt8] = []
        var binary: [UInt8] = []
        PostgresBinaryCopy.appendHeader(to: &binary)
        for (index, (cells, _)) in Self.rows.enumerated() {
            try encoder.appendText(.number(String(index), .plain), as: .bigint, to: &text)
            PostgresBinaryCopy.appendTupleStart(fieldCount: cells.count + 1, to: &binary)
            try encoder.appendBinary(.number(String(index), .plain), as: .bigint, to: &binary)
            for (cell, (_, type)) in zip(cells, Self.columns) {
                CopyEncoder.appendTextFieldSeparator(to: &text)
                try encoder.appendText(cell, as: type, to: &text)
                try encoder.appendBinary(cell, as: type, to: &binary)
            }
            CopyEncoder.appendTextRowEnd(to: &text)
        }
        PostgresBinaryCopy.appendTrailer(to: &binary)
        let textFile = dir.appendingPathComponent("rows.txt")
        let binaryFile = dir.appendingPathComponent("rows.bin")
        try Data(text).write(to: textFile)
        try Data(binary).write(to: binaryFile)

        let columnList = Self.columns.map { "\($0.0) \($0.1.sqlName)" }.joined(separator: ", ")
        _ = try psql("""
            DROP SCHEMA IF EXISTS \(schema) CASCADE; CREATE SCHEMA \(schema);
            CREATE TABLE \(schema).from_text (ord bigint, \(columnList));
            CREATE TABLE \(schema).from_binary (ord bigint, \(columnList));
            """)
        defer { _ = try? psql("DROP SCHEMA IF EXISTS \(schema) CASCADE") }
        _ = try psql("\\copy \(schema).from_text from '\(textFile.path)'")
        _ = try psql("\\copy \(schema).from_binary from '\(binaryFile.path)' (format binary)")

        let casts = Self.columns.map { "\($0.0)::text" }.joined(separator: ", ")
        for table in ["from_text", "from_binary"] {
            let output = try psql("SELECT json_build_array(\(casts))::text FROM \(schema).\(table) ORDER BY ord")
            let lines = output.split(separator: "\n")
            #expect(lines.count == Self.rows.count, "\(table)")
            for (line, (_, expected)) in zip(lines, Self.rows) {
                let values = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [Any]
                let actual = values.map { $0 as? String }
                #expect(actual == expected, "\(table)")
            }
        }
        // Same rows, bit for bit, through both formats.
        let differences = try psql("""
            SELECT count(*) FROM ((SELECT * FROM \(schema).from_text EXCEPT ALL SELECT * FROM \(schema).from_binary)
                UNION ALL (SELECT * FROM \(schema).from_binary EXCEPT ALL SELECT * FROM \(schema).from_text)) d
            """)
        #expect(differences.trimmingCharacters(in: .whitespacesAndNewlines) == "0")
        // numeric's display scale and sign survive the binary format (row 4's
        // 39 digits, rounded to 15, keep no fraction digit).
        let scales = try psql("SELECT string_agg(scale(n)::text, ',' ORDER BY ord) FROM \(schema).from_binary")
        #expect(scales.trimmingCharacters(in: .whitespacesAndNewlines) == "1,1,4,20,0,2,0,2")
    }

    @Test func inferredColumnsLoad() throws {
        // Infer each column of a small sheet, then COPY BINARY it.
        let schema = "ti_inferred_columns"
        let sheet: [[CellValue]] = [
            [.number("1", .plain), .number("1.25", .plain), .number("44000", .date), .text("x"), .boolean(true)],
            [.number("2", .plain), .number("3", .plain), .number("44001.75", .dateTime), .number("5", .plain), .error("#N/A")],
            [.empty, .empty, .empty, .error("#VALUE!"), .boolean(false)],
        ]
        var inferences = Array(repeating: ColumnTypeInference(), count: 5)
        for row in sheet { for (c, cell) in row.enumerated() { inferences[c].observe(cell) } }
        let types = inferences.map(\.inferredType)
        #expect(types == [.bigint, .numeric, .timestamp, .text, .boolean])

        let encoder = CopyEncoder()
        var binary: [UInt8] = []
        PostgresBinaryCopy.appendHeader(to: &binary)
        for row in sheet {
            PostgresBinaryCopy.appendTupleStart(fieldCount: row.count, to: &binary)
            for (cell, type) in zip(row, types) { try encoder.appendBinary(cell, as: type, to: &binary) }
        }
        PostgresBinaryCopy.appendTrailer(to: &binary)
        let dir = try TIProcess.temporaryDirectory("inferred")
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("rows.bin")
        try Data(binary).write(to: file)
        let names = try ColumnNames.make(header: [.text("id"), .text("Amount"), .text("when"), .empty, .text("ok")])
        let columnList = zip(names, types).map { "\"\($0)\" \($1.sqlName)" }.joined(separator: ", ")
        _ = try psql("DROP SCHEMA IF EXISTS \(schema) CASCADE; CREATE SCHEMA \(schema); CREATE TABLE \(schema).t (\(columnList))")
        defer { _ = try? psql("DROP SCHEMA IF EXISTS \(schema) CASCADE") }
        _ = try psql("\\copy \(schema).t from '\(file.path)' (format binary)")
        let out = try psql("SELECT concat_ws('|', coalesce(id::text, ''), coalesce(\"Amount\"::text, ''), coalesce(\"when\"::text, ''), coalesce(\"column_D\", ''), coalesce(ok::text, '')) FROM \(schema).t ORDER BY id NULLS LAST")
        #expect(out == "1|1.25|2020-06-18 00:00:00|x|true\n2|3|2020-06-19 18:00:00|5|\n|||#VALUE!|false\n")
    }

    @Test func randomNumericsAndDatesAgreeWithPostgres() throws {
        // numeric: our base-10000 binary encoding against PostgreSQL's own
        // parse of the same text, and beyond 15 significant digits our
        // rounding to Excel's precision against PostgreSQL's round() (half
        // away from zero) at 15 significant digits, fraction zeros trimmed;
        // dates: our serial conversion against PostgreSQL's date
        // arithmetic from 1899-12-30.
        let schema = "ti_random_numerics"
        var rng = SystemRandomNumberGenerator()
        func digits(_ n: Int) -> String { String((0..<n).map { _ in Character(String(Int.random(in: 0...9, using: &rng))) }) }
        var numerics: [String] = ["0", "-0", "0.000", "1", "-1", "9999", "10000", "0.0001", "0.00001", "99999999.99999999"]
        for _ in 0..<500 {
            var t = Bool.random(using: &rng) ? "-" : ""
            t += digits(Int.random(in: 1...20, using: &rng))
            if Bool.random(using: &rng) { t += "." + digits(Int.random(in: 0...18, using: &rng)) }
            if Int.random(in: 0..<4, using: &rng) == 0 { t += "E" + String(Int.random(in: -30...30, using: &rng)) }
            numerics.append(t)
        }
        let serials = (0..<300).map { _ in Int.random(in: 61...2_958_465, using: &rng) }

        let encoder = CopyEncoder()
        var binary: [UInt8] = []
        PostgresBinaryCopy.appendHeader(to: &binary)
        var expectedText = ""
        for (i, t) in numerics.enumerated() {
            PostgresBinaryCopy.appendTupleStart(fieldCount: 4, to: &binary)
            try encoder.appendBinary(.number(String(i), .plain), as: .bigint, to: &binary)
            try encoder.appendBinary(.text(t), as: .text, to: &binary)
            try encoder.appendBinary(.number(t, .plain), as: .numeric, to: &binary)
            let serial = serials[i % serials.count]
            try encoder.appendBinary(.number(String(serial), .date), as: .date, to: &binary)
            expectedText += "\(i)\n"
        }
        PostgresBinaryCopy.appendTrailer(to: &binary)
        let dir = try TIProcess.temporaryDirectory("random")
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("rows.bin")
        try Data(binary).write(to: file)
        _ = try psql("DROP SCHEMA IF EXISTS \(schema) CASCADE; CREATE SCHEMA \(schema); CREATE TABLE \(schema).t (ord bigint, source text, n numeric, d date)")
        defer { _ = try? psql("DROP SCHEMA IF EXISTS \(schema) CASCADE") }
        _ = try psql("\\copy \(schema).t from '\(file.path)' (format binary)")
        let numericMismatches = try psql("""
            SELECT ord || ' ' || source || ' ' || n::text FROM \(schema).t
            WHERE n::text IS DISTINCT FROM (
                CASE WHEN length(trim(both '0' from replace(abs(source::numeric)::text, '.', ''))) > 15
                     THEN trim_scale(round(source::numeric, 14 - floor(log(abs(source::numeric)))::int))::text
                     ELSE source::numeric::text END)
            ORDER BY ord
            """)
        #expect(numericMismatches == "")
        let serialList = numerics.indices.map { String(serials[$0 % serials.count]) }.joined(separator: ",")
        let dateMismatches = try psql("""
            SELECT t.ord FROM \(schema).t JOIN unnest('{\(serialList)}'::int[]) WITH ORDINALITY s(serial, k) ON k = t.ord + 1
            WHERE t.d IS DISTINCT FROM date '1899-12-30' + s.serial ORDER BY t.ord
            """)
        #expect(dateMismatches == "")
        #expect(try psql("SELECT ord FROM \(schema).t ORDER BY ord") == expectedText)
    }
}
