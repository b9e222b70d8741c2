import Foundation
import Postgres

/// Rows shaped like an ingested workbook: 20 columns of ints, 2-place
/// numerics, dates, timestamps, booleans, a double and unicode text with
/// characters COPY text format must escape. Deterministic from the row number.
enum SampleRows {
    static let columnCount = 20

    static func createTable(_ name: String, on connection: PostgresConnection) throws {
        try connection.execute("""
            CREATE TABLE \(PostgresConnection.quoteIdentifier(name)) (
                id bigint NOT NULL, n integer, amount numeric(12,2), price numeric(12,2),
                d1 date, d2 date, ts1 timestamp, ts2 timestamptz, b1 boolean, b2 boolean,
                x double precision, t1 text, t2 text, t3 text, t4 text, t5 text, t6 text,
                t7 text, t8 text, t9 text)
            """, purpose: "creating the sample table")
    }

    static func cents(_ i: Int) -> Int64 { Int64((i * 7919) % 10_000_000 - 5_000_000) }

    static func centsText(_ cents: Int64) -> String {
        let magnitude = cents.magnitude
        let fraction = magnitude % 100
        return (cents < 0 ? "-" : "") + "\(magnitude / 100)." + (fraction < 10 ? "0" : "") + "\(fraction)"
    }

    static func days(_ i: Int) -> Int64 { 10_000 + Int64(i % 20_000) }
    static func micros(_ i: Int) -> Int64 { 1_600_000_000_000_000 + Int64(i) * 1_234_567 }

    static func texts(_ i: Int) -> [String] {
        ["naïve café \(i)", "東京 \(i)", "tab\there \(i)", "line\nbreak \(i)", "back\\slash \\N \(i)",
         "quote\"s 'single' \(i)", "emoji 🎉 \(i)", "cr\r\(i)", "row\(i)"]
    }

    /// Appends row `i` with the typed helpers (works for text and binary format).
    static func append(_ i: Int, to writer: PostgresCopyWriter) throws {
        writer.appendInt64(Int64(i))
        writer.appendInt32(Int32(i % 100_000) - 50_000)
        if i % 11 == 0 { writer.appendNull() } else { try writer.appendNumeric(centsText(cents(i))) }
        try writer.appendNumeric(centsText(Int64(i % 1000)))
        writer.appendDate(daysSince1970: days(i))
        writer.appendDate(year: 2024, month: 1 + i % 12, day: 1 + i % 28)
        writer.appendTimestamp(microsecondsSince1970: micros(i))
        writer.appendTimestamp(microsecondsSince1970: micros(i) + 500_000)
        writer.appendBool(i % 2 == 0)
        if i % 5 == 0 { writer.appendNull() } else { writer.appendBool(i % 3 == 0) }
        writer.appendFloat64(Double(i) / 8)
        for (index, text) in texts(i).enumerated() {
            if index == 2, i % 7 == 0 { writer.appendNull() } else { writer.appendText(text) }
        }
        try writer.endRow()
    }
}
