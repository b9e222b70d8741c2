public import Accounts
import Foundation

/// The HTTP service's settings, from `PYRAMYDAL_*` variables (each with a
/// default; a bad value names its variable).
public struct WebSettings: Sendable, Hashable {
    /// `PYRAMYDAL_HTTP_ADDRESS`: `host:port` to listen on (default `127.0.0.1:8080`; port 0 picks a free one).
    public var host: String
    public var port: Int
    /// `PYRAMYDAL_HTTP_SECURE_COOKIES`: mark the session cookie `Secure`
    /// (set it when clients reach the service over HTTPS, e.g. behind the ALB).
    public var secureCookies: Bool
    /// `PYRAMYDAL_HTTP_MAX_CONCURRENT`: requests served at once; beyond it, 503 (default 64).
    public var maxConcurrentRequests: Int
    /// `PYRAMYDAL_HTTP_TIMEOUT_SECONDS`: bound on each database statement of a
    /// request (`statement_timeout`), on waiting for a connection, and on an idle client connection (default 30).
    public var requestTimeoutSeconds: Int
    /// `PYRAMYDAL_HTTP_POOL_SIZE`: PostgreSQL connections the service keeps (default 8).
    public var poolSize: Int
    /// `PYRAMYDAL_SESSION_IDLE_MINUTES` (default 120) and `PYRAMYDAL_SESSION_MAX_HOURS` (default 12).
    public var sessions: SessionPolicy
    /// `PYRAMYDAL_HTTP_TRUSTED_PROXIES`: proxies whose `X-Forwarded-For` names
    /// the client (for login throttling and the audit log); default none.
    public var trustedProxies: TrustedProxies
    /// `PYRAMYDAL_UPLOAD_MAX_MB`: the largest workbook an upload may send, in
    /// bytes (the variable is in MiB; default 256 MiB). A larger one is refused with 413.
    public var uploadMaxBytes: Int64 = 256 << 20

    public static let addressVariable = "PYRAMYDAL_HTTP_ADDRESS"

    public init(host: String = "127.0.0.1", port: Int = 8080, secureCookies: Bool = false, maxConcurrentRequests: Int = 64,
                requestTimeoutSeconds: Int = 30, poolSize: Int = 8, sessions: SessionPolicy = SessionPolicy(),
                trustedProxies: TrustedProxies = TrustedProxies()) {
        self.host = host
        self.port = port
        self.secureCookies = secureCookies
        self.maxConcurrentRequests = maxConcurrentRequests
        self.requestTimeoutSeconds = requestTimeoutSeconds
        self.poolSize = poolSize
        self.sessions = sessions
        self.trustedProxies = trustedProxies
    }

    public init(environment: [String: String]) throws(WebSettingsError) {
        self.init()
        if let address = Self.value(Self.addressVariable, environment) {
            guard let colon = address.lastIndex(of: ":"), let port = Int(address[address.index(after: colon)...]),
                  (0...65535).contains(port), colon != address.startIndex else {
                throw WebSettingsError(variable: Self.addressVariable, message: "expected host:port, e.g. 127.0.0.1:8080, got \"\(address)\"")
            }
            host = String(address[..<colon]).trimmingCharacters(in: ["[", "]"])
            self.port = port
        }
        if let text = Self.value("PYRAMYDAL_HTTP_SECURE_COOKIES", environment) {
            switch text.lowercased() {
            case "1", "true", "yes", "on": secureCookies = true
            case "0", "false", "no", "off": secureCookies = false
            default: throw WebSettingsError(variable: "PYRAMYDAL_HTTP_SECURE_COOKIES", message: "expected true or false, got \"\(text)\"")
            }
        }
        maxConcurrentRequests = try Self.positive("PYRAMYDAL_HTTP_MAX_CONCURRENT", environment) ?? maxConcurrentRequests
        requestTimeoutSeconds = try Self.positive("PYRAMYDAL_HTTP_TIMEOUT_SECONDS", environment) ?? requestTimeoutSeconds
        poolSize = try Self.positive("PYRAMYDAL_HTTP_POOL_SIZE", environment) ?? poolSize
        if let minutes = try Self.positive("PYRAMYDAL_SESSION_IDLE_MINUTES", environment) {
            sessions.idleTimeout = .seconds(minutes * 60)
        }
        if let hours = try Self.positive("PYRAMYDAL_SESSION_MAX_HOURS", environment) {
            sessions.absoluteTimeout = .seconds(hours * 3600)
        }
        if let list = Self.value("PYRAMYDAL_HTTP_TRUSTED_PROXIES", environment) {
            trustedProxies = try TrustedProxies(parsing: list)
        }
        if let megabytes = try Self.positive("PYRAMYDAL_UPLOAD_MAX_MB", environment) {
            guard megabytes <= 5 << 20 else {
                throw WebSettingsError(variable: "PYRAMYDAL_UPLOAD_MAX_MB", message: "expected at most 5242880 (5 TiB), got \(megabytes)")
            }
            uploadMaxBytes = Int64(megabytes) << 20
        }
    }

    private static func value(_ name: String, _ environment: [String: String]) -> String? {
        environment[name].flatMap { $0.isEmpty ? nil : $0 }
    }

    private static func positive(_ name: String, _ environment: [String: String]) throws(WebSettingsError) -> Int? {
        guard let text = value(name, environment) else { return nil }
        guard let n = Int(text), n > 0 else {
            throw WebSettingsError(variable: name, message: "expected a whole number above 0, got \"\(text)\"")
        }
        return n
    }
}

/// A bad `PYRAMYDAL_HTTP_*` / `PYRAMYDAL_SESSION_*` value.
public struct WebSettingsError: Error, Sendable, CustomStringConvertible {
    public var variable: String
    public var message: String
    public var description: String { "\(variable): \(message)" }
}
