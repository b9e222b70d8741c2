import Catalog
import Foundation
import HTTPTypes
import Hummingbird
import Testing
import Web

extension WebIntegration {
    /// `/activity` and `/jobs` over plain HTTP: scoped to the user's
    /// departments, filtered, paged backwards; cancel and retry by a
    /// department's admin with the form's CSRF token.
    @Suite struct ActivityPageTests {
        @Test func activityIsScopedFilteredAndPaged() async throws {
            try await WebFixture.run { fixture, client in
                let catalog = fixture.catalog
                try await fixture.connection.run { conn in
                    for i in 1...55 {
                        try catalog.audit(who: i % 2 == 0 ? "eddie" : "eddie (token t1)", what: "export dept-a/sales",
                                          outcome: "done", dataset: DatasetRef(department: "dept-a", name: "sales"),
                                          details: ["n": .int(Int64(i))], on: conn)
                    }
                    try catalog.audit(who: "bob", what: "export dept-b/sales", outcome: "done",
                                      dataset: DatasetRef(department: "dept-b", name: "sales"), on: conn)
                    try catalog.audit(who: "ada", what: "rename dept-a/sales", outcome: "done",
                                      dataset: DatasetRef(department: "dept-a", name: "sales"), on: conn)
                }
                let vera = try await client.login("vera").cookie
                let home = try await client.send(.get, "/", cookie: vera).text
                #expect(home.contains(#"href="/activity""#) && home.contains(#"href="/jobs""#))

                let first = try await client.send(.get, "/activity", cookie: vera)
                #expect(first.status == .ok)
                #expect(first.text.contains("rename dept-a/sales"))
                #expect(!first.text.contains("dept-b"))
                #expect(first.text.components(separatedBy: "<tr>").count - 2 == 50, "a page of 50 rows and the header")
                let older = try #require(first.text.firstMatch(of: /href="(\/activity\?before=\d+)" rel="next"/)?.1).description
                let second = try await client.send(.get, older, cookie: vera).text
                // The API's audit for the same user: the pages show the same rows.
                let token = try await fixture.token("vera")
                let all = try await client.send(.get, "/api/v1/audit?limit=500", token: token).json()["items"] as? [[String: Any]] ?? []
                #expect(all.count >= 56)
                #expect(second.components(separatedBy: "<tr>").count - 2 == all.count - 50)
                #expect(!second.contains(#"rel="next""#))

                // By action and by user: a user's rows include those by their tokens.
                let renames = try await client.send(.get, "/activity?action=rename&user=", cookie: vera).text
                #expect(renames.contains("rename dept-a/sales"))
                #expect(!renames.contains("export dept-a/sales"))
                let eddie = try await client.send(.get, "/activity?user=eddie&action=export", cookie: vera).text
                #expect(eddie.contains("eddie (token t1)"))
                #expect(!eddie.contains("rename"))
                #expect(eddie.contains(#"href="/activity?action=export&amp;before="#), "the filter rides along to older rows")
                let none = try await client.send(.get, "/activity?action=export%20dept-b", cookie: vera).text
                #expect(none.contains("Nothing recorded that matches."))

                let bob = try await client.login("bob").cookie
                let bobs = try await client.send(.get, "/activity", cookie: bob).text
                #expect(bobs.contains("export dept-b/sales"))
                #expect(!bobs.contains("dept-a"))
            }
        }

        @Test func jobsAreScopedAndAdminsCancelAndRetry() async throws {
            try await WebFixture.run { fixture, client in
                let vera = try await client.login("vera").cookie
                let list = try await client.send(.get, "/jobs", cookie: vera)
                #expect(list.status == .ok)
                #expect(list.text.contains(#"href="/jobs/\#(fixture.jobA)""#))
                #expect(!list.text.contains(#"href="/jobs/\#(fixture.jobB)""#))
                #expect(!list.text.contains("dept-b"))
                #expect(!list.text.contains("/cancel"), "a viewer gets no cancel button")
                #expect(try await client.send(.get, "/jobs?state=nonsense", cookie: vera).status == .badRequest)

                let ada = try await client.login("ada")
                let adas = try await client.send(.get, "/jobs", cookie: ada.cookie).text
                #expect(adas.contains(#"action="/jobs/\#(fixture.jobA)/cancel""#))
                #expect(adas.contains(#"name="csrf_token" value="\#(ada.csrf)""#))
                // Without the form's token, refused; another department's job is not found.
                let forged = try await client.postForm("/jobs/\(fixture.jobA)/cancel", [:], cookies: ["pyramydal_session": ada.cookie])
                #expect(forged.status == .forbidden)
                let other = try await client.postForm("/jobs/\(fixture.jobB)/cancel", ["csrf_token": ada.csrf],
                                                      cookies: ["pyramydal_session": ada.cookie])
                #expect(other.status == .notFound)
                // An editor may cancel through the API, but the page's buttons are for admins.
                let eddie = try await client.login("eddie")
                let editor = try await client.postForm("/jobs/\(fixture.jobA)/cancel", ["csrf_token": eddie.csrf],
                                                       cookies: ["pyramydal_session": eddie.cookie])
                #expect(editor.status == .forbidden)

                let cancelled = try await client.postForm("/jobs/\(fixture.jobA)/cancel", ["csrf_token": ada.csrf],
                                                          cookies: ["pyramydal_session": ada.cookie])
                #expect(cancelled.status == .seeOther)
                #expect(cancelled.headers[.location] == "/jobs")
                let state = try await client.send(.get, "/api/v1/jobs/\(fixture.jobA)", token: fixture.adminToken).json()["state"]
                #expect(state as? String == "cancelled")
                let filtered = try await client.send(.get, "/jobs?state=cancelled", cookie: ada.cookie).text
                #expect(filtered.contains(#"href="/jobs/\#(fixture.jobA)""#))
                #expect(filtered.contains(#"action="/jobs/\#(fixture.jobA)/retry""#))
                #expect(!(try await client.send(.get, "/jobs?state=scheduled", cookie: ada.cookie).text
                    .contains(#"href="/jobs/\#(fixture.jobA)""#)))
                let again = try await client.postForm("/jobs/\(fixture.jobA)/cancel", ["csrf_token": ada.csrf],
                                                      cookies: ["pyramydal_session": ada.cookie])
                #expect(again.status == .conflict)
                let retried = try await client.postForm("/jobs/\(fixture.jobA)/retry", ["csrf_token": ada.csrf],
                                                        cookies: ["pyramydal_session": ada.cookie])
                #expect(retried.status == .seeOther)
                let after = try await client.send(.get, "/api/v1/jobs/\(fixture.jobA)", token: fixture.adminToken).json()["state"]
                #expect(after as? String == "available")

                let activity = try await client.send(.get, "/activity?action=cancel%20job", cookie: ada.cookie).text
                #expect(activity.contains("cancel job \(fixture.jobA)"), "\(activity)")
            }
        }
    }
}
