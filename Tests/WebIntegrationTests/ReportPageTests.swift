import Catalog
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Testing
@testable import Web

extension WebIntegration {
    /// Reports and printing from the pages over plain HTTP (no JavaScript):
    /// the table page's report form (CSRF, roles, departments) through the
    /// real dispatcher and export worker to the job page's download link,
    /// a dataset's earlier reports, and the print view with its bound.
    @Suite struct ReportPageTests {
        /// The fixture's rows (ids 1…250) that `amount > 3` and a search for
        /// "special" let through: amount is (id % 7) × 1.5, "special" is in
        /// the names of multiples of 50.
        static let filteredIDs = (1...WebFixture.rowCount).filter { Double($0 % 7) * 1.5 > 3 && $0 % 50 == 0 }

        @Test func aReportOfTheTablesViewThroughTheJobPage() async throws {
            try await WebFixture.run { fixture, client in
                let eddie = try await client.login("eddie")
                let view = "where=amount%20%3E%203&sort=id%20desc&q=special"
                let page = try await client.send(.get, "/versions/\(fixture.versionA)?\(view)", cookie: eddie.cookie).text
                #expect(page.contains(#"<form class="report" method="post" action="/versions/\#(fixture.versionA)/reports">"#))
                #expect(page.contains(#"<input type="hidden" name="csrf_token" value="\#(eddie.csrf)">"#))
                #expect(page.contains(#"<input type="hidden" name="where" value="amount &gt; 3">"#))
                #expect(page.contains(#"<input type="hidden" name="q" value="special">"#))
                #expect(page.contains(#"href="/versions/\#(fixture.versionA)/print?where=amount%20%3E%203&amp;sort=id%20desc&amp;q=special""#))
                #expect(page.contains(#"href="/datasets/\#(fixture.datasetA)/reports""#))
                let vera = try await client.login("vera")
                let viewerPage = try await client.send(.get, "/versions/\(fixture.versionA)?\(view)", cookie: vera.cookie).text
                #expect(!viewerPage.contains(#"class="report""#), "a viewer gets no report button")
                #expect(viewerPage.contains("Print view"))

                let fields = [("format", "csv"), ("where", "amount > 3"), ("sort", "id desc"), ("q", "special")]
                let path = "/versions/\(fixture.versionA)/reports"
                #expect(try await client.postPairs(path, fields, cookie: eddie.cookie).status == .forbidden, "no CSRF token")
                #expect(try await client.postPairs(path, [("csrf_token", "forged")] + fields, cookie: eddie.cookie).status == .forbidden)
                let viewer = try await client.postPairs(path, [("csrf_token", vera.csrf)] + fields, cookie: vera.cookie)
                #expect(viewer.status == .forbidden)
                #expect(viewer.text.contains("editor role"))
                let bob = try await client.login("bob")
                #expect(try await client.postPairs(path, [("csrf_token", bob.csrf)] + fields, cookie: bob.cookie).status == .notFound)
                let bad = try await client.postPairs(path, [("csrf_token", eddie.csrf), ("format", "csv"), ("where", "amount > lots")],
                                                     cookie: eddie.cookie)
                #expect(bad.status == .badRequest)
                #expect(bad.text.contains("lots"), "\(bad.text)")

                let sent = try await client.postPairs(path, [("csrf_token", eddie.csrf)] + fields, cookie: eddie.cookie)
                #expect(sent.status == .seeOther, "\(sent.text)")
                let jobPath = try #require(sent.headers[.location])
                #expect(jobPath.hasPrefix("/jobs/"))
                // The same job the API would enqueue: the view's filters, sort and search.
                let job = try await client.send(.get, "/api/v1" + jobPath, token: fixture.adminToken).json()
                let request = try #require((job["arguments"] as? [String: Any])?["request"] as? [String: Any])
                #expect(request["search"] as? String == "special")
                #expect(request["version"] as? Int == 1)
                #expect(((request["filters"] as? [[String: Any]])?.first)?["column"] as? String == "amount")
                let waiting = try await client.send(.get, jobPath, cookie: eddie.cookie).text
                #expect(waiting.contains(#"hx-trigger="every 1s""#))

                try await TransferTests.dispatch(fixture, environment: TransferTests.folderEnvironment(fixture))
                let done = try await client.execute(uri: jobPath, method: .get, headers: [
                    .cookie: "pyramydal_session=\(eddie.cookie)", PageRoutes.hxRequest: "true",
                ]).text
                #expect(done.contains("completed"), "\(done)")
                let download = try #require(done.firstMatch(of: /href="(\/api\/v1\/reports\/\d+\/download)"/)?.1).description
                #expect(done.contains("Download job-"))
                #expect(done.contains("\(Self.filteredIDs.count) rows"))
                #expect(done.contains(#"<a href="/datasets/\#(fixture.datasetA)/reports">Earlier reports of dept-a/sales</a>"#))
                #expect(!done.contains("uploading"), "no stale progress message")
                // The session cookie alone downloads it (a GET needs no CSRF token).
                let file = try await client.send(.get, download, cookie: vera.cookie)
                #expect(file.status == .ok)
                #expect(file.headers[.contentType]?.hasPrefix("text/csv") == true)
                let lines = file.text.split(whereSeparator: \.isNewline).map(String.init)
                #expect(lines.first == "id,name,amount,region,day")
                #expect(lines.dropFirst().map { String($0.prefix { $0 != "," }) } == Self.filteredIDs.reversed().map(String.init))
                #expect(try await client.send(.get, download, cookie: bob.cookie).status == .notFound)

                // The dataset's reports list it with who, the view and the link.
                let list = try await client.send(.get, "/datasets/\(fixture.datasetA)/reports", cookie: vera.cookie)
                #expect(list.status == .ok)
                #expect(list.text.contains("<td>eddie</td>"))
                #expect(list.text.contains("where: amount &gt; 3 · sort: id desc · search: &quot;special&quot;"))
                #expect(list.text.contains(#"href="\#(download)""#))
                #expect(list.text.contains(#"<td>CSV</td>"#))
                let audit = try await client.send(.get, "/api/v1/audit", token: fixture.adminToken).json()["items"] as? [[String: Any]] ?? []
                let entry = try #require(audit.first { $0["what"] as? String == "request report dept-a/sales" })
                #expect(entry["who"] as? String == "eddie")
                #expect((entry["detail"] as? [String: Any])?["via"] as? String == "pages")
            }
        }

