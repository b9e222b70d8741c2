import Foundation
import HTTPTypes
import Hummingbird
import Testing
import Web

extension WebIntegration {
    /// The HTML pages over plain HTTP (no JavaScript): sign-in with its
    /// double-submit token, the frame, a version's table and its links,
    /// the versions page, scoping, sign-out with the form's CSRF token.
    @Suite struct PageTests {
        @Test func signInFormTokenAndSignOut() async throws {
            try await WebFixture.run { fixture, client in
                // Every page needs a session.
                let anonymous = try await client.send(.get, "/versions/\(fixture.versionA)?sort=amount")
                #expect(anonymous.status == .seeOther)
                #expect(anonymous.headers[.location] == "/login?next=%2Fversions%2F\(fixture.versionA)%3Fsort%3Damount")
                let hx = try await client.execute(uri: "/", method: .get, headers: [HTTPField.Name("HX-Request")!: "true"])
                #expect(hx.headers[HTTPField.Name("HX-Redirect")!] == "/login")

                let form = try await client.send(.get, "/login")
                #expect(form.status == .ok)
                #expect(form.headers[.contentType] == "text/html; charset=utf-8")
                #expect(form.headers[.contentSecurityPolicy]?.contains("script-src 'self'") == true)
                let token = try #require(form.loginToken)
                #expect(form.text.contains(#"name="csrf_token" value="\#(token)""#))

                // Without the cookie's twin, or with a wrong password, no session.
                let forged = try await client.postForm("/login", ["username": "vera", "password": WebFixture.password,
                                                                  "csrf_token": "made-up"], cookies: ["pyramydal_login": token])
                #expect(forged.status == .forbidden)
                #expect(forged.sessionCookie == nil)
                let wrong = try await client.postForm("/login", ["username": "vera", "password": "not the password",
                                                                 "csrf_token": token], cookies: ["pyramydal_login": token])
                #expect(wrong.status == .unauthorized)
                #expect(wrong.text.contains("Wrong username or password."))
                #expect(wrong.sessionCookie == nil)

                let fresh = try #require(wrong.loginToken)
                let signedIn = try await client.postForm("/login", ["username": "vera", "password": WebFixture.password,
                                                                    "csrf_token": fresh, "next": "/datasets/\(fixture.datasetA)"],
                                                         cookies: ["pyramydal_login": fresh])
                #expect(signedIn.status == .seeOther)
                #expect(signedIn.headers[.location] == "/datasets/\(fixture.datasetA)")
                let session = try #require(signedIn.sessionCookie)
                #expect(session.header.contains("HttpOnly"))

                // A `next` off the site goes home instead.
                let token3 = try #require(try await client.send(.get, "/login").loginToken)
                let offsite = try await client.postForm("/login", ["username": "vera", "password": WebFixture.password,
                                                                   "csrf_token": token3, "next": "//evil.example/"],
                                                        cookies: ["pyramydal_login": token3, "pyramydal_session": session.value])
                #expect(offsite.headers[.location] == "/")
                // ...and signing in again rotated the session.
                let rotated = try #require(offsite.sessionCookie?.value)
                #expect(try await client.send(.get, "/", cookie: session.value).status == .seeOther)

                let home = try await client.send(.get, "/", cookie: rotated)
                #expect(home.status == .ok)
                #expect(home.text.contains("vera"))
                #expect(home.text.contains("viewer in dept-a"))
                #expect(home.text.contains(#"href="/datasets/\#(fixture.datasetA)""#))
                #expect(!home.text.contains(#"href="/datasets/\#(fixture.datasetB)""#))
                #expect(!home.text.contains("dept-b"))
                let csrf = try #require(home.text.firstMatch(of: /name="csrf_token" value="([^"]+)"/)?.1).description

                // Signing out is a POST with the session's CSRF token in the form.
                let refused = try await client.postForm("/logout", [:], cookies: ["pyramydal_session": rotated])
                #expect(refused.status == .forbidden)
                let out = try await client.postForm("/logout", ["csrf_token": csrf], cookies: ["pyramydal_session": rotated])
                #expect(out.status == .seeOther)
                #expect(out.headers[.location] == "/login")
                #expect(try await client.send(.get, "/", cookie: rotated).status == .seeOther)
            }
        }

