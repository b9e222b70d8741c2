import Accounts
import Catalog
import Foundation
import HTTPTypes
import Hummingbird
import JobQueue
import Logging
import ObjectStore
import Postgres
import ServiceLifecycle
import Testing
import Web

/// The web suites, one test at a time: each test's server keeps its own
/// connections, and the whole package's tests share one cluster.
@Suite(.serialized) enum WebIntegration {}

/// A catalog and job queue in schemas of their own with two departments
/// (`dept-a`, `dept-b`), each with a dataset (a committed version and a
/// failed attempt) and a job; users of every role; and the web service on
/// loopback against them. Dropped afterwards.
struct WebFixture: Sendable {
    static let url = ProcessInfo.processInfo.environment["PYRAMYDAL_TEST_DATABASE_URL"]
        ?? "postgresql://pyramydal@127.0.0.1:55432/pyramydal_test"
    static let password = "correct horse battery staple"

    let connection: PostgresConnection
    let catalog: Catalog
    let accounts: Accounts
    let server: WebServer
    /// The server's store (a fresh folder unless the test gives one).
    let store: any ObjectStore
    /// Dataset ids, version ids (committed, failed) and job ids per department.
    let datasetA: Int64, datasetB: Int64
    let versionA: Int64, versionB: Int64, failedA: Int64
    let jobA: Int64, jobB: Int64
    /// A write token of the global admin.
    let adminToken: String
    static let rowCount = 250

    /// Runs `body` with a fresh fixture and the live server's client.
    static func run(test: String = #function, settings: WebSettings = WebSettings(), store: (any ObjectStore)? = nil,
                    _ body: @Sendable @escaping (WebFixture, any TestClientProtocol) async throws -> Void) async throws {
        let run = String(UInt32.random(in: 0 ... .max), radix: 36)
        let base = test.prefix { $0.isLetter }.lowercased().prefix(20)
        let schemas = CatalogSchemas(catalog: "wt_\(base)_\(run)", data: "wt_\(base)_\(run)_data")
        var logger = Logger(label: "web-test")
        logger.logLevel = .warning
        let connection = try await PostgresConnection.connect(url: url, logger: logger)
        let catalog = Catalog(schemas: schemas)
        let accounts = Accounts(schema: schemas.catalog)
        let cleanup = "DROP SCHEMA IF EXISTS \(PostgresConnection.quoteIdentifier(schemas.data)) CASCADE; "
            + "DROP SCHEMA IF EXISTS \(PostgresConnection.quoteIdentifier(schemas.catalog)) CASCADE"
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("wt-store-\(base)-\(run)").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        do {
            try await prepareAndRun(connection: connection, catalog: catalog, accounts: accounts, settings: settings,
                                    store: try store ?? DirectoryStore(root: folder), logger: logger, body)
        } catch {
            _ = try? await connection.execute(cleanup, purpose: "cleanup")
            connection.close()
            throw error
        }
        _ = try? await connection.execute(cleanup, purpose: "cleanup")
        connection.close()
    }

