import Accounts
import Foundation
import HTTPTypes
import Hummingbird
import Testing
import Web

extension WebIntegration {
    /// Sign-in, sessions, CSRF, throttling and tokens, against the server on loopback.
    @Suite struct SessionTests {
        @Test func healthReadinessHeadersAndDocument() async throws {
            try await WebFixture.run { _, client in
                let health = try await client.send(.get, "/healthz")
                #expect(health.status == .ok)
                #expect(health.headers[.contentSecurityPolicy]?.contains("frame-ancestors 'none'") == true)
                #expect(health.headers[.contentSecurityPolicy]?.contains("script-src 'self'") == true)
                #expect(health.headers[.contentSecurityPolicy]?.contains("unsafe-inline") == false)
                #expect(health.headers[.xContentTypeOptions] == "nosniff")
                #expect(health.headers[HTTPField.Name("Referrer-Policy")!] == "same-origin")
                #expect(try await client.send(.get, "/readyz").status == .ok)

                let document = try await client.send(.get, "/api/openapi.json")
                #expect(document.status == .ok)
                let onDisk = try String(contentsOfFile: #filePath.replacingOccurrences(
                    of: "Tests/WebIntegrationTests/SessionTests.swift", with: "docs/openapi.json"), encoding: .utf8)
                #expect(document.text == onDisk)
                #expect(try document.json()["openapi"] as? String == "3.1.0")

                let anonymous = try await client.send(.get, "/api/v1/datasets")
                #expect(anonymous.status == .unauthorized)
                #expect(anonymous.headers[.contentType] == "application/problem+json")
                #expect(try anonymous.json()["status"] as? Int == 401)
            }
        }