        @Test func tableWithoutJavaScript() async throws {
            try await WebFixture.run { fixture, client in
                let cookie = try await client.login("vera").cookie
                let latest = try await client.send(.get, "/datasets/\(fixture.datasetA)?sort=amount", cookie: cookie)
                #expect(latest.status == .seeOther)
                #expect(latest.headers[.location] == "/versions/\(fixture.versionA)?sort=amount")

                let page = try await client.send(.get, "/versions/\(fixture.versionA)", cookie: cookie)
                #expect(page.status == .ok)
                let html = page.text
                #expect(html.contains("250 rows"))
                #expect(html.contains(#"<td class="rownum">1</td><td class="num">1</td><td class="text">item 1</td>"#))
                #expect(html.contains(#"<td class="null">NULL</td>"#))
                #expect(html.contains(#"<script src="/static/htmx-2.min.js" defer></script>"#))
                #expect(!html.contains("<script>"))
                #expect(!html.contains(" style="))
                #expect(!html.contains(" onclick="))
                // Links: sort by a header, the next page by cursor.
                #expect(html.contains(#"href="/versions/\#(fixture.versionA)?sort=amount""#))
                let next = try #require(html.firstMatch(of: /<a href="([^"]+)" hx-get="[^"]+" rel="next">/)?.1)
                let second = try await client.send(.get, String(next).replacingOccurrences(of: "&amp;", with: "&"), cookie: cookie)
                #expect(second.text.contains(#"<td class="rownum">101</td><td class="num">101</td>"#))
                #expect(second.text.contains(#"rel="prev""#))

                // The filter row's form fields land on the API's `where=`.
                let filtered = try await client.send(.get, "/versions/\(fixture.versionA)?fc=id&fo=%3E&fv=240&fc=name&fo=contains&fv=",
                                                     cookie: cookie)
                #expect(filtered.status == .seeOther)
                #expect(filtered.headers[.location] == "/versions/\(fixture.versionA)?where=id%20%3E%20240")
                let few = try await client.send(.get, "/versions/\(fixture.versionA)?where=id%20%3E%20240&sort=id%20desc", cookie: cookie)
                #expect(few.text.contains("10 rows"))
                #expect(few.text.contains(#"<td class="rownum">1</td><td class="num">250</td>"#))
                #expect(few.text.contains(#"href="/versions/\#(fixture.versionA)?where=id%20%3E%20240&amp;sort=id""#))

                // Go to row N; a search; a filter that doesn't fit the column says so on the page.
                let deep = try await client.send(.get, "/versions/\(fixture.versionA)?sort=id&row=201", cookie: cookie)
                #expect(deep.text.contains(#"<td class="rownum">201</td><td class="num">201</td>"#))
                let search = try await client.send(.get, "/versions/\(fixture.versionA)?q=SPECIAL", cookie: cookie)
                #expect(search.text.contains("item 50 special"))
                #expect(!search.text.contains("item 51<"))
                let bad = try await client.send(.get, "/versions/\(fixture.versionA)?where=amount%20%3E%20lots", cookie: cookie)
                #expect(bad.status == .ok)
                #expect(bad.text.contains("is not a number"))
                // Escaped, never raw.
                let echo = try await client.send(.get, "/versions/\(fixture.versionA)?q=%3Cb%3E%22x", cookie: cookie)
                #expect(echo.text.contains("&lt;b&gt;&quot;x"))
                #expect(!echo.text.contains("<b>\"x"))

                // A filtered view's exact count comes apart, as a partial for htmx.
                let count = try await client.execute(uri: "/versions/\(fixture.versionA)/count?where=region%20contains%20region%201",
                                                     method: .get, headers: [.cookie: "pyramydal_session=\(cookie)",
                                                                             HTTPField.Name("HX-Request")!: "true"])
                #expect(count.text == "<span class=\"count\" id=\"count\">75 rows</span>\n")

                // htmx gets the rows partial and the URL to push.
                let partial = try await client.execute(uri: "/versions/\(fixture.versionA)?fc=amount&fo=%3E%3D&fv=9",
                                                       method: .get, headers: [.cookie: "pyramydal_session=\(cookie)",
                                                                               HTTPField.Name("HX-Request")!: "true"])
                #expect(partial.text.hasPrefix(#"<div id="rows""#))
                #expect(partial.headers[HTTPField.Name("HX-Push-Url")!] == "/versions/\(fixture.versionA)?where=amount%20%3E%3D%209")
                #expect(partial.headers[.vary] == "HX-Request")

                let versions = try await client.send(.get, "/datasets/\(fixture.datasetA)/versions", cookie: cookie)
                #expect(versions.text.contains("the sheet has a header row and no data"))
                #expect(versions.text.contains("sales.xlsx"))
                #expect(versions.text.contains(">test<"))

                #expect(try await client.send(.get, "/static/pages.css").status == .ok)
                #expect(try await client.send(.get, "/static/htmx-2.min.js").text.contains("2.0.10"))
            }
        }

