import Catalog
import Foundation
import Postgres
import Testing

extension WebIntegration {
    /// Keyset pages over a version larger than one scan window (64 blocks),
    /// with columns named like the query's own aliases (`t`, `c0`, `k0`,
    /// `block`): every page sequence gives exactly the rows, in exactly the
    /// order, that PostgreSQL gives for the same filter and sort.
    @Suite struct RowPagingTests {
        static let rows = 30_000

        @Test func pagesAcrossScanWindowsMatchPostgreSQL() async throws {
            try await WebFixture.run { fixture, client in
                let catalog = fixture.catalog
                let (versionID, table) = try await fixture.connection.run { conn in
                    try Self.makeWideDataset(catalog, on: conn)
                }
                let relation = catalog.schemas.dataRelation(table)
                func expected(_ sql: String) async throws -> [Int64] {
                    try await fixture.connection.query(sql, purpose: "expected order").map { try $0[0, as: Int64.self] }
                }
                func walk(_ query: String, limit: Int) async throws -> [Int64] {
                    var ids: [Int64] = []
                    var next: String?
                    repeat {
                        let uri = "/api/v1/versions/\(versionID)/rows?columns=id&limit=\(limit)&\(query)"
                            + (next.map { "&cursor=" + $0 } ?? "")
                        let response = try await client.send(.get, uri, token: fixture.adminToken)
                        try #require(response.status == .ok, "\(uri): \(response.text)")
                        let page = try response.json()
                        let rows = try #require(page["rows"] as? [[Any]])
                        ids += rows.compactMap { ($0.first as? NSNumber)?.int64Value }
                        #expect(rows.count <= limit)
                        next = page["next"] as? String
                    } while next != nil
                    return ids
                }

                // Table order, every row once (30 windows' worth of blocks).
                let all = try await walk("", limit: 1000)
                #expect(all.count == Self.rows)
                #expect(all == Array(1...Int64(Self.rows)))
                // A filter that matches in some windows only: pages may need several windows.
                #expect(try await walk("where=c0%20contains%20zz", limit: 7)
                    == expected("SELECT id FROM \(relation) WHERE strpos(lower(c0), 'zz') > 0 ORDER BY ctid"))
                // Full-text q across text columns, in table order.
                #expect(try await walk("q=Needle", limit: 50)
                    == expected("SELECT id FROM \(relation) WHERE strpos(lower(c0), 'needle') > 0 OR strpos(lower(t), 'needle') > 0 ORDER BY ctid"))
                // Sorted on columns whose names are the query's aliases.
                #expect(try await walk("sort=t%20desc&sort=k0", limit: 999)
                    == expected("SELECT id FROM \(relation) ORDER BY t DESC NULLS LAST, k0 NULLS LAST, ctid"))
                #expect(try await walk("sort=block&where=k0%20%3E%205", limit: 400)
                    == expected("SELECT id FROM \(relation) WHERE k0 > 5 ORDER BY block NULLS LAST, ctid"))
            }
        }

        /// Dataset `dept-a/wide`: id, c0 (text), t (text, with NULLs), k0 and
        /// block (bigint) — enough rows for many 64-block windows.
        static func makeWideDataset(_ catalog: Catalog, on connection: PostgresConnection) throws -> (Int64, String) {
            let columns: [(name: String, type: String)] = [("id", "bigint"), ("c0", "text"), ("t", "text"), ("k0", "bigint"), ("block", "bigint")]
            let (_, versionID, table) = try WebFixture.makeVersion(catalog, DatasetRef(department: "dept-a", name: "wide"), columns: columns,
                                                                   rowCount: rows, on: connection) { relation in
                """
                INSERT INTO \(relation)
                SELECT g,
                       CASE WHEN g BETWEEN 12000 AND 12040 OR g % 4999 = 0 THEN 'zz ' ELSE 'row ' END || g || repeat('.', 60),
                       CASE WHEN g % 11 = 0 THEN NULL WHEN g % 997 = 0 THEN 'a needle ' || g ELSE 'hay ' || (g % 37) END,
                       g % 9, (g * 7919) % 1000
                FROM generate_series(1, \(rows)) g
                """
            }
            return (versionID, table)
        }
    }
}
