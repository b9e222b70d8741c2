import Crypto
import Foundation
public import Logging

/// A private PostgreSQL cluster under `<home>/postgres/`, run from the
/// system's PostgreSQL binaries when `PYRAMYDAL_DATABASE_URL` is unset.
///
/// Files under `<home>/postgres/`: `password` (0600), `port`, `location`
/// (only when the data directory had to move, see below), and — unless
/// moved — `data/` and `server.log`. `<home>/postgres.lock` is `flock`ed
/// around initialisation, start, stop and destroy, so two processes never
/// both run `initdb`.
///
/// initdb and postgres refuse to run as root. As root, the cluster runs as
/// the `postgres` account (via `runuser`); when that account can't reach
/// `<home>` (say `/root` is 0700), the data directory goes to
/// `/var/lib/pyramydal/<sha256 of home>/` and `location` records it. No
/// ancestor directory of the user's is ever chmod-ed.
///
/// All work is blocking (`flock`, child processes); the async methods run
/// it on a dedicated dispatch queue, off Swift's cooperative pool.
public struct EmbeddedStack: Sendable {
    /// The database and role the cluster serves.
    public static let databaseName = "pyramydal"
    /// Where data directories go when running as root and `home` isn't reachable by `postgres`.
    public static let relocationRoot = "/var/lib/pyramydal"

    public let home: String
    public let binDirectory: String
    let logger: Logger

    /// The stack for `configuration.home`; throws when no PostgreSQL binaries were found.
    public init(configuration: Configuration, logger: Logger) throws(EmbeddedStackError) {
        guard let bin = configuration.postgresBinDirectory else {
            throw EmbeddedStackError(
                code: .binariesNotFound, step: "find PostgreSQL binaries",
                reason: "no /usr/lib/postgresql/*/bin and no pg_ctl on PATH; install PostgreSQL "
                    + "(apt-get install postgresql) or set PYRAMYDAL_PG_BIN")
        }
        self.init(home: configuration.home, binDirectory: bin, logger: logger)
    }

    public init(home: String, binDirectory: String, logger: Logger) {
        self.home = home
        self.binDirectory = binDirectory
        self.logger = logger
    }

    /// What ``start()`` did.
    public struct StartResult: Sendable, Hashable {
        /// `postgresql://pyramydal:<password>@127.0.0.1:<port>/pyramydal`. Secret: print ``redactedURL``.
        public var url: String
        public var port: Int
        public var dataDirectory: String
        /// This call ran `initdb` (a new cluster).
        public var initialized: Bool
        /// This call started the server (it wasn't running).
        public var started: Bool

        public var redactedURL: String { Redaction.redactingSecrets(in: url) }
    }

    /// What ``status()`` found.
    public struct Status: Sendable, Hashable, CustomStringConvertible {
        public var initialized: Bool
        public var running: Bool
        public var port: Int?
        public var dataDirectory: String
        /// The data directory lives outside `home` (see ``EmbeddedStack``).
        public var relocated: Bool
        /// `SHOW server_version` when running, else the data directory's major version.
        public var version: String?
        /// Bytes of files in the data directory.
        public var sizeBytes: Int64
        public var logFile: String

        public var description: String {
            guard initialized else { return "not initialised (run `pyramydal dev start`)" }
            var lines = [
                "state:     " + (running ? "running" : "stopped"),
                "port:      " + (port.map(String.init) ?? "?"),
                "data:      " + dataDirectory + (relocated ? "  (moved here: home is not reachable by the postgres account)" : ""),
                "log:       " + logFile,
                "version:   PostgreSQL " + (version ?? "?"),
                "size:      " + ByteCountFormatter.string(fromByteCount: sizeBytes, countStyle: .file),
            ]
            if !running { lines.append("start it:  pyramydal dev start") }
            return lines.joined(separator: "\n")
        }
    }

    // MARK: public API

    /// Starts the cluster, initialising it on first use; returns at once when it is already running.
    public func start() async throws -> StartResult {
        try await Self.offload { try self.startBlocking() }
    }

    public func status() async throws -> Status {
        try await Self.offload { try self.statusBlocking() }
    }

    /// Stops the server (`pg_ctl stop -m fast`); `false` if it wasn't running.
    @discardableResult
    public func stop() async throws -> Bool {
        try await Self.offload { try self.stopBlocking() }
    }

    /// Stops the server and deletes the cluster (data, password, port). The store is kept.
    public func destroy() async throws {
        try await Self.offload { try self.destroyBlocking() }
    }

    /// `configuration.databaseURL`, or the embedded cluster's URL (starting it).
    public static func databaseURL(for configuration: Configuration, logger: Logger) async throws -> String {
        if let url = configuration.databaseURL { return url }
        return try await EmbeddedStack(configuration: configuration, logger: logger).start().url
    }

    /// For a directory store, creates `<store>/incoming/` so a person can drop
    /// workbooks there; returns that folder (`nil` for S3).
    @discardableResult
    public static func prepareLocalStore(_ configuration: Configuration) throws -> String? {
        guard case .directory(let path) = configuration.store else { return nil }
        let incoming = path + "/incoming"
        try FileManager.default.createDirectory(atPath: incoming, withIntermediateDirectories: true)
        return incoming
    }

    // MARK: layout

    var metadataDirectory: String { home + "/postgres" }
    var lockPath: String { home + "/postgres.lock" }
    var passwordPath: String { metadataDirectory + "/password" }
    var portPath: String { metadataDirectory + "/port" }
    var locationPath: String { metadataDirectory + "/location" }

    /// The directory holding `data/` and `server.log`: `<home>/postgres`, or
    /// the relocated directory recorded in `location`.
    func clusterRoot() throws(EmbeddedStackError) -> (path: String, relocated: Bool) {
        if let moved = try SystemCalls.readFile(locationPath), !moved.isEmpty { return (moved, true) }
        return (metadataDirectory, false)
    }

    /// `/var/lib/pyramydal/<first 16 hex digits of sha256(home)>`.
    var relocatedRoot: String {
        let digest = SHA256.hash(data: Data(home.utf8))
        let hex = digest.map { String(format: "%02x", $0) }.joined()
        return Self.relocationRoot + "/" + hex.prefix(16)
    }

    static func url(password: String, port: Int) -> String {
        "postgresql://\(databaseName):\(password)@127.0.0.1:\(port)/\(databaseName)"
    }

    private static let queue = DispatchQueue(label: "pyramydal.embedded-stack", attributes: .concurrent)

    private static func offload<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { try body() }) }
        }
    }
}
