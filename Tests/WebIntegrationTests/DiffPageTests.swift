import Foundation
import Hummingbird
import Postgres
import Testing
import Web

extension WebIntegration {
    /// The diff page and the management buttons of the versions page, over
    /// plain HTTP (no JavaScript): what a comparison shows and its paging,
    /// a refused key on the page, each change confirmed by its form (CSRF
    /// token, role, audit row), another department's dataset as 404.
    @Suite struct DiffPageTests {
        /// Version 2 of dept-a's `sales`, as in ``DiffAPITests``: ids 1-20 removed, 251-300 added, every tenth row from 30 to 250 changed.
        static let secondVersion = """
            SELECT g, CASE WHEN g % 10 = 0 THEN 'renamed ' || g ELSE 'item ' || g || CASE WHEN g % 50 = 0 THEN ' special' ELSE '' END END,
                   (g % 7) * 1.5, CASE WHEN g % 10 = 0 THEN 'moved' ELSE 'region ' || (g % 3) END, date '2024-01-01' + (g % 30)
            FROM generate_series(21, 300) g
            """

        @Test func diffShowsAddedRemovedAndChangedRows() async throws {
            try await WebFixture.run { fixture, client in
                try await fixture.addVersionA(rows: 280, select: Self.secondVersion)
                let cookie = try await client.login("vera").cookie
                let a = fixture.datasetA

                // The versions page offers the comparison as a GET form.
                let versions = try await client.send(.get, "/datasets/\(a)/versions", cookie: cookie).text
                #expect(versions.contains(#"<form class="toolbar compare" method="get" action="/datasets/\#(a)/diff">"#))

                // Without parameters: the two latest versions on the first column.
                let page = try await client.send(.get, "/datasets/\(a)/diff", cookie: cookie)
                #expect(page.status == .ok, "\(page.text)")
                let html = page.text
                #expect(html.contains("50 added, 20 removed, 23 changed, 207 unchanged"))
                #expect(html.contains(#"<tr class="removed"><td class="mark">−</td><td>1</td><td>item 1</td>"#))
                #expect(html.contains(#"<tr class="added"><td class="mark">+</td><td>251</td>"#))
                #expect(html.contains(#"<td class="changed" title="item 30 → renamed 30"><del>item 30</del> <ins>renamed 30</ins></td>"#))
                #expect(html.contains(#"<del class="null">NULL</del> <ins>moved</ins>"#))
                #expect(html.contains(#"<option value="id" selected>id</option>"#))
                #expect(!html.contains(#"rel="next""#))

                // Paged: "Next" follows the API's cursor until the last page.
                var url: String? = "/datasets/\(a)/diff?from=1&to=2&key=id&limit=7"
                var marks: [String] = []
                var pages = 0
                while let next = url, pages < 100 {
                    let text = try await client.send(.get, next, cookie: cookie).text
                    #expect(pages == 0 || !text.contains("unchanged"))
                    marks += text.matches(of: /<tr class="(added|removed|changed)">/).map { String($0.1) }
                    url = text.firstMatch(of: /<a href="([^"]+)" rel="next">/).map { String($0.1).replacingOccurrences(of: "&amp;", with: "&") }
                    pages += 1
                }
                #expect(pages == 14)
                #expect(marks == Array(repeating: "removed", count: 20) + Array(repeating: "changed", count: 23)
                    + Array(repeating: "added", count: 50))

                // A key that is not unique: the comparison's own message on the page, not a 500.
                let region = try await client.send(.get, "/datasets/\(a)/diff?from=1&to=2&key=region", cookie: cookie)
                #expect(region.status == .badRequest)
                #expect(region.text.contains(#"<p class="problem" role="alert">"#))
                #expect(region.text.contains("region"))
                let unknown = try await client.send(.get, "/datasets/\(a)/diff?from=1&to=2&key=nope", cookie: cookie)
                #expect(unknown.status == .badRequest)
                #expect(unknown.text.contains(#"class="problem""#))

                // Another department's dataset, a version it does not have.
                let other = try await client.send(.get, "/datasets/\(fixture.datasetB)/diff?from=1&to=1&key=id", cookie: cookie)
                #expect(other.status == .notFound)
                #expect(other.text.contains("Not found") && !other.text.contains("dept-b"))
                #expect(try await client.send(.get, "/datasets/\(a)/diff?from=1&to=9&key=id", cookie: cookie).status == .notFound)

