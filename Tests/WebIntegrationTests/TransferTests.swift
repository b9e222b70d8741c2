import ChildProcess
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import ObjectStore
import Postgres
import Testing
import TestSupport
import Web

extension WebIntegration {
    /// Upload, reports and snapshots over API v1 against the real server,
    /// PostgreSQL, `rclone serve s3` (a strict SigV4 server whose listings
    /// the `incoming/` watcher can read) or a store folder, and the built
    /// `pyramydal dispatch` launching the real workers.
    @Suite struct TransferTests {
        static let xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

        @Test func uploadToS3LandsAsAVersionThroughTheIngestJob() async throws {
            let s3 = try await TransferS3.store()
            try await WebFixture.run(store: s3.store) { fixture, client in
                let eddie = try await fixture.token("eddie", scope: .write)
                // Larger than the 64 KiB cap on JSON bodies: an upload's body is streamed, not collected.
                let workbook = try Self.workbook(rows: 4000)
                #expect(workbook.count > 64 * 1024)
                let response = try await client.upload("/api/v1/datasets/dept-a/orders/upload", token: eddie,
                                                       contentType: Self.xlsxType, body: workbook)
                #expect(response.status == .accepted, "\(response.text)")
                let json = try response.json()
                #expect(json["key"] as? String == "incoming/dept-a/orders.xlsx")
                #expect(json["bytes"] as? Int == workbook.count)
                let job = try #require(json["job"] as? [String: Any])
                let jobID = try #require(job["id"] as? Int)
                #expect(job["kind"] as? String == "ingest")
                #expect(response.headers[.location] == "/api/v1/jobs/\(jobID)")
                // In the store byte for byte, where a drop would be.
                #expect(try await Self.read(s3.store, "incoming/dept-a/orders.xlsx") == workbook)

                try await Self.dispatch(fixture, environment: s3.environment)

                let done = try await client.send(.get, "/api/v1/jobs/\(jobID)", token: eddie).json()
                #expect(done["state"] as? String == "completed", "\(done)")
                let versions = (done["result"] as? [[String: Any]]) ?? []
                #expect(versions.first?["dataset"] as? String == "dept-a/orders")
                #expect(versions.first?["rows"] as? Int == 4000)
                // The watcher's sweep found the object but made no second job: the upload's job is the drop's.
                let ingests = try await fixture.connection.query(
                    "SELECT count(*) FROM \(fixture.catalog.schemas.catalog).jobs WHERE kind = 'ingest'", purpose: "ingest jobs")
                #expect(try ingests[0][0, as: Int.self] == 1)

                let datasets = try await client.send(.get, "/api/v1/datasets?department=dept-a", token: eddie).json()["items"]
                    as? [[String: Any]] ?? []
                let orders = try #require(datasets.first { $0["name"] as? String == "orders" })
                #expect(orders["row_count"] as? Int == 4000)
                let shown = try await client.send(.get, "/api/v1/datasets/\(orders["id"] as? Int ?? 0)", token: eddie).json()
                #expect((shown["columns"] as? [[String: Any]] ?? []).map { $0["name"] as? String }
                        == ["order_id", "customer", "amount", "day"])
                #expect((shown["columns"] as? [[String: Any]] ?? []).map { $0["type"] as? String }.first == "bigint")

                let audit = try await client.send(.get, "/api/v1/audit", token: eddie).json()["items"] as? [[String: Any]] ?? []
                let entry = try #require(audit.first { $0["what"] as? String == "upload dept-a/orders" })
                #expect((entry["who"] as? String)?.hasPrefix("eddie (token ") == true)
                #expect((entry["detail"] as? [String: Any])?["job"] as? Int == jobID)
            }
        }

