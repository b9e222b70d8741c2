import Catalog
import Foundation
import Ingest
import Logging
import Postgres
import Testing
import TestSupport

/// The test PostgreSQL (`PYRAMYDAL_TEST_DATABASE_URL`, loopback default)
/// and a catalog in its own pair of schemas per test.
enum IngestTestSupport {
    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    /// `export NAME="value"` lines of `.test-services/env.sh` (this
    /// worktree's, else /work/main's), for variables the environment lacks.
    static let envFile: [String: String] = {
        for path in [repositoryRoot + "/.test-services/env.sh", repositoryRoot + "/../main/.test-services/env.sh"] {
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { continue }
            var values: [String: String] = [:]
            for line in text.split(separator: "\n") where line.hasPrefix("export ") {
                let assignment = line.dropFirst("export ".count)
                guard let equals = assignment.firstIndex(of: "=") else { continue }
                values[String(assignment[..<equals])] = String(assignment[assignment.index(after: equals)...])
                    .trimmingCharacters(in: CharacterSet(charactersIn: "\"'"))
            }
            return values
        }
        return [:]
    }()

    static func variable(_ name: String, _ fallback: String) -> String {
        ProcessInfo.processInfo.environment[name] ?? envFile[name] ?? fallback
    }

    static var databaseURL: String {
        variable("PYRAMYDAL_TEST_DATABASE_URL", TestDatabaseURL.loopbackDefault)
    }

    static var logger: Logger {
        var logger = Logger(label: "test.ingest")
        logger.logLevel = .warning
        return logger
    }

    static func connect() async throws -> PostgresConnection {
        try await PostgresConnection.connect(url: databaseURL, variable: "PYRAMYDAL_TEST_DATABASE_URL", logger: logger)
    }

    /// A workbook fixture of the Workbook tests, by name.
    static func fixture(_ name: String) -> String {
        repositoryRoot + "/Tests/XLSXReaderTests/Fixtures/" + name
    }

    /// A fresh temporary directory.
    static func temporaryDirectory() throws -> String {
        let path = NSTemporaryDirectory() + "pyramydal-ingest-test-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// Runs `body` with a migrated catalog in schemas of its own
    /// (`it_<test>_<random>_cat` / `_data`), dropped afterwards.
    static func withCatalog<T>(
        test: String = #function, _ body: (PostgresConnection, Catalog) async throws -> T
    ) async throws -> T {
        let base = test.prefix { $0 != "(" }.lowercased().filter { $0.isLetter || $0.isNumber }.prefix(30)
        let run = UInt32.random(in: 0...UInt32.max)
        let schemas = CatalogSchemas(catalog: "it_\(base)_\(run)_cat", data: "it_\(base)_\(run)_data")
        let catalog = Catalog(schemas: schemas)
        let connection = try await connect()
        defer { connection.close() }
        _ = try await connection.run { try catalog.migrate($0) }
        do {
            let result = try await body(connection, catalog)
            try await drop(schemas, on: connection)
            return result
        } catch {
            try? await drop(schemas, on: connection)
            throw error
        }
    }

    static func drop(_ schemas: CatalogSchemas, on connection: PostgresConnection) async throws {
        try await connection.execute(
            "DROP SCHEMA IF EXISTS \(PostgresConnection.quoteIdentifier(schemas.data)) CASCADE; "
                + "DROP SCHEMA IF EXISTS \(PostgresConnection.quoteIdentifier(schemas.catalog)) CASCADE",
            purpose: "drop test schemas")
    }

    /// Waits (up to a minute) until a COPY into `schema` has rows in flight,
    /// the event a fault test injects at; with `terminate`, the server then
    /// ends that COPY's backend. True when it was seen. (The table is
    /// uncommitted, so its pg_class row is invisible here: the COPY is found
    /// by its statement, which names the schema.) With `gate`, a backend
    /// that session `gate` blocks counts as seen too (a COPY that finished
    /// and waits at a lock the test holds).
    static func awaitCopy(
        into schema: String, on connection: PostgresConnection, terminate: Bool = false, orBlockedBy gate: Int32? = nil
    ) async throws -> Bool {
        for _ in 0..<2400 {
            let seen = try await connection.query("""
                SELECT count(*), count(*) FILTER (WHERE $2 AND pg_terminate_backend(a.pid))
                FROM pg_stat_activity a
                WHERE (a.query LIKE 'COPY "' || $1 || '".%'
                       AND EXISTS (SELECT FROM pg_stat_progress_copy p WHERE p.pid = a.pid AND p.tuples_processed > 0))
                   OR $3::int = ANY (pg_blocking_pids(a.pid))
                """, [.text(schema), .bool(terminate), .int(gate.map(Int.init))], purpose: "copy progress")
            if try seen[0][0, as: Int.self] > 0 { return true }
            try await Task.sleep(for: .milliseconds(25))
        }
        return false
    }

    /// Ingests a local file on a fresh connection (so tests can run ingests
    /// concurrently).
    static func ingestFile(
        _ path: String, catalog: Catalog, workbook: DatasetRef? = nil, onCommitted: Ingest.CommitHook? = nil
    ) async throws -> [CommittedVersion] {
        let connection = try await connect()
        defer { connection.close() }
        let ingest = Ingest(connection: connection, catalog: catalog, logger: logger, onCommitted: onCommitted)
        return try await ingest.ingest(IngestRequest(path: path, workbook: workbook ?? SourceNaming.workbook(path: path),
                                                     source: SourceIdentity(uri: "file://" + path), actor: "test"))
    }

    /// Every row of a relation of the data schema as text (NULL → nil),
    /// ordered by `orderBy` (default: physical order is not guaranteed, so
    /// pass a column when rows must line up).
    static func rows(_ relation: String, catalog: Catalog, on connection: PostgresConnection, orderBy: String? = nil) async throws -> [[String?]] {
        let columns = try await columnTypes(relation, catalog: catalog, on: connection).map { "t.\(PostgresConnection.quoteIdentifier($0.name))::text" }
        let order = orderBy.map { " ORDER BY t.\(PostgresConnection.quoteIdentifier($0))" } ?? ""
        let result = try await connection.query(
            "SELECT \(columns.joined(separator: ", ")) FROM \(catalog.schemas.dataRelation(relation)) t\(order)", purpose: "read rows")
        return try result.map { row in try (0..<row.columnCount).map { try row.text($0) } }
    }

    /// The columns of a relation of the data schema with their SQL types, in order.
    static func columnTypes(_ relation: String, catalog: Catalog, on connection: PostgresConnection) async throws -> [(name: String, type: String)] {
        try await connection.query("""
            SELECT a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a
            JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = $1 AND c.relname = $2 AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum
            """, [.text(catalog.schemas.data), .text(relation)], purpose: "column types"
        ).map { (try $0[0, as: String.self], try $0[1, as: String.self]) }
    }

    /// Relations (tables and views) in the data schema.
    static func dataRelations(_ catalog: Catalog, on connection: PostgresConnection) async throws -> [String] {
        try await connection.query("""
            SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = $1 AND c.relkind IN ('r', 'v') ORDER BY 1
            """, [.text(catalog.schemas.data)], purpose: "data relations").map { try $0[0, as: String.self] }
    }

    /// `(version, status)` of every attempt at a dataset, oldest first.
    static func attempts(_ ref: DatasetRef, catalog: Catalog, on connection: PostgresConnection) async throws -> [VersionRecord] {
        try await connection.run { conn in
            guard let dataset = try catalog.dataset(ref, on: conn) else { return [] }
            return try catalog.listVersions(of: dataset.id, on: conn).reversed()
        }
    }
}