                // Values are escaped, old and new.
                try await fixture.addVersionA(rows: 2, select: "SELECT g, '<i>' || g || '</i>', 0, NULL, NULL FROM generate_series(21, 22) g")
                let escaped = try await client.send(.get, "/datasets/\(a)/diff?from=2&to=3&key=id", cookie: cookie).text
                #expect(escaped.contains("<del>item 21</del> <ins>&lt;i&gt;21&lt;/i&gt;</ins>"))
                #expect(!escaped.contains("<i>21"))
            }
        }

        @Test func managementIsConfirmedRoleCheckedAndAudited() async throws {
            try await WebFixture.run { fixture, client in
                try await fixture.addVersionA(rows: 10)
                let a = fixture.datasetA, versionsPath = "/datasets/\(fixture.datasetA)/versions"
                let vera = try await client.login("vera"), eddie = try await client.login("eddie")
                func post(_ action: String, _ fields: [String: String], as session: (cookie: String, csrf: String),
                          dataset: Int64? = nil) async throws -> TestResponse {
                    try await client.postForm("/datasets/\(dataset ?? a)/\(action)", fields.merging(["csrf_token": session.csrf]) { a, _ in a },
                                              cookies: ["pyramydal_session": session.cookie])
                }
                func audit(_ what: String) async throws -> [String] {
                    try await fixture.connection.query(
                        "SELECT who || ' ' || what FROM \(fixture.catalog.schemas.catalogTable("audit_log")) WHERE what LIKE $1 ORDER BY id",
                        [.text(what + " %")], purpose: "audit").map { try $0[0, as: String.self] }
                }

                // Buttons by role: none for a viewer; an editor's without move and delete.
                let viewerPage = try await client.send(.get, versionsPath, cookie: vera.cookie).text
                #expect(!viewerPage.contains("Make this the latest") && !viewerPage.contains(#"id="rename""#))
                let editorPage = try await client.send(.get, versionsPath, cookie: eddie.cookie).text
                #expect(editorPage.contains(#"<details class="confirm" id="revert-1">"#))
                #expect(!editorPage.contains(#"id="revert-2""#))
                #expect(editorPage.contains(#"action="/datasets/\#(a)/revert""#))
                #expect(editorPage.contains(#"<input type="hidden" name="csrf_token" value="\#(eddie.csrf)">"#))
                #expect(editorPage.contains(#"id="rename""#) && editorPage.contains(#"id="archive""#))
                #expect(!editorPage.contains(#"id="delete""#) && !editorPage.contains(#"id="move""#))

                // The server refuses what the buttons don't offer, and a form without the token.
                #expect(try await post("revert", ["version": "1"], as: vera).status == .forbidden)
                #expect(try await post("delete", [:], as: eddie).status == .forbidden)
                #expect(try await post("move", ["department": "dept-b"], as: eddie).status == .forbidden)
                let noToken = try await client.postForm("/datasets/\(a)/revert", ["version": "1"],
                                                        cookies: ["pyramydal_session": eddie.cookie])
                #expect(noToken.status == .forbidden)
                #expect(try await post("revert", ["version": "1"], as: vera, dataset: fixture.datasetB).status == .notFound)
                #expect(try await audit("revert").isEmpty)

                // Confirmed: done, back to the versions page with a notice, audited as the user.
                let reverted = try await post("revert", ["version": "1"], as: eddie)
                #expect(reverted.status == .seeOther)
                #expect(reverted.headers[.location] == versionsPath + "?done=revert")
                let after = try await client.send(.get, versionsPath + "?done=revert", cookie: eddie.cookie).text
                #expect(after.contains(#"<p class="notice" role="status">Done: a new latest version"#))
                #expect(after.contains(#"id="revert-2""#) && !after.contains(#"id="revert-3""#))
                #expect(try await audit("revert") == ["eddie revert dept-a/sales"])
                // Reverting to the latest is a conflict, said on a page.
                #expect(try await post("revert", ["version": "3"], as: eddie).status == .conflict)

                #expect(try await post("rename", ["name": "turnover"], as: eddie).headers[.location] == versionsPath + "?done=rename")
                #expect(try await client.send(.get, versionsPath, cookie: eddie.cookie).text.contains("dept-a/turnover"))
                #expect(try await audit("rename").count == 1)
                #expect(try await post("archive", ["archived": "true"], as: eddie).headers[.location] == versionsPath + "?done=archive")
                let archived = try await client.send(.get, versionsPath, cookie: eddie.cookie).text
                #expect(archived.contains(">Unarchive</summary>"))
                #expect(try await post("archive", ["archived": "false"], as: eddie).headers[.location] == versionsPath + "?done=unarchive")
                #expect(try await audit("archive").count == 1)
                #expect(try await audit("unarchive").count == 1)

                // Move and delete: admins (a move, of both departments).
                let root = try await client.login("root")
                let adminPage = try await client.send(.get, versionsPath, cookie: root.cookie).text
                #expect(adminPage.contains(#"id="move""#) && adminPage.contains("<option>dept-b</option>"))
                #expect(adminPage.contains(#"id="delete""#))
                #expect(try await post("move", ["department": "dept-b"], as: root).status == .seeOther)
                #expect(try await audit("move") == ["root move dept-a/turnover"])
                #expect(try await client.send(.get, versionsPath, cookie: eddie.cookie).status == .notFound)
                let bob = try await client.login("bob")
                let deleted = try await post("delete", [:], as: bob)
                #expect(deleted.status == .ok)
                #expect(deleted.text.contains("Deleted dept-b/turnover"))
                #expect(try await audit("delete") == ["bob delete dept-b/turnover"])
                #expect(try await client.send(.get, versionsPath, cookie: bob.cookie).status == .notFound)
            }
        }
    }
}
