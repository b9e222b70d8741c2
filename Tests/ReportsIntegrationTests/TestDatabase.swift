import Catalog
import Foundation
import Postgres
import Reports
import TestSupport

/// The test server, from `PYRAMYDAL_TEST_DATABASE_URL` with a loopback default
/// (`scripts/test-services.sh start` runs it).
enum TestDatabase {
    static let url = TestDatabaseURL.value

    /// A catalog whose tables (and data tables) are in the test's schema.
    static func catalog(_ schema: String) -> Catalog {
        Catalog(schemas: CatalogSchemas(catalog: schema, data: schema))
    }

    static func connect() async throws -> PostgresConnection {
        try await PostgresConnection.connect(url: url, variable: "PYRAMYDAL_TEST_DATABASE_URL",
                                             applicationName: "pyramydal-report-tests")
    }

    /// Runs `body` with a connection, a new schema named after the test
    /// (dropped afterwards) and a scratch directory.
    static func withSchema<T>(
        _ test: String = #function,
        _ body: (PostgresConnection, String, String) async throws -> T
    ) async throws -> T {
        let base = test.lowercased().filter { $0.isLetter || $0.isNumber }.prefix(40)
        let schema = "test_\(base)_\(UInt32.random(in: 0...UInt32.max))"
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(schema).path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let connection = try await connect()
        let quoted = PostgresConnection.quoteIdentifier(schema)
        try await connection.execute("CREATE SCHEMA \(quoted); SET search_path TO \(quoted)", purpose: "test schema")
        do {
            let result = try await body(connection, schema, directory)
            try await connection.execute("DROP SCHEMA \(quoted) CASCADE", purpose: "drop test schema")
            connection.close()
            try? FileManager.default.removeItem(atPath: directory)
            return result
        } catch {
            _ = try? await connection.execute("ROLLBACK; DROP SCHEMA IF EXISTS \(quoted) CASCADE", purpose: "drop test schema")
            connection.close()
            throw error
        }
    }

    /// A typed table like the ingest makes, with every column type, NULLs,
    /// Unicode, formula-looking text and awkward CSV characters in the
    /// first rows, then `rows - 8` generated ones.
    static func makeOrders(_ connection: PostgresConnection, schema: String, table: String = "orders",
                           rows: Int) async throws -> ReportSource {
        let name = PostgresConnection.quoteIdentifier(schema) + "." + PostgresConnection.quoteIdentifier(table)
        try await connection.execute(
            """
            CREATE TABLE \(name) (
              id bigint, customer text, amount numeric(12,2), ratio double precision, day date,
              at timestamp, span interval, paid boolean, note text);
            INSERT INTO \(name) VALUES
              (1, 'Müller GmbH', 1234.50, 0.125, '2024-01-31', '2024-01-31 13:45:10', '1 day 02:00:00', true, 'Zürich, "Ecke" Straße'),
              (2, 'Société Générale', -0.05, -1.5e-7, '1999-12-31', '2000-02-29 00:00:00.5', '3 mons', false, 'Łódź żółć'),
              (3, '株式会社テスト', 9999999999.99, 1e300, '2024-02-29', '1970-01-01 00:00:00', '-00:00:01', NULL, '漢字とかな 한국어'),
              (4, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
              (5, '=HYPERLINK("http://x")', 0, 0, '1900-03-01', '2024-06-01 23:59:59', '00:00:00', true, '-2+3'),
              (6, '+49 30 1234', 10.10, 3.14159, '2038-01-19', '2038-01-19 03:14:07', '1 year', false, '@SUM(A1)'),
              (7, 'tab' || chr(9) || 'inside', 1, 1, '2024-12-31', '2024-12-31 12:00:00', '2 hours', true, 'line1' || chr(10) || 'line2'),
              (8, '', 2, 2, '2001-01-01', '2001-01-01 01:01:01', '1 minute', false, chr(13) || 'cr first');
            INSERT INTO \(name)
              SELECT g, 'customer ' || g, round((g * 1.37)::numeric, 2), g / 7.0, date '2020-01-01' + (g % 1000),
                     timestamp '2020-01-01' + g * interval '17 minutes', (g % 48) * interval '1 hour', g % 3 = 0,
                     repeat('note ', g % 12) || g
              FROM generate_series(9, \(max(rows, 8))) AS g;
            """, purpose: "make orders")
        return try await connection.run { conn in
            try ReportSource.describe(schema: schema, table: table, department: "sales", dataset: table, version: 3,
                                      sourceFile: "s3://bucket/incoming/sales/\(table).xlsx", connection: conn)
        }
    }
}
