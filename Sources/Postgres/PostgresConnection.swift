internal import CLibPQ
import Dispatch
import Foundation
import Logging

/// One libpq connection (`PGconn`).
///
/// Every libpq call goes through `withHandle`, which holds `lock`, so the
/// handle is used by one thread at a time. Async methods run the blocking
/// libpq call on this connection's own serial `DispatchQueue` and resume a
/// continuation, so Swift's cooperative thread pool never blocks in libpq;
/// cancelling the calling task cancels the running statement (`PQcancel`).
/// The sync methods (same names without `async`; Swift picks them in
/// synchronous code such as a sync transaction body) run on the caller's
/// thread, for code that already runs on a thread of its own (the ingest
/// COPY).
///
/// `@unchecked Sendable` because the mutable state (the `PGconn*`, the COPY
/// flag and the queue of received notifications) is only touched with `lock`
/// held; libpq allows a connection to move between threads as long as two
/// threads never use it at once. A connection is still a single session:
/// statements from two tasks interleave one statement at a time, so a
/// transaction or a COPY belongs to one caller at a time.
public final class PostgresConnection: @unchecked Sendable {
    private let lock = NSLock()
    /// The `PGconn*`; `nil` after ``close()``. Guarded by `lock`.
    private var handle: OpaquePointer?
    /// True between ``copyIn(_:purpose:batchSize:)`` and the writer's end. Guarded by `lock`.
    var copyInProgress = false
    /// Notifications read from libpq but not yet returned. Guarded by `lock`.
    var pendingNotifications: [PostgresNotification] = []
    /// Statements prepared by ``queryPrepared(_:_:purpose:)``: SQL text →
    /// server-side name. Guarded by `lock`.
    private var preparedStatements: [String: String] = [:]

    /// Serial queue for the async methods' blocking libpq calls.
    let queue: DispatchQueue
    public let logger: Logger
    /// The configuration variable the URL came from, for error messages.
    public let variable: String?
    let secrets: ConnectionSecrets
    private let noticeSink: NoticeSink
    let canceller: StatementCanceller
    /// The server's backend process ID (for `pg_terminate_backend`, `pg_stat_activity`).
    public let processID: Int32
    /// e.g. 150018 for 15.18.
    public let serverVersion: Int

    private init(handle: OpaquePointer, variable: String?, secrets: ConnectionSecrets, logger: Logger, noticeSink: NoticeSink) {
        self.handle = handle
        self.variable = variable
        self.secrets = secrets
        self.logger = logger
        self.noticeSink = noticeSink
        canceller = StatementCanceller(connection: handle)
        processID = PQbackendPID(handle)
        serverVersion = Int(PQserverVersion(handle))
        queue = DispatchQueue(label: "pyramydal.postgres.connection.\(processID)")
    }

    deinit {
        if let handle { PQfinish(handle) }
    }

    // MARK: connecting

