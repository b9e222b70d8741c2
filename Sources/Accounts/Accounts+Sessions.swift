public import Foundation
import HummingbirdBcrypt
public import Postgres

/// How long sessions live and how hard logins are throttled.
public struct SessionPolicy: Sendable, Hashable {
    /// A session unused this long ends.
    public var idleTimeout: Duration
    /// A session ends this long after sign-in, used or not.
    public var absoluteTimeout: Duration
    /// Failed logins of one account within ``throttleWindow`` before it is refused.
    public var maxFailuresPerAccount: Int
    /// Failed logins from one client address within ``throttleWindow`` before it is refused.
    public var maxFailuresPerClient: Int
    public var throttleWindow: Duration

    public init(idleTimeout: Duration = .seconds(2 * 3600), absoluteTimeout: Duration = .seconds(12 * 3600),
                maxFailuresPerAccount: Int = 5, maxFailuresPerClient: Int = 20, throttleWindow: Duration = .seconds(15 * 60)) {
        self.idleTimeout = idleTimeout
        self.absoluteTimeout = absoluteTimeout
        self.maxFailuresPerAccount = maxFailuresPerAccount
        self.maxFailuresPerClient = maxFailuresPerClient
        self.throttleWindow = throttleWindow
    }
}

/// A new session: the cookie value (shown to the browser only) and its CSRF token.
public struct NewSession: Sendable, Hashable {
    public var cookieValue: String
    public var csrfToken: String
    public var user: User
}

/// Why a login was refused.
public enum LoginOutcome: Sendable, Hashable {
    case signedIn(NewSession)
    /// Wrong name or password, or a disabled user (one answer for all three).
    case refused
    /// Too many failures lately; try again after this many seconds.
    case throttled(retryAfter: Int)
}

extension Accounts {
    /// A bcrypt hash of a random password, verified against when the user is
    /// unknown so an unknown name takes as long as a wrong password.
    private static let decoyHash = Bcrypt.hash(SecretToken.random(), cost: bcryptCost)

    /// Checks a name and password and, when right, opens a session. A
    /// session id presented with the request (`previousSessionID`, the
    /// cookie's hash) is revoked: the id rotates at every login. Failures
    /// are recorded; beyond the policy's bounds per account or per client
    /// address, logins are refused before the password is checked.
    public func login(username: String, password: String, client: String, previousSessionID: String?,
                      policy: SessionPolicy, on connection: PostgresConnection) throws -> LoginOutcome {
        let attempts = table("login_attempts")
        let window = Int(policy.throttleWindow.components.seconds)
        let counts = try connection.query("""
            SELECT (SELECT count(*) FROM \(attempts) WHERE username = $1 AND NOT succeeded
                      AND at > now() - make_interval(secs => $3)
                      AND at > COALESCE((SELECT max(at) FROM \(attempts) WHERE username = $1 AND succeeded), '-infinity')),
                   (SELECT count(*) FROM \(attempts) WHERE client = $2 AND NOT succeeded
                      AND at > now() - make_interval(secs => $3))
            """, [.text(username), .text(client), .int(window)], purpose: "count failed logins")
        if try counts[0][0, as: Int.self] >= policy.maxFailuresPerAccount
            || counts[0][1, as: Int.self] >= policy.maxFailuresPerClient {
            return .throttled(retryAfter: window)
        }
        let rows = try connection.query(
            "SELECT id, password_hash, disabled_at IS NOT NULL FROM \(table("users")) WHERE username = $1",
            [.text(username)], purpose: "read user for login")
        let hash = try rows.first.map { try $0[1, as: String.self] } ?? Self.decoyHash
        let matches = Bcrypt.verify(password, hash: hash)
        let disabled = try rows.first.map { try $0[2, as: Bool.self] } ?? true
        let succeeded = matches && !rows.isEmpty && !disabled
        _ = try connection.query("INSERT INTO \(attempts) (username, client, succeeded) VALUES ($1, $2, $3)",
                                 [.text(username), .text(client), .bool(succeeded)], purpose: "record login attempt")
        guard succeeded, let userID = try rows.first.map({ try $0[0, as: Int64.self] }),
              let user = try user(id: userID, on: connection) else { return .refused }
        if let previousSessionID { try revokeSession(id: previousSessionID, on: connection) }
        let cookie = SecretToken.random()
        let csrf = SecretToken.random()
        _ = try connection.query("""
            INSERT INTO \(table("sessions")) (id, user_id, csrf_token, client, expires_at)
            VALUES ($1, $2, $3, $4, now() + make_interval(secs => $5))
            """, [.text(SecretToken.hash(cookie)), .int64(userID), .text(csrf), .text(client),
                  .int(Int(policy.absoluteTimeout.components.seconds))], purpose: "open session")
        return .signedIn(NewSession(cookieValue: cookie, csrfToken: csrf, user: user))
    }

    /// The signed-in user of a session cookie, if the session is live (not
    /// revoked, not past its absolute expiry, used within the idle timeout)
    /// and its user is enabled; marks it used (at most once per
    /// ``touchInterval``, or a quarter of the idle timeout when that is shorter).
    public func session(cookieValue: String, policy: SessionPolicy, on connection: PostgresConnection) throws -> Principal? {
        let id = SecretToken.hash(cookieValue)
        let rows = try connection.query("""
            SELECT s.csrf_token, s.last_seen_at < now() - make_interval(secs => LEAST(\(Self.touchInterval), $2 / 4)), \(userColumns)
            FROM \(table("sessions")) s JOIN \(table("users")) u ON u.id = s.user_id
            WHERE s.id = $1 AND s.revoked_at IS NULL AND u.disabled_at IS NULL
              AND s.expires_at > now() AND s.last_seen_at > now() - make_interval(secs => $2)
            """, [.text(id), .int(Int(policy.idleTimeout.components.seconds))], purpose: "check session")
        guard let row = rows.first else { return nil }
        if try row[1, as: Bool.self] {
            _ = try connection.query("UPDATE \(table("sessions")) SET last_seen_at = now() WHERE id = $1", [.text(id)],
                                     purpose: "record session use")
        }
        return Principal(user: try Self.user(from: row, at: 2), credential: .session(id: id, csrfToken: try row[0, as: String.self]))
    }

    /// Ends a session (logout). `id` is the cookie's hash (``Principal/Credential/session(id:csrfToken:)``).
    public func revokeSession(id: String, on connection: PostgresConnection) throws {
        _ = try connection.query("UPDATE \(table("sessions")) SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL",
                                 [.text(id)], purpose: "revoke session")
    }

    /// Ends every session of a user (password change, disabling).
    func revokeSessions(userID: Int64, on connection: PostgresConnection) throws {
        _ = try connection.query("UPDATE \(table("sessions")) SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL",
                                 [.int64(userID)], purpose: "revoke sessions")
    }

    /// When each user last signed in (opened a session), by user id; users
    /// who never did are absent.
    public func lastSignIns(on connection: PostgresConnection) throws -> [Int64: Date] {
        var result: [Int64: Date] = [:]
        for row in try connection.query("SELECT user_id, max(created_at) FROM \(table("sessions")) GROUP BY user_id",
                                        purpose: "last sign-ins") {
            result[try row[0, as: Int64.self]] = try row[1, as: Date.self]
        }
        return result
    }

    /// The id under which a cookie's session is stored.
    public static func sessionID(cookieValue: String) -> String { SecretToken.hash(cookieValue) }
}
