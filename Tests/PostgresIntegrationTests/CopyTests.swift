import Foundation
import Postgres
import Testing

@Suite("COPY")
struct CopyTests {
    static let rowCount = 100_000

    @Test("100k rows round trip in text and binary format, and back out with copyOut")
    func copyRoundTrip() async throws {
        try await TestDatabase.withSchema { connection, _ in
            try await connection.execute("SELECT 1", purpose: "warming up")
            var seconds: [PostgresCopyWriter.Format: Double] = [:]
            for (table, format) in [("from_text", PostgresCopyWriter.Format.text), ("from_binary", .binary)] {
                try SampleRows.createTable(table, on: connection)
                let options = format == .binary ? " (FORMAT binary)" : ""
                let start = ContinuousClock.now
                let copied = try await connection.withCopyIn("COPY \(table) FROM STDIN\(options)",
                                                             purpose: "loading \(table)") { writer in
                    #expect(writer.format == format)
                    #expect(writer.columnCount == SampleRows.columnCount)
                    for i in 0..<Self.rowCount { try SampleRows.append(i, to: writer) }
                }
                seconds[format] = (ContinuousClock.now - start).seconds
                #expect(copied == Self.rowCount)
                try checkAggregates(table, connection)
            }
            print("COPY of \(Self.rowCount) rows (debug build): text \(seconds[.text]!) s, binary \(seconds[.binary]!) s")

            // Both formats stored exactly the same rows.
            try expectSameRows("from_text", "from_binary", connection)

            // Text COPY out, then the same bytes back in, unchanged.
            let text = try copyOutAll(connection, "COPY (SELECT * FROM from_text ORDER BY id) TO STDOUT")
            #expect(text.rows == Self.rowCount)
            #expect(text.chunks == Self.rowCount)
            #expect(text.allEndInNewline)
            #expect(text.bytes.filter { $0 == UInt8(ascii: "\n") }.count == Self.rowCount)
            try SampleRows.createTable("text_again", on: connection)
            let reloaded = try await connection.withCopyIn("COPY text_again FROM STDIN", purpose: "reloading text") {
                writer in
                try text.bytes.withUnsafeBytes { try writer.appendRawRows($0, rows: Self.rowCount) }
            }
            #expect(reloaded == Self.rowCount)
            try expectSameRows("from_text", "text_again", connection)

            // Binary COPY out (header, rows, trailer), rows back in.
            let binary = try copyOutAll(connection, "COPY from_binary TO STDOUT (FORMAT binary)")
            let binaryOut = binary.bytes
            #expect(binary.rows == Self.rowCount)
            #expect(Array(binaryOut.prefix(11)) == [0x50, 0x47, 0x43, 0x4F, 0x50, 0x59, 0x0A, 0xFF, 0x0D, 0x0A, 0x00])
            #expect(Array(binaryOut.suffix(2)) == [0xFF, 0xFF])
            try SampleRows.createTable("binary_again", on: connection)
            let binaryWriter = try connection.copyIn("COPY binary_again FROM STDIN (FORMAT binary)",
                                                     purpose: "reloading binary")
            try binaryOut[19..<(binaryOut.count - 2)].withUnsafeBytes {
                try binaryWriter.appendRawRows($0, rows: Self.rowCount)
            }
            #expect(try binaryWriter.finish() == Self.rowCount)
            try expectSameRows("from_binary", "binary_again", connection)
        }
    }

    /// The sync `copyOut`, collecting every chunk.
    private func copyOutAll(_ connection: PostgresConnection, _ sql: String) throws
        -> (bytes: [UInt8], chunks: Int, rows: Int, allEndInNewline: Bool)
    {
        var bytes: [UInt8] = []
        var chunks = 0
        var allEndInNewline = true
        let rows = try connection.copyOut(sql, purpose: "copying out") { chunk in
            chunks += 1
            allEndInNewline = allEndInNewline && chunk.last == UInt8(ascii: "\n")
            bytes.append(contentsOf: chunk)
        }
        return (bytes, chunks, rows, allEndInNewline)
    }

