import Foundation
import Synchronization
import Testing
@testable import ObjectStore

@Suite struct DirectoryStoreTests {
    /// A fresh folder per test, named after it.
    func makeStore(_ name: String = #function) throws -> (DirectoryStore, String) {
        let root = NSTemporaryDirectory() + "directory-store-\(name.filter { $0.isLetter || $0.isNumber })-\(UUID().uuidString)"
        return (try DirectoryStore(root: root), root)
    }

    @Test func putGetHeadListDelete() async throws {
        let (store, root) = try makeStore()
        defer { try? FileManager.default.removeItem(atPath: root) }
        #expect(store.location == "file://" + root)
        #expect(try await store.head("incoming/a.xlsx") == nil)

        let bytes = Array("hello, world".utf8)
        let put = try await store.put("incoming/sales/a b+ü.xlsx", bytes: bytes, options: PutOptions())
        #expect(put.size == Int64(bytes.count))
        let head = try #require(try await store.head("incoming/sales/a b+ü.xlsx"))
        #expect(head == put)
        #expect(FileManager.default.contents(atPath: root + "/incoming/sales/a b+ü.xlsx") == Data(bytes))

        _ = try await store.put("incoming/b.xlsx", bytes: [1, 2, 3])
        _ = try await store.put("reports/r.pdf", bytes: [4])
        #expect(try await store.list(prefix: "incoming/").map(\.key) == ["incoming/b.xlsx", "incoming/sales/a b+ü.xlsx"])
        #expect(try await store.list(prefix: "").map(\.key) == ["incoming/b.xlsx", "incoming/sales/a b+ü.xlsx", "reports/r.pdf"])
        #expect(try await store.list(prefix: "incoming/sa").map(\.key) == ["incoming/sales/a b+ü.xlsx"])
        #expect(try await store.list(prefix: "nothing/").isEmpty)

        let target = root + "-download"
        defer { try? FileManager.default.removeItem(atPath: target) }
        let got = try await store.get("incoming/sales/a b+ü.xlsx", toFile: target, range: nil)
        #expect(got.size == Int64(bytes.count))
        #expect(FileManager.default.contents(atPath: target) == Data(bytes))

        let ranged = try await store.get("incoming/sales/a b+ü.xlsx", toFile: target, range: 7...11)
        #expect(ranged.size == Int64(bytes.count))
        #expect(FileManager.default.contents(atPath: target) == Data("world".utf8))

        let collected = Mutex<[UInt8]>([])
        _ = try await store.get("incoming/sales/a b+ü.xlsx", range: 0...4) { chunk in collected.withLock { $0 += chunk } }
        #expect(collected.withLock { $0 } == Array("hello".utf8))

        #expect(try await store.downloadLocation("reports/r.pdf", expiresIn: .seconds(60)) == root + "/reports/r.pdf")

        try await store.delete("incoming/b.xlsx")
        try await store.delete("incoming/b.xlsx")  // deleting a missing key is fine
        #expect(try await store.head("incoming/b.xlsx") == nil)
        let missing = await #expect(throws: ObjectStoreError.self) { try await store.get("incoming/b.xlsx", toFile: target, range: nil) }
        #expect(missing?.code == .notFound)
    }

    @Test func conditionalPutAndOverwrite() async throws {
        let (store, root) = try makeStore()
        defer { try? FileManager.default.removeItem(atPath: root) }
        _ = try await store.put("k", bytes: [1], options: PutOptions(ifNoneMatch: true))
        let error = await #expect(throws: ObjectStoreError.self) {
            try await store.put("k", bytes: [2], options: PutOptions(ifNoneMatch: true))
        }
        #expect(error?.code == .alreadyExists)
        #expect(FileManager.default.contents(atPath: root + "/k") == Data([1]))
        _ = try await store.put("k", bytes: [3], options: PutOptions())
        #expect(FileManager.default.contents(atPath: root + "/k") == Data([3]))
        // No temporary files left behind.
        #expect(try FileManager.default.contentsOfDirectory(atPath: root) == ["k"])
    }

    @Test func concurrentConditionalPutsHaveOneWinner() async throws {
        let (store, root) = try makeStore()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let outcomes = await withTaskGroup(of: Bool.self) { group in
            for index in 0..<16 {
                group.addTask { (try? await store.put("once", bytes: [UInt8(index)], options: PutOptions(ifNoneMatch: true))) != nil }
            }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(outcomes.filter { $0 }.count == 1)
    }

    @Test func keysCannotEscapeTheRoot() async throws {
        let (store, root) = try makeStore()
        defer { try? FileManager.default.removeItem(atPath: root) }
        for key in ["../outside", "a/../../outside", "/etc/passwd", "", "a//b", "./a", "a/.", ".pyramydal-tmp-x"] {
            let error = await #expect(throws: ObjectStoreError.self, "key '\(key)'") {
                try await store.put(key, bytes: [1], options: PutOptions())
            }
            #expect(error?.code == .invalidKey)
        }
        #expect(!FileManager.default.fileExists(atPath: (root as NSString).deletingLastPathComponent + "/outside"))
    }

    @Test func putFromFileStreamsLargeFiles() async throws {
        let (store, root) = try makeStore()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let source = root + "-source"
        defer { try? FileManager.default.removeItem(atPath: source) }
        let data = Data((0..<3_000_000).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        try data.write(to: URL(fileURLWithPath: source))
        let info = try await store.put("big/file.bin", fromFile: source, options: PutOptions(contentType: "application/octet-stream"))
        #expect(info.size == Int64(data.count))
        #expect(FileManager.default.contents(atPath: root + "/big/file.bin") == data)
    }

    @Test func makeObjectStoreParsesURLs() throws {
        let root = NSTemporaryDirectory() + "make-store-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: root) }
        let local = try makeObjectStore(url: "file://" + root)
        #expect(local.location == "file://" + root)
        let s3 = try makeObjectStore(url: "s3://my-bucket/some/prefix", settings: S3Settings(bucket: "", endpoint: "http://127.0.0.1:1", pathStyle: true),
                                     credentials: StaticCredentialProvider(AWSCredentials(accessKeyID: "a", secretAccessKey: "b")))
        #expect(s3.location == "s3://my-bucket/some/prefix/")
        #expect(throws: ObjectStoreError.self) { try makeObjectStore(url: "http://example.com") }
        #expect(throws: ObjectStoreError.self) { try makeObjectStore(url: "s3:///nobucket") }
        #expect(throws: ObjectStoreError.self) { try makeObjectStore(url: "file://relative/path") }
    }
}

