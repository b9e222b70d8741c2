public import Foundation
public import Postgres

/// An API token as listed (never the token itself).
public struct APITokenInfo: Sendable, Hashable, Codable {
    public var id: Int64
    public var username: String
    public var name: String
    public var scope: TokenScope
    public var createdAt: Date
    public var lastUsedAt: Date?
    public var revoked: Bool
}

extension Accounts {
    /// Prefix of every API token, so a leaked one is recognisable.
    public static let tokenPrefix = "pyr_"

    /// Creates a token for the user and returns it: the only time it is
    /// shown. Only its SHA-256 is stored.
    public func createToken(username: String, name: String, scope: TokenScope,
                            on connection: PostgresConnection) throws -> (token: String, info: APITokenInfo) {
        guard !name.isEmpty, name.count <= 100 else {
            throw AccountsError(.invalidUsername, field: "name", "a token name is 1 to 100 characters")
        }
        let userID = try requireUser(username, on: connection)
        let token = Self.tokenPrefix + SecretToken.random()
        let rows = try connection.query("""
            INSERT INTO \(table("api_tokens")) (user_id, name, token_hash, scope) VALUES ($1, $2, $3, $4)
            ON CONFLICT (user_id, name) DO NOTHING RETURNING id, created_at
            """, [.int64(userID), .text(name), .text(SecretToken.hash(token)), .text(scope.rawValue)], purpose: "create token")
        guard let row = rows.first else {
            throw AccountsError(.tokenExists, field: "name", "user \"\(username)\" already has a token named \"\(name)\"")
        }
        return (token, APITokenInfo(id: try row[0, as: Int64.self], username: username, name: name, scope: scope,
                                    createdAt: try row[1, as: Date.self], lastUsedAt: nil, revoked: false))
    }

    /// The tokens of a user (all users when nil), newest first.
    public func tokens(username: String?, on connection: PostgresConnection) throws -> [APITokenInfo] {
        try connection.query("""
            SELECT t.id, u.username, t.name, t.scope, t.created_at, t.last_used_at, t.revoked_at IS NOT NULL
            FROM \(table("api_tokens")) t JOIN \(table("users")) u ON u.id = t.user_id
            WHERE $1::text IS NULL OR u.username = $1 ORDER BY t.id DESC
            """, [.text(username)], purpose: "list tokens").map { row in
            APITokenInfo(id: try row[0, as: Int64.self], username: try row[1, as: String.self], name: try row[2, as: String.self],
                         scope: TokenScope(rawValue: try row[3, as: String.self]) ?? .read,
                         createdAt: try row[4, as: Date.self], lastUsedAt: try row[5, as: Date?.self],
                         revoked: try row[6, as: Bool.self])
        }
    }

    /// Revokes a user's token by name; it stops working at once.
    public func revokeToken(username: String, name: String, on connection: PostgresConnection) throws {
        let userID = try requireUser(username, on: connection)
        let rows = try connection.query("""
            UPDATE \(table("api_tokens")) SET revoked_at = COALESCE(revoked_at, now()) WHERE user_id = $1 AND name = $2
            """, [.int64(userID), .text(name)], purpose: "revoke token")
        guard rows.affectedRows > 0 else {
            throw AccountsError(.unknownToken, field: "name", "user \"\(username)\" has no token named \"\(name)\"")
        }
    }

    /// The user of a bearer token, if it is known, not revoked and its user
    /// enabled; records its use (at most once per ``touchInterval``).
    public func principal(bearerToken token: String, on connection: PostgresConnection) throws -> Principal? {
        guard token.hasPrefix(Self.tokenPrefix) else { return nil }
        let rows = try connection.query("""
            SELECT t.id, t.name, t.scope,
                   t.last_used_at IS NULL OR t.last_used_at < now() - make_interval(secs => \(Self.touchInterval)),
                   \(userColumns)
            FROM \(table("api_tokens")) t JOIN \(table("users")) u ON u.id = t.user_id
            WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND u.disabled_at IS NULL
            """, [.text(SecretToken.hash(token))], purpose: "check API token")
        guard let row = rows.first else { return nil }
        let id = try row[0, as: Int64.self]
        if try row[3, as: Bool.self] {
            _ = try connection.query("UPDATE \(table("api_tokens")) SET last_used_at = now() WHERE id = $1", [.int64(id)],
                                     purpose: "record token use")
        }
        return Principal(user: try Self.user(from: row, at: 4),
                         credential: .token(id: id, name: try row[1, as: String.self],
                                            scope: TokenScope(rawValue: try row[2, as: String.self]) ?? .read))
    }
}
