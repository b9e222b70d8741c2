import Foundation
import Postgres

/// Times COPY of `SampleRows` in both formats (best of `rounds`). The rows'
/// values are generated before timing, so the numbers are the writer's
/// encoding plus the server's work. `encode` is the writer alone: the same
/// rows into a COPY that is aborted before anything is sent.
///
/// The numbers in `PostgresCopyWriter`'s documentation come from a release
/// build of this file (the test target only builds in debug).
enum CopyBenchmark {
    struct Row {
        var id: Int64, n: Int32, amount: String?, price: String, days: Int64
        var month: Int, day: Int, micros: Int64, b1: Bool, b2: Bool?, x: Double, texts: [String?]
    }

    static func rows(_ count: Int) -> [Row] {
        (0..<count).map { (i: Int) -> Row in
            let amount: String? = i % 11 == 0 ? nil : SampleRows.centsText(SampleRows.cents(i))
            let b2: Bool? = i % 5 == 0 ? nil : i % 3 == 0
            var texts: [String?] = SampleRows.texts(i)
            if i % 7 == 0 { texts[2] = nil }
            return Row(id: Int64(i), n: Int32(i % 100_000) - 50_000, amount: amount,
                       price: SampleRows.centsText(Int64(i % 1000)), days: SampleRows.days(i),
                       month: 1 + i % 12, day: 1 + i % 28, micros: SampleRows.micros(i), b1: i % 2 == 0,
                       b2: b2, x: Double(i) / 8, texts: texts)
        }
    }

    static func append(_ row: Row, to writer: PostgresCopyWriter) throws {
        writer.appendInt64(row.id)
        writer.appendInt32(row.n)
        if let amount = row.amount { try writer.appendNumeric(amount) } else { writer.appendNull() }
        try writer.appendNumeric(row.price)
        writer.appendDate(daysSince1970: row.days)
        writer.appendDate(year: 2024, month: row.month, day: row.day)
        writer.appendTimestamp(microsecondsSince1970: row.micros)
        writer.appendTimestamp(microsecondsSince1970: row.micros + 500_000)
        writer.appendBool(row.b1)
        if let b2 = row.b2 { writer.appendBool(b2) } else { writer.appendNull() }
        writer.appendFloat64(row.x)
        for text in row.texts {
            if let text { writer.appendText(text) } else { writer.appendNull() }
        }
        try writer.endRow()
    }

    static func run(
        connection: PostgresConnection, rows count: Int, rounds: Int,
        batchSize: Int = PostgresCopyWriter.defaultBatchSize
    ) throws -> String {
        try SampleRows.createTable("bench", on: connection)
        let rows = rows(count)
        var lines: [String] = []
        for format in [PostgresCopyWriter.Format.text, .binary] {
            var best = Double.infinity
            var encodeOnly = Double.infinity
            var bytes = 0
            for _ in 0..<rounds {
                try connection.execute("TRUNCATE bench", purpose: "emptying bench")
                let options = format == .binary ? " (FORMAT binary)" : ""
                let start = ContinuousClock.now
                let writer = try connection.copyIn("COPY bench FROM STDIN\(options)", purpose: "benchmark",
                                                  batchSize: batchSize)
                for row in rows { try append(row, to: writer) }
                let copied = try writer.finish()
                precondition(copied == count)
                best = min(best, seconds(ContinuousClock.now - start))

                let encodeStart = ContinuousClock.now
                let dry = try connection.copyIn("COPY bench FROM STDIN\(options)", purpose: "benchmark encode",
                                                batchSize: 1 << 30)
                for row in rows { try append(row, to: dry) }
                encodeOnly = min(encodeOnly, seconds(ContinuousClock.now - encodeStart))
                bytes = dry.bufferedByteCount
                dry.abort()
            }
            lines.append("\(format), batches of \(batchSize / 1024) KiB: \(count) rows in \(String(format: "%.3f", best)) s "
                + "(\(Int(Double(count) / best)) rows/s, \(bytes / 1024) KiB), "
                + "writer encoding alone \(String(format: "%.3f", encodeOnly)) s")
        }
        return lines.joined(separator: "\n")
    }

    private static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