    private static func prepareAndRun(
        connection: PostgresConnection, catalog: Catalog, accounts: Accounts, settings: WebSettings, store: any ObjectStore,
        logger: Logger, _ body: @Sendable @escaping (WebFixture, any TestClientProtocol) async throws -> Void
    ) async throws {
        let schemas = catalog.schemas
        let queue = JobQueue(connection: connection, schema: schemas.catalog, logger: logger)
        _ = try await connection.run { conn in
            try catalog.migrate(conn)
            try accounts.migrate(conn)
        }
        try await queue.migrate()
        let (datasetA, versionA, failedA) = try await connection.run { try Self.makeDataset(catalog, department: "dept-a", on: $0) }
        let (datasetB, versionB, _) = try await connection.run { try Self.makeDataset(catalog, department: "dept-b", on: $0) }
        let jobA = try await queue.enqueue(kind: "export", arguments: ["request": ["dataset": "dept-a/sales", "format": "csv"]],
                                           scheduledAt: Date().addingTimeInterval(3600)).id
        let jobB = try await queue.enqueue(kind: "export", arguments: ["request": ["dataset": "dept-b/sales", "format": "csv"]],
                                           scheduledAt: Date().addingTimeInterval(3600)).id
        let adminToken = try await connection.run { conn in
            try accounts.addUser("root", password: password, isAdmin: true, on: conn)
            for (name, role) in [("vera", Role.viewer), ("eddie", .editor), ("ada", .admin)] {
                try accounts.addUser(name, password: password, on: conn)
                try accounts.grant(name, role: role, department: "dept-a", on: conn)
            }
            try accounts.addUser("bob", password: password, on: conn)
            try accounts.grant("bob", role: .admin, department: "dept-b", on: conn)
            try catalog.audit(who: "ingest", what: "ingest dept-b/sales", outcome: "committed", dataset: DatasetRef(department: "dept-b", name: "sales"), on: conn)
            try catalog.audit(who: "ingest", what: "ingest dept-a/sales", outcome: "committed", dataset: DatasetRef(department: "dept-a", name: "sales"), on: conn)
            return try accounts.createToken(username: "root", name: "root-write", scope: .write, on: conn).token
        }
        var settings = settings
        settings.host = "127.0.0.1"
        settings.port = 0
        // Two connections per server: the whole suite runs in parallel against one cluster (max_connections 200).
        settings.poolSize = 2
        let (ports, portSink) = AsyncStream<Int>.makeStream()
        let server = WebServer(databaseURL: url, catalog: catalog, jobsSchema: schemas.catalog, settings: settings, store: store,
                               logger: logger, onRunning: { portSink.yield($0) })
        let fixture = WebFixture(connection: connection, catalog: catalog, accounts: accounts, server: server, store: store,
                                 datasetA: datasetA, datasetB: datasetB, versionA: versionA, versionB: versionB, failedA: failedA,
                                 jobA: jobA, jobB: jobB, adminToken: adminToken)
        do {
            try await Self.serve(server.application(), ports: ports, portSink: portSink, logger: logger) { port in
                try await body(fixture, LiveClient(port: port))
            }
        } catch {
            await server.state.pool.close()
            throw error
        }
        await server.state.pool.close()
    }

    /// Runs `app` until `body` (given the port it listens on) returns,
    /// then stops it gracefully; a server that fails to start fails the test.
    private static func serve(
        _ app: some ApplicationProtocol, ports: AsyncStream<Int>, portSink: AsyncStream<Int>.Continuation, logger: Logger,
        _ body: @Sendable @escaping (Int) async throws -> Void
    ) async throws {
        let group = ServiceGroup(configuration: .init(services: [app], logger: logger))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask {
                defer { portSink.finish() }
                try await group.run()
            }
            var next = ports.makeAsyncIterator()
            guard let port = await next.next() else {
                try await tasks.waitForAll()  // the server's error, if it had one
                throw LiveClient.Failure(description: "the web server stopped before it listened")
            }
            do {
                try await body(port)
            } catch {
                await group.triggerGracefulShutdown()
                throw error
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }

    /// Dataset `sales` in `department`: version 1 with `rowCount` rows
    /// (id bigint, name text, amount double precision, region text with
    /// NULLs, day date), then a failed attempt.
    static func makeDataset(_ catalog: Catalog, department: String,
                            on connection: PostgresConnection) throws -> (Int64, Int64, Int64) {
        let ref = DatasetRef(department: department, name: "sales")
        let columns: [(name: String, type: String)] = [("id", "bigint"), ("name", "text"), ("amount", "double precision"), ("region", "text"), ("day", "date")]
        let (datasetID, versionID, _) = try makeVersion(catalog, ref, columns: columns, rowCount: rowCount, on: connection) { relation in
            """
            INSERT INTO \(relation)
            SELECT g, 'item ' || g || CASE WHEN g % 50 = 0 THEN ' special' ELSE '' END, (g % 7) * 1.5,
                   CASE WHEN g % 10 = 0 THEN NULL ELSE 'region ' || (g % 3) END, date '2024-01-01' + (g % 30)
            FROM generate_series(1, \(rowCount)) g
            """
        }
        let failed = try catalog.recordFailure(
            ref, source: SourceIdentity(uri: "file:///\(department)/broken.xlsx"), sheet: "Sheet1",
            error: VersionError(kind: "badInput", code: "headerOnly", file: "broken.xlsx", sheet: "Sheet1", cell: "A2",
                                message: "the sheet has a header row and no data"),
            timings: VersionTimings(), createdBy: "test", on: connection)
        return (datasetID, versionID, failed)
    }

    /// Version `version` of `ref`: a table of `columns` filled by the SQL that
    /// `fill` makes for its relation, committed (with `notes`) and made the
    /// dataset's view. Returns the dataset id, the version id and the table's name.
    static func makeVersion(_ catalog: Catalog, _ ref: DatasetRef, columns: [(name: String, type: String)], rowCount: Int,
                            version: Int = 1, notes: [String] = [], formats: [String: ColumnFormat] = [:], on connection: PostgresConnection,
                            fill: (_ relation: String) -> String) throws -> (Int64, Int64, String) {
        try connection.transaction(purpose: "make dataset") { conn in
            try catalog.lockDataset(ref, on: conn)
            let dataset = try catalog.ensureDataset(ref, on: conn)
            let table = TableNaming.tableName(viewName: dataset.viewName, datasetID: dataset.id, version: version)
            let versionID = try catalog.insertLoadingVersion(
                datasetID: dataset.id, version: version, source: SourceIdentity(uri: "file:///\(ref.department)/\(ref.name).xlsx"),
                sheet: "Sheet1", tableName: table, createdBy: "test", on: conn)
            try catalog.createTable(table, columns: columns, on: conn)
            try conn.execute(fill(catalog.schemas.dataRelation(table)), purpose: "fill table")
            try catalog.markCommitted(versionID: versionID, rowCount: rowCount, columns: columns.enumerated().map { i, c in
                ColumnInfo(name: c.name, type: c.type, sourceColumn: String(UnicodeScalar(UInt8(65 + i))), nonNull: rowCount, nulls: 0,
                           errors: 0, kinds: [], format: formats[c.name])
            }, timings: VersionTimings(), notes: notes, on: conn)
            try catalog.pointView(dataset.viewName, at: table, on: conn)
            return (dataset.id, versionID, table)
        }
    }
}

extension WebFixture {
    /// A new token of `user` (made directly in the accounts).
    func token(_ user: String, scope: TokenScope = .read) async throws -> String {
        let accounts = self.accounts
        return try await connection.run { try accounts.createToken(username: user, name: "t-\(UUID().uuidString.prefix(8))", scope: scope, on: $0).token }
    }
}

// MARK: - requests

extension TestResponse {
    var text: String { body.getString(at: body.readerIndex, length: body.readableBytes) ?? "" }

