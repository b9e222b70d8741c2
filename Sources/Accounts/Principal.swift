/// A department role. Each one includes the ones before it.
public enum Role: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    /// Browse and download.
    case viewer
    /// Also upload, request reports and snapshots, revert.
    case editor
    /// Everything in the department, including its users.
    case admin

    public static func < (lhs: Role, rhs: Role) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// What an API token may do: `read` (GET only) or `write` (everything its user may).
public enum TokenScope: String, Sendable, Hashable, Codable, CaseIterable {
    case read, write
}

/// A user as stored (without the password hash).
public struct User: Sendable, Hashable, Codable {
    public var id: Int64
    public var username: String
    /// Admin of every department, present and future.
    public var isAdmin: Bool
    public var disabled: Bool
    /// Department → role.
    public var grants: [String: Role]

    public init(id: Int64, username: String, isAdmin: Bool, disabled: Bool, grants: [String: Role]) {
        self.id = id
        self.username = username
        self.isAdmin = isAdmin
        self.disabled = disabled
        self.grants = grants
    }

    /// The user's role in `department` (admin everywhere for a global admin).
    public func role(in department: String) -> Role? {
        isAdmin ? .admin : grants[department]
    }
}

/// Who a request acts as: the user and how they proved it.
public struct Principal: Sendable, Hashable {
    public enum Credential: Sendable, Hashable {
        /// A browser session: its id (the cookie's hash) and its CSRF token.
        case session(id: String, csrfToken: String)
        /// An API token: its id, name and scope.
        case token(id: Int64, name: String, scope: TokenScope)
    }

    public var user: User
    public var credential: Credential

    public init(user: User, credential: Credential) {
        self.user = user
        self.credential = credential
    }

    /// For the audit log: `alice`, or `alice (token ci-nightly)`.
    public var actor: String {
        switch credential {
        case .session: return user.username
        case .token(_, let name, _): return "\(user.username) (token \(name))"
        }
    }

    /// False for a read-scoped token.
    public var mayWrite: Bool {
        if case .token(_, _, .read) = credential { return false }
        return true
    }
}
