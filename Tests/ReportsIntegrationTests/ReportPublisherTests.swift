import Crypto
import Foundation
import Logging
import ObjectStore
import Postgres
import Reports
import Testing

/// The moto S3 server from `scripts/test-services.sh` (IAM auth on).
enum TestS3 {
    static func variable(_ name: String, _ fallback: String) -> String {
        ProcessInfo.processInfo.environment[name] ?? fallback
    }

    static func store(test: String = #function, multipartThreshold: Int64 = 64 << 20) async throws -> S3Store {
        let name = test.prefix { $0 != "(" }.lowercased().filter { $0.isLetter || $0.isNumber }
        let bucket = "pyr-reports-\(name.prefix(30))-\(UUID().uuidString.prefix(8).lowercased())"
        let settings = S3Settings(bucket: bucket, endpoint: variable("PYRAMYDAL_TEST_S3_ENDPOINT", "http://127.0.0.1:55000"),
                                  pathStyle: true, multipartThreshold: multipartThreshold, partSize: 5 << 20)
        var logger = Logger(label: "test.reports")
        logger.logLevel = .warning
        let credentials = AWSCredentials(accessKeyID: variable("PYRAMYDAL_TEST_S3_ACCESS_KEY_ID", "test"),
                                         secretAccessKey: variable("PYRAMYDAL_TEST_S3_SECRET_ACCESS_KEY", "test"))
        let store = S3Store(settings: settings, credentials: StaticCredentialProvider(credentials), logger: logger)
        try await store.createBucket()
        return store
    }
}

@Suite struct ReportPublisherTests {
    /// The Catalog's artifacts table (catalog migrations 1 and 5), in the test schema.
    static func makeArtifacts(_ connection: PostgresConnection, schema: String) async throws {
        try await connection.execute(
            """
            CREATE TABLE \(PostgresConnection.quoteIdentifier(schema)).artifacts (
              id bigserial PRIMARY KEY, kind text NOT NULL, key text NOT NULL, bytes bigint, sha256 text,
              job_id bigint, version_id bigint, filters jsonb, created_at timestamptz NOT NULL DEFAULT now(), requested_by text)
            """, purpose: "artifacts")
    }

    @Test func uploadsWithMultipartAndRecordsTheArtifact() async throws {
        try await TestDatabase.withSchema { connection, schema, dir in
            let source = try await TestDatabase.makeOrders(connection, schema: schema, rows: 90_000)
            try await Self.makeArtifacts(connection, schema: schema)
            let store = try await TestS3.store(multipartThreshold: 5 << 20)
            let publisher = ReportPublisher(exporter: ReportExporter(), store: store,
                                            catalog: TestDatabase.catalog(schema), scratchDirectory: dir)
            let request = ReportRequest(dataset: "sales/orders", format: .csv, filters: [try ReportFilter(parsing: "id > 10")])
            let first = try await publisher.publish(request, source: source, jobID: 7, versionID: nil, connection: connection)
            #expect(first.key == "reports/sales/orders/v3/job-7.csv")
            #expect(first.bytes > 5 << 20) // big enough to go multipart
            // Read it back from S3 and hash it ourselves.
            let back = dir + "/back.csv"
            let info = try await store.get(first.key, toFile: back)
            #expect(info.size == Int64(first.bytes))
            let digest = SHA256.hash(data: try Data(contentsOf: URL(fileURLWithPath: back))).map { String(format: "%02x", $0) }.joined()
            #expect(digest == first.sha256)

            // Running the job again replaces its report and its row.
            let second = try await publisher.publish(request, source: source, jobID: 7, connection: connection)
            let rows = try await connection.query("SELECT id, kind, key, bytes, sha256, job_id, filters->>'filters' FROM artifacts",
                                                  purpose: "artifacts")
            #expect(rows.count == 1)
            #expect(try rows[0][0, as: Int64.self] == second.artifactID)
            #expect(try rows[0][1, as: String.self] == "csv")
            #expect(try rows[0][2, as: String.self] == first.key)
            #expect(try rows[0][3, as: Int64.self] == Int64(first.bytes))
            #expect(try rows[0][4, as: String.self] == first.sha256)
            #expect(try rows[0][5, as: Int64.self] == 7)
            #expect(try rows[0][6, as: String.self] == "[\"id > 10\"]")
            // (prefix "": moto mis-verifies signatures of a prefix holding "/")
            #expect(try await store.list(prefix: "").map(\.key) == [first.key])
        }
    }

    @Test func badInputLeavesNothingInTheStore() async throws {
        try await TestDatabase.withSchema { connection, schema, dir in
            let source = try await TestDatabase.makeOrders(connection, schema: schema, rows: 100)
            try await Self.makeArtifacts(connection, schema: schema)
            let store = try await TestS3.store()
            let publisher = ReportPublisher(exporter: ReportExporter(maxRows: 50), store: store,
                                            catalog: TestDatabase.catalog(schema), scratchDirectory: dir)
            for request in [
                ReportRequest(dataset: "sales/orders", format: .xlsx),  // 100 rows > bound of 50
                ReportRequest(dataset: "sales/orders", format: .pdf, columns: ["nope"]),
                ReportRequest(dataset: "sales/orders", format: .csv, filters: [ReportFilter(column: "id", op: .less, value: "x")]),
            ] {
                await #expect(throws: ReportError.self) {
                    _ = try await publisher.publish(request, source: source, jobID: 9, connection: connection)
                }
            }
            #expect(try await store.list(prefix: "").isEmpty)
            let rows = try await connection.query("SELECT count(*) FROM artifacts", purpose: "artifacts")
            #expect(try rows[0][0, as: Int.self] == 0)
            // No scratch files left behind.
            #expect(try FileManager.default.contentsOfDirectory(atPath: dir).isEmpty)

            // The artifact can't be recorded (no such table): the upload is taken back.
            let broken = ReportPublisher(exporter: ReportExporter(), store: store,
                                         catalog: TestDatabase.catalog(schema + "_missing"), scratchDirectory: dir)
            await #expect(throws: (any Error).self) {
                _ = try await broken.publish(ReportRequest(dataset: "sales/orders", format: .csv), source: source,
                                             jobID: 10, connection: connection)
            }
            #expect(try await store.list(prefix: "").isEmpty)
        }
    }

    @Test func directoryStoreGetsTheSameLayout() async throws {
        try await TestDatabase.withSchema { connection, schema, dir in
            let source = try await TestDatabase.makeOrders(connection, schema: schema, rows: 30)
            try await Self.makeArtifacts(connection, schema: schema)
            let root = dir + "/store"
            try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
            let store = try DirectoryStore(root: root)
            let publisher = ReportPublisher(exporter: ReportExporter(), store: store,
                                            catalog: TestDatabase.catalog(schema), scratchDirectory: dir)
            let published = try await publisher.publish(ReportRequest(dataset: "sales/orders", format: .pdf), source: source,
                                                        name: "orders-print", connection: connection)
            #expect(published.key == "reports/sales/orders/v3/orders-print.pdf")
            let location = try await store.downloadLocation(published.key, expiresIn: .seconds(300))
            #expect(location == root + "/reports/sales/orders/v3/orders-print.pdf")
            #expect(try PDFReportTests.pageCount(location) == published.output.pages)
        }
    }
}
