import Accounts
import Catalog
import Foundation
import HTTPTypes
import Hummingbird
import Postgres
import Testing
import Web

extension WebIntegration {
    /// The admin area (`/admin/users`) over plain HTTP: who sees it, each
    /// change by form with the session's CSRF token (refused without it),
    /// department admins' scope, no self-lockout, the audit rows, and the
    /// one-time passwords (shown once; the new user signs in with theirs).
    @Suite struct AdminPageTests {
        /// A signed-in user's session, for posting forms.
        struct Session {
            var cookie: String
            var csrf: String
        }

        static func signIn(_ client: any TestClientProtocol, _ user: String) async throws -> Session {
            let (cookie, csrf) = try await client.login(user)
            return Session(cookie: cookie, csrf: csrf)
        }

        /// Posts `fields` and the CSRF token (unless `csrf` is false) to `/admin/users/<action>`.
        static func post(_ client: any TestClientProtocol, _ session: Session, _ action: String, _ fields: [String: String],
                         csrf: Bool = true) async throws -> TestResponse {
            var all = fields
            if csrf { all["csrf_token"] = session.csrf }
            return try await client.postForm("/admin/users/\(action)", all, cookies: ["pyramydal_session": session.cookie])
        }

        /// The audit rows of the users' changes: `who what detail`, oldest first.
        static func audit(_ fixture: WebFixture) async throws -> [String] {
            try await fixture.connection.query("""
                SELECT who || ' ' || what || ' ' || detail::text FROM \(fixture.catalog.schemas.catalogTable("audit_log"))
                WHERE what LIKE 'users %' ORDER BY id
                """, purpose: "audit").map { try $0[0, as: String.self] }
        }

        static func password(in page: String) throws -> String {
            try #require(page.firstMatch(of: /<code class="password">([^<]+)<\/code>/)?.1).description
        }

        @Test func nonAdminsGetNotFoundForTheWholeArea() async throws {
            try await WebFixture.run { _, client in
                for user in ["vera", "eddie"] {
                    let session = try await Self.signIn(client, user)
                    #expect(try await client.send(.get, "/admin/users", cookie: session.cookie).status == .notFound)
                    for action in ["add", "grant", "revoke", "disable", "enable", "password"] {
                        let response = try await Self.post(client, session, action,
                                                           ["username": "vera", "department": "dept-a", "role": "admin"])
                        #expect(response.status == .notFound, "\(user) \(action)")
                    }
                    #expect(!(try await client.send(.get, "/", cookie: session.cookie).text.contains(#"href="/admin/users""#)))
                }
                for admin in ["ada", "root"] {
                    let session = try await Self.signIn(client, admin)
                    #expect(try await client.send(.get, "/", cookie: session.cookie).text.contains(#"href="/admin/users""#), "\(admin)")
                }
                // Without a session: the sign-in form.
                let anonymous = try await client.send(.get, "/admin/users")
                #expect(anonymous.status == .seeOther && anonymous.headers[.location] == "/login?next=%2Fadmin%2Fusers")
            }
        }

