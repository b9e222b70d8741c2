import Foundation
import ObjectStore
import Postgres
import Reports
import Testing

/// Issue 17, defect 7: an export job whose name would escape `reports/` is
/// refused as bad input before it renders or uploads anything.
@Suite struct ReportNameJobTests {
    @Test func badNameIsRefusedBeforeRendering() async throws {
        try await TestDatabase.withSchema { connection, schema, dir in
            _ = try await TestDatabase.makeOrders(connection, schema: schema, rows: 5)
            try await ExportJobTests.makeCatalog(connection, schema: schema)
            try await ReportPublisherTests.makeArtifacts(connection, schema: schema)
            let store = try DirectoryStore(root: dir + "/store")
            let job = ExportJob(
                sources: CatalogReportSources(catalog: TestDatabase.catalog(schema)),
                publisher: ReportPublisher(exporter: ReportExporter(), store: store,
                                           catalog: TestDatabase.catalog(schema), scratchDirectory: dir))
            for name in ["../../x", "/abs/x"] {
                await #expect {
                    _ = try await job.run(ExportJobArguments(request: ReportRequest(dataset: "sales/orders", format: .csv), name: name),
                                          jobID: 7, connection: connection)
                } throws: { error in
                    guard let error = error as? ReportError else { return false }
                    return error.isBadInput && error.message.contains(name)
                }
            }
            let artifacts = try await connection.query("SELECT count(*) FROM artifacts", purpose: "count")
            #expect(try artifacts[0][0, as: Int64.self] == 0)
            let scratch = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasPrefix("pyramydal-report-") }
            #expect(scratch.isEmpty)
        }
    }
}