        @Test func aBadWorkbookFailsItsJobWithTheError() async throws {
            try await WebFixture.run { fixture, client in
                let ada = try await fixture.token("ada", scope: .write)
                let response = try await client.upload("/api/v1/datasets/dept-a/broken/upload?filename=broken.xlsx", token: ada,
                                                       contentType: "application/octet-stream", body: Array("not a zip file".utf8))
                #expect(response.status == .accepted, "\(response.text)")
                let jobID = try #require((try response.json()["job"] as? [String: Any])?["id"] as? Int)
                try await Self.dispatch(fixture, environment: Self.folderEnvironment(fixture))
                let job = try await client.send(.get, "/api/v1/jobs/\(jobID)", token: ada).json()
                #expect(job["state"] as? String == "discarded", "\(job)")
                let error = try #require(job["last_error"] as? String)
                #expect(error.lowercased().contains("zip") || error.lowercased().contains("xlsx"), "\(error)")
                // The failed attempt is on the dataset too, with the same error.
                let datasets = try await client.send(.get, "/api/v1/datasets", token: ada).json()["items"] as? [[String: Any]] ?? []
                let broken = try #require(datasets.first { $0["name"] as? String == "broken" })
                let versions = try await client.send(.get, "/api/v1/datasets/\(broken["id"] as? Int ?? 0)/versions", token: ada)
                    .json()["items"] as? [[String: Any]] ?? []
                #expect(versions.map { $0["status"] as? String } == ["failed"])
            }
        }