        @Test func earlierReportsArePagedAndScoped() async throws {
            try await WebFixture.run { fixture, client in
                let catalog = fixture.catalog, version = fixture.versionA
                let count = ReportPageRoutes.pageSize + 5
                _ = try await fixture.connection.run { conn in
                    for i in 1...count {
                        _ = try catalog.recordArtifact(NewArtifact(
                            kind: i % 2 == 0 ? "pdf" : "xlsx", key: "reports/dept-a/sales/v1/r\(i).xlsx", bytes: 1234 * i,
                            sha256: "00", jobID: Int64(1000 + i), versionID: version,
                            filtersJSON: #"{"columns":["id","name"],"filters":["id > \#(i)"],"sort":["id"]}"#,
                            requestedBy: "eddie"), on: conn)
                    }
                }
                let vera = try await client.login("vera")
                let first = try await client.send(.get, "/datasets/\(fixture.datasetA)/reports", cookie: vera.cookie).text
                #expect(first.components(separatedBy: "<td><time datetime=").count - 1 == ReportPageRoutes.pageSize)
                #expect(first.contains("r\(count).xlsx"), "newest first")
                #expect(!first.contains(">r5.xlsx<"))
                #expect(first.contains("columns: id, name · where: id &gt; \(count) · sort: id"))
                #expect(first.contains(#"href="/versions/\#(version)?columns=id%2Cname&amp;where=id%20%3E%20\#(count)&amp;sort=id""#),
                        "the view it was made from, as a link")
                #expect(first.contains(#"href="/jobs/\#(1000 + count)""#))
                let older = try #require(first.firstMatch(of: /href="([^"]*before=\d+)" rel="next"/)?.1).description
                let second = try await client.send(.get, older.replacingOccurrences(of: "&amp;", with: "&"), cookie: vera.cookie).text
                #expect(second.contains(">r5.xlsx<") && second.contains(">r1.xlsx<"))
                #expect(!second.contains("rel=\"next\""))
                let bob = try await client.login("bob")
                #expect(try await client.send(.get, "/datasets/\(fixture.datasetA)/reports", cookie: bob.cookie).status == .notFound)
                let bobsOwn = try await client.send(.get, "/datasets/\(fixture.datasetB)/reports", cookie: bob.cookie)
                #expect(bobsOwn.status == .ok)
                #expect(bobsOwn.text.contains("No reports of this dataset yet."))
                let versions = try await client.send(.get, "/datasets/\(fixture.datasetA)/versions", cookie: vera.cookie).text
                #expect(versions.contains(#"href="/datasets/\#(fixture.datasetA)/reports""#))
            }
        }

