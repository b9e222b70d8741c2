import Foundation
import ObjectStore
import Postgres
import Reports
import Testing

@Suite struct ExportJobTests {
    /// The Catalog's datasets and dataset_versions (the columns we read),
    /// with two committed versions and a failed attempt of sales/orders.
    static func makeCatalog(_ connection: PostgresConnection, schema: String) async throws {
        try await connection.execute(
            """
            CREATE TABLE datasets (id bigserial PRIMARY KEY, department text NOT NULL, name text NOT NULL, deleted_at timestamptz);
            CREATE TABLE dataset_versions (
              id bigserial PRIMARY KEY, dataset_id bigint NOT NULL REFERENCES datasets (id), version integer,
              status text NOT NULL, source_uri text NOT NULL, table_name text, columns jsonb NOT NULL DEFAULT '[]');
            INSERT INTO datasets (department, name) VALUES ('sales', 'orders');
            INSERT INTO dataset_versions (dataset_id, version, status, source_uri, table_name) VALUES
              (1, 1, 'committed', 's3://b/incoming/sales/orders.xlsx', 'orders_v1'),
              (1, 2, 'committed', 's3://b/incoming/sales/orders.xlsx', 'orders'),
              (1, NULL, 'failed', 's3://b/incoming/sales/orders.xlsx', NULL);
            CREATE TABLE orders_v1 (id bigint, customer text);
            INSERT INTO orders_v1 VALUES (1, 'only row of v1');
            """, purpose: "catalog")
    }

    @Test func resolvesVersionsAndPublishes() async throws {
        try await TestDatabase.withSchema { connection, schema, dir in
            _ = try await TestDatabase.makeOrders(connection, schema: schema, rows: 40)
            try await Self.makeCatalog(connection, schema: schema)
            try await ReportPublisherTests.makeArtifacts(connection, schema: schema)
            let store = try DirectoryStore(root: dir)
            let job = ExportJob(
                sources: CatalogReportSources(catalog: TestDatabase.catalog(schema)),
                publisher: ReportPublisher(exporter: ReportExporter(), store: store,
                                           catalog: TestDatabase.catalog(schema), scratchDirectory: dir))
            let latest = try await job.run(ExportJobArguments(request: ReportRequest(dataset: "sales/orders", format: .xlsx)),
                                           jobID: 41, connection: connection)
            #expect(latest.key == "reports/sales/orders/v2/job-41.xlsx")
            #expect(latest.output.rows == 40)
            let v1 = try await job.run(ExportJobArguments(request: ReportRequest(dataset: "sales/orders", version: 1, format: .csv),
                                                          name: "first", requestedBy: "eddie"), jobID: 42, connection: connection)
            #expect(v1.key == "reports/sales/orders/v1/first.csv")
            #expect(try String(contentsOfFile: dir + "/" + v1.key, encoding: .utf8) == "id,customer\r\n1,only row of v1\r\n")
            let rows = try await connection.query("SELECT version_id, requested_by FROM artifacts ORDER BY job_id", purpose: "versions")
            #expect(try rows.map { try $0[0, as: Int64.self] } == [2, 1])
            // Who asked is recorded on the artifact (the reports pages show it after the job is pruned).
            #expect(try rows.map { try $0[1, as: String?.self] } == [nil, "eddie"])

            for (dataset, version) in [("sales/nope", nil), ("sales/orders", 3), ("orders", nil)] as [(String, Int?)] {
                await #expect {
                    _ = try await job.run(ExportJobArguments(request: ReportRequest(dataset: dataset, version: version, format: .pdf)),
                                          jobID: 43, connection: connection)
                } throws: { ($0 as? ReportError)?.code == .unknownDataset }
            }
        }
    }
}