        @Test func uploadRolesDepartmentsAndNames() async throws {
            try await WebFixture.run { fixture, client in
                let body = Array("id,name\n1,a\n".utf8)
                let vera = try await fixture.token("vera", scope: .write)
                let viewer = try await client.upload("/api/v1/datasets/dept-a/x/upload", token: vera, contentType: "text/csv", body: body)
                #expect(viewer.status == .forbidden)
                let eddie = try await fixture.token("eddie", scope: .write)
                // Another department, and one that does not exist: 404 alike.
                for path in ["/api/v1/datasets/dept-b/x/upload", "/api/v1/datasets/dept-new/x/upload"] {
                    let response = try await client.upload(path, token: eddie, contentType: "text/csv", body: body)
                    #expect(response.status == .notFound, "\(path): \(response.text)")
                    #expect(response.headers[.contentType] == "application/problem+json")
                }
                let bob = try await fixture.token("bob", scope: .write)
                #expect(try await client.upload("/api/v1/datasets/dept-a/x/upload", token: bob, contentType: "text/csv", body: body)
                    .status == .notFound)
                // A read token may not upload at all.
                let readOnly = try await fixture.token("eddie")
                #expect(try await client.upload("/api/v1/datasets/dept-a/x/upload", token: readOnly, contentType: "text/csv", body: body)
                    .status == .forbidden)
                // Hidden and temporary names, which the watcher would skip, are refused.
                let hidden = try await client.upload("/api/v1/datasets/dept-a/.hidden/upload", token: eddie, contentType: "text/csv", body: body)
                #expect(hidden.status == .badRequest)
                #expect(try hidden.json()["field"] as? String == "name")
                #expect(try await client.upload("/api/v1/datasets/dept-a/x/upload", token: eddie, contentType: "image/png", body: body)
                    .status == .unsupportedMediaType)
                #expect(try await client.upload("/api/v1/datasets/dept-a/x/upload?format=ods", token: eddie, contentType: "text/csv",
                                                body: body).status == .badRequest)
                #expect(try await fixture.store.list(prefix: "incoming/").isEmpty)

                // A global admin makes a new department by uploading into it; the audit row says so.
                let made = try await client.upload("/api/v1/datasets/dept-new/first%20list/upload", token: fixture.adminToken,
                                                   contentType: "text/csv; charset=utf-8", body: body)
                #expect(made.status == .accepted, "\(made.text)")
                #expect(try made.json()["key"] as? String == "incoming/dept-new/first list.csv")
                #expect(try await fixture.store.head("incoming/dept-new/first list.csv")?.size == Int64(body.count))
                let audit = try await client.send(.get, "/api/v1/audit", token: fixture.adminToken).json()["items"] as? [[String: Any]] ?? []
                let entry = try #require(audit.first { $0["what"] as? String == "upload dept-new/first list" })
                #expect((entry["detail"] as? [String: Any])?["new_department"] as? Bool == true)
            }
        }

        @Test func uploadsOverTheBoundAreRefusedAndLeaveNothing() async throws {
            var settings = WebSettings()
            settings.uploadMaxBytes = 4096
            try await WebFixture.run(settings: settings) { fixture, client in
                let eddie = try await fixture.token("eddie", scope: .write)
                let big = [UInt8](repeating: 65, count: 4097)
                // Announced by Content-Length: refused before the body is read.
                let declared = try await client.upload("/api/v1/datasets/dept-a/big/upload", token: eddie, contentType: "text/csv", body: big)
                #expect(declared.status == .contentTooLarge)
                #expect(declared.headers[.contentType] == "application/problem+json")
                #expect(try declared.json()["detail"] as? String ?? "" == "the workbook is larger than 4096 bytes (PYRAMYDAL_UPLOAD_MAX_MB)")
                // Chunked, without a length: counted while streamed, refused at the bound.
                let port = try #require(client.port)
                let file = FileManager.default.temporaryDirectory.appendingPathComponent("wt-big-\(UUID().uuidString).csv").path
                defer { try? FileManager.default.removeItem(atPath: file) }
                try Data([UInt8](repeating: 66, count: 256 * 1024)).write(to: URL(fileURLWithPath: file))
                let curl = try await offPool { try ChildProcess.run("/usr/bin/curl", [
                    "-s", "-o", "/dev/null", "-w", "%{http_code}", "-X", "PUT", "-H", "Authorization: Bearer \(eddie)",
                    "-H", "Content-Type: text/csv", "-H", "Transfer-Encoding: chunked", "--data-binary", "@\(file)",
                    "http://127.0.0.1:\(port)/api/v1/datasets/dept-a/big/upload",
                ]) }
                #expect(curl.stdoutText == "413", "curl: \(curl.stdoutText) \(curl.stderrText)")
                #expect(try await fixture.store.list(prefix: "incoming/").isEmpty)
                // At the bound exactly: accepted.
                let fits = try await client.upload("/api/v1/datasets/dept-a/big/upload", token: eddie, contentType: "text/csv",
                                                   body: Array(big.dropLast()))
                #expect(fits.status == .accepted)
            }
        }

        @Test func uploadBoundFromTheEnvironment() throws {
            #expect(try WebSettings(environment: [:]).uploadMaxBytes == 256 << 20)
            #expect(try WebSettings(environment: ["PYRAMYDAL_UPLOAD_MAX_MB": "3"]).uploadMaxBytes == 3 << 20)
            for bad in ["0", "-1", "lots", "5242881"] {
                #expect(throws: WebSettingsError.self) { try WebSettings(environment: ["PYRAMYDAL_UPLOAD_MAX_MB": bad]) }
                do {
                    _ = try WebSettings(environment: ["PYRAMYDAL_UPLOAD_MAX_MB": bad])
                } catch {
                    #expect(error.variable == "PYRAMYDAL_UPLOAD_MAX_MB")
                }
            }
        }

        @Test func reportRequestArtifactAndDownloadFromS3() async throws {
            let s3 = try await TransferS3.store()
            try await WebFixture.run(store: s3.store) { fixture, client in
                let eddie = try await fixture.token("eddie", scope: .write)
                let requested = try await client.send(.post, "/api/v1/versions/\(fixture.versionA)/reports", token: eddie, json: """
                    {"format": "csv", "columns": ["id", "name"], "where": ["id <= 10"], "sort": ["-id"], "name": "top-ten"}
                    """)
                #expect(requested.status == .accepted, "\(requested.text)")
                let jobID = try #require(try requested.json()["id"] as? Int)
                #expect(try requested.json()["kind"] as? String == "export")
                // Refused before anything is enqueued: an unknown column, a bad format, a viewer, another department.
                let unknown = try await client.send(.post, "/api/v1/versions/\(fixture.versionA)/reports", token: eddie,
                                                    json: #"{"format": "csv", "columns": ["nope"]}"#)
                #expect(unknown.status == .badRequest)
                #expect(try unknown.json()["field"] as? String == "columns")
                #expect(try await client.send(.post, "/api/v1/versions/\(fixture.versionA)/reports", token: eddie,
                                              json: #"{"format": "ods"}"#).status == .badRequest)
                let vera = try await fixture.token("vera", scope: .write)
                #expect(try await client.send(.post, "/api/v1/versions/\(fixture.versionA)/reports", token: vera,
                                              json: #"{"format": "csv"}"#).status == .forbidden)
                let bob = try await fixture.token("bob", scope: .write)
                #expect(try await client.send(.post, "/api/v1/versions/\(fixture.versionA)/reports", token: bob,
                                              json: #"{"format": "csv"}"#).status == .notFound)
                #expect(try await client.send(.post, "/api/v1/versions/\(fixture.failedA)/reports", token: eddie,
                                              json: #"{"format": "csv"}"#).status == .conflict)

                try await Self.dispatch(fixture, environment: s3.environment)

                let job = try await client.send(.get, "/api/v1/jobs/\(jobID)", token: eddie).json()
                #expect(job["state"] as? String == "completed", "\(job)")
                let artifactID = try #require((job["result"] as? [String: Any])?["artifact"] as? Int)
                let listed = try await client.send(.get, "/api/v1/reports?dataset=dept-a/sales", token: vera).json()
                let items = listed["items"] as? [[String: Any]] ?? []
                #expect(items.map { $0["id"] as? Int } == [artifactID])
                let report = try await client.send(.get, "/api/v1/reports/\(artifactID)", token: vera).json()
                #expect(report["key"] as? String == "reports/dept-a/sales/v1/top-ten.csv")
                #expect(report["format"] as? String == "csv")
                #expect(report["version_id"] as? Int == Int(fixture.versionA))
                #expect(report["department"] as? String == "dept-a")

                let download = try await client.send(.get, "/api/v1/reports/\(artifactID)/download", token: vera)
                #expect(download.status == .ok)
                #expect(download.headers[.contentType] == "text/csv; charset=utf-8")
                #expect(download.headers[.contentDisposition]?.hasPrefix("attachment; filename=\"top-ten.csv\"") == true)
                let lines = download.text.split(separator: "\r\n").map(String.init)
                #expect(lines.first == "id,name")
                let ids: [String] = lines.dropFirst().map { String($0.split(separator: ",")[0]) }
                let expected: [String] = (1...10).reversed().map { String($0) }
                #expect(ids == expected)
                let stored = try await Self.read(s3.store, "reports/dept-a/sales/v1/top-ten.csv")
                #expect(Array(download.body.readableBytesView) == stored)
                #expect(report["bytes"] as? Int == download.body.readableBytes)

                // The other department sees none of it; its admin's listing is empty.
                #expect(try await client.send(.get, "/api/v1/reports/\(artifactID)", token: bob).status == .notFound)
                #expect(try await client.send(.get, "/api/v1/reports/\(artifactID)/download", token: bob).status == .notFound)
                #expect((try await client.send(.get, "/api/v1/reports", token: bob).json()["items"] as? [Any])?.isEmpty == true)
                // The request is in the audit log with who asked.
                let audit = try await client.send(.get, "/api/v1/audit", token: eddie).json()["items"] as? [[String: Any]] ?? []
                #expect(audit.contains { $0["what"] as? String == "request report dept-a/sales" && ($0["who"] as? String)?.hasPrefix("eddie") == true })
            }
        }

        @Test func snapshotsAreForGlobalAdmins() async throws {
            try await WebFixture.run { fixture, client in
                let ada = try await fixture.token("ada", scope: .write)
                #expect(try await client.send(.post, "/api/v1/snapshots", token: ada).status == .forbidden)
                #expect(try await client.send(.get, "/api/v1/snapshots", token: ada).status == .forbidden)
                let empty = try await client.send(.get, "/api/v1/snapshots", token: fixture.adminToken)
                #expect((try empty.json()["items"] as? [Any])?.isEmpty == true)

                let requested = try await client.send(.post, "/api/v1/snapshots", token: fixture.adminToken)
                #expect(requested.status == .accepted, "\(requested.text)")
                let jobID = try #require(try requested.json()["id"] as? Int)
                #expect(try requested.json()["kind"] as? String == "snapshot")
                // A job of no department: a department admin cannot see it.
                #expect(try await client.send(.get, "/api/v1/jobs/\(jobID)", token: ada).status == .notFound)

                try await Self.dispatch(fixture, environment: Self.folderEnvironment(fixture))

                let job = try await client.send(.get, "/api/v1/jobs/\(jobID)", token: fixture.adminToken).json()
                #expect(job["state"] as? String == "completed", "\(job)")
                let snapshot = try #require((job["result"] as? [String: Any])?["snapshot"] as? String)
                let listed = try await client.send(.get, "/api/v1/snapshots", token: fixture.adminToken).json()["items"]
                    as? [[String: Any]] ?? []
                #expect(listed.map { $0["id"] as? String } == [snapshot])
                #expect(listed.first?["state"] as? String == "complete")
                #expect(listed.first?["kind"] as? String == "full")
                #expect(listed.first?["versions"] as? Int == 2)
                #expect(listed.first?["rows"] as? Int == 2 * WebFixture.rowCount)
                let audit = try await client.send(.get, "/api/v1/audit", token: fixture.adminToken).json()["items"] as? [[String: Any]] ?? []
                #expect(audit.contains { $0["what"] as? String == "request snapshot" && $0["who"] as? String == "root (token root-write)" })
            }
        }

        // MARK: - helpers

        /// An xlsx made by openpyxl: order_id, customer, amount, day.
        static func workbook(rows: Int) throws -> [UInt8] {
            let python = ProcessInfo.processInfo.environment["PYRAMYDAL_TEST_PYTHON"] ?? BuiltProducts.packageRoot + "/.venv/bin/python3"
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("wt-\(UUID().uuidString).xlsx").path
            defer { try? FileManager.default.removeItem(atPath: path) }
            let result = try ChildProcess.run(python, ["-c", """
                import datetime, sys, openpyxl
                wb = openpyxl.Workbook()
                ws = wb.active
                ws.title = "Orders"
                ws.append(["order_id", "customer", "amount", "day"])
                for i in range(1, int(sys.argv[2]) + 1):
                    ws.append([i, f"customer {i}", i * 1.25, datetime.date(2024, 1, 1) + datetime.timedelta(days=i % 30)])
                wb.save(sys.argv[1])
                """, path, String(rows)])
            guard result.succeeded else { throw TransferTestError("openpyxl: \(result.stderrText)") }
            return Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        }

        static func read(_ store: any ObjectStore, _ key: String) async throws -> [UInt8] {
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("wt-\(UUID().uuidString)").path
            defer { try? FileManager.default.removeItem(atPath: path) }
            _ = try await store.get(key, toFile: path)
            return Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        }

        /// The store variables for a fixture's own folder store.
        static func folderEnvironment(_ fixture: WebFixture) -> [String: String] {
            ["PYRAMYDAL_STORE": fixture.store.location]
        }

        /// `pyramydal dispatch --until-idle` on the fixture's schemas: the
        /// real dispatcher (with its `incoming/` watcher) launching the
        /// built workers from `tasks/<kind>.json`.
        static func dispatch(_ fixture: WebFixture, environment store: [String: String]) async throws {
            let home = FileManager.default.temporaryDirectory.appendingPathComponent("wt-home-\(UUID().uuidString)").path
            defer { try? FileManager.default.removeItem(atPath: home) }
            let variables = dispatchEnvironment(fixture, store: store, home: home)
            let result = try await offPool {
                try ChildProcess.run(dispatcher, ["dispatch", "--until-idle", "--idle-timeout", "300"], environment: variables)
            }
            #expect(result.succeeded, "pyramydal dispatch exited \(result.status): \(result.stderrText)")
        }

        /// The built `pyramydal`.
        static var dispatcher: String { BuiltProducts.directory(containing: "pyramydal") + "/pyramydal" }

        /// The environment of a `pyramydal dispatch` on the fixture's schemas and `store`, with `home` as its home.
        static func dispatchEnvironment(_ fixture: WebFixture, store: [String: String], home: String) -> [String: String] {
            let schemas = fixture.catalog.schemas
            var environment = ChildProcess.currentEnvironment().filter {
                !$0.key.hasPrefix("PYRAMYDAL_") && !$0.key.hasPrefix("PG") && !$0.key.hasPrefix("AWS_")
            }
            environment.merge([
                "PYRAMYDAL_DATABASE_URL": WebFixture.url, "PYRAMYDAL_HOME": home,
                "PYRAMYDAL_CATALOG_SCHEMA": schemas.catalog, "PYRAMYDAL_DATA_SCHEMA": schemas.data,
                "PYRAMYDAL_JOBS_SCHEMA": schemas.catalog, "PYRAMYDAL_TASKS_DIR": BuiltProducts.packageRoot + "/tasks",
                "PYRAMYDAL_LOG_LEVEL": "warning", "PYRAMYDAL_ACTOR": "web-tests",
            ]) { $1 }
            environment.merge(store) { $1 }
            return environment
        }
    }
}

