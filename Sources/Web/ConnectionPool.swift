import Logging
public import Postgres

/// A small bounded pool of our own ``PostgresConnection``s. Each connection
/// runs its blocking libpq calls on its own serial queue
/// (`PostgresConnection.run`), so neither the event loops nor Swift's
/// cooperative pool ever block in libpq. At most `size` connections exist;
/// further callers wait (cancellably) for one to come back.
public actor ConnectionPool {
    private let url: String
    private let size: Int
    private let setupSQL: String
    private let logger: Logger
    private var idle: [PostgresConnection] = []
    private var open = 0
    private var waiters: [(id: Int, continuation: CheckedContinuation<PostgresConnection?, any Error>)] = []
    private var nextWaiter = 0
    private var closed = false

    /// - Parameter setupSQL: run on each new connection (e.g. its `statement_timeout`).
    public init(url: String, size: Int, setupSQL: String = "", logger: Logger) {
        self.url = url
        self.size = max(1, size)
        self.setupSQL = setupSQL
        self.logger = logger
    }

    /// Runs `body` (blocking libpq work) with a connection, off the cooperative pool.
    public nonisolated func run<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) throws -> T) async throws -> T {
        try await withConnection { connection in try await connection.run(body) }
    }

    /// Lends a connection to `body` and takes it back afterwards (a broken one is dropped).
    public nonisolated func withConnection<T: Sendable>(
        _ body: (PostgresConnection) async throws -> T
    ) async throws -> T {
        let connection = try await acquire()
        do {
            let result = try await body(connection)
            await release(connection)
            return result
        } catch {
            await release(connection)
            throw error
        }
    }

    private func acquire() async throws -> PostgresConnection {
        if closed { throw PostgresError(code: .connectionClosed, message: "the pool is closed", purpose: "borrow a connection") }
        if let connection = idle.popLast() { return connection }
        if open < size { return try await openOne() }
        nextWaiter += 1
        let id = nextWaiter
        let handed: PostgresConnection? = try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                if Task.isCancelled {
                    continuation.resume(throwing: CancellationError())
                } else {
                    waiters.append((id, continuation))
                }
            }
        } onCancel: {
            Task { await self.cancelWaiter(id) }
        }
        if let handed { return handed }
        // The pool had room again (a broken connection was dropped): open one.
        return try await openOne()
    }

    /// Opens a connection, counted in `open` from the start (so concurrent
    /// callers never open more than `size`).
    private func openOne() async throws -> PostgresConnection {
        open += 1
        do {
            return try await connect()
        } catch {
            open -= 1
            throw error
        }
    }

    private func cancelWaiter(_ id: Int) {
        if let index = waiters.firstIndex(where: { $0.id == id }) {
            waiters.remove(at: index).continuation.resume(throwing: CancellationError())
        }
    }

    private func release(_ connection: PostgresConnection) {
        guard !closed, connection.isAlive else {
            connection.close()
            open -= 1
            if !waiters.isEmpty { waiters.removeFirst().continuation.resume(returning: nil) }
            return
        }
        if !waiters.isEmpty {
            waiters.removeFirst().continuation.resume(returning: connection)
        } else {
            idle.append(connection)
        }
    }

    private func connect() async throws -> PostgresConnection {
        let connection = try await PostgresConnection.connect(url: url, variable: "PYRAMYDAL_DATABASE_URL",
                                                              applicationName: "pyramydal-web", logger: logger)
        if !setupSQL.isEmpty { try await connection.execute(setupSQL, purpose: "set up web connection") }
        return connection
    }

    /// Closes the idle connections and refuses new borrowers.
    public func close() {
        closed = true
        idle.forEach { $0.close() }
        open -= idle.count
        idle.removeAll()
        for waiter in waiters { waiter.continuation.resume(throwing: CancellationError()) }
        waiters.removeAll()
    }
}