    /// Connects on a Dispatch thread (libpq's connect blocks) and returns the
    /// connection. See ``connectSync(url:variable:applicationName:logger:)``.
    public static func connect(
        url: String,
        variable: String? = nil,
        applicationName: String = "pyramydal",
        logger: Logger = Logger(label: "pyramydal.postgres")
    ) async throws -> PostgresConnection {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result {
                    try connectSync(url: url, variable: variable, applicationName: applicationName, logger: logger)
                })
            }
        }
    }

    /// Connects with a libpq URL (`postgresql://user:pass@host:port/db?sslmode=…`,
    /// a Unix socket as `?host=/dir` or a `%2Fdir` host) or `key=value` string.
    /// libpq parses it; a malformed one throws `.badURL` naming `variable`.
    /// The session is forced to `client_encoding=UTF8`; `connect_timeout`
    /// defaults to 10 s unless the URL sets it.
    public static func connectSync(
        url: String,
        variable: String? = nil,
        applicationName: String = "pyramydal",
        logger: Logger = Logger(label: "pyramydal.postgres")
    ) throws -> PostgresConnection {
        let secrets = ConnectionSecrets(url)
        let purpose = "connecting to PostgreSQL"
        try validate(url: url, variable: variable, secrets: secrets)

        // Later keywords override earlier ones and the expanded URL sits in
        // between: connect_timeout is a default, client_encoding is forced.
        let keywords = ["connect_timeout", "dbname", "fallback_application_name", "client_encoding"]
        let values = ["10", url, applicationName, "UTF8"]
        let handle = withCStringArray(keywords) { keywordPointers in
            withCStringArray(values) { valuePointers in
                PQconnectdbParams(keywordPointers, valuePointers, 1)
            }
        }
        guard let handle else {
            throw PostgresError(code: .connectionFailed, message: "libpq could not allocate a connection",
                                purpose: purpose, variable: variable)
        }
        guard PQstatus(handle) == CONNECTION_OK else {
            let message = secrets.scrub(Self.trimmed(PQerrorMessage(handle)))
            PQfinish(handle)
            // Option values libpq only checks when connecting ("invalid integer
            // value "x" for connection option "port"") are still a bad URL.
            if message.hasPrefix("invalid ") {
                throw PostgresError(code: .badURL,
                                    message: "\(variable ?? "the connection URL") is not a valid PostgreSQL URL: \(message)",
                                    purpose: purpose, variable: variable)
            }
            throw PostgresError(code: .connectionFailed, message: message, purpose: purpose, variable: variable)
        }

        let sink = NoticeSink(logger: logger)
        PQsetNoticeProcessor(handle, { argument, message in
            guard let argument, let message else { return }
            let sink = Unmanaged<NoticeSink>.fromOpaque(argument).takeUnretainedValue()
            sink.logger.debug("\(PostgresConnection.trimmed(message))", metadata: ["postgres.notice": "true"])
        }, Unmanaged.passUnretained(sink).toOpaque())

        let connection = PostgresConnection(handle: handle, variable: variable, secrets: secrets, logger: logger, noticeSink: sink)
        // Result decoding reads ISO dates; nearly every server defaults to it.
        if let style = PQparameterStatus(handle, "DateStyle"), !String(cString: style).hasPrefix("ISO") {
            try connection.execute("SET DateStyle TO ISO", purpose: "setting DateStyle to ISO")
        }
        logger.debug("connected to PostgreSQL", metadata: [
            "postgres.url": "\(ConnectionSecrets.redact(url))",
            "postgres.pid": "\(connection.processID)",
        ])
        return connection
    }

    /// Pre-validates with `PQconninfoParse` so a malformed URL fails clearly.
    private static func validate(url: String, variable: String?, secrets: ConnectionSecrets) throws {
        let name = variable ?? "the connection URL"
        var errorMessage: UnsafeMutablePointer<CChar>?
        if let options = PQconninfoParse(url, &errorMessage) {
            PQconninfoFree(options)
            return
        }
        var reason = "libpq could not parse it"
        if let errorMessage {
            reason = secrets.scrub(trimmed(errorMessage))
            PQfreemem(errorMessage)
        }
        let looksLikeURL = url.hasPrefix("postgresql://") || url.hasPrefix("postgres://")
        if !looksLikeURL && !url.contains("=") {
            // A key=value parse error would quote the text back, which may be a secret.
            reason = "expected postgresql://user:password@host:port/database"
        }
        throw PostgresError(
            code: .badURL,
            message: "\(name) is not a valid PostgreSQL URL: \(reason)",
            purpose: "parsing the connection URL",
            variable: variable)
    }

    /// A connection URL with its password replaced by `***`, safe for logs.
    public static func redactedURL(_ url: String) -> String {
        ConnectionSecrets.redact(url)
    }

    // MARK: state

    /// False after ``close()`` or once libpq knows the connection broke. When
    /// idle, reads what the server sent (without blocking) so a terminated
    /// backend is noticed.
    public var isAlive: Bool {
        lock.lock()
        defer { lock.unlock() }
        guard let handle else { return false }
        if !copyInProgress, PQstatus(handle) == CONNECTION_OK {
            _ = PQconsumeInput(handle)
        }
        return PQstatus(handle) == CONNECTION_OK
    }

    /// Closes the connection (`PQfinish`). Later calls throw `.connectionClosed`.
    /// Waits for a running statement or notification wait to end: cancel a
    /// waiting task first to close promptly.
    public func close() {
        lock.lock()
        defer { lock.unlock() }
        if let handle {
            canceller.invalidate()
            PQfinish(handle)
            self.handle = nil
        }
    }

    // MARK: statements

    /// Runs one statement with text-format parameters (`$1`, `$2`, …) and
    /// returns its rows (`PQexecParams`).
    @discardableResult
    public func query(_ sql: String, _ parameters: [PostgresValue] = [], purpose: String) throws -> PostgresRows {
        try withHandle(purpose: purpose) { handle in
            logger.trace("query", metadata: ["postgres.purpose": "\(purpose)"])
            return try rows(withParameters(parameters) { types, values in
                PQexecParams(handle, sql, Int32(parameters.count), types, values, nil, nil, 0)
            }, handle: handle, purpose: purpose)
        }
    }

    /// Async ``query(_:_:purpose:)``, run on the connection's queue.
    @discardableResult
    public func query(_ sql: String, _ parameters: [PostgresValue] = [], purpose: String) async throws -> PostgresRows {
        try await onQueue { try self.query(sql, parameters, purpose: purpose) }
    }

    /// Like ``query(_:_:purpose:)``, for a statement this connection runs
    /// often: the first call prepares it on the server (`PQprepare`, with
    /// the parameter types of that call, as ``query(_:_:purpose:)`` sends
    /// them), later calls only bind and execute it (`PQexecPrepared`), so
    /// the server parses it once per connection and, after a few runs,
    /// may keep one generic plan. Parameters stay parameters. Prepared
    /// statements outlive transactions, including rolled-back ones.
    @discardableResult
    public func queryPrepared(_ sql: String, _ parameters: [PostgresValue] = [], purpose: String) throws -> PostgresRows {
        try withHandle(purpose: purpose) { handle in
            logger.trace("query (prepared)", metadata: ["postgres.purpose": "\(purpose)"])
            let name: String
            if let known = preparedStatements[sql] {
                name = known
            } else {
                name = "pyramydal_\(preparedStatements.count + 1)"
                let types: [Oid] = parameters.map { Oid($0.typeOID) }
                let result = types.withUnsafeBufferPointer { PQprepare(handle, name, sql, Int32(types.count), $0.baseAddress) }
                PQclear(try checkResult(result, handle: handle, purpose: purpose, accept: [PGRES_COMMAND_OK]))
                preparedStatements[sql] = name
            }
            return try rows(withParameters(parameters) { _, values in
                PQexecPrepared(handle, name, Int32(parameters.count), values, nil, nil, 0)
            }, handle: handle, purpose: purpose)
        }
    }

    /// The rows of a statement's result (or its error).
    private func rows(_ result: OpaquePointer?, handle: OpaquePointer, purpose: String) throws -> PostgresRows {
        let checked = try checkResult(result, handle: handle, purpose: purpose,
                                      accept: [PGRES_TUPLES_OK, PGRES_COMMAND_OK, PGRES_EMPTY_QUERY])
        return PostgresRows(storage: ResultStorage(result: checked, purpose: purpose))
    }

    /// Async ``queryPrepared(_:_:purpose:)``, run on the connection's queue.
    @discardableResult
    public func queryPrepared(_ sql: String, _ parameters: [PostgresValue] = [], purpose: String) async throws -> PostgresRows {
        try await onQueue { try self.queryPrepared(sql, parameters, purpose: purpose) }
    }

    /// Runs parameterless SQL, possibly several `;`-separated statements
    /// (`PQexec`; without an explicit BEGIN they run as one implicit
    /// transaction). Returns the affected-row count of the last statement.
    @discardableResult
    public func execute(_ sql: String, purpose: String) throws -> Int {
        try withHandle(purpose: purpose) { handle in
            logger.trace("execute", metadata: ["postgres.purpose": "\(purpose)"])
            let result = PQexec(handle, sql)
            let checked = try checkResult(result, handle: handle, purpose: purpose,
                                          accept: [PGRES_TUPLES_OK, PGRES_COMMAND_OK, PGRES_EMPTY_QUERY])
            defer { PQclear(checked) }
            return Int(String(cString: PQcmdTuples(checked))) ?? 0
        }
    }

    /// Async ``execute(_:purpose:)``, run on the connection's queue.
    @discardableResult
    public func execute(_ sql: String, purpose: String) async throws -> Int {
        try await onQueue { try self.execute(sql, purpose: purpose) }
    }

    // MARK: internals shared by the extensions

    /// Runs `body` with the handle, `lock` held. Throws if closed or in COPY.
    func withHandle<T>(purpose: String, allowDuringCopy: Bool = false, _ body: (OpaquePointer) throws -> T) throws -> T {
        lock.lock()
        defer { lock.unlock() }
        guard let handle else {
            throw PostgresError(code: .connectionClosed, message: "the connection is closed", purpose: purpose,
                                variable: variable)
        }
        if copyInProgress && !allowDuringCopy {
            throw PostgresError(code: .busy, message: "a COPY is in progress on this connection; finish or abort it first",
                                purpose: purpose)
        }
        return try body(handle)
    }

    /// Runs a block of blocking work that uses this connection (its sync
    /// API) on the connection's serial queue, off Swift's cooperative pool:
    /// e.g. a migration or a whole COPY pipeline. Cancellation behaves as for
    /// the async methods.
    public func run<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) throws -> T) async throws -> T {
        try await onQueue { try body(self) }
    }

    /// Runs a sync operation on the connection's serial queue. Cancelling the
    /// calling task sends the server a cancel request for the running
    /// statement (it then fails with `.cancelled`), or skips the operation
    /// with `CancellationError` if it has not started yet.
    func onQueue<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        let token = canceller.makeToken()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                queue.async {
                    guard self.canceller.start(token) else {
                        continuation.resume(throwing: CancellationError())
                        return
                    }
                    let result = Result(catching: body)
                    self.canceller.end(token)
                    continuation.resume(with: result)
                }
            }
        } onCancel: {
            canceller.cancel(token)
        }
    }

    /// Returns `result` if its status is accepted; otherwise clears it and
    /// throws the error read from it (and from the connection) right away.
    func checkResult(
        _ result: OpaquePointer?, handle: OpaquePointer, purpose: String,
        accept: [ExecStatusType], fallback: PostgresError.Code = .queryFailed
    ) throws -> OpaquePointer {
        guard let result else {
            throw connectionError(handle: handle, purpose: purpose, fallback: fallback)
        }
        let status = PQresultStatus(result)
        if accept.contains(status) { return result }
        if status == PGRES_COPY_IN || status == PGRES_COPY_OUT {
            PQclear(result)
            leaveUnexpectedCopy(handle: handle)
            throw PostgresError(code: .unexpectedResult,
                                message: "the statement started a COPY; use copyIn or copyOut for COPY",
                                purpose: purpose)
        }
        let error = Self.error(from: result, handle: handle, purpose: purpose, fallback: fallback, secrets: secrets)
        PQclear(result)
        throw error
    }

    /// The error libpq reports on the connection itself (no result).
    func connectionError(handle: OpaquePointer, purpose: String, fallback: PostgresError.Code) -> PostgresError {
        let bad = PQstatus(handle) == CONNECTION_BAD
        var message = secrets.scrub(Self.trimmed(PQerrorMessage(handle)))
        if message.isEmpty { message = "libpq returned no result" }
        return PostgresError(code: bad ? .connectionLost : fallback, message: message, purpose: purpose,
                             variable: bad ? variable : nil)
    }

    static func error(
        from result: OpaquePointer, handle: OpaquePointer, purpose: String,
        fallback: PostgresError.Code, secrets: ConnectionSecrets
    ) -> PostgresError {
        func field(_ code: Character) -> String? {
            guard let value = PQresultErrorField(result, Int32(code.asciiValue!)) else { return nil }
            return String(cString: value)
        }
        let sqlState = field("C")
        let message = field("M") ?? secrets.scrub(trimmed(PQresultErrorMessage(result)))
        var code = PostgresError.code(sqlState: sqlState, connectionBad: PQstatus(handle) == CONNECTION_BAD,
                                      fallback: fallback)
        if sqlState == "57014" {
            if message.contains("statement timeout") { code = .timeout }
            if message.contains("user request") { code = .cancelled }
        }
        var error = PostgresError(code: code, message: message.isEmpty ? "unknown error" : message,
                                  purpose: purpose, sqlState: sqlState, detail: field("D"), hint: field("H"),
                                  context: field("W"))
        error.severity = field("V") ?? field("S")
        error.schemaName = field("s")
        error.tableName = field("t")
        error.columnName = field("c")
        error.constraintName = field("n")
        return error
    }

    /// Gets the connection out of a COPY that `PQexec`/`PQexecParams` started.
    private func leaveUnexpectedCopy(handle: OpaquePointer) {
        while let result = PQgetResult(handle) {
            let status = PQresultStatus(result)
            PQclear(result)
            if status == PGRES_COPY_IN {
                _ = PQputCopyEnd(handle, "COPY FROM STDIN is only supported through copyIn")
            } else if status == PGRES_COPY_OUT {
                var buffer: UnsafeMutablePointer<CChar>?
                while PQgetCopyData(handle, &buffer, 0) > 0 { PQfreemem(buffer) }
            }
        }
    }

    static func trimmed(_ text: UnsafePointer<CChar>?) -> String {
        guard let text else { return "" }
        return String(cString: text).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

/// Receives libpq notices (e.g. "table … does not exist, skipping") so they
/// go to the logger instead of stderr.
private final class NoticeSink: Sendable {
    let logger: Logger
    init(logger: Logger) { self.logger = logger }
}

/// Calls `body` with a NULL-terminated array of C strings.
func withCStringArray<R>(_ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> R) -> R {
    let duplicates = strings.map { strdup($0) }
    defer { duplicates.forEach { free($0) } }
    var pointers: [UnsafePointer<CChar>?] = duplicates.map { UnsafePointer($0) }
    pointers.append(nil)
    return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
}

/// Calls `body` with libpq's parameter type and value arrays (NULL value = SQL NULL).
private func withParameters<R>(
    _ parameters: [PostgresValue],
    _ body: (UnsafePointer<Oid>?, UnsafePointer<UnsafePointer<CChar>?>?) -> R
) -> R {
    if parameters.isEmpty { return body(nil, nil) }
    let types: [Oid] = parameters.map { Oid($0.typeOID) }
    let duplicates: [UnsafeMutablePointer<CChar>?] = parameters.map { $0.text.map { strdup($0) } ?? nil }
    defer { duplicates.forEach { free($0) } }
    let pointers: [UnsafePointer<CChar>?] = duplicates.map { $0.map { UnsafePointer($0) } }
    return types.withUnsafeBufferPointer { typeBuffer in
        pointers.withUnsafeBufferPointer { valueBuffer in
            body(typeBuffer.baseAddress, valueBuffer.baseAddress)
        }
    }
}