    /// Sums and counts computed in Swift from the generator, compared with the server's.
    private func checkAggregates(_ table: String, _ connection: PostgresConnection) throws {
        let n = Self.rowCount
        let rows = try connection.query("""
            SELECT count(*) AS count, sum(id) AS ids, sum(n) AS ns, sum(amount)::text AS amounts,
                   count(amount) AS amount_count, sum(d1 - DATE '1970-01-01') AS days,
                   sum((extract(epoch FROM ts1) * 1000000)::bigint - 1600000000000000) AS micros,
                   bool_and(extract(epoch FROM ts2) - extract(epoch FROM ts1) = 0.5) AS half_second,
                   count(*) FILTER (WHERE b1) AS b1_true, count(*) FILTER (WHERE b2 IS NULL) AS b2_null,
                   sum(x) AS x, count(*) FILTER (WHERE t3 IS NULL) AS t3_null,
                   sum(length(t1) + length(t2) + length(t4) + length(t5) + length(t6) + length(t7)
                       + length(t8) + length(t9)) AS text_length
            FROM \(table)
            """, purpose: "checking \(table)")
        let row = try #require(rows.first)
        let indices = 0..<n
        #expect(try row["count", as: Int.self] == n)
        #expect(try row["ids", as: Int.self] == indices.reduce(0, +))
        #expect(try row["ns", as: Int.self] == indices.reduce(0) { $0 + ($1 % 100_000) - 50_000 })
        let amountCents = indices.filter { $0 % 11 != 0 }.reduce(Int64(0)) { $0 + SampleRows.cents($1) }
        #expect(try row["amounts", as: String.self] == SampleRows.centsText(amountCents))
        #expect(try row["amount_count", as: Int.self] == indices.filter { $0 % 11 != 0 }.count)
        #expect(try row["days", as: Int64.self] == indices.reduce(Int64(0)) { $0 + SampleRows.days($1) })
        #expect(try row["micros", as: Int64.self] == indices.reduce(Int64(0)) { $0 + SampleRows.micros($1) - 1_600_000_000_000_000 })
        #expect(try row["half_second", as: Bool.self])
        #expect(try row["b1_true", as: Int.self] == n / 2)
        #expect(try row["b2_null", as: Int.self] == n / 5)
        #expect(try row["x", as: Double.self] == indices.reduce(0.0) { $0 + Double($1) / 8 })
        #expect(try row["t3_null", as: Int.self] == (n + 6) / 7)
        let textLength = indices.reduce(0) { total, i in
            total + SampleRows.texts(i).enumerated().filter { $0.offset != 2 }.reduce(0) { $0 + $1.element.unicodeScalars.count }
        }
        #expect(try row["text_length", as: Int.self] == textLength)

        // One row read back field by field.
        let sample = try #require(try connection.query("SELECT * FROM \(table) WHERE id = $1", [.int(12_345)],
                                                       purpose: "reading one row").first)
        #expect(try sample["n", as: Int32.self] == Int32(12_345 - 50_000))
        #expect(try sample["amount", as: String.self] == SampleRows.centsText(SampleRows.cents(12_345)))
        #expect(try sample["d2", as: String.self] == "2024-10-26")
        #expect(try sample["ts1", as: Date.self] == Date(timeIntervalSince1970: Double(SampleRows.micros(12_345)) / 1e6))
        #expect(try sample["b2", as: Bool?.self] == nil)
        for (index, text) in SampleRows.texts(12_345).enumerated() {
            #expect(try sample["t\(index + 1)", as: String.self] == text)
        }
    }

    private func expectSameRows(_ a: String, _ b: String, _ connection: PostgresConnection) throws {
        let rows = try connection.query("""
            SELECT (SELECT count(*) FROM (TABLE \(a) EXCEPT ALL TABLE \(b)) AS only_a) AS only_a,
                   (SELECT count(*) FROM (TABLE \(b) EXCEPT ALL TABLE \(a)) AS only_b) AS only_b,
                   (SELECT count(*) FROM \(b)) AS b_count
            """, purpose: "comparing \(a) and \(b)")
        #expect(try rows[0]["only_a", as: Int.self] == 0)
        #expect(try rows[0]["only_b", as: Int.self] == 0)
        #expect(try rows[0]["b_count", as: Int.self] == Self.rowCount)
    }

    @Test("a bad value fails the COPY with SQLSTATE and the line, and the connection stays usable")
    func copyBadValue() async throws {
        try await TestDatabase.withSchema { connection, _ in
            try await connection.execute("CREATE TABLE numbers (n integer)", purpose: "creating numbers")
            // Small batches so the server's error arrives while we are still sending.
            let error = try await #require(throws: PostgresError.self) {
                try await connection.withCopyIn("COPY numbers FROM STDIN", purpose: "loading numbers",
                                                batchSize: 4096) { writer in
                    for i in 0..<200_000 {
                        if i == 1000 { writer.appendText("not a number") } else { writer.appendInt32(Int32(i)) }
                        try writer.endRow()
                    }
                }
            }
            #expect(error.code == .copyFailed)
            #expect(error.sqlState == "22P02")
            #expect(error.purpose == "loading numbers")
            #expect(error.context?.contains("line 1001") == true)
            #expect(error.message.contains("not a number"))
            let count = try await connection.query("SELECT count(*) FROM numbers", purpose: "counting")
            #expect(try count[0][0, as: Int.self] == 0)
        }
    }

    @Test("abort discards the rows; wrong field counts and statements during COPY are refused")
    func copyAbortAndMisuse() async throws {
        try await TestDatabase.withSchema { connection, _ in
            try await connection.execute("CREATE TABLE pairs (a integer, b text)", purpose: "creating pairs")
            let writer = try connection.copyIn("COPY pairs FROM STDIN", purpose: "loading pairs")
            for i in 0..<10 {
                writer.appendInt32(Int32(i))
                writer.appendText("row \(i)")
                try writer.endRow()
            }
            let busy = #expect(throws: PostgresError.self) {
                try connection.query("SELECT 1", purpose: "querying during COPY")
            }
            #expect(busy?.code == .busy)
            writer.appendInt32(1)
            let short = #expect(throws: PostgresError.self) { try writer.endRow() }
            #expect(short?.code == .invalidValue)
            writer.abort(message: "test aborts")
            writer.abort()
            let count = try await connection.query("SELECT count(*) FROM pairs", purpose: "counting")
            #expect(try count[0][0, as: Int.self] == 0)

            // A writer released without finish() aborts, leaving the connection usable.
            do {
                let dropped = try connection.copyIn("COPY pairs FROM STDIN (FORMAT binary)", purpose: "dropped")
                dropped.appendInt32(1)
                dropped.appendText("x")
                try dropped.endRow()
            }
            let after = try await connection.query("SELECT count(*) FROM pairs", purpose: "counting again")
            #expect(try after[0][0, as: Int.self] == 0)
        }
    }

    @Test("copyOut stops and cancels when the handler throws")
    func copyOutHandlerError() async throws {
        struct Stop: Error {}
        try await TestDatabase.withSchema { connection, _ in
            var seen = 0
            #expect(throws: Stop.self) {
                try connection.copyOut("COPY (SELECT g FROM generate_series(1, 1000000) AS g) TO STDOUT",
                                       purpose: "reading a series") { _ in
                    seen += 1
                    if seen == 10 { throw Stop() }
                }
            }
            #expect(seen == 10)
            let rows = try await connection.query("SELECT 42 AS answer", purpose: "after cancel")
            #expect(try rows[0]["answer", as: Int.self] == 42)
        }
    }

    @Test(
        "COPY speed, text vs binary (set PYRAMYDAL_BENCHMARK=1)",
        .enabled(if: ProcessInfo.processInfo.environment["PYRAMYDAL_BENCHMARK"] == "1"))
    func copyBenchmark() async throws {
        try await TestDatabase.withSchema { connection, _ in
            let results = try CopyBenchmark.run(connection: connection, rows: Self.rowCount, rounds: 3)
            print(results)
            #expect(results.contains("text"))
        }
    }
}

extension Duration {
    var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