/// A store on `rclone serve s3` (scripts/test-services.sh) under a fresh
/// prefix, and the variables that make `pyramydal` open the same store.
enum TransferS3 {
    static func variable(_ name: String, _ fallback: String) -> String {
        ProcessInfo.processInfo.environment[name].flatMap { $0.isEmpty ? nil : $0 } ?? fallback
    }

    static func store() async throws -> (store: S3Store, environment: [String: String]) {
        let endpoint = variable("PYRAMYDAL_TEST_RCLONE_ENDPOINT", "http://127.0.0.1:55001")
        let key = variable("PYRAMYDAL_TEST_RCLONE_ACCESS_KEY_ID", "rclonetestkey")
        let secret = variable("PYRAMYDAL_TEST_RCLONE_SECRET_ACCESS_KEY", "rclonetestsecret")
        let bucket = "pyr-rclone-web-transfer", prefix = "run-\(UUID().uuidString.prefix(8).lowercased())"
        var logger = Logger(label: "web-test.s3")
        logger.logLevel = .warning
        let store = S3Store(settings: S3Settings(bucket: bucket, prefix: prefix + "/", region: "us-east-1", endpoint: endpoint,
                                                 pathStyle: true),
                            credentials: StaticCredentialProvider(AWSCredentials(accessKeyID: key, secretAccessKey: secret)),
                            logger: logger)
        try await store.createBucket()
        return (store, [
            "PYRAMYDAL_STORE": "s3://\(bucket)/\(prefix)", "PYRAMYDAL_S3_ENDPOINT": endpoint, "PYRAMYDAL_S3_REGION": "us-east-1",
            "PYRAMYDAL_S3_ADDRESSING": "path", "AWS_ACCESS_KEY_ID": key, "AWS_SECRET_ACCESS_KEY": secret,
        ])
    }
}

struct TransferTestError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

extension TestClientProtocol {
    /// `PUT` of a workbook body with a bearer token.
    func upload(_ uri: String, token: String, contentType: String, body: [UInt8]) async throws -> TestResponse {
        try await execute(uri: uri, method: .put, headers: [.authorization: "Bearer \(token)", .contentType: contentType],
                          body: ByteBuffer(bytes: body))
    }
}
