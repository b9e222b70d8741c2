import Foundation
import Postgres
import Testing

@Suite("Connections")
struct ConnectionTests {
    static let password = "S3cretPassw0rd"

    @Test("terminating the backend gives .connectionLost on the next statement and wait")
    func lostConnection() async throws {
        for useWait in [false, true] {
            let victim = try await TestDatabase.connect()
            let killer = try await TestDatabase.connect()
            defer { victim.close(); killer.close() }
            #expect(victim.isAlive)
            try await victim.listen("lost")
            // pg_terminate_backend with a timeout waits until the backend is gone.
            let terminated = try await killer.query("SELECT pg_terminate_backend($1, 5000) AS ok",
                                                    [.init(victim.processID)], purpose: "terminating the victim")
            #expect(try terminated[0]["ok", as: Bool.self])
            let error = try await #require(throws: PostgresError.self) {
                if useWait {
                    _ = try await victim.waitForNotification(timeout: .seconds(60))
                } else {
                    try await victim.query("SELECT 1", purpose: "querying after termination")
                }
            }
            #expect(error.code == .connectionLost)
            #expect(!victim.isAlive)
            // Later calls keep failing the same way rather than hanging.
            let again = try await #require(throws: PostgresError.self) {
                try await victim.execute("SELECT 1", purpose: "querying again")
            }
            #expect(again.code == .connectionLost)
        }
    }

    @Test("a malformed URL names the variable and never echoes the password")
    func badURL() async throws {
        let urls = [
            "postgresql://alice:\(Self.password)@127.0.0.1:55432/db?bogus_option=1",
            "postgresql://alice:\(Self.password)%zz@127.0.0.1:55432/db",
            "postgresql://alice:\(Self.password)@[::1/db",
            Self.password,
            "host=127.0.0.1 password=\(Self.password) nonsense",
            "postgresql://alice:\(Self.password)@127.0.0.1:notaport/db",
            "postgresql://alice:\(Self.password)@127.0.0.1/db?sslmode=sometimes",
        ]
        for url in urls {
            let error = try await #require(throws: PostgresError.self) {
                try await PostgresConnection.connect(url: url, variable: "PYRAMYDAL_DATABASE_URL")
            }
            #expect(error.code == .badURL, "\(error)")
            #expect(error.variable == "PYRAMYDAL_DATABASE_URL")
            #expect(error.description.hasPrefix("PYRAMYDAL_DATABASE_URL is not a valid PostgreSQL URL: "), "\(error)")
            #expect(!error.description.contains(Self.password), "\(error)")
            #expect(!error.description.contains("S3cret"), "\(error)")
        }
    }

    @Test("a refused connection names the variable, keeps libpq's reason and hides the password")
    func connectionFailed() async throws {
        let error = try await #require(throws: PostgresError.self) {
            try await PostgresConnection.connect(url: "postgresql://alice:\(Self.password)@127.0.0.1:1/db?connect_timeout=2",
                                                 variable: "PYRAMYDAL_DATABASE_URL")
        }
        #expect(error.code == .connectionFailed)
        #expect(error.variable == "PYRAMYDAL_DATABASE_URL")
        #expect(error.message.contains("127.0.0.1"))
        #expect(!error.description.contains(Self.password))

        // A Unix-socket directory in the URL is used as the host.
        let socket = try #require(throws: PostgresError.self) {
            try PostgresConnection.connectSync(url: "postgresql:///db?host=/nonexistent-pyramydal-dir")
        }
        #expect(socket.code == .connectionFailed)
        #expect(socket.message.contains("/nonexistent-pyramydal-dir"))
        let encoded = try #require(throws: PostgresError.self) {
            try PostgresConnection.connectSync(url: "postgresql://%2Fnonexistent-pyramydal-dir/db")
        }
        #expect(encoded.message.contains("/nonexistent-pyramydal-dir"))
    }

    @Test("connect, application name, close")
    func lifecycle() async throws {
        let connection = try await TestDatabase.connect()
        #expect(connection.serverVersion >= 100_000)
        let rows = try await connection.query(
            "SELECT current_setting('application_name') AS app, pg_backend_pid() AS pid, current_setting('client_encoding') AS enc",
            purpose: "reading session settings")
        #expect(try rows[0]["app", as: String.self] == "pyramydal-tests")
        #expect(try rows[0]["pid", as: Int32.self] == connection.processID)
        #expect(try rows[0]["enc", as: String.self] == "UTF8")
        connection.close()
        #expect(!connection.isAlive)
        let closed = try await #require(throws: PostgresError.self) {
            try await connection.query("SELECT 1", purpose: "after close")
        }
        #expect(closed.code == .connectionClosed)
        connection.close()
    }
}

@Suite("Cancellation")
struct CancellationTests {
    @Test("cancelling the task of a running query cancels it on the server")
    func cancelRunningQuery() async throws {
        let connection = try await TestDatabase.connect()
        defer { connection.close() }
        let start = ContinuousClock.now
        let task = Task { try await connection.query("SELECT pg_sleep(600)", purpose: "sleeping") }
        // Wait until the server is running the statement.
        let watcher = try await TestDatabase.connect()
        defer { watcher.close() }
        for _ in 0..<100 {
            let active = try await watcher.query(
                "SELECT count(*) FROM pg_stat_activity WHERE pid = $1 AND state = 'active'",
                [.init(connection.processID)], purpose: "watching the sleeper")
            if try active[0][0, as: Int.self] == 1 { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        task.cancel()
        let error = await #expect(throws: PostgresError.self) { try await task.value }
        #expect(error?.code == .cancelled)
        #expect(error?.sqlState == "57014")
        // Ended by the cancel, not the 600 s sleep (generous: CI machines are busy).
        #expect(ContinuousClock.now - start < .seconds(120))
        let rows = try await connection.query("SELECT 'still usable' AS state", purpose: "after cancel")
        #expect(try rows[0]["state", as: String.self] == "still usable")
    }

    @Test("an already-cancelled task does not run its statement")
    func cancelBeforeStart() async throws {
        let connection = try await TestDatabase.connect()
        defer { connection.close() }
        try await connection.execute("CREATE TEMP TABLE marks (n int)", purpose: "creating marks")
        let task = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return try await connection.execute("INSERT INTO marks VALUES (1)", purpose: "inserting when cancelled")
        }
        await #expect(throws: CancellationError.self) { try await task.value }
        let rows = try await connection.query("SELECT count(*) FROM marks", purpose: "counting marks")
        #expect(try rows[0][0, as: Int.self] == 0)
    }
}
