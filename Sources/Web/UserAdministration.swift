import Accounts
import Catalog
import Foundation
import Postgres

/// Managing users and their department roles (the admin area,
/// ``AdminPageRoutes``): who may do what, the change in ``Accounts``, and
/// its audit row naming the admin. Every check is made here, on the
/// server, whatever the page showed.
///
/// - A global admin manages every user: adds users (global admins too),
///   grants, changes and revokes roles in any department, disables and
///   enables users, resets passwords.
/// - A department admin (admin in some departments, not global) sees the
///   users holding a role in those departments, with those roles only;
///   grants, changes and revokes roles there (to any user, by name), and
///   adds a user with a first role there. Disabling, enabling and password
///   resets act on the whole account, which may hold roles elsewhere: they
///   are for global admins (403).
/// - Anyone else: the whole area answers 404.
/// - Nobody locks themselves out: one may not disable oneself, nor lower or
///   revoke one's own admin role in a department (409; a global admin's own
///   grants change nothing about what they may do, so those are allowed).
///
/// One-time passwords (a new user's, a reset's) are returned to be shown
/// once; they are never logged nor put in the audit log.
struct UserAdministration {
    let state: WebState

    /// A user as the admin area lists them, for one admin.
    struct Listed: Sendable {
        var user: User
        /// The grants this admin sees (all for a global admin, else those in their departments), by department.
        var grants: [(department: String, role: Role)]
        var lastSignIn: Date?
    }

    /// The departments `principal` administers: nil for a global admin
    /// (all of them). Someone who administers none gets 404: the area does
    /// not exist for them.
    static func scope(of principal: Principal) throws -> Set<String>? {
        if principal.user.isAdmin { return nil }
        let mine = Set(principal.user.grants.filter { $0.value == .admin }.keys)
        guard !mine.isEmpty else { throw Problem.notFound("page") }
        return mine
    }

    /// True when `principal` may see the admin area.
    static func isAdmin(_ principal: Principal) -> Bool {
        principal.user.isAdmin || principal.user.grants.values.contains(.admin)
    }

    // MARK: - reading

    /// The users `principal` manages, by name, with the grants they see and the last sign-in.
    func users(for principal: Principal) async throws -> [Listed] {
        let scope = try Self.scope(of: principal)
        let accounts = state.accounts
        let (users, signIns) = try await state.pool.run { conn in
            (try accounts.users(on: conn), try accounts.lastSignIns(on: conn))
        }
        return users.compactMap { user in
            let grants = user.grants.filter { scope?.contains($0.key) ?? true }.sorted { $0.key < $1.key }
                .map { (department: $0.key, role: $0.value) }
            if scope != nil, grants.isEmpty { return nil }
            return Listed(user: user, grants: grants, lastSignIn: signIns[user.id])
        }
    }

    /// The departments `principal` may grant roles in, by name: a global
    /// admin's are those with datasets or grants (and any new name).
    func departments(for principal: Principal) async throws -> [String] {
        if let scope = try Self.scope(of: principal) { return scope.sorted() }
        let catalog = state.catalog, accounts = state.accounts
        let (withData, users) = try await state.pool.run { conn in
            (try catalog.departments(on: conn).map(\.name), try accounts.users(on: conn))
        }
        return Set(withData + users.flatMap(\.grants.keys)).sorted()
    }

    // MARK: - changes

    /// Adds `username` with a random password, returned to be shown once.
    /// `department` and `role`: a first role (required of a department
    /// admin, in one of their departments). `isAdmin`: a global admin
    /// (only a global admin makes one).
    func addUser(_ username: String, isAdmin: Bool, department: String?, role: Role?,
                 by principal: Principal) async throws -> String {
        let scope = try Self.scope(of: principal)
        if isAdmin, scope != nil { throw Problem.forbidden("only a global admin may make a global admin") }
        if let scope {
            guard let department else {
                throw Problem.badRequest("choose the department of the new user's first role", field: "department")
            }
            try Self.require(department, in: scope)
        }
        let password = Accounts.randomPassword()
        let accounts = state.accounts, catalog = state.catalog, who = principal.actor
        var details: [String: AuditValue] = ["admin": .bool(isAdmin), "via": "pages"]
        if let department {
            details["department"] = .string(department)
            details["role"] = .string((role ?? .viewer).rawValue)
        }
        let audited = details
        try await Self.mapped {
            try await state.pool.run { conn in
                try conn.transaction(purpose: "add user \(username)") { conn in
                    try accounts.addUser(username, password: password, isAdmin: isAdmin, on: conn)
                    if let department { try accounts.grant(username, role: role ?? .viewer, department: department, on: conn) }
                    try catalog.audit(who: who, what: "users add \(username)", outcome: "done", dataset: nil, details: audited, on: conn)
                }
            }
        }
        return password
    }

