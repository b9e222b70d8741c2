import Catalog
import Foundation
import Hummingbird
import Postgres
import Testing
import Web

extension WebIntegration {
    /// `GET /api/v1/datasets/{id}/diff`: two versions compared on a key, paged by a keyset cursor.
    @Suite struct DiffAPITests {
        @Test func diffPagesThroughAddedRemovedAndChangedRows() async throws {
            try await WebFixture.run { fixture, client in
                // Version 2: ids 1-20 removed, 251-300 added, every tenth row from 30 to 250 changed (name, region).
                try await fixture.addVersionA(rows: 280, select: """
                    SELECT g, CASE WHEN g % 10 = 0 THEN 'renamed ' || g ELSE 'item ' || g || CASE WHEN g % 50 = 0 THEN ' special' ELSE '' END END,
                           (g % 7) * 1.5, CASE WHEN g % 10 = 0 THEN 'moved' ELSE 'region ' || (g % 3) END, date '2024-01-01' + (g % 30)
                    FROM generate_series(21, 300) g
                    """)
                let viewer = try await fixture.token("vera")
                let base = "/api/v1/datasets/\(fixture.datasetA)/diff?from=1&to=2&key=id"
                let first = try await client.send(.get, base + "&limit=7", token: viewer)
                #expect(first.status == .ok, "\(first.text)")
                let counts = try first.json()["counts"] as? [String: Any]
                #expect(counts?["added"] as? Int == 50)
                #expect(counts?["removed"] as? Int == 20)
                #expect(counts?["changed"] as? Int == 23)
                #expect(counts?["unchanged"] as? Int == 207)

                var rows: [[String: Any]] = []
                var next: String? = nil
                var pages = 0
                repeat {
                    let page = try await client.send(.get, base + "&limit=7" + (next.map { "&cursor=" + $0 } ?? ""), token: viewer).json()
                    #expect(pages == 0 || page["counts"] == nil)
                    rows += page["rows"] as? [[String: Any]] ?? []
                    next = page["next"] as? String
                    pages += 1
                } while next != nil && pages < 100
                #expect(pages == 14)
                let ids = rows.compactMap { ($0["key"] as? [String])?.first.flatMap(Int.init) }
                #expect(ids == Array(1...20) + Array(stride(from: 30, through: 250, by: 10)) + Array(251...300))
                #expect(rows.filter { $0["change"] as? String == "removed" }.count == 20)
                #expect(rows.filter { $0["change"] as? String == "added" }.count == 50)
                let changed = rows.first { $0["change"] as? String == "changed" }
                let cells = changed?["cells"] as? [[String: Any]] ?? []
                #expect(cells.map { $0["column"] as? String } == ["name", "region"])
                #expect(cells.first?["old"] as? String == "item 30")
                #expect(cells.first?["new"] as? String == "renamed 30")
                #expect(cells.last?["old"] is NSNull)
                #expect(cells.last?["new"] as? String == "moved")
                let added = rows.last?["values"] as? [String: Any]
                #expect(added?["name"] as? String == "renamed 300")

                // Another department's dataset, a version not of this dataset, a bad key, limit or cursor.
                #expect(try await client.send(.get, "/api/v1/datasets/\(fixture.datasetB)/diff?from=1&to=1&key=id", token: viewer)
                    .status == .notFound)
                let missing = try await client.send(.get, "/api/v1/datasets/\(fixture.datasetA)/diff?from=1&to=9&key=id", token: viewer)
                #expect(missing.status == .notFound)
                #expect(try missing.json()["field"] as? String == "to")
                let badKey = try await client.send(.get, "/api/v1/datasets/\(fixture.datasetA)/diff?from=1&to=2&key=nope", token: viewer)
                #expect(badKey.status == .badRequest)
                #expect(try badKey.json()["field"] as? String == "key")
                let region = try await client.send(.get, "/api/v1/datasets/\(fixture.datasetA)/diff?from=1&to=2&key=region", token: viewer)
                #expect(region.status == .badRequest)
                #expect(try await client.send(.get, base + "&limit=1001", token: viewer).status == .badRequest)
                #expect(try await client.send(.get, base + "&cursor=xyz", token: viewer).status == .badRequest)
                #expect(try await client.send(.get, "/api/v1/datasets/\(fixture.datasetA)/diff?from=1&to=2", token: viewer)
                    .status == .badRequest)
            }
        }
    }
}