@Suite struct S3XMLTests {
    @Test func parsesListResultsWithEntitiesAndRefusesDoctype() throws {
        let xml = """
        <?xml version="1.0" encoding="UTF-8"?>
        <ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>b</Name><IsTruncated>true</IsTruncated>
        <Contents><Key>a &amp; b &lt;c&gt; &#252;&#x1F4CA;</Key><Size>12</Size><ETag>&quot;abc&quot;</ETag></Contents>
        <Contents><Key> spaced </Key><Size>0</Size></Contents><Empty/>
        <NextContinuationToken>tok/+=</NextContinuationToken></ListBucketResult>
        """
        let root = try S3XMLElement.parse(Array(xml.utf8))
        #expect(root.name == "ListBucketResult")
        #expect(root.all("Contents").map { $0.value("Key") } == ["a & b <c> ü📊", " spaced "])
        #expect(root.all("Contents").first?.value("ETag") == "\"abc\"")
        #expect(root.value("NextContinuationToken") == "tok/+=")
        #expect(throws: ObjectStoreError.self) {
            try S3XMLElement.parse(Array("<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><x>&e;</x>".utf8))
        }
        #expect(throws: ObjectStoreError.self) { try S3XMLElement.parse(Array("<a><b></a>".utf8)) }
    }

    @Test func credentialsAndErrorsNeverPrintSecrets() {
        let credentials = AWSCredentials(accessKeyID: "AKIA1", secretAccessKey: "top-secret", sessionToken: "tok-secret")
        #expect(!String(describing: credentials).contains("top-secret"))
        #expect(!String(describing: credentials).contains("tok-secret"))
        #expect(!String(reflecting: credentials).contains("top-secret"))
        let error = ObjectStoreError(code: .accessDenied, httpStatus: 403, s3Code: "SignatureDoesNotMatch", requestID: "R1", key: "k", message: "PUT failed")
        #expect(error.description == "ObjectStoreError.accessDenied HTTP 403 SignatureDoesNotMatch key 'k': PUT failed (request id R1)")
    }
}

@Suite struct CompleteMultipartUploadTests {
    let store = S3Store(settings: S3Settings(bucket: "b", endpoint: "http://127.0.0.1:1", pathStyle: true),
                        credentials: StaticCredentialProvider(AWSCredentials(accessKeyID: "a", secretAccessKey: "b")), logger: .init(label: "test"))

    func response(_ status: Int, _ body: String) -> HTTPResponse {
        HTTPResponse(status: status, headers: ["x-amz-request-id": "HDR"], body: Array(body.utf8), delivered: 0)
    }

    @Test func successGivesTheETag() throws {
        let etag = try store.completeResult(response(200, "<?xml version=\"1.0\"?><CompleteMultipartUploadResult><Key>k</Key><ETag>&quot;abc-3&quot;</ETag></CompleteMultipartUploadResult>"), key: "k")
        #expect(etag == "\"abc-3\"")
    }

    @Test func anErrorInsideA200IsAnError() throws {
        let error = #expect(throws: ObjectStoreError.self) {
            try store.completeResult(response(200, "<?xml version=\"1.0\"?>\n\n<Error><Code>InternalError</Code><Message>We encountered an internal error. Please try again.</Message><RequestId>R9</RequestId></Error>"), key: "k")
        }
        #expect(error?.code == .httpError)
        #expect(error?.s3Code == "InternalError")
        #expect(error?.requestID == "R9")
        #expect(error?.httpStatus == 200)
        #expect(error?.key == "k")
    }

    @Test func preconditionFailedMeansAlreadyExists() throws {
        let inBody = #expect(throws: ObjectStoreError.self) {
            try store.completeResult(response(200, "<Error><Code>PreconditionFailed</Code><Message>At least one of the pre-conditions you specified did not hold</Message></Error>"), key: "k")
        }
        #expect(inBody?.code == .alreadyExists)
        let asStatus = #expect(throws: ObjectStoreError.self) {
            try store.completeResult(response(412, "<Error><Code>PreconditionFailed</Code><Message>no</Message><RequestId>R1</RequestId></Error>"), key: "k")
        }
        #expect(asStatus?.code == .alreadyExists)
        #expect(asStatus?.httpStatus == 412)
    }
}
