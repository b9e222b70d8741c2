/// A failure managing the embedded PostgreSQL cluster.
///
/// Names the step (`initdb`, `start server`, …), the path or command
/// involved and what the tool said; never the cluster password (commands
/// get it through a file or `PGPASSWORD`, not their arguments).
public struct EmbeddedStackError: Error, Sendable, Hashable, CustomStringConvertible {
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }

        /// No PostgreSQL server binaries were found (`PYRAMYDAL_PG_BIN`).
        public static let binariesNotFound = Code("binariesNotFound")
        /// Running as root and there is no unprivileged `postgres` account.
        public static let postgresAccountMissing = Code("postgresAccountMissing")
        /// A PostgreSQL tool exited with an error.
        public static let commandFailed = Code("commandFailed")
        /// The server did not start or did not answer.
        public static let serverUnavailable = Code("serverUnavailable")
        /// Creating, reading or writing a file or directory failed.
        public static let fileSystem = Code("fileSystem")

        public var description: String { name }
    }

    public let code: Code
    /// What Pyramydal was doing.
    public let step: String
    /// The file or directory involved, if any.
    public let path: String?
    /// What went wrong: the tool's own message, trimmed.
    public let reason: String

    public init(code: Code, step: String, path: String? = nil, reason: String) {
        self.code = code
        self.step = step
        self.path = path
        self.reason = reason
    }

    public var description: String {
        var text = "embedded PostgreSQL: \(step) failed"
        if let path { text += " (\(path))" }
        return text + ": " + reason
    }
}