    func json() throws -> [String: Any] {
        (try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]) ?? [:]
    }

    /// The session cookie's value from `Set-Cookie`, and the whole header.
    var sessionCookie: (value: String, header: String)? {
        for header in headers[values: .setCookie] where header.hasPrefix("pyramydal_session=") {
            let value = header.dropFirst("pyramydal_session=".count).prefix { $0 != ";" }
            return (String(value), header)
        }
        return nil
    }
}

extension TestClientProtocol {
    /// A request with a bearer token or a session cookie (and CSRF token).
    func send(_ method: HTTPRequest.Method, _ uri: String, token: String? = nil, cookie: String? = nil, csrf: String? = nil,
              json: String? = nil) async throws -> TestResponse {
        var headers: HTTPFields = [:]
        if let token { headers[.authorization] = "Bearer \(token)" }
        if let cookie { headers[.cookie] = "pyramydal_session=\(cookie)" }
        if let csrf { headers[HTTPField.Name("X-CSRF-Token")!] = csrf }
        if json != nil { headers[.contentType] = "application/json" }
        return try await execute(uri: uri, method: method, headers: headers, body: json.map { ByteBuffer(string: $0) })
    }

    /// Signs in; returns the cookie value and CSRF token.
    func login(_ username: String, password: String = WebFixture.password, cookie: String? = nil) async throws -> (cookie: String, csrf: String) {
        let response = try await send(.post, "/api/v1/session", cookie: cookie,
                                      json: #"{"username":"\#(username)","password":"\#(password)"}"#)
        guard response.status == .ok, let session = response.sessionCookie,
              let csrf = try response.json()["csrf_token"] as? String else {
            throw LoginFailed(status: response.status.code, body: response.text)
        }
        return (session.value, csrf)
    }
}

struct LoginFailed: Error {
    var status: Int
    var body: String
}

/// Runs blocking work (a child process, a pipe read) on a Dispatch thread:
/// the server under test shares this process's small cooperative pool, and
/// a blocked pool thread would stall its requests.
func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global().async { continuation.resume(with: Result { try body() }) }
    }
}