        @Test func loginRotationLogoutAndCSRF() async throws {
            try await WebFixture.run { fixture, client in
                let wrong = try await client.send(.post, "/api/v1/session", json: #"{"username":"vera","password":"nope, not this"}"#)
                #expect(wrong.status == .unauthorized)
                #expect(try wrong.json()["field"] as? String == "password")
                let form = try await client.execute(uri: "/api/v1/session", method: .post,
                                                    headers: [.contentType: "application/x-www-form-urlencoded"],
                                                    body: ByteBuffer(string: "username=vera&password=x"))
                #expect(form.status == .unsupportedMediaType)

                let response = try await client.send(.post, "/api/v1/session",
                                                     json: #"{"username":"vera","password":"\#(WebFixture.password)"}"#)
                #expect(response.status == .ok)
                let header = try #require(response.sessionCookie?.header)
                #expect(header.contains("HttpOnly"))
                #expect(header.contains("SameSite=Lax"))
                #expect(header.contains("Path=/"))
                #expect(!header.contains("Secure"))
                let first = try #require(response.sessionCookie?.value)
                let csrf = try #require(try response.json()["csrf_token"] as? String)

                let me = try await client.send(.get, "/api/v1/session", cookie: first)
                #expect(me.status == .ok)
                #expect((try me.json()["user"] as? [String: Any])?["username"] as? String == "vera")

                // Signing in again with the old cookie rotates the session: the old id stops working.
                let second = try await client.login("vera", cookie: first)
                #expect(second.cookie != first)
                #expect(try await client.send(.get, "/api/v1/session", cookie: first).status == .unauthorized)
                #expect(try await client.send(.get, "/api/v1/session", cookie: second.cookie).status == .ok)

                // State-changing requests by cookie need the session's CSRF token.
                let noToken = try await client.send(.delete, "/api/v1/session", cookie: second.cookie)
                #expect(noToken.status == .forbidden)
                let oldToken = try await client.send(.delete, "/api/v1/session", cookie: second.cookie, csrf: csrf)
                #expect(oldToken.status == .forbidden)
                let cancel = try await client.send(.post, "/api/v1/jobs/\(fixture.jobA)/cancel", cookie: second.cookie)
                #expect(cancel.status == .forbidden)
                let out = try await client.send(.delete, "/api/v1/session", cookie: second.cookie, csrf: second.csrf)
                #expect(out.status == .noContent)
                #expect(out.sessionCookie?.header.contains("Max-Age=0") == true)
                #expect(try await client.send(.get, "/api/v1/session", cookie: second.cookie).status == .unauthorized)

                // The audit log names who signed in and out.
                let audit = try await client.send(.get, "/api/v1/audit", token: fixture.adminToken)
                let whats = (try audit.json()["items"] as? [[String: Any]] ?? []).map { "\($0["who"]!) \($0["what"]!)" }
                #expect(whats.contains("vera sign in"))
                #expect(whats.contains("vera sign out"))
            }
        }

        @Test func disabledUsersAndPasswordChangesEndSessions() async throws {
            try await WebFixture.run { fixture, client in
                let session = try await client.login("eddie")
                try await fixture.connection.run { try fixture.accounts.setDisabled("eddie", true, on: $0) }
                #expect(try await client.send(.get, "/api/v1/session", cookie: session.cookie).status == .unauthorized)
                await #expect(throws: LoginFailed.self) { try await client.login("eddie") }
                try await fixture.connection.run { try fixture.accounts.setDisabled("eddie", false, on: $0) }
                let again = try await client.login("eddie")
                try await fixture.connection.run {
                    try fixture.accounts.setPassword("eddie", password: "another long password", on: $0)
                }
                #expect(try await client.send(.get, "/api/v1/session", cookie: again.cookie).status == .unauthorized)
                _ = try await client.login("eddie", password: "another long password")
            }
        }

        @Test func throttlingPerAccountAndPerClient() async throws {
            var settings = WebSettings()
            settings.sessions.maxFailuresPerAccount = 3
            settings.sessions.maxFailuresPerClient = 6
            try await WebFixture.run(settings: settings) { _, client in
                for _ in 0..<3 {
                    let r = try await client.send(.post, "/api/v1/session", json: #"{"username":"vera","password":"wrong password!"}"#)
                    #expect(r.status == .unauthorized)
                }
                // The account is locked for the window, even with the right password.
                let locked = try await client.send(.post, "/api/v1/session",
                                                   json: #"{"username":"vera","password":"\#(WebFixture.password)"}"#)
                #expect(locked.status == .tooManyRequests)
                #expect(locked.headers[.retryAfter] != nil)
                // Another account still signs in from this address...
                _ = try await client.login("eddie")
                // ...until the address has failed too often, whatever the account.
                for name in ["x1", "x2", "x3"] {
                    let r = try await client.send(.post, "/api/v1/session", json: #"{"username":"\#(name)","password":"wrong password!"}"#)
                    #expect(r.status == .unauthorized)
                }
                let byAddress = try await client.send(.post, "/api/v1/session",
                                                      json: #"{"username":"ada","password":"\#(WebFixture.password)"}"#)
                #expect(byAddress.status == .tooManyRequests)
            }
        }

        @Test func tokenScopesAndRevocation() async throws {
            try await WebFixture.run { fixture, client in
                let (read, write) = try await fixture.connection.run { conn in
                    (try fixture.accounts.createToken(username: "eddie", name: "reader", scope: .read, on: conn).token,
                     try fixture.accounts.createToken(username: "eddie", name: "writer", scope: .write, on: conn).token)
                }
                #expect(read.hasPrefix("pyr_"))
                // Only hashes are stored.
                let stored = try await fixture.connection.run { conn in
                    try conn.query("SELECT token_hash FROM \(fixture.catalog.schemas.catalogTable("api_tokens"))", purpose: "hashes")
                        .map { try $0[0, as: String.self] }
                }
                #expect(!stored.contains(read))
                #expect(stored.contains(SecretToken.hash(read)))

                let me = try await client.send(.get, "/api/v1/session", token: read)
                #expect(try me.json()["token_scope"] as? String == "read")
                #expect(try await client.send(.get, "/api/v1/datasets", token: read).status == .ok)
                let refused = try await client.send(.post, "/api/v1/jobs/\(fixture.jobA)/cancel", token: read)
                #expect(refused.status == .forbidden)
                // Bearer requests need no CSRF token.
                let cancelled = try await client.send(.post, "/api/v1/jobs/\(fixture.jobA)/cancel", token: write)
                #expect(cancelled.status == .ok)
                #expect(try cancelled.json()["state"] as? String == "cancelled")
                let again = try await client.send(.post, "/api/v1/jobs/\(fixture.jobA)/cancel", token: write)
                #expect(again.status == .conflict)

                try await fixture.connection.run { try fixture.accounts.revokeToken(username: "eddie", name: "writer", on: $0) }
                #expect(try await client.send(.get, "/api/v1/datasets", token: write).status == .unauthorized)
                #expect(try await client.send(.get, "/api/v1/datasets", token: "pyr_made-up").status == .unauthorized)
                #expect(try await client.send(.get, "/api/v1/datasets", token: read).status == .ok)

                // The audit row names the user and the token.
                let audit = try await client.send(.get, "/api/v1/audit", token: fixture.adminToken)
                let items = try audit.json()["items"] as? [[String: Any]] ?? []
                #expect(items.contains { $0["who"] as? String == "eddie (token writer)" && $0["what"] as? String == "cancel job \(fixture.jobA)" })
            }
        }
    }
}
