import Foundation
import Postgres
import TestSupport

/// The test server, from `PYRAMYDAL_TEST_DATABASE_URL` with a loopback default
/// (`scripts/test-services.sh start` runs it).
enum TestDatabase {
    static let url = TestDatabaseURL.value

    static func connect() async throws -> PostgresConnection {
        try await PostgresConnection.connect(url: url, variable: "PYRAMYDAL_TEST_DATABASE_URL",
                                             applicationName: "pyramydal-tests")
    }

    /// Runs `body` with a fresh connection whose `search_path` is a new schema
    /// named after the test (plus a random suffix), dropped afterwards.
    static func withSchema<T>(
        _ test: String = #function,
        _ body: (PostgresConnection, String) async throws -> T
    ) async throws -> T {
        let base = test.lowercased().filter { $0.isLetter || $0.isNumber }.prefix(40)
        let schema = "test_\(base)_\(UInt32.random(in: 0...UInt32.max))"
        let connection = try await connect()
        let quoted = PostgresConnection.quoteIdentifier(schema)
        try await connection.execute("CREATE SCHEMA \(quoted); SET search_path TO \(quoted); SET TimeZone TO 'UTC'",
                                     purpose: "creating the test schema")
        do {
            let result = try await body(connection, schema)
            try await drop(schema)
            return result
        } catch {
            try? await drop(schema)
            throw error
        }
    }

    private static func drop(_ schema: String) async throws {
        // A fresh connection: the test's own may have been broken on purpose.
        let connection = try await connect()
        defer { connection.close() }
        try await connection.execute("DROP SCHEMA IF EXISTS \(PostgresConnection.quoteIdentifier(schema)) CASCADE",
                                     purpose: "dropping the test schema")
    }
}
