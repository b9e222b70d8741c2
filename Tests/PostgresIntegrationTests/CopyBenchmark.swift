import Foundation
import Postgres

/// Times COPY of `SampleRows` in both formats (best of `rounds`), into an
/// UNLOGGED-free plain table truncated between runs. Also compiled into a
/// release-mode harness (see the Postgres wrapper's report) for the numbers
/// in `PostgresCopyWriter`'s documentation.
enum CopyBenchmark {
    static func run(connection: PostgresConnection, rows: Int, rounds: Int) throws -> String {
        try SampleRows.createTable("bench", on: connection)
        var lines: [String] = []
        for format in [PostgresCopyWriter.Format.text, .binary] {
            var best = Double.infinity
            var encodeOnly = Double.infinity
            for _ in 0..<rounds {
                try connection.execute("TRUNCATE bench", purpose: "emptying bench")
                let options = format == .binary ? " (FORMAT binary)" : ""
                let start = ContinuousClock.now
                let writer = try connection.copyIn("COPY bench FROM STDIN\(options)", purpose: "benchmark")
                for i in 0..<rows { try SampleRows.append(i, to: writer) }
                let copied = try writer.finish()
                precondition(copied == rows)
                best = min(best, seconds(ContinuousClock.now - start))

                // The same rows encoded into a COPY that is aborted before it
                // is sent: the client-side encoding cost alone.
                let encodeStart = ContinuousClock.now
                let dry = try connection.copyIn("COPY bench FROM STDIN\(options)", purpose: "benchmark encode",
                                                batchSize: 1 << 30)
                for i in 0..<rows { try SampleRows.append(i, to: dry) }
                encodeOnly = min(encodeOnly, seconds(ContinuousClock.now - encodeStart))
                dry.abort()
            }
            lines.append("\(format): \(rows) rows in \(String(format: "%.3f", best)) s "
                + "(\(Int(Double(rows) / best)) rows/s), client encoding \(String(format: "%.3f", encodeOnly)) s")
        }
        return lines.joined(separator: "\n")
    }

    private static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
