import Foundation
import Postgres
import Testing

@Suite("Transactions")
struct TransactionTests {
    struct BodyFailed: Error {}

    private func count(_ table: String, schema: String) async throws -> Int {
        // A second connection sees only committed rows.
        let other = try await TestDatabase.connect()
        defer { other.close() }
        let rows = try await other.query("SELECT count(*) FROM \(PostgresConnection.quoteQualified(schema, table))",
                                         purpose: "counting committed rows")
        return try rows[0][0, as: Int.self]
    }

    @Test("commit makes rows visible; a throwing body rolls back (async and sync)")
    func commitAndRollback() async throws {
        try await TestDatabase.withSchema { connection, schema in
            try await connection.execute("CREATE TABLE items (id int)", purpose: "creating items")

            let value = try await connection.transaction(purpose: "adding items") { connection in
                try await connection.query("INSERT INTO items VALUES (1), (2)", purpose: "inserting")
                return "done"
            }
            #expect(value == "done")
            #expect(try await count("items", schema: schema) == 2)

            let error = try await #require(throws: PostgresTransactionError.self) {
                try await connection.transaction(purpose: "adding then failing") { connection in
                    try await connection.query("INSERT INTO items VALUES (3)", purpose: "inserting")
                    throw BodyFailed()
                }
            }
            #expect(error.step == .body)
            #expect(error.error is BodyFailed)
            #expect(error.rollbackError == nil)
            #expect(error.description.contains("adding then failing"))
            #expect(try await count("items", schema: schema) == 2)

            // Sync variant, with a statement error inside the body.
            let syncError = #expect(throws: PostgresTransactionError.self) {
                try connection.transaction(purpose: "sync insert") { connection in
                    try connection.query("INSERT INTO items VALUES (4)", purpose: "inserting")
                    try connection.query("INSERT INTO items VALUES ('four')", purpose: "inserting text")
                }
            }
            #expect(syncError?.step == .body)
            #expect((syncError?.error as? PostgresError)?.sqlState == "22P02")
            let rows = try connection.transaction(purpose: "sync read") { connection in
                try connection.query("SELECT count(*) FROM items", purpose: "counting").first.map { try $0[0, as: Int.self] }
            }
            #expect(rows == 2)
        }
    }

    @Test("a failing COMMIT and a failing BEGIN name their step")
    func commitAndBeginFailures() async throws {
        try await TestDatabase.withSchema { connection, schema in
            try await connection.execute("CREATE TABLE d (id int UNIQUE DEFERRABLE INITIALLY DEFERRED)",
                                         purpose: "creating d")
            let commit = try await #require(throws: PostgresTransactionError.self) {
                try await connection.transaction(purpose: "deferred duplicate") { connection in
                    try await connection.execute("INSERT INTO d VALUES (1); INSERT INTO d VALUES (1)", purpose: "inserting")
                }
            }
            #expect(commit.step == .commit)
            #expect((commit.error as? PostgresError)?.sqlState == "23505")
            #expect(try await count("d", schema: schema) == 0)

            connection.close()
            let begin = try await #require(throws: PostgresTransactionError.self) {
                try await connection.transaction(purpose: "on a closed connection") { connection in
                    try await connection.query("SELECT 1", purpose: "never runs").count
                }
            }
            #expect(begin.step == .begin)
            #expect((begin.error as? PostgresError)?.code == .connectionClosed)
        }
    }
}
