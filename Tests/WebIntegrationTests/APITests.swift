import Accounts
import ChildProcess
import Foundation
import Hummingbird
import Postgres
import Testing
import Web

extension WebIntegration {
    /// Every endpoint of API v1, and department isolation.
    @Suite struct APITests {
        @Test func departmentsDatasetsAndVersions() async throws {
            try await WebFixture.run { fixture, client in
                let token = try await fixture.token("vera")
                let departments = try await client.send(.get, "/api/v1/departments", token: token)
                let items = try departments.json()["items"] as? [[String: Any]] ?? []
                #expect(items.map { $0["name"] as? String } == ["dept-a"])
                #expect(items.first?["role"] as? String == "viewer")
                #expect(items.first?["datasets"] as? Int == 1)

                let datasets = try await client.send(.get, "/api/v1/datasets", token: token).json()["items"] as? [[String: Any]] ?? []
                #expect(datasets.count == 1)
                #expect(datasets.first?["id"] as? Int == Int(fixture.datasetA))
                #expect(datasets.first?["latest_version"] as? Int == 1)

                let dataset = try await client.send(.get, "/api/v1/datasets/\(fixture.datasetA)", token: token).json()
                let columns = dataset["columns"] as? [[String: Any]] ?? []
                #expect(columns.map { $0["name"] as? String } == ["id", "name", "amount", "region", "day"])
                #expect(columns.map { $0["type"] as? String } == ["bigint", "text", "double precision", "text", "date"])

                let versions = try await client.send(.get, "/api/v1/datasets/\(fixture.datasetA)/versions", token: token)
                    .json()["items"] as? [[String: Any]] ?? []
                #expect(versions.map { $0["status"] as? String } == ["failed", "committed"])
                let failed = try await client.send(.get, "/api/v1/versions/\(fixture.failedA)", token: token).json()
                #expect((failed["error"] as? [String: Any])?["cell"] as? String == "A2")
                #expect((failed["error"] as? [String: Any])?["code"] as? String == "headerOnly")
                let committed = try await client.send(.get, "/api/v1/versions/\(fixture.versionA)", token: token).json()
                #expect(committed["row_count"] as? Int == WebFixture.rowCount)
                #expect(committed["department"] as? String == "dept-a")

                let noRows = try await client.send(.get, "/api/v1/versions/\(fixture.failedA)/rows", token: token)
                #expect(noRows.status == .conflict)
                let badID = try await client.send(.get, "/api/v1/versions/abc", token: token)
                #expect(badID.status == .badRequest)
                #expect(try badID.json()["field"] as? String == "id")
            }
        }

        @Test func rowsPagingFiltersSortAndSearch() async throws {
            try await WebFixture.run { fixture, client in
                let token = try await fixture.token("vera")
                let base = "/api/v1/versions/\(fixture.versionA)/rows"

                // Every row exactly once, by cursor, in table order.
                var ids: [Int] = []
                var next: String? = nil
                repeat {
                    let page = try await client.send(.get, base + "?limit=100" + (next.map { "&cursor=" + $0 } ?? ""), token: token).json()
                    ids += (page["rows"] as? [[Any]] ?? []).map { $0[0] as? Int ?? -1 }
                    next = page["next"] as? String
                } while next != nil
                #expect(ids == Array(1...WebFixture.rowCount))

                // Sorted on a column with NULLs and repeated values, descending, paged: the same as ORDER BY.
                var sorted: [[Any]] = []
                next = nil
                repeat {
                    let page = try await client.send(.get, base + "?limit=37&sort=region%20desc&columns=id,region"
                                                     + (next.map { "&cursor=" + $0 } ?? ""), token: token).json()
                    sorted += page["rows"] as? [[Any]] ?? []
                    next = page["next"] as? String
                } while next != nil
                #expect(sorted.count == WebFixture.rowCount)
                #expect(Set(sorted.map { $0[0] as? Int ?? -1 }).count == WebFixture.rowCount)
                let regions = sorted.map { $0[1] as? String }
                let nonNull = regions.compactMap { $0 }
                #expect(nonNull == nonNull.sorted(by: >))
                #expect(regions.suffix(25).allSatisfy { $0 == nil })

                // Filters use the CLI's --where operators, with typed values.
                let filtered = try await client.send(.get, base + "?where=id%20%3E%20240&where=region%20contains%20REGION", token: token).json()
                #expect((filtered["rows"] as? [[Any]] ?? []).map { $0[0] as? Int } == [241, 242, 243, 244, 245, 246, 247, 248, 249])
                let typed = try await client.send(.get, base + "?where=day%20%3D%202024-01-05&limit=1000", token: token).json()
                #expect((typed["rows"] as? [[Any]] ?? []).map { $0[0] as? Int } == [4, 34, 64, 94, 124, 154, 184, 214, 244])
                // Full-text q across text columns.
                let search = try await client.send(.get, base + "?q=SPECIAL", token: token).json()
                #expect((search["rows"] as? [[Any]] ?? []).map { $0[0] as? Int } == [50, 100, 150, 200, 250])
                // Types: numbers as numbers, dates as text, NULL as null.
                let first = try await client.send(.get, base + "?limit=10", token: token).json()
                let row = (first["rows"] as? [[Any]] ?? [])[9]
                #expect(row[2] as? Double == 4.5)
                #expect(row[3] is NSNull)
                #expect(row[4] as? String == "2024-01-11")

                for (query, field) in [("limit=1001", "limit"), ("limit=x", "limit"), ("where=nope%20%3D%201", "where"),
                                       ("where=id%20%3D%20abc", "where"), ("sort=nope", "sort"), ("cursor=garbage", "cursor"),
                                       ("columns=nope", "columns")] {
                    let bad = try await client.send(.get, base + "?" + query, token: token)
                    #expect(bad.status == .badRequest, "\(query)")
                    #expect(try bad.json()["field"] as? String == field, "\(query)")
                }
                // A cursor from one sort is refused with another.
                let sortedPage = try await client.send(.get, base + "?limit=5&sort=name", token: token).json()
                let cursor = try #require(sortedPage["next"] as? String)
                #expect(try await client.send(.get, base + "?limit=5&cursor=" + cursor, token: token).status == .badRequest)
            }
        }

