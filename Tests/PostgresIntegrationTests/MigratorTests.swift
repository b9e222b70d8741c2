import Postgres
import Testing

@Suite("PostgresMigrator against a real server")
struct MigratorTests {
    static let migrations = [
        PostgresMigration(version: 1, name: "create things", sql: "CREATE TABLE things (id bigint PRIMARY KEY)"),
        PostgresMigration(version: 2, name: "add a column", sql: "ALTER TABLE things ADD COLUMN label text"),
    ]

    @Test func appliesOnceInOrder() async throws {
        try await TestDatabase.withSchema { connection, schema in
            let migrator = PostgresMigrator(schema: schema, component: "test", migrations: Self.migrations)
            #expect(try await migrator.migrate(connection) == [1, 2])
            #expect(try await migrator.migrate(connection) == [])
            let columns = try await connection.query(
                "SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'things' ORDER BY ordinal_position",
                [.init(schema)], purpose: "columns").map { try $0[0, as: String.self] }
            #expect(columns == ["id", "label"])
            let third = PostgresMigrator(schema: schema, component: "test", migrations: Self.migrations + [
                PostgresMigration(version: 3, name: "index", sql: "CREATE INDEX ON things (label)")])
            #expect(try await third.migrate(connection) == [3])
        }
    }

    @Test func failedMigrationLeavesNothingHalfApplied() async throws {
        try await TestDatabase.withSchema { connection, schema in
            let broken = PostgresMigrator(schema: schema, component: "test", migrations: [
                Self.migrations[0],
                PostgresMigration(version: 2, name: "broken", sql: "ALTER TABLE no_such_table ADD COLUMN x int"),
            ])
            #expect(throws: PostgresTransactionError.self) { try broken.migrate(connection) }
            let count = try await connection.query(
                "SELECT count(*) FROM information_schema.tables WHERE table_schema = $1 AND table_name = 'things'",
                [.init(schema)], purpose: "tables").first.map { try $0[0, as: Int.self] }
            #expect(count == 0)
        }
    }

    @Test func concurrentMigratorsApplyEachVersionOnce() async throws {
        try await TestDatabase.withSchema { _, schema in
            // Fresh connections have the default search_path: qualify the table.
            let table = PostgresConnection.quoteQualified(schema, "things")
            let migrator = PostgresMigrator(schema: schema, component: "test", migrations: [
                PostgresMigration(version: 1, name: "create things", sql: "CREATE TABLE \(table) (id bigint PRIMARY KEY)"),
                PostgresMigration(version: 2, name: "add a column", sql: "ALTER TABLE \(table) ADD COLUMN label text"),
            ])
            let applied = try await withThrowingTaskGroup(of: [Int].self) { group in
                for _ in 0..<4 {
                    group.addTask {
                        let connection = try await TestDatabase.connect()
                        defer { connection.close() }
                        return try await migrator.migrate(connection)
                    }
                }
                return try await group.reduce(into: [Int]()) { $0 += $1 }
            }
            #expect(applied.sorted() == [1, 2])
        }
    }
}