        @Test func aGlobalAdminAddsAUserWhoSignsInWithTheOneTimePassword() async throws {
            try await WebFixture.run { fixture, client in
                let root = try await Self.signIn(client, "root")
                _ = try await client.login("vera")
                let list = try await client.send(.get, "/admin/users", cookie: root.cookie)
                #expect(list.status == .ok)
                for name in ["root", "vera", "eddie", "ada", "bob"] { #expect(list.text.contains(">\(name)")) }
                #expect(list.text.contains("dept-b</span> → <span class=\"role\">admin"))
                #expect(list.text.contains(#"name="csrf_token" value="\#(root.csrf)""#))
                let veraRow = try #require(list.text.firstMatch(of: /<td class="username">vera<\/td>(.*?)<\/tr>/.dotMatchesNewlines())?.1)
                #expect(veraRow.contains("<time"), "vera signed in: her last sign-in is shown")
                let bobRow = try #require(list.text.firstMatch(of: /<td class="username">bob<\/td>(.*?)<\/tr>/.dotMatchesNewlines())?.1)
                #expect(bobRow.contains("never"))

                // Without the form's token: refused, nobody added.
                let forged = try await Self.post(client, root, "add", ["username": "nina"], csrf: false)
                #expect(forged.status == .forbidden)
                #expect(try await fixture.connection.run { try fixture.accounts.user(named: "nina", on: $0) } == nil)

                let added = try await Self.post(client, root, "add", ["username": "nina", "department": "dept-c", "role": "editor"])
                #expect(added.status == .ok)
                #expect(added.headers[.cacheControl] == "no-store")
                let password = try Self.password(in: added.text)
                #expect(password.count >= Accounts.minimumPasswordLength)
                let nina = try await client.login("nina", password: password)
                let session = try await client.send(.get, "/api/v1/session", cookie: nina.cookie).json()
                #expect(((session["user"] as? [String: Any])?["departments"] as? [String: String]) == ["dept-c": "editor"])
                // Shown once: the list never shows it, the audit row holds no password.
                #expect(!(try await client.send(.get, "/admin/users", cookie: root.cookie).text.contains(password)))
                let audit = try await Self.audit(fixture)
                #expect(audit.count == 1 && audit[0].hasPrefix("root users add nina "), "\(audit)")
                #expect(audit[0].contains(#""department": "dept-c""#) && audit[0].contains(#""role": "editor""#))
                #expect(!audit.joined().contains(password))

                let again = try await Self.post(client, root, "add", ["username": "nina"])
                #expect(again.status == .conflict)
                let bad = try await Self.post(client, root, "add", ["username": "no spaces"])
                #expect(bad.status == .badRequest)
                let admin = try await Self.post(client, root, "add", ["username": "gina", "admin": "true"])
                #expect(admin.status == .ok)
                #expect(try await fixture.connection.run { try fixture.accounts.user(named: "gina", on: $0) }?.isAdmin == true)
            }
        }

        @Test func grantChangeAndRevokeAreAuditedAndShownOnTheActivityPage() async throws {
            try await WebFixture.run { fixture, client in
                let root = try await Self.signIn(client, "root")
                func role() async throws -> Role? {
                    try await fixture.connection.run { try fixture.accounts.user(named: "vera", on: $0) }?.grants["dept-b"]
                }
                let forged = try await Self.post(client, root, "grant", ["username": "vera", "department": "dept-b", "role": "viewer"],
                                                 csrf: false)
                #expect(forged.status == .forbidden)
                #expect(try await role() == nil)

                let granted = try await Self.post(client, root, "grant", ["username": "vera", "department": "dept-b", "role": "viewer"])
                #expect(granted.status == .seeOther && granted.headers[.location] == "/admin/users?done=grant")
                #expect(try await role() == .viewer)
                let changed = try await Self.post(client, root, "grant", ["username": "vera", "department": "dept-b", "role": "editor"])
                #expect(changed.status == .seeOther)
                #expect(try await role() == .editor)
                let notice = try await client.send(.get, "/admin/users?done=grant", cookie: root.cookie).text
                #expect(notice.contains("Done: the role is set."))

                let revokeForged = try await Self.post(client, root, "revoke", ["username": "vera", "department": "dept-b"], csrf: false)
                #expect(revokeForged.status == .forbidden)
                let revoked = try await Self.post(client, root, "revoke", ["username": "vera", "department": "dept-b"])
                #expect(revoked.status == .seeOther && revoked.headers[.location] == "/admin/users?done=revoke")
                #expect(try await role() == nil)
                #expect(try await Self.post(client, root, "revoke", ["username": "vera", "department": "dept-b"]).status == .notFound)
                #expect(try await Self.post(client, root, "grant", ["username": "nobody", "department": "dept-b", "role": "viewer"])
                    .status == .notFound)
                #expect(try await Self.post(client, root, "grant", ["username": "vera", "department": "dept-b", "role": "owner"])
                    .status == .badRequest)
                #expect(try await Self.post(client, root, "grant", ["username": "vera", "department": "a/b", "role": "viewer"])
                    .status == .badRequest)

                let audit = try await Self.audit(fixture)
                #expect(audit.map { $0.split(separator: " ").prefix(4).joined(separator: " ") }
                    == ["root users grant vera", "root users grant vera", "root users revoke vera"], "\(audit)")
                #expect(audit[1].contains(#""previous": "viewer""#) && audit[1].contains(#""role": "editor""#))