        @Test func thePrintView() async throws {
            try await WebFixture.run { fixture, client in
                let vera = try await client.login("vera")
                let print = try await client.send(.get, "/versions/\(fixture.versionA)/print?where=amount%20%3E%203&sort=id%20desc&row=3",
                                                  cookie: vera.cookie)
                #expect(print.status == .ok)
                let html = print.text
                let ids = (1...WebFixture.rowCount).filter { Double($0 % 7) * 1.5 > 3 }
                #expect(html.contains(#"<link rel="stylesheet" href="/static/print.css">"#))
                #expect(!html.contains("<script"), "no script at all")
                #expect(html.contains("<title>dept-a/sales version 1 · Pyramydal</title>"))
                #expect(html.contains("<h1>dept-a/sales <span class=\"version\">version 1</span></h1>"))
                #expect(html.contains("<dt>Filters</dt><dd>amount &gt; 3</dd>"))
                #expect(html.contains("<dt>Sort</dt><dd>id desc</dd>"))
                #expect(html.contains("<dt>Rows</dt><dd>\(ids.count) rows</dd>"), "every row of the view, from the first")
                #expect(html.contains("<dt>Printed</dt>"))
                #expect(html.contains(#"<thead><tr><th class="rownum" scope="col">#</th><th class="num" scope="col">id</th>"#))
                #expect(html.components(separatedBy: "<tr><td class=\"rownum\">").count - 1 == ids.count)
                let firstRow = try #require(html.firstMatch(of: /<tr><td class="rownum">1<\/td><td class="num">(\d+)<\/td>/)?.1)
                #expect(firstRow == "\(ids.max()!)")
                #expect(html.contains(#"href="/versions/\#(fixture.versionA)?where=amount%20%3E%203&amp;sort=id%20desc""#), "back to the view")
                let css = try await client.send(.get, "/static/print.css")
                #expect(css.status == .ok && css.text.contains("table-header-group") && css.text.contains("break-inside: avoid"))

                // A bad filter says so instead of a table.
                let bad = try await client.send(.get, "/versions/\(fixture.versionA)/print?where=amount%20%3E%20lots", cookie: vera.cookie)
                #expect(bad.text.contains(#"class="problem""#) && !bad.text.contains("<thead>"))
                // Another department's version is not found.
                let bob = try await client.login("bob")
                #expect(try await client.send(.get, "/versions/\(fixture.versionA)/print", cookie: bob.cookie).status == .notFound)

                // Beyond the bound: no table; editors get the PDF job instead.
                let catalog = fixture.catalog, rows = ReportPageRoutes.printMaxRows + 1
                let (_, big, _) = try await fixture.connection.run { conn in
                    try WebFixture.makeVersion(catalog, DatasetRef(department: "dept-a", name: "big"),
                                               columns: [("id", "bigint"), ("label", "text")], rowCount: rows, on: conn) { relation in
                        "INSERT INTO \(relation) SELECT g, 'row ' || g FROM generate_series(1, \(rows)) g"
                    }
                }
                let tooMany = try await client.send(.get, "/versions/\(big)/print", cookie: vera.cookie).text
                #expect(tooMany.contains("more than 5,000 rows"))
                #expect(!tooMany.contains("<thead>"))
                #expect(!tooMany.contains("name=\"format\""), "a viewer is not offered the job")
                let eddie = try await client.login("eddie")
                let offered = try await client.send(.get, "/versions/\(big)/print?where=id%20%3E%200", cookie: eddie.cookie).text
                #expect(offered.contains(#"<input type="hidden" name="format" value="pdf">"#))
                #expect(offered.contains(#"<input type="hidden" name="where" value="id &gt; 0">"#))
                #expect(offered.contains(#"action="/versions/\#(big)/reports""#))
                // At the bound it prints.
                let atBound = try await client.send(.get, "/versions/\(big)/print?where=id%20%3E%201", cookie: vera.cookie)
                #expect(atBound.text.contains("<dt>Rows</dt><dd>5,000 rows</dd>"))
            }
        }
    }
}

extension TestClientProtocol {
    /// A URL-encoded form POST of `fields` in order (a name may repeat), with the session cookie.
    func postPairs(_ uri: String, _ fields: [(String, String)], cookie: String) async throws -> TestResponse {
        let body = fields.map { TableViewState.encode($0.0) + "=" + TableViewState.encode($0.1) }.joined(separator: "&")
        return try await execute(uri: uri, method: .post, headers: [
            .contentType: "application/x-www-form-urlencoded", .cookie: "pyramydal_session=\(cookie)",
        ], body: ByteBuffer(string: body))
    }
}
