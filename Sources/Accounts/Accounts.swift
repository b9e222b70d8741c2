import Foundation
import HummingbirdBcrypt
public import Postgres

/// The accounts: users, their department roles, browser sessions, API
/// tokens and login attempts, in the catalog schema (migration component
/// `accounts`). The only code that reads or writes those tables.
///
/// Every method is synchronous and uses the connection it is given (bcrypt
/// and libpq block): call them through `PostgresConnection.run`, never on
/// Swift's cooperative pool or an event loop.
public struct Accounts: Sendable {
    /// The catalog schema (`PYRAMYDAL_CATALOG_SCHEMA`, default `pyramydal`).
    public let schema: String
    /// bcrypt's cost (12: a few hundred milliseconds per hash).
    public static let bcryptCost: UInt8 = 12
    /// Passwords shorter than this are refused.
    public static let minimumPasswordLength = 12

    public init(schema: String = "pyramydal") {
        self.schema = schema
    }

    func table(_ name: String) -> String { PostgresConnection.quoteQualified(schema, name) }

    /// Applies the accounts' migrations (idempotent, safe concurrently).
    @discardableResult
    public func migrate(_ connection: PostgresConnection) throws -> [Int] {
        try PostgresMigrator(schema: schema, component: "accounts", migrations: Self.migrations(schema: schema))
            .migrate(connection)
    }

    // MARK: - users

    /// Creates a user with a bcrypt hash of `password`.
    @discardableResult
    public func addUser(_ username: String, password: String, isAdmin: Bool = false,
                        on connection: PostgresConnection) throws -> User {
        try Self.check(username: username)
        try Self.check(password: password)
        let hash = Bcrypt.hash(password, cost: Self.bcryptCost)
        let rows = try connection.query("""
            INSERT INTO \(table("users")) (username, password_hash, is_admin) VALUES ($1, $2, $3)
            ON CONFLICT (username) DO NOTHING RETURNING id
            """, [.text(username), .text(hash), .bool(isAdmin)], purpose: "add user \(username)")
        guard let row = rows.first else {
            throw AccountsError(.userExists, field: "username", "user \"\(username)\" already exists")
        }
        return User(id: try row[0, as: Int64.self], username: username, isAdmin: isAdmin, disabled: false, grants: [:])
    }

    /// True when no user exists yet (a fresh install).
    public func isEmpty(on connection: PostgresConnection) throws -> Bool {
        try connection.query("SELECT NOT EXISTS (SELECT 1 FROM \(table("users")))", purpose: "any users?")[0][0, as: Bool.self]
    }

    /// Every user with their grants, by name.
    public func users(on connection: PostgresConnection) throws -> [User] {
        try connection.query("\(userSelect) ORDER BY u.username", purpose: "list users").map { try Self.user(from: $0) }
    }

    /// One user by name (nil if unknown).
    public func user(named username: String, on connection: PostgresConnection) throws -> User? {
        try userRow(where: "u.username = $1", [.text(username)], on: connection)
    }

    /// One user by id (nil if unknown).
    public func user(id: Int64, on connection: PostgresConnection) throws -> User? {
        try userRow(where: "u.id = $1", [.int64(id)], on: connection)
    }

    private func userRow(where condition: String, _ parameters: [PostgresValue],
                         on connection: PostgresConnection) throws -> User? {
        try connection.query("\(userSelect) WHERE \(condition)", parameters, purpose: "read user").first.map { try Self.user(from: $0) }
    }

    /// The user `u`'s columns and grants (as a JSON object), for ``user(from:at:)``.
    var userColumns: String {
        """
        u.id, u.username, u.is_admin, u.disabled_at IS NOT NULL,
               COALESCE((SELECT json_object_agg(g.department, g.role)::text FROM \(table("department_grants")) g
                         WHERE g.user_id = u.id), '{}')
        """
    }

    private var userSelect: String { "SELECT \(userColumns) FROM \(table("users")) u" }

    /// The user of ``userColumns``, which start at column `first` of `row`.
    static func user(from row: PostgresRow, at first: Int = 0) throws -> User {
        let grantsJSON = try row[first + 4, as: String.self]
        let raw = (try? JSONDecoder().decode([String: String].self, from: Data(grantsJSON.utf8))) ?? [:]
        return User(id: try row[first, as: Int64.self], username: try row[first + 1, as: String.self],
                    isAdmin: try row[first + 2, as: Bool.self], disabled: try row[first + 3, as: Bool.self],
                    grants: raw.compactMapValues(Role.init(rawValue:)))
    }

