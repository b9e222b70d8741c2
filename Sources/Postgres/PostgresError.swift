/// The one error type of the `Postgres` wrapper.
///
/// Shaped like postgres-nio's `PSQLError`: an extensible ``Code`` plus the
/// server's diagnostic fields and our own context (the caller's `purpose`
/// and the configuration variable a URL came from). The server's text is read
/// right after the failing libpq call.
///
/// `description` never contains a password or a connection string: URLs are
/// never stored in the error, and libpq's own messages are scrubbed of any
/// password found in the URL before they are kept.
public struct PostgresError: Error, CustomStringConvertible, Sendable {
    /// What kind of failure this is. Extensible: new codes are static members.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(_ rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// The connection URL could not be parsed.
        public static let badURL = Code("badURL")
        /// Connecting (or authenticating) failed.
        public static let connectionFailed = Code("connectionFailed")
        /// The server closed the connection or it broke (SQLSTATE 57P01–57P03,
        /// class 08, or libpq reports `CONNECTION_BAD`).
        public static let connectionLost = Code("connectionLost")
        /// The connection was closed by ``PostgresConnection/close()``.
        public static let connectionClosed = Code("connectionClosed")
        /// A statement failed on the server.
        public static let queryFailed = Code("queryFailed")
        /// `COPY` failed (sending, finishing, or a server error during COPY).
        public static let copyFailed = Code("copyFailed")
        /// The server answered with something we did not expect, or a value
        /// could not be decoded into the requested Swift type.
        public static let unexpectedResult = Code("unexpectedResult")
        /// A statement or lock timeout fired (SQLSTATE 57014 statement timeout,
        /// 55P03 lock not available).
        public static let timeout = Code("timeout")
        /// The statement was cancelled because its task was cancelled
        /// (SQLSTATE 57014, "canceling statement due to user request").
        public static let cancelled = Code("cancelled")
        /// The connection is busy with a `COPY` and cannot run other statements.
        public static let busy = Code("busy")
        /// The caller passed a value we cannot send (e.g. malformed numeric text).
        public static let invalidValue = Code("invalidValue")
    }

    public var code: Code
    /// Five-character SQLSTATE from the server, when there is one.
    public var sqlState: String?
    /// Primary message (server's `M` field or libpq's error message).
    public var message: String
    public var detail: String?
    public var hint: String?
    /// Where the error happened, e.g. `COPY t, line 12, column amount: "x"`.
    public var context: String?
    /// Server's severity (`ERROR`, `FATAL`, …).
    public var severity: String?
    public var schemaName: String?
    public var tableName: String?
    public var columnName: String?
    public var constraintName: String?
    /// What the statement was for, given by the caller.
    public var purpose: String
    /// The configuration variable the connection URL came from, if known.
    public var variable: String?

    public init(
        code: Code,
        message: String,
        purpose: String,
        sqlState: String? = nil,
        detail: String? = nil,
        hint: String? = nil,
        context: String? = nil,
        variable: String? = nil
    ) {
        self.code = code
        self.message = message
        self.purpose = purpose
        self.sqlState = sqlState
        self.detail = detail
        self.hint = hint
        self.context = context
        self.variable = variable
    }

    public var description: String {
        // A bad URL's message already names the variable and says what is wrong.
        if code == .badURL { return message }
        var text = "PostgreSQL \(code) while \(purpose)"
        if let variable { text += " (\(variable))" }
        text += ": \(message)"
        if let sqlState { text += " [SQLSTATE \(sqlState)]" }
        if let detail { text += "; detail: \(detail)" }
        if let hint { text += "; hint: \(hint)" }
        if let context { text += "; context: \(context)" }
        return text
    }

    /// True when the server refused the statement because of what was sent,
    /// so running it again cannot help: SQLSTATE class 22 (data exception),
    /// 23 (integrity constraint violation), 42 (syntax error or access rule
    /// violation, e.g. an undefined column) and 54 (program limit exceeded,
    /// e.g. "row is too big"). Workers report these as bad input, not as
    /// transient failures to retry.
    public var isBadInput: Bool {
        guard let sqlState, sqlState.count == 5 else { return false }
        return Self.badInputClasses.contains(String(sqlState.prefix(2)))
    }

    static let badInputClasses: Set<String> = ["22", "23", "42", "54"]

    /// The code for a server error: connection loss, timeouts, else `fallback`.
    static func code(sqlState: String?, connectionBad: Bool, fallback: Code) -> Code {
        if connectionBad { return .connectionLost }
        guard let sqlState else { return fallback }
        switch sqlState {
        case "57P01", "57P02", "57P03": return .connectionLost
        case "55P03": return .timeout
        default:
            if sqlState.hasPrefix("08") { return .connectionLost }
            return fallback
        }
    }
}

/// Which step of ``PostgresConnection/transaction(purpose:_:)`` failed, like
/// postgres-nio's `PostgresTransactionError`.
public struct PostgresTransactionError: Error, CustomStringConvertible, Sendable {
    public enum Step: String, Sendable {
        case begin, body, commit
    }

    public var step: Step
    public var purpose: String
    /// The error of the failing step (the body's own error for `.body`).
    public var error: any Error
    /// Set when the ROLLBACK after a failed body failed too.
    public var rollbackError: PostgresError?

    public init(step: Step, purpose: String, error: any Error, rollbackError: PostgresError? = nil) {
        self.step = step
        self.purpose = purpose
        self.error = error
        self.rollbackError = rollbackError
    }

    public var description: String {
        var text = "transaction for \(purpose) failed at \(step.rawValue): \(error)"
        if let rollbackError { text += "; rollback also failed: \(rollbackError)" }
        return text
    }
}