        /// "Go to row N" and "previous" (a seek by OFFSET, then keyset
        /// paging) land on the row PostgreSQL puts at N for the same order,
        /// across ties and NULLs (NULLs last, then the ctid), with a filter
        /// and without a sort.
        @Test func goToRowMatchesPostgreSQLsOrder() async throws {
            try await WebFixture.run { fixture, client in
                let cookie = try await client.login("vera").cookie
                let relation = try await fixture.connection.run { conn in
                    fixture.catalog.schemas.dataRelation(
                        try #require(try fixture.catalog.version(id: fixture.versionA, on: conn)?.record.tableName))
                }
                let cases: [(query: String, order: String, filter: String)] = [
                    ("sort=region%20desc", "region DESC NULLS LAST, ctid", "true"),
                    ("sort=amount", "amount ASC NULLS LAST, ctid", "true"),
                    ("", "ctid", "true"),
                    ("where=amount%20%3E%3D%204.5&sort=day", "day ASC NULLS LAST, ctid", "amount >= 4.5"),
                ]
                for c in cases {
                    let ids = try await fixture.connection.run { conn in
                        try conn.query("SELECT id FROM \(relation) WHERE \(c.filter) ORDER BY \(c.order)", purpose: "order")
                            .map { try $0[0, as: Int64.self] }
                    }
                    for row in [2, 99, 101, 150, ids.count] where row <= ids.count {
                        let page = try await client.send(.get, "/versions/\(fixture.versionA)?\(c.query)&row=\(row)", cookie: cookie).text
                        let first = page.firstMatch(of: /<td class="rownum">([0-9,]+)<\/td><td class="num">([0-9]+)<\/td>/)
                        #expect(first?.1 == Substring(String(row)), "\(c.query) row \(row)")
                        #expect(first.flatMap { Int64($0.2) } == ids[row - 1], "\(c.query) row \(row)")
                        // "Previous" goes back a whole page (or to row 1).
                        if row > 1 {
                            let previous = try #require(page.firstMatch(of: /<a href="([^"]+)" hx-get="[^"]+" rel="prev">/)?.1)
                            let back = try await client.send(.get, String(previous).replacingOccurrences(of: "&amp;", with: "&"),
                                                             cookie: cookie).text
                            let start = max(1, row - 100)
                            let id = back.firstMatch(of: /<td class="rownum">[0-9,]+<\/td><td class="num">([0-9]+)<\/td>/)?.1
                            #expect(id.flatMap { Int64($0) } == ids[start - 1], "\(c.query) back from \(row)")
                        }
                    }
                    // Past the last row: an empty page, no next.
                    let past = try await client.send(.get, "/versions/\(fixture.versionA)?\(c.query)&row=\(ids.count + 1)", cookie: cookie)
                    #expect(past.text.contains("No rows."))
                    #expect(!past.text.contains(#"rel="next""#))
                }
            }
        }

        @Test func anotherDepartmentIsNotFound() async throws {
            try await WebFixture.run { fixture, client in
                let cookie = try await client.login("vera").cookie
                for path in ["/versions/\(fixture.versionB)", "/datasets/\(fixture.datasetB)", "/datasets/\(fixture.datasetB)/versions",
                             "/versions/\(fixture.versionB)/count", "/versions/999999"] {
                    let response = try await client.send(.get, path, cookie: cookie)
                    #expect(response.status == .notFound, "\(path)")
                    #expect(response.text.contains("Not found"))
                    #expect(!response.text.contains("dept-b"))
                }
                let bob = try await client.login("bob").cookie
                #expect(try await client.send(.get, "/versions/\(fixture.versionB)", cookie: bob).status == .ok)
                #expect(try await client.send(.get, "/versions/\(fixture.versionA)", cookie: bob).status == .notFound)
            }
        }
    }
}

extension TestResponse {
    /// The sign-in form's double-submit token, from its cookie.
    var loginToken: String? {
        for header in headers[values: .setCookie] where header.hasPrefix("pyramydal_login=") {
            return String(header.dropFirst("pyramydal_login=".count).prefix { $0 != ";" })
        }
        return nil
    }
}

extension TestClientProtocol {
    /// A form POST (`application/x-www-form-urlencoded`) with cookies.
    func postForm(_ uri: String, _ fields: [String: String], cookies: [String: String]) async throws -> TestResponse {
        let allowed = CharacterSet.alphanumerics
        let body = fields.sorted { $0.key < $1.key }.map {
            "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")"
        }.joined(separator: "&")
        let cookie = cookies.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "; ")
        return try await execute(uri: uri, method: .post,
                                 headers: [.contentType: "application/x-www-form-urlencoded", .cookie: cookie],
                                 body: ByteBuffer(string: body))
    }
}
