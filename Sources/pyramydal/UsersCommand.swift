import Accounts
import ArgumentParser
import Catalog
import Foundation
import Postgres

/// `pyramydal users …`: accounts of the web service and the API.
struct UsersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "users",
        abstract: "Manage the users of the web service, their department roles and their API tokens.",
        subcommands: [Add.self, List.self, Passwd.self, Disable.self, Grant.self, Revoke.self, Tokens.self]
    )

    /// Runs `body` on a catalog connection with the accounts migrated.
    static func withAccounts<T: Sendable>(
        _ body: @escaping @Sendable (Accounts, Catalog, PostgresConnection) throws -> T
    ) async throws -> T {
        var result: T?
        try await CommandContext.run(label: "pyramydal.users") { context in
            let (connection, catalog) = try await context.catalogConnection()
            defer { connection.close() }
            let accounts = Accounts(schema: catalog.schemas.catalog)
            do {
                result = try await connection.run { conn in
                    try accounts.migrate(conn)
                    return try body(accounts, catalog, conn)
                }
            } catch let error as AccountsError {
                CommandContext.printError(error.message)
                throw ExitCode(CommandContext.Status.usage)
            }
        }
        return result!
    }

    /// The password from stdin (first line), or a random one that is printed once.
    static func password(fromStdin: Bool) -> (password: String, generated: Bool) {
        if fromStdin, let line = readLine(strippingNewline: true) { return (line, false) }
        return (Accounts.randomPassword(), true)
    }

    static func audit(_ what: String, details: [String: AuditValue] = [:], _ catalog: Catalog, _ conn: PostgresConnection) throws {
        try catalog.audit(who: AuditActor.current(), what: what, outcome: "done", dataset: nil, details: details, on: conn)
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add a user; prints a random password unless --password-stdin.")
        @Argument var username: String
        @Flag(help: "Admin of every department (present and future).") var admin = false
        @Flag(name: .customLong("password-stdin"), help: "Read the password from the first line of stdin.") var passwordStdin = false

        func run() async throws {
            let (password, generated) = UsersCommand.password(fromStdin: passwordStdin)
            let username = self.username, admin = self.admin
            try await UsersCommand.withAccounts { accounts, catalog, conn in
                try accounts.addUser(username, password: password, isAdmin: admin, on: conn)
                try UsersCommand.audit("users add \(username)", details: ["admin": .bool(admin)], catalog, conn)
            }
            print(generated ? "added \(username); password (shown once): \(password)" : "added \(username)")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List users and their roles.")

        func run() async throws {
            let users = try await UsersCommand.withAccounts { accounts, _, conn in try accounts.users(on: conn) }
            print(TextTable.render(header: ["user", "admin", "status", "roles"], rows: users.map { user in
                [user.username, user.isAdmin ? "yes" : "no", user.disabled ? "disabled" : "active",
                 user.grants.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value.rawValue)" }.joined(separator: ", ")]
            }))
        }
    }

    struct Passwd: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Set a new password (ends the user's sessions).")
        @Argument var username: String
        @Flag(name: .customLong("password-stdin"), help: "Read the password from the first line of stdin.") var passwordStdin = false

        func run() async throws {
            let (password, generated) = UsersCommand.password(fromStdin: passwordStdin)
            let username = self.username
            try await UsersCommand.withAccounts { accounts, catalog, conn in
                try accounts.setPassword(username, password: password, on: conn)
                try UsersCommand.audit("users passwd \(username)", catalog, conn)
            }
            print(generated ? "new password of \(username) (shown once): \(password)" : "password of \(username) changed")
        }
    }

    struct Disable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Disable a user (their sessions end, their tokens stop working).")
        @Argument var username: String
        @Flag(help: "Enable the user again instead.") var enable = false

        func run() async throws {
            let username = self.username, enable = self.enable
            try await UsersCommand.withAccounts { accounts, catalog, conn in
                try accounts.setDisabled(username, !enable, on: conn)
                try UsersCommand.audit("users \(enable ? "enable" : "disable") \(username)", catalog, conn)
            }
            print(enable ? "enabled \(username)" : "disabled \(username)")
        }
    }

    struct Grant: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Give a user a role (viewer, editor, admin) in a department.")
        @Argument var username: String
        @Argument var department: String
        @Argument var role: String

        func validate() throws {
            guard Role(rawValue: role) != nil else { throw ValidationError("role must be viewer, editor or admin") }
        }

        func run() async throws {
            let username = self.username, department = self.department, role = Role(rawValue: self.role)!
            try await UsersCommand.withAccounts { accounts, catalog, conn in
                try accounts.grant(username, role: role, department: department, on: conn)
                try UsersCommand.audit("users grant \(username)", details: ["department": .string(department), "role": .string(role.rawValue)],
                                       catalog, conn)
            }
            print("\(username) is \(role.rawValue) in \(department)")
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a user's role in a department.")
        @Argument var username: String
        @Argument var department: String

        func run() async throws {
            let username = self.username, department = self.department
            let removed = try await UsersCommand.withAccounts { accounts, catalog, conn in
                let removed = try accounts.revoke(username, department: department, on: conn)
                try UsersCommand.audit("users revoke \(username)", details: ["department": .string(department)], catalog, conn)
                return removed
            }
            print(removed ? "\(username) has no role in \(department) now" : "\(username) had no role in \(department)")
        }
    }

    struct Tokens: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "API tokens: list, add (printed once), revoke.",
            subcommands: [TokensList.self, TokensAdd.self, TokensRevoke.self], defaultSubcommand: TokensList.self)
    }

    struct TokensList: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List tokens (of one user, or all).")
        @Argument var username: String?

        func run() async throws {
            let username = self.username
            let tokens = try await UsersCommand.withAccounts { accounts, _, conn in
                try accounts.tokens(username: username, on: conn)
            }
            print(TextTable.render(header: ["user", "token", "scope", "created", "last used", "status"], rows: tokens.map {
                [$0.username, $0.name, $0.scope.rawValue, TextTable.when($0.createdAt), $0.lastUsedAt.map(TextTable.when) ?? "-",
                 $0.revoked ? "revoked" : "active"]
            }))
        }
    }

    struct TokensAdd: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "add", abstract: "Create a token; it is printed only this once.")
        @Argument var username: String
        @Argument(help: "A name for the token (e.g. nightly-export).") var name: String
        @Option(help: "read (GET only) or write.") var scope: String = "read"

        func validate() throws {
            guard TokenScope(rawValue: scope) != nil else { throw ValidationError("--scope must be read or write") }
        }

        func run() async throws {
            let username = self.username, name = self.name, scope = TokenScope(rawValue: self.scope)!
            let token = try await UsersCommand.withAccounts { accounts, catalog, conn in
                let (token, _) = try accounts.createToken(username: username, name: name, scope: scope, on: conn)
                try UsersCommand.audit("users tokens add \(username)", details: ["token": .string(name), "scope": .string(scope.rawValue)],
                                       catalog, conn)
                return token
            }
            print(token)
            CommandContext.printError("token \(name) of \(username) (\(scope.rawValue)); shown only this once")
        }
    }

    struct TokensRevoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "revoke", abstract: "Revoke a token; it stops working at once.")
        @Argument var username: String
        @Argument var name: String

        func run() async throws {
            let username = self.username, name = self.name
            try await UsersCommand.withAccounts { accounts, catalog, conn in
                try accounts.revokeToken(username: username, name: name, on: conn)
                try UsersCommand.audit("users tokens revoke \(username)", details: ["token": .string(name)], catalog, conn)
            }
            print("revoked token \(name) of \(username)")
        }
    }
}
