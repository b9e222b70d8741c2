import Catalog
import Foundation
import HTTPTypes
import Hummingbird
import Testing
import Web

extension WebIntegration {
    /// A column's workbook number format reaches the API (`format` on a
    /// column) and the table page shows its values as Excel did, while the
    /// stored values and the CSV stay plain.
    @Suite struct PageFormatTests {
        @Test func numbersAndDatesAsTheWorkbookShowedThem() async throws {
            try await WebFixture.run { fixture, client in
                let euro = ColumnFormat(code: #"#,##0.00\ "€""#, kind: "currency", currency: "€", decimals: 2, thousands: true)
                let day = ColumnFormat(code: "dd.mm.yyyy", kind: "date")
                let percent = ColumnFormat(code: "0.0 %", kind: "percent", decimals: 1)
                let (_, versionID, _) = try await offPool {
                    try WebFixture.makeVersion(fixture.catalog, DatasetRef(department: "dept-a", name: "prices"),
                                               columns: [("item", "text"), ("price", "numeric"), ("discount", "numeric"), ("delivered", "date")],
                                               rowCount: 2, formats: ["price": euro, "discount": percent, "delivered": day],
                                               on: fixture.connection) { relation in
                        "INSERT INTO \(relation) VALUES ('bolt', 1234.5, 0.125, '2024-12-31'), ('nut', -84.74, 0, '2025-01-02')"
                    }
                }
                let cookie = try await client.login("vera").cookie
                let page = try await client.send(.get, "/versions/\(versionID)?sort=item", cookie: cookie)
                #expect(page.status == .ok)
                for shown in ["1,234.50 €", "-84.74 €", "12.5 %", "0.0 %", "31.12.2024", "02.01.2025"] {
                    #expect(page.text.contains(">\(shown)</td>"), "\(shown)")
                }

                let token = try await fixture.token("vera")
                let api = try await client.send(.get, "/api/v1/versions/\(versionID)", token: token)
                let columns = try #require(try api.json()["columns"] as? [[String: Any]])
                let format = try #require(columns.first { $0["name"] as? String == "price" }?["format"] as? [String: Any])
                #expect(format["code"] as? String == euro.code && format["kind"] as? String == "currency" && format["currency"] as? String == "€")
                #expect(columns.first { $0["name"] as? String == "item" }?["format"] == nil)
                let csv = try await client.send(.get, "/api/v1/versions/\(versionID)/rows.csv", token: token)
                #expect(csv.text.contains("1234.5") && csv.text.contains("2024-12-31") && !csv.text.contains("€"))
            }
        }
    }
}
