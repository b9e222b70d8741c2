import Catalog
import Reports
import Testing

/// `a/b/c` names dataset `b/c` of department `a` everywhere, as the ingest
/// names `incoming/a/b/c.xlsx`: one parser, `DatasetRef(parsing:)`.
@Suite struct DatasetNamingTests {
    @Test func reportsFindADatasetWhoseNameHoldsASlash() async throws {
        try await DiffFixture.with { fixture in
            try await fixture.addVersion(DatasetRef(department: "a", name: "b/c"), version: 1, columns: [("id", "bigint")],
                                         values: "(1), (2)")
            let sources = CatalogReportSources(catalog: fixture.catalog)
            let found = try await fixture.connection.run { conn in try sources.resolve(dataset: "a/b/c", version: nil, on: conn) }
            #expect(found.source.department == "a")
            #expect(found.source.dataset == "b/c")
            #expect(found.source.version == 1)
            #expect(found.source.reportKey(name: "r", format: .csv) == "reports/a/b/c/v1/r.csv")
        }
    }
}