        @Test func csvDownload() async throws {
            try await WebFixture.run { fixture, client in
                let token = try await fixture.token("vera")
                let csv = try await client.send(.get, "/api/v1/versions/\(fixture.versionA)/rows.csv", token: token)
                #expect(csv.status == .ok)
                #expect(csv.headers[.contentType]?.hasPrefix("text/csv") == true)
                #expect(csv.headers[.contentDisposition]?.contains("sales-v1.csv") == true)
                let lines = csv.text.split(separator: "\n", omittingEmptySubsequences: false)
                #expect(lines.first == "id,name,amount,region,day")
                #expect(lines.count == WebFixture.rowCount + 2)  // header, rows, and the empty string after the final newline
                #expect(lines[10] == "10,item 10,4.5,,2024-01-11")

                let filtered = try await client.send(.get, "/api/v1/versions/\(fixture.versionA)/rows.csv?columns=id&where=id%20%3E%3D%20248&sort=id%20desc", token: token)
                #expect(filtered.text == "id\n250\n249\n248\n")
                let bad = try await client.send(.get, "/api/v1/versions/\(fixture.versionA)/rows.csv?where=id%20%3D%20x", token: token)
                #expect(bad.status == .badRequest)
            }
        }

        @Test func jobsAndAudit() async throws {
            try await WebFixture.run { fixture, client in
                let viewer = try await fixture.token("vera", scope: .write)
                let job = try await client.send(.get, "/api/v1/jobs/\(fixture.jobA)", token: viewer).json()
                #expect(job["kind"] as? String == "export")
                #expect(job["department"] as? String == "dept-a")
                #expect(job["state"] as? String == "scheduled")
                // A viewer may look but not cancel.
                #expect(try await client.send(.post, "/api/v1/jobs/\(fixture.jobA)/cancel", token: viewer).status == .forbidden)
                // An editor, signed in by cookie with the CSRF token, may.
                let session = try await client.login("eddie")
                let cancelled = try await client.send(.post, "/api/v1/jobs/\(fixture.jobA)/cancel", cookie: session.cookie, csrf: session.csrf)
                #expect(cancelled.status == .ok)

                let audit = try await client.send(.get, "/api/v1/audit?limit=2", token: viewer).json()
                let items = audit["items"] as? [[String: Any]] ?? []
                #expect(items.first?["who"] as? String == "eddie")
                #expect(items.first?["what"] as? String == "cancel job \(fixture.jobA)")
                // Paged by cursor; only dept-a rows for a dept-a viewer.
                var all = items
                var next = audit["next"] as? String
                while let cursor = next {
                    let page = try await client.send(.get, "/api/v1/audit?limit=2&cursor=\(cursor)", token: viewer).json()
                    all += page["items"] as? [[String: Any]] ?? []
                    next = page["next"] as? String
                }
                #expect(!all.isEmpty)
                #expect(all.allSatisfy { ($0["what"] as? String ?? "").contains("dept-b") == false })
                #expect(all.contains { $0["what"] as? String == "ingest dept-a/sales" })
            }
        }

