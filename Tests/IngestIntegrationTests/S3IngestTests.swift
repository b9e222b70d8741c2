import Catalog
import Foundation
import Ingest
import Logging
@testable import ObjectStore
import Postgres
import Testing

/// The store path against moto (IAM auth on, signatures verified).
@Suite("Ingest from S3 (moto)")
struct S3IngestTests {
    typealias S = IngestTestSupport

    static func motoStore(_ test: String) async throws -> S3Store {
        let bucket = "pyr-ingest-\(test.lowercased().filter { $0.isLetter })-\(UUID().uuidString.prefix(8).lowercased())"
        let settings = S3Settings(bucket: bucket, region: "us-east-1",
                                  endpoint: S.variable("PYRAMYDAL_TEST_S3_ENDPOINT", "http://127.0.0.1:55000"), pathStyle: true)
        let credentials = AWSCredentials(accessKeyID: S.variable("PYRAMYDAL_TEST_S3_ACCESS_KEY_ID", "test"),
                                         secretAccessKey: S.variable("PYRAMYDAL_TEST_S3_SECRET_ACCESS_KEY", "test"))
        var logger = Logger(label: "test.s3")
        logger.logLevel = .warning
        let store = S3Store(settings: settings, credentials: StaticCredentialProvider(credentials), logger: logger)
        try await store.createBucket()
        return store
    }

    @Test func sameObjectDroppedTwiceMakesOneVersion() async throws {
        let store = try await Self.motoStore("twice")
        let key = "incoming/finance/budget.xlsx"
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: S.fixture("xlsxwriter_inline.xlsx"))))
        let put = try await store.put(key, bytes: bytes)
        try await S.withCatalog { connection, catalog in
            let ingest = Ingest(connection: connection, catalog: catalog, logger: S.logger)
            let first = try await StoreIngest(ingest: ingest, store: store).run(key: key, etag: put.etag, actor: "test")
            // The same object delivered again (at-least-once events).
            let second = try await StoreIngest(ingest: ingest, store: store).run(key: key, etag: put.etag, actor: "test")
            #expect(first.map(\.version) == [1] && second.map(\.alreadyIngested) == [true])
            // The same bytes dropped again (new etag or not): still one version, by sha256.
            _ = try await store.put(key, bytes: bytes)
            let third = try await StoreIngest(ingest: ingest, store: store).run(key: key, actor: "test")
            #expect(third.map(\.alreadyIngested) == [true])

            let ref = DatasetRef(department: "finance", name: "budget")
            let attempts = try await S.attempts(ref, catalog: catalog, on: connection)
            #expect(attempts.map(\.version) == [1])
            #expect(attempts.first?.sourceURI == "s3://\(store.settings.bucket)/\(key)")
            #expect(attempts.first?.etag == put.etag)
            #expect(try await S.rows("finance/budget", catalog: catalog, on: connection) == [["1", "2.5", "x"]])
        }
    }

    @Test func badObjectGetsAnErrorReportInTheBucket() async throws {
        let store = try await Self.motoStore("bad")
        let key = "incoming/only.xlsx"
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: S.fixture("bad_shared_index.xlsx"))))
        let put = try await store.put(key, bytes: bytes)
        try await S.withCatalog { connection, catalog in
            let ingest = Ingest(connection: connection, catalog: catalog, logger: S.logger)
            await #expect(throws: IngestError.self) {
                _ = try await StoreIngest(ingest: ingest, store: store).run(key: key, actor: "test")
            }
            let report = try #require(try await store.head("errors/incoming/only.xlsx.json"))
            #expect(report.size > 0)
            #expect(try await store.head(key)?.etag == put.etag)
        }
    }
}