    /// How stale a token's `last_used_at` or a session's `last_seen_at` may
    /// get before a request writes it again: reads stay read-only (no
    /// commit per request); the idle timeout is counted in minutes anyway.
    public static let touchInterval = 60

    /// Sets a new password and ends every session of the user.
    public func setPassword(_ username: String, password: String, on connection: PostgresConnection) throws {
        try Self.check(password: password)
        let hash = Bcrypt.hash(password, cost: Self.bcryptCost)
        try connection.transaction(purpose: "set password of \(username)") { conn in
            let id = try requireUser(username, on: conn)
            _ = try conn.query("UPDATE \(table("users")) SET password_hash = $2 WHERE id = $1",
                               [.int64(id), .text(hash)], purpose: "set password")
            try revokeSessions(userID: id, on: conn)
        }
    }

    /// Disables (or enables) a user; disabling ends their sessions and their
    /// tokens stop working.
    public func setDisabled(_ username: String, _ disabled: Bool, on connection: PostgresConnection) throws {
        try connection.transaction(purpose: "disable \(username)") { conn in
            let id = try requireUser(username, on: conn)
            _ = try conn.query("UPDATE \(table("users")) SET disabled_at = CASE WHEN $2 THEN now() END WHERE id = $1",
                               [.int64(id), .bool(disabled)], purpose: "disable user")
            if disabled { try revokeSessions(userID: id, on: conn) }
        }
    }

    /// Gives the user `role` in `department` (replacing a previous role there).
    public func grant(_ username: String, role: Role, department: String, on connection: PostgresConnection) throws {
        try Self.check(department: department)
        let id = try requireUser(username, on: connection)
        _ = try connection.query("""
            INSERT INTO \(table("department_grants")) (user_id, department, role) VALUES ($1, $2, $3)
            ON CONFLICT (user_id, department) DO UPDATE SET role = EXCLUDED.role, granted_at = now()
            """, [.int64(id), .text(department), .text(role.rawValue)], purpose: "grant \(role) in \(department)")
    }

    /// Removes the user's role in `department`; false if they had none.
    @discardableResult
    public func revoke(_ username: String, department: String, on connection: PostgresConnection) throws -> Bool {
        let id = try requireUser(username, on: connection)
        return try connection.query("DELETE FROM \(table("department_grants")) WHERE user_id = $1 AND department = $2",
                                    [.int64(id), .text(department)], purpose: "revoke grant").affectedRows > 0
    }

    func requireUser(_ username: String, on connection: PostgresConnection) throws -> Int64 {
        let rows = try connection.query("SELECT id FROM \(table("users")) WHERE username = $1", [.text(username)],
                                        purpose: "find user \(username)")
        guard let row = rows.first else {
            throw AccountsError(.unknownUser, field: "username", "no user \"\(username)\"")
        }
        return try row[0, as: Int64.self]
    }

    // MARK: - checks

    static func check(username: String) throws(AccountsError) {
        let allowed = username.unicodeScalars.allSatisfy {
            ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) || "._@-".unicodeScalars.contains($0)
        }
        guard (1...64).contains(username.count), allowed else {
            throw AccountsError(.invalidUsername, field: "username",
                                "a username is 1 to 64 characters: letters, digits, '.', '_', '@' and '-'")
        }
    }

    static func check(password: String) throws(AccountsError) {
        guard password.count >= minimumPasswordLength else {
            throw AccountsError(.weakPassword, field: "password",
                                "a password needs at least \(minimumPasswordLength) characters")
        }
        // bcrypt reads only the first 72 bytes; longer ones would be truncated silently.
        guard password.utf8.count <= 72 else {
            throw AccountsError(.weakPassword, field: "password", "a password may have at most 72 bytes")
        }
    }

    static func check(department: String) throws(AccountsError) {
        guard !department.isEmpty, department.count <= 200, !department.contains("/") else {
            throw AccountsError(.invalidDepartment, field: "department", "a department is a non-empty name without '/'")
        }
    }

    /// A random password for a new install's `admin` (24 characters, base64url).
    public static func randomPassword() -> String {
        SecretToken.random(bytes: 18)
    }
}