    /// Gives `username` `role` in `department`, replacing their role there.
    func grant(_ username: String, role: Role, department: String, by principal: Principal) async throws {
        try Self.require(department, in: try Self.scope(of: principal))
        if role < .admin { try Self.refuseSelfDemotion(username, in: department, principal, doing: "make yourself \(role)") }
        let accounts = state.accounts, catalog = state.catalog, who = principal.actor
        try await Self.mapped {
            try await state.pool.run { conn in
                let previous = try accounts.user(named: username, on: conn)?.grants[department]
                try accounts.grant(username, role: role, department: department, on: conn)
                try catalog.audit(who: who, what: "users grant \(username)", outcome: "done", dataset: nil, details: [
                    "department": .string(department), "role": .string(role.rawValue),
                    "previous": .string(previous?.rawValue ?? "none"), "via": "pages",
                ], on: conn)
            }
        }
    }

    /// Removes `username`'s role in `department` (404 when they hold none).
    func revoke(_ username: String, department: String, by principal: Principal) async throws {
        try Self.require(department, in: try Self.scope(of: principal))
        try Self.refuseSelfDemotion(username, in: department, principal, doing: "revoke your own role")
        let accounts = state.accounts, catalog = state.catalog, who = principal.actor
        let removed = try await Self.mapped {
            try await state.pool.run { conn in
                let previous = try accounts.user(named: username, on: conn)?.grants[department]
                guard try accounts.revoke(username, department: department, on: conn), let previous else { return false }
                try catalog.audit(who: who, what: "users revoke \(username)", outcome: "done", dataset: nil, details: [
                    "department": .string(department), "role": .string(previous.rawValue), "via": "pages",
                ], on: conn)
                return true
            }
        }
        guard removed else { throw Problem.notFound("a role of \(username) in \(department)") }
    }

    /// Disables (ending their sessions; their API tokens stop working) or
    /// enables `username` (global admins).
    func setDisabled(_ username: String, _ disabled: Bool, by principal: Principal) async throws {
        try Self.requireGlobal(principal, doing: disabled ? "disabling a user" : "enabling a user")
        if disabled, username == principal.user.username {
            throw Problem(.conflict, "Conflict",
                          "you can't disable yourself: your session would end at once and you could not sign in again; ask another admin",
                          field: "username")
        }
        let accounts = state.accounts, catalog = state.catalog, who = principal.actor
        try await Self.mapped {
            try await state.pool.run { conn in
                try accounts.setDisabled(username, disabled, on: conn)
                try catalog.audit(who: who, what: "users \(disabled ? "disable" : "enable") \(username)", outcome: "done",
                                  dataset: nil, details: ["via": "pages"], on: conn)
            }
        }
    }

    /// Sets a new random password for `username` (ending their sessions),
    /// returned to be shown once (global admins).
    func resetPassword(_ username: String, by principal: Principal) async throws -> String {
        try Self.requireGlobal(principal, doing: "resetting a password")
        let password = Accounts.randomPassword()
        let accounts = state.accounts, catalog = state.catalog, who = principal.actor
        try await Self.mapped {
            try await state.pool.run { conn in
                try accounts.setPassword(username, password: password, on: conn)
                try catalog.audit(who: who, what: "users passwd \(username)", outcome: "done", dataset: nil,
                                  details: ["via": "pages"], on: conn)
            }
        }
        return password
    }

    // MARK: - checks

    static func require(_ department: String, in scope: Set<String>?) throws {
        guard let scope, !scope.contains(department) else { return }
        throw Problem.forbidden("managing roles in \(department) needs the admin role there")
    }

    static func requireGlobal(_ principal: Principal, doing what: String) throws {
        guard try scope(of: principal) != nil else { return }
        throw Problem.forbidden("\(what) needs a global admin: the account may hold roles in departments you don't administer")
    }

    /// Refuses a change that would take `principal`'s own admin role in `department` away.
    static func refuseSelfDemotion(_ username: String, in department: String, _ principal: Principal, doing what: String) throws {
        guard username == principal.user.username, !principal.user.isAdmin, principal.user.grants[department] == .admin else { return }
        throw Problem(.conflict, "Conflict",
                      "you can't \(what) in \(department): you would lose the admin role you are using; ask another admin",
                      field: "username")
    }

    /// `body`, with the accounts' refusals (also from within a transaction) as problems naming their field.
    static func mapped<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as AccountsError {
            throw problem(error)
        } catch let failed as PostgresTransactionError where failed.step == .body && failed.error is AccountsError {
            throw problem(failed.error as! AccountsError)
        }
    }

    static func problem(_ error: AccountsError) -> Problem {
        switch error.code {
        case .unknownUser: return Problem.notFound("a user of that name")
        case .userExists: return Problem(.conflict, "Conflict", error.message, field: error.field)
        default: return Problem.badRequest(error.message, field: error.field)
        }
    }
}
