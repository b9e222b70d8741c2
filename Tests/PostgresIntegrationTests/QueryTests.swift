import Foundation
import Postgres
import Testing

@Suite("Queries")
struct QueryTests {
    @Test("a prepared statement is prepared once per connection, binds parameters and outlives a rollback")
    func preparedStatements() async throws {
        try await TestDatabase.withSchema { connection, schema in
            let table = PostgresConnection.quoteQualified(schema, "prepared")
            try await connection.execute("CREATE TABLE \(table) (id int PRIMARY KEY, note text)", purpose: "table")
            let insert = "INSERT INTO \(table) (id, note) VALUES ($1, $2) RETURNING id, note"
            let hostile = "x'); DROP TABLE \(table); --"
            for (id, note) in [(1, "one"), (2, nil), (3, hostile)] as [(Int, String?)] {
                let row = try #require(try await connection.queryPrepared(insert, [.int(id), .text(note)], purpose: "insert").first)
                #expect(try row[0, as: Int.self] == id && row[1, as: String?.self] == note)
            }
            let prepared = "SELECT count(*) FROM pg_prepared_statements WHERE statement = $1"
            #expect(try await connection.query(prepared, [.text(insert)], purpose: "count").first?[0, as: Int.self] == 1)
            // A rolled-back transaction does not take the statement with it.
            try? connection.transaction(purpose: "rolled back") { conn in
                _ = try conn.queryPrepared(insert, [.int(4), .text("four")], purpose: "insert")
                throw PostgresError(code: .queryFailed, message: "roll back", purpose: "test")
            }
            let row = try #require(try await connection.queryPrepared(insert, [.int(4), .text("again")], purpose: "insert").first)
            #expect(try row[1, as: String.self] == "again")
            #expect(try await connection.query("SELECT count(*) FROM \(table)", purpose: "count").first?[0, as: Int.self] == 4)
            // A failing execution is an ordinary error, and the statement stays usable.
            await #expect(throws: PostgresError.self) {
                try await connection.queryPrepared(insert, [.int(1), .text("duplicate")], purpose: "insert")
            }
            #expect(try await connection.queryPrepared(insert, [.int(5), nil], purpose: "insert").count == 1)
        }
    }

    @Test("parameters of every supported type round-trip, NULL included")
    func parameterTypes() async throws {
        try await TestDatabase.withSchema { connection, _ in
            let instant = Date(timeIntervalSince1970: 1_700_000_000.123456)
            let uuid = UUID()
            let rows = try await connection.query("""
                SELECT $1::text AS s, $2 AS big, $3 AS small, $4 AS d, $5 AS b, $6 AS ts, $7 AS num,
                       $8 AS u, $9::jsonb AS j, $10::text AS missing, $11 AS bytes, $12::date AS day,
                       $13 AS i4, $14::numeric(10,2) AS money, $15 AS inf, $16::int AS literal_int
                """,
                [.text("héllo ✓"), .int(Int.max), .init(Int16(-7)), .double(-1.5e-7), .bool(true), .date(instant),
                 .decimal(Decimal(string: "-12345.678")!), .uuid(uuid), .json(#"{"a": [1, "x"]}"#), nil,
                 .bytes([0, 1, 0xfe, 0xff]), "2024-02-29", .init(Int32.min), .numeric("19.99"), .double(.infinity), 42],
                purpose: "round-tripping parameters")
            #expect(rows.count == 1)
            #expect(rows.columnNames.first == "s")
            let row = rows[0]
            #expect(try row["s", as: String.self] == "héllo ✓")
            #expect(try row["big", as: Int.self] == Int.max)
            #expect(try row["small", as: Int16.self] == -7)
            #expect(try row["d", as: Double.self] == -1.5e-7)
            #expect(try row["b", as: Bool.self] == true)
            let ts = try row["ts", as: Date.self]
            #expect(abs(ts.timeIntervalSince(instant)) < 1e-6)
            #expect(try row["num", as: Decimal.self] == Decimal(string: "-12345.678")!)
            #expect(try row["num", as: String.self] == "-12345.678")
            #expect(try row["u", as: UUID.self] == uuid)
            #expect(try row["j", as: String.self] == #"{"a": [1, "x"]}"#)
            #expect(try row["missing", as: String?.self] == nil)
            #expect(row.isNull(9))
            #expect(try row["bytes", as: [UInt8].self] == [0, 1, 0xfe, 0xff])
            #expect(try row["day", as: String.self] == "2024-02-29")
            #expect(try row["day", as: Date.self] == Date(timeIntervalSince1970: 1_709_164_800))
            #expect(try row["i4", as: Int32.self] == Int32.min)
            #expect(try row["money", as: String.self] == "19.99")
            #expect(try row["inf", as: Double.self] == .infinity)
            #expect(try row[15, as: Int.self] == 42)
            #expect(rows.columnTypes[1] == PostgresTypeOID.int8)
        }
    }

    @Test("strings that look like SQL injection are stored as data")
    func injectionLookingStrings() async throws {
        try await TestDatabase.withSchema { connection, _ in
            try await connection.execute("CREATE TABLE people (name text)", purpose: "creating people")
            let names = ["Robert'); DROP TABLE people; --", "'; SELECT pg_sleep(10); --", "$2", "\\'; --",
                         "\" OR 1=1 --", "tab\tnew\nline"]
            for name in names {
                let inserted = try await connection.query("INSERT INTO people (name) VALUES ($1)", [.text(name)],
                                                          purpose: "inserting a person")
                #expect(inserted.affectedRows == 1)
                #expect(inserted.commandTag == "INSERT 0 1")
            }
            let stored = try await connection.query("SELECT name FROM people WHERE name = ANY($1::text[]) ORDER BY name",
                                                    [.text("{}")], purpose: "empty array")
            #expect(stored.isEmpty)
            let all = try await connection.query("SELECT name FROM people", purpose: "reading people")
            #expect(Set(try all.map { try $0["name", as: String.self] }) == Set(names))
            let one = try await connection.query("SELECT count(*) FROM people WHERE name = $1", [.text(names[0])],
                                                 purpose: "finding Robert")
            #expect(try one[0][0, as: Int.self] == 1)
            let updated = try await connection.query("UPDATE people SET name = upper(name)", purpose: "updating")
            #expect(updated.affectedRows == names.count)
        }
    }

    @Test("a failing statement carries SQLSTATE, message, detail and purpose")
    func statementErrors() async throws {
        try await TestDatabase.withSchema { connection, _ in
            let missing = try await #require(throws: PostgresError.self) {
                try await connection.query("SELECT * FROM no_such_table", purpose: "reading a missing table")
            }
            #expect(missing.code == .queryFailed)
            #expect(missing.sqlState == "42P01")
            #expect(missing.message.contains("no_such_table"))
            #expect(missing.purpose == "reading a missing table")
            #expect(missing.description.contains("reading a missing table"))
            #expect(missing.description.contains("42P01"))

            try await connection.execute("CREATE TABLE u (id int PRIMARY KEY)", purpose: "creating u")
            try await connection.execute("INSERT INTO u VALUES (1)", purpose: "first insert")
            let duplicate = try await #require(throws: PostgresError.self) {
                try await connection.query("INSERT INTO u VALUES ($1)", [1], purpose: "second insert")
            }
            #expect(duplicate.sqlState == "23505")
            #expect(duplicate.detail?.contains("(id)=(1)") == true)
            #expect(duplicate.constraintName == "u_pkey")
            #expect(duplicate.tableName == "u")

            let multi = try await #require(throws: PostgresError.self) {
                try await connection.execute("SELECT 1; SELECT 1/0; SELECT 2", purpose: "dividing")
            }
            #expect(multi.sqlState == "22012")
            #expect(multi.purpose == "dividing")

            // COPY belongs to copyIn/copyOut; the connection leaves the COPY state again.
            let copyIn = try await #require(throws: PostgresError.self) {
                try await connection.query("COPY u FROM STDIN", purpose: "copying in through query")
            }
            #expect(copyIn.code == .unexpectedResult)
            let copyOut = try await #require(throws: PostgresError.self) {
                try await connection.execute("COPY u TO STDOUT", purpose: "copying out through execute")
            }
            #expect(copyOut.code == .unexpectedResult)

            try await connection.execute("SET statement_timeout = 50", purpose: "short timeout")
            let timeout = try await #require(throws: PostgresError.self) {
                try await connection.query("SELECT pg_sleep(5)", purpose: "sleeping too long")
            }
            #expect(timeout.code == .timeout)
            #expect(timeout.sqlState == "57014")
            try await connection.execute("RESET statement_timeout", purpose: "resetting the timeout")

            // Still usable after errors.
            #expect(try await connection.execute("INSERT INTO u VALUES (2), (3)", purpose: "more inserts") == 2)
        }
    }

    @Test("typed access refuses NULL, wrong types and unknown columns with clear errors")
    func decodingErrors() async throws {
        let connection = try await TestDatabase.connect()
        defer { connection.close() }
        let rows = try await connection.query("SELECT NULL::int AS nothing, 'abc' AS word, 99999 AS big",
                                              purpose: "decoding checks")
        let row = rows[0]
        let null = #expect(throws: PostgresError.self) { try row["nothing", as: Int.self] }
        #expect(null?.message.contains("NULL") == true)
        #expect(try row["nothing", as: Int?.self] == nil)
        let word = #expect(throws: PostgresError.self) { try row["word", as: Int.self] }
        #expect(word?.code == .unexpectedResult)
        #expect(word?.purpose == "decoding checks")
        #expect(throws: PostgresError.self) { try row["big", as: Int16.self] }
        let unknown = #expect(throws: PostgresError.self) { try row["nope", as: String.self] }
        #expect(unknown?.message.contains("nope") == true)
        #expect(throws: PostgresError.self) { try row[7, as: String.self] }
    }

    @Test("quoted identifiers with quotes, spaces and unicode create and query a table")
    func identifierQuoting() async throws {
        try await TestDatabase.withSchema { connection, schema in
            let table = #"Weird "Table" name ü 東京"#
            let column = #"col "x" ñ; DROP"#
            let qualified = PostgresConnection.quoteQualified(schema, table)
            let quotedColumn = PostgresConnection.quoteIdentifier(column)
            try await connection.execute("CREATE TABLE \(qualified) (\(quotedColumn) text, \"select\" int)",
                                         purpose: "creating a weird table")
            try await connection.query("INSERT INTO \(qualified) (\(quotedColumn), \"select\") VALUES ($1, $2)",
                                       ["value", 7], purpose: "inserting")
            let rows = try await connection.query("SELECT \(quotedColumn), \"select\" FROM \(qualified)",
                                                  purpose: "reading the weird table")
            #expect(rows.columnNames == [column, "select"])
            #expect(try rows[0][column, as: String.self] == "value")
            #expect(try rows[0]["select", as: Int.self] == 7)
            let catalog = try await connection.query(
                "SELECT count(*) FROM pg_tables WHERE schemaname = $1 AND tablename = $2", [.text(schema), .text(table)],
                purpose: "finding the table in the catalog")
            #expect(try catalog[0][0, as: Int.self] == 1)
            let literal = PostgresConnection.quoteLiteral(#"it's a \ backslash"#)
            let echoed = try await connection.query("SELECT \(literal) AS v", purpose: "literal")
            #expect(try echoed[0]["v", as: String.self] == #"it's a \ backslash"#)
        }
    }

    @Test("empty results, command tags and the sync API")
    func syncAndEmpty() async throws {
        try await TestDatabase.withSchema { connection, _ in
            try connection.execute("CREATE TABLE e (a int)", purpose: "creating e")
            let none = try connection.query("SELECT a FROM e", purpose: "reading nothing")
            #expect(none.isEmpty)
            #expect(none.columnNames == ["a"])
            #expect(try connection.query("DELETE FROM e", purpose: "deleting nothing").affectedRows == 0)
            let series = try connection.query("SELECT g FROM generate_series(1, 1000) AS g", purpose: "series")
            #expect(try series.reduce(0) { $0 + (try $1[0, as: Int.self]) } == 500_500)
        }
    }
}
