/// One versioned schema change: applied once, in order, inside a transaction.
public struct PostgresMigration: Sendable {
    public var version: Int
    public var name: String
    public var sql: String

    public init(version: Int, name: String, sql: String) {
        self.version = version
        self.name = name
        self.sql = sql
    }
}

/// Applies versioned migrations for one component (`catalog`, `jobqueue`, …)
/// of one schema. Applied versions are recorded in
/// `<schema>.schema_migrations (component, version, name, applied_at)`.
///
/// Concurrent migrators (two CLIs, three dispatchers starting at once)
/// serialise on a transaction-level advisory lock keyed by the schema and
/// component, so each migration runs exactly once; every migration runs in
/// the same transaction as its bookkeeping row, so a failure leaves nothing
/// half-applied.
public struct PostgresMigrator: Sendable {
    public var schema: String
    public var component: String
    public var migrations: [PostgresMigration]

    public init(schema: String, component: String, migrations: [PostgresMigration]) {
        precondition(Set(migrations.map(\.version)).count == migrations.count, "duplicate migration version")
        self.schema = schema
        self.component = component
        self.migrations = migrations.sorted { $0.version < $1.version }
    }

    /// Applies what is missing; returns the versions it applied.
    @discardableResult
    public func migrate(_ connection: PostgresConnection) throws -> [Int] {
        try connection.transaction(purpose: "migrate \(schema) (\(component))") { conn in
            try migrate(inOpenTransaction: conn)
        }
    }

    /// ``migrate(_:)`` inside a transaction the caller has already begun
    /// (and will commit or roll back), so the schema, its tables and the
    /// caller's own writes become visible together or not at all.
    @discardableResult
    public func migrate(inOpenTransaction conn: PostgresConnection) throws -> [Int] {
        let schemaName = PostgresConnection.quoteIdentifier(schema)
        let table = PostgresConnection.quoteQualified(schema, "schema_migrations")
        let purpose = "migrate \(schema) (\(component))"
        _ = try conn.query("SELECT pg_advisory_xact_lock(hashtext($1))",
                           [.init("pyramydal.migrate:" + schema + ":" + component)],
                           purpose: "\(purpose): lock")
        try conn.execute("""
            CREATE SCHEMA IF NOT EXISTS \(schemaName);
            CREATE TABLE IF NOT EXISTS \(table) (
                component  text        NOT NULL,
                version    integer     NOT NULL,
                name       text        NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now(),
                PRIMARY KEY (component, version)
            )
            """, purpose: "\(purpose): bookkeeping table")
        let done = Set(try conn.query("SELECT version FROM \(table) WHERE component = $1",
                                      [.init(component)], purpose: "\(purpose): applied versions")
            .map { try $0[0, as: Int.self] })
        var applied: [Int] = []
        for migration in migrations where !done.contains(migration.version) {
            try conn.execute(migration.sql, purpose: "\(purpose): \(migration.version) \(migration.name)")
            _ = try conn.query("INSERT INTO \(table) (component, version, name) VALUES ($1, $2, $3)",
                               [.init(component), .init(migration.version), .init(migration.name)],
                               purpose: "\(purpose): record \(migration.version)")
            applied.append(migration.version)
        }
        return applied
    }

    /// Async ``migrate(_:)``, off the cooperative pool.
    @discardableResult
    public func migrate(_ connection: PostgresConnection) async throws -> [Int] {
        try await connection.run { try self.migrate($0) }
    }
}