                // The activity page: the global admin's, and dept-b's admin's (rows about dept-b); not dept-a's admin's.
                let activity = try await client.send(.get, "/activity?action=users", cookie: root.cookie).text
                #expect(activity.contains("users grant vera") && activity.contains("users revoke vera"))
                let bob = try await client.login("bob").cookie
                #expect(try await client.send(.get, "/activity?action=users", cookie: bob).text.contains("users revoke vera"))
                let ada = try await client.login("ada").cookie
                #expect(!(try await client.send(.get, "/activity?action=users", cookie: ada).text.contains("users revoke vera")))
            }
        }

        @Test func aDepartmentAdminManagesOnlyTheirDepartmentsAndCannotDemoteThemselves() async throws {
            try await WebFixture.run { fixture, client in
                let ada = try await Self.signIn(client, "ada")
                let list = try await client.send(.get, "/admin/users", cookie: ada.cookie)
                #expect(list.status == .ok)
                for name in ["vera", "eddie", "ada"] { #expect(list.text.contains(#"<td class="username">\#(name)"#)) }
                for name in ["bob", "root"] { #expect(!list.text.contains(#"<td class="username">\#(name)"#)) }
                #expect(!list.text.contains("dept-b"))
                #expect(!list.text.contains("/admin/users/disable") && !list.text.contains("/admin/users/password"))

                // Any user by name, in dept-a: bob now appears, with his dept-a role only.
                #expect(try await Self.post(client, ada, "grant", ["username": "bob", "department": "dept-a", "role": "viewer"])
                    .status == .seeOther)
                let after = try await client.send(.get, "/admin/users", cookie: ada.cookie).text
                #expect(after.contains(#"<td class="username">bob"#) && !after.contains("dept-b"))

                // Another department's roles, and whole accounts: refused.
                for (action, fields) in [("grant", ["username": "vera", "department": "dept-b", "role": "viewer"]),
                                         ("revoke", ["username": "bob", "department": "dept-b"]),
                                         ("disable", ["username": "eddie"]), ("enable", ["username": "eddie"]),
                                         ("password", ["username": "eddie"]),
                                         ("add", ["username": "gina", "admin": "true", "department": "dept-a"]),
                                         ("add", ["username": "gina", "department": "dept-b"])] {
                    #expect(try await Self.post(client, ada, action, fields).status == .forbidden, "\(action) \(fields)")
                }
                #expect(try await Self.post(client, ada, "add", ["username": "gina"]).status == .badRequest, "a department is needed")
                let added = try await Self.post(client, ada, "add", ["username": "gina", "department": "dept-a", "role": "viewer"])
                #expect(added.status == .ok)
                _ = try await client.login("gina", password: try Self.password(in: added.text))

                // No self-demotion: the role stays.
                let demoted = try await Self.post(client, ada, "grant", ["username": "ada", "department": "dept-a", "role": "viewer"])
                #expect(demoted.status == .conflict)
                #expect(demoted.text.contains("you would lose the admin role you are using"))
                #expect(try await Self.post(client, ada, "revoke", ["username": "ada", "department": "dept-a"]).status == .conflict)
                #expect(try await fixture.connection.run { try fixture.accounts.user(named: "ada", on: $0) }?.grants["dept-a"] == .admin)
                let audit = try await Self.audit(fixture)
                #expect(audit.map { $0.split(separator: " ").prefix(4).joined(separator: " ") }
                    == ["ada users grant bob", "ada users add gina"], "\(audit)")
            }
        }

        @Test func disablingEndsSessionsAndTokensAndResetShowsANewPasswordOnce() async throws {
            try await WebFixture.run { fixture, client in
                let root = try await Self.signIn(client, "root")
                let eddie = try await client.login("eddie")
                let token = try await fixture.token("eddie")

                #expect(try await Self.post(client, root, "disable", ["username": "eddie"], csrf: false).status == .forbidden)
                #expect(try await client.send(.get, "/api/v1/session", cookie: eddie.cookie).status == .ok)
                let disabled = try await Self.post(client, root, "disable", ["username": "eddie"])
                #expect(disabled.status == .seeOther && disabled.headers[.location] == "/admin/users?done=disable")
                #expect(try await client.send(.get, "/api/v1/session", cookie: eddie.cookie).status == .unauthorized)
                #expect(try await client.send(.get, "/api/v1/datasets", token: token).status == .unauthorized)
                let list = try await client.send(.get, "/admin/users?done=disable", cookie: root.cookie).text
                #expect(list.contains("Their sessions have ended"))
                #expect(list.contains(#"action="/admin/users/enable""#))

                // One can't disable oneself.
                let selfDisabled = try await Self.post(client, root, "disable", ["username": "root"])
                #expect(selfDisabled.status == .conflict)
                #expect(selfDisabled.text.contains("disable yourself"))
                #expect(try await client.send(.get, "/admin/users", cookie: root.cookie).status == .ok)

                // Enabled again: the token works again; the session stays ended.
                #expect(try await Self.post(client, root, "enable", ["username": "eddie"]).status == .seeOther)
                #expect(try await client.send(.get, "/api/v1/datasets", token: token).status == .ok)
                #expect(try await client.send(.get, "/api/v1/session", cookie: eddie.cookie).status == .unauthorized)

                // A reset: the new password shown once, the old one refused, the new one accepted.
                let fresh = try await client.login("eddie")
                #expect(try await Self.post(client, root, "password", ["username": "eddie"], csrf: false).status == .forbidden)
                let reset = try await Self.post(client, root, "password", ["username": "eddie"])
                #expect(reset.status == .ok)
                let password = try Self.password(in: reset.text)
                #expect(try await client.send(.get, "/api/v1/session", cookie: fresh.cookie).status == .unauthorized)
                await #expect(throws: LoginFailed.self) { try await client.login("eddie") }
                _ = try await client.login("eddie", password: password)

                // Unknown users: not found, whichever the change.
                for action in ["disable", "enable", "password", "revoke"] {
                    #expect(try await Self.post(client, root, action, ["username": "nobody", "department": "dept-a"]).status == .notFound,
                            "\(action)")
                }

                let audit = try await Self.audit(fixture)
                #expect(audit.map { $0.split(separator: " ").prefix(4).joined(separator: " ") }
                    == ["root users disable eddie", "root users enable eddie", "root users passwd eddie"], "\(audit)")
                #expect(!audit.joined().contains(password))
            }
        }
    }
}