        /// A viewer, an editor and an admin of department A against everything
        /// of department B: absent from lists, 404 by (guessed) id.
        @Test func isolationMatrix() async throws {
            try await WebFixture.run { fixture, client in
                for user in ["vera", "eddie", "ada"] {
                    let token = try await fixture.token(user, scope: .write)
                    let session = try await client.login(user)
                    for auth in [(token, nil, nil), (nil, session.cookie, session.csrf)] as [(String?, String?, String?)] {
                        func get(_ path: String) async throws -> TestResponse {
                            try await client.send(.get, path, token: auth.0, cookie: auth.1, csrf: auth.2)
                        }
                        let datasets = try await get("/api/v1/datasets").json()["items"] as? [[String: Any]] ?? []
                        #expect(datasets.allSatisfy { $0["department"] as? String == "dept-a" }, "\(user)")
                        let byDepartment = try await get("/api/v1/datasets?department=dept-b").json()["items"] as? [[String: Any]] ?? []
                        #expect(byDepartment.isEmpty, "\(user)")
                        let departments = try await get("/api/v1/departments").json()["items"] as? [[String: Any]] ?? []
                        #expect(departments.map { $0["name"] as? String } == ["dept-a"], "\(user)")
                        for path in ["/api/v1/datasets/\(fixture.datasetB)", "/api/v1/datasets/\(fixture.datasetB)/versions",
                                     "/api/v1/versions/\(fixture.versionB)", "/api/v1/versions/\(fixture.versionB)/rows",
                                     "/api/v1/versions/\(fixture.versionB)/rows.csv", "/api/v1/jobs/\(fixture.jobB)",
                                     "/api/v1/datasets/999999", "/api/v1/versions/999999", "/api/v1/jobs/999999"] {
                            let response = try await get(path)
                            #expect(response.status == .notFound, "\(user) \(path)")
                            #expect(try response.json()["title"] as? String == "Not found", "\(user) \(path)")
                        }
                        let cancel = try await client.send(.post, "/api/v1/jobs/\(fixture.jobB)/cancel", token: auth.0, cookie: auth.1, csrf: auth.2)
                        #expect(cancel.status == .notFound, "\(user)")
                        let audit = try await get("/api/v1/audit?limit=1000").json()["items"] as? [[String: Any]] ?? []
                        #expect(!audit.contains { ($0["what"] as? String ?? "").contains("dept-b") }, "\(user)")
                    }
                }
                // The global admin sees both departments; B's admin sees B only.
                let root = try await client.send(.get, "/api/v1/datasets", token: fixture.adminToken).json()["items"] as? [[String: Any]] ?? []
                #expect(Set(root.compactMap { $0["department"] as? String }) == ["dept-a", "dept-b"])
                let bob = try await fixture.token("bob")
                #expect(try await client.send(.get, "/api/v1/versions/\(fixture.versionB)/rows", token: bob).status == .ok)
                #expect(try await client.send(.get, "/api/v1/versions/\(fixture.versionA)/rows", token: bob).status == .notFound)
                #expect(try await client.send(.get, "/api/v1/jobs/\(fixture.jobA)", token: bob).status == .notFound)
            }
        }
    }

    /// A CSV download that fails after its headers went out.
    @Suite struct CSVFailureTests {
        /// The version's "table" is a view that divides by zero at row 200,000:
        /// the COPY fails after many chunks were sent, and the response ends
        /// without its final chunk (the client sees a broken transfer).
        @Test func errorMidStreamBreaksTheResponse() async throws {
            try await WebFixture.run { fixture, client in
                let data = fixture.catalog.schemas.data
                let table = try await fixture.connection.run { conn in
                    try conn.query("SELECT table_name FROM \(fixture.catalog.schemas.catalogTable("dataset_versions")) WHERE id = $1",
                                   [.int64(fixture.versionA)], purpose: "table")[0][0, as: String.self]
                }
                let relation = PostgresConnection.quoteQualified(data, table)
                try await fixture.connection.execute("""
                    DROP TABLE \(relation) CASCADE;
                    CREATE VIEW \(relation) AS SELECT g::bigint AS id, (100 / (200000 - g))::text AS name
                    FROM generate_series(1, 300000) g
                    """, purpose: "failing view")
                let token = try await fixture.token("vera")
                // The client's transfer breaks (the headers said 200, the body never ends properly).
                await #expect(throws: (any Error).self) {
                    _ = try await client.send(.get, "/api/v1/versions/\(fixture.versionA)/rows.csv", token: token)
                }
                // The server is still fine afterwards (on a new connection: the client's one was closed).
                let port = try #require(client.port)
                let version = fixture.versionA
                let health = try await offPool {
                    try ChildProcess.run("curl", ["-s", "-H", "Authorization: Bearer \(token)", "http://127.0.0.1:\(port)/api/v1/versions/\(version)"])
                }
                #expect(health.stdoutText.contains("\"status\":\"committed\""))
            }
        }
    }
}
