import Catalog
import Foundation
import Testing

extension WebIntegration {
    /// The rows page's JSON, written by hand: awkward texts and numbers
    /// come back exactly (a JSON parser reads every page), NaN and
    /// infinities as strings, NULL as null.
    @Suite struct RowsJSONTests {
        @Test func awkwardCellsSurviveTheRoundTrip() async throws {
            try await WebFixture.run { fixture, client in
                let columns: [(name: String, type: String)] = [("id", "bigint"), ("label \"q\"", "text"), ("x", "double precision"),
                                                               ("ok", "boolean"), ("amount", "numeric")]
                let (_, versionID, _) = try await fixture.connection.run { conn in
                    try WebFixture.makeVersion(fixture.catalog, DatasetRef(department: "dept-a", name: "awkward"), columns: columns,
                                               rowCount: 5, on: conn) { relation in
                        """
                        INSERT INTO \(relation) VALUES
                          (1, E'quote " backslash \\\\ slash / tab \\t newline \\n bell \\x07 end', 1.5, true, 12.50),
                          (2, 'Ünïcödé ✓ 漢字 😀', 'NaN', false, -0.001),
                          (3, NULL, 'Infinity', NULL, NULL),
                          (4, '', 1e-300, true, 123456789012345.123),
                          (-9223372036854775808, '{"json": [1]}', -0.0, false, 0)
                        """
                    }
                }
                let response = try await client.send(.get, "/api/v1/versions/\(versionID)/rows?limit=10", token: fixture.adminToken)
                #expect(response.status == .ok)
                let page = try response.json()
                #expect(page["next"] is NSNull)
                #expect(page["limit"] as? Int == 10)
                let names = (page["columns"] as? [[String: Any]])?.compactMap { $0["name"] as? String }
                #expect(names == columns.map(\.name))
                let rows = try #require(page["rows"] as? [[Any]])
                #expect(rows.count == 5)
                #expect(rows[0][1] as? String == "quote \" backslash \\ slash / tab \t newline \n bell \u{07} end")
                #expect((rows[0][2] as? NSNumber)?.doubleValue == 1.5)
                #expect((rows[0][3] as? NSNumber) == NSNumber(value: true))
                #expect(rows[0][4] as? String == "12.50")
                #expect(rows[1][1] as? String == "Ünïcödé ✓ 漢字 😀")
                #expect(rows[1][2] as? String == "NaN")
                #expect(rows[2][1] is NSNull && rows[2][3] is NSNull && rows[2][4] is NSNull)
                #expect(rows[2][2] as? String == "Infinity")
                #expect(rows[3][1] as? String == "")
                #expect((rows[3][2] as? NSNumber)?.doubleValue == 1e-300)
                #expect((rows[4][0] as? NSNumber)?.int64Value == Int64.min)
                #expect(rows[4][1] as? String == "{\"json\": [1]}")
            }
        }
    }
}
