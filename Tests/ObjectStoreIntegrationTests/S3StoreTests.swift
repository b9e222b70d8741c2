import ChildProcess
import Crypto
import Foundation
import Synchronization
import Testing
@testable import ObjectStore

@Suite struct S3StoreTests {
    static let awkwardKeys = [
        "incoming/plain.xlsx",
        "incoming/with space/file name.xlsx",
        "incoming/a+b=c&d.csv",
        "incoming/Grüße/日本語 ü.xlsx",
        "incoming/tilde~percent%20.txt",
    ]

    func temporaryFile(_ name: String) -> String {
        NSTemporaryDirectory() + "s3-test-\(name)-\(UUID().uuidString)"
    }

    @Test(arguments: TestServer.allCases)
    func putGetHeadListDelete(_ server: TestServer) async throws {
        let store = try await server.store()
        let keys = server.verifiesEncodedCharacters ? Self.awkwardKeys : Self.awkwardKeys.filter { $0.allSatisfy { $0.isASCII && !"+=&%".contains($0) } }
        let listPrefix = server.verifiesEncodedCharacters ? "incoming/" : "incoming"
        #expect(try await store.head("incoming/missing.xlsx") == nil)
        for (index, key) in keys.enumerated() {
            let bytes = Array("content of \(key) #\(index)".utf8)
            let put = try await store.put(key, bytes: bytes, options: PutOptions(contentType: "text/plain", metadata: ["source": "test"]))
            #expect(put.size == Int64(bytes.count))
            #expect(put.etag != nil)
            let head = try #require(try await store.head(key), "head \(key)")
            #expect(head.size == Int64(bytes.count))
            #expect(head.etag == put.etag)
            #expect(head.lastModified != nil)
            let path = temporaryFile("get")
            defer { try? FileManager.default.removeItem(atPath: path) }
            let got = try await store.get(key, toFile: path, range: nil)
            #expect(got.size == Int64(bytes.count))
            #expect(FileManager.default.contents(atPath: path) == Data(bytes), "body of \(key)")
        }
        let listed = try await store.list(prefix: listPrefix)
        #expect(listed.map(\.key).sorted() == keys.sorted())
        #expect(listed.allSatisfy { $0.size > 0 && $0.etag != nil && $0.lastModified != nil })
        if server.verifiesEncodedCharacters {
            #expect(try await store.list(prefix: "incoming/with space/").map(\.key) == ["incoming/with space/file name.xlsx"])
            #expect(try await store.list(prefix: "incoming/Grüße/").map(\.key) == ["incoming/Grüße/日本語 ü.xlsx"])
            #expect(try await store.list(prefix: "incoming/a+b").map(\.key) == ["incoming/a+b=c&d.csv"])
        }

        for key in keys {
            try await store.delete(key)
            #expect(try await store.head(key) == nil)
        }
        #expect(try await store.list(prefix: "").isEmpty)
        let missing = await #expect(throws: ObjectStoreError.self) { try await store.get("incoming/plain.xlsx", range: nil) { _ in } }
        #expect(missing?.code == .notFound)
        #expect(missing?.httpStatus == 404)
        #expect(missing?.key == "incoming/plain.xlsx")
    }

    @Test(arguments: TestServer.allCases)
    func rangeGetAndStreamingGet(_ server: TestServer) async throws {
        let store = try await server.store()
        let bytes = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        _ = try await store.put("data.bin", bytes: bytes, options: PutOptions())

        let path = temporaryFile("range")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let ranged = try await store.get("data.bin", toFile: path, range: 1000...1999)
        #expect(ranged.size == Int64(bytes.count))
        #expect(FileManager.default.contents(atPath: path) == Data(bytes[1000...1999]))

        let received = Mutex<(bytes: [UInt8], chunks: Int)>(([], 0))
        let info = try await store.get("data.bin", range: nil) { chunk in
            received.withLock { $0.bytes += chunk; $0.chunks += 1 }
        }
        #expect(info.size == Int64(bytes.count))
        let (streamed, chunks) = received.withLock { ($0.bytes, $0.chunks) }
        #expect(streamed == bytes)
        #expect(chunks > 1, "a 300 kB body arrives in several chunks")

        let tail = Mutex<[UInt8]>([])
        _ = try await store.get("data.bin", range: 299_990...299_999) { chunk in tail.withLock { $0 += chunk } }
        #expect(tail.withLock { $0 } == Array(bytes[299_990...]))

        // A handler that throws stops the transfer with its own error.
        struct Stop: Error {}
        await #expect(throws: Stop.self) { try await store.get("data.bin", range: nil) { _ in throw Stop() } }
    }

    @Test(arguments: TestServer.allCases)
    func multipartUploadOfTwelveMiB(_ server: TestServer) async throws {
        let fiveMiB: Int64 = 5 << 20
        let store = try await server.store(multipartThreshold: fiveMiB, partSize: fiveMiB)
        let source = temporaryFile("multipart-source")
        defer { try? FileManager.default.removeItem(atPath: source) }
        var data = Data(count: 12 << 20)
        data.withUnsafeMutableBytes { buffer in
            for index in stride(from: 0, to: buffer.count, by: 4096) { buffer[index] = UInt8(truncatingIfNeeded: index / 4096) }
        }
        try data.write(to: URL(fileURLWithPath: source))
        let put = try await store.put("big/twelve.bin", fromFile: source, options: PutOptions(contentType: "application/octet-stream"))
        #expect(put.size == Int64(data.count))
        // A multipart ETag ends in -<part count>: 5 + 5 + 2 MiB.
        #expect(put.etag?.hasSuffix("-3\"") == true || put.etag?.hasSuffix("-3") == true, "etag \(put.etag ?? "nil")")
        let head = try #require(try await store.head("big/twelve.bin"))
        #expect(head.size == Int64(data.count))

        let target = temporaryFile("multipart-target")
        defer { try? FileManager.default.removeItem(atPath: target) }
        _ = try await store.get("big/twelve.bin", toFile: target, range: nil)
        let downloaded = try #require(FileManager.default.contents(atPath: target))
        #expect(SHA256.hash(data: downloaded) == SHA256.hash(data: data))

        // Below the threshold: one PUT with the file's SHA-256 as payload hash.
        let small = temporaryFile("small")
        defer { try? FileManager.default.removeItem(atPath: small) }
        try Data(repeating: 42, count: 1 << 20).write(to: URL(fileURLWithPath: small))
        let single = try await store.put("big/one.bin", fromFile: small, options: PutOptions())
        #expect(single.etag?.contains("-") == false)
        #expect(try await store.head("big/one.bin")?.size == 1 << 20)
    }

    @Test(arguments: TestServer.allCases)
    func paginationOverMoreThanAThousandKeys(_ server: TestServer) async throws {
        let store = try await server.store()
        let count = 1_050
        try await withThrowingTaskGroup(of: Void.self) { group in
            var next = 0
            func add() {
                let index = next
                next += 1
                group.addTask { _ = try await store.put(String(format: "many-key-%05d.txt", index), bytes: Array("\(index)".utf8), options: PutOptions()) }
            }
            for _ in 0..<16 { add() }  // at most 16 requests in flight
            while try await group.next() != nil {
                if next < count { add() }
            }
        }
        var pages = 0
        var keys: [String] = []
        for try await page in store.pages(prefix: "many-") {
            pages += 1
            keys += page.map(\.key)
        }
        #expect(pages >= 2)
        #expect(keys.count == count)
        #expect(keys == (0..<count).map { String(format: "many-key-%05d.txt", $0) })
        #expect(try await store.list(prefix: "many-key-0100").count == 10)
    }

    @Test(arguments: TestServer.allCases)
    func conditionalPut(_ server: TestServer) async throws {
        let store = try await server.store()
        _ = try await store.put("once.txt", bytes: [1], options: PutOptions(ifNoneMatch: true))
        let second: Result<ObjectInfo, any Error> = await Result(catching: { try await store.put("once.txt", bytes: [2], options: PutOptions(ifNoneMatch: true)) })
        switch server {
        case .moto:
            let error = try #require(second.failure as? ObjectStoreError)
            #expect(error.code == .alreadyExists)
            #expect(error.httpStatus == 412)
            #expect(error.key == "once.txt")
            let kept = Mutex<[UInt8]>([])
            _ = try await store.get("once.txt", range: nil) { chunk in kept.withLock { $0 += chunk } }
            #expect(kept.withLock { $0 } == [1], "the first object is kept")
        case .rclone:
            // rclone serve s3 ignores If-None-Match (the second PUT
            // overwrites); conditional PUT is verified on moto.
            withKnownIssue("rclone serve s3 does not implement If-None-Match on PUT") {
                #expect((second.failure as? ObjectStoreError)?.code == .alreadyExists)
            }
        }
    }

    @Test(arguments: TestServer.allCases)
    func presignedGetWorksWithPlainCurl(_ server: TestServer) async throws {
        let store = try await server.store()
        let key = server.verifiesEncodedCharacters ? "reports/q3 report+ü=&.csv" : "reports/q3 report.csv"
        _ = try await store.put(key, bytes: Array("a,b\n1,2\n".utf8), options: PutOptions(contentType: "text/csv"))
        let url = try await store.downloadLocation(key, expiresIn: .seconds(300))
        #expect(url.contains("X-Amz-Signature="))
        #expect(url.contains("X-Amz-Expires=300"))
        guard server == .rclone else {
            // moto 5.2.1 with IAM auth on answers HTTP 500 to any query-signed
            // request (it reads only the Authorization header; boto3's
            // presigned URLs fail the same way), so presigning is verified
            // on rclone (and against botocore in ObjectStoreTests).
            let status = try Self.curl(url).status
            withKnownIssue("moto's IAM auth cannot check presigned URLs") {
                #expect(status == 200)
            }
            return
        }
        let (status, body) = try Self.curl(url)
        #expect(status == 200)
        #expect(body == "a,b\n1,2\n")
        // A tampered signature is refused.
        let tampered = url.replacingOccurrences(of: "X-Amz-Expires=300", with: "X-Amz-Expires=301")
        #expect(try Self.curl(tampered).status == 403)
        // So is an expired URL (AWS answers 403 AccessDenied, rclone 400).
        let expired = try await store.downloadLocation(key, expiresIn: .seconds(1))
        try await Task.sleep(for: .milliseconds(2100))
        #expect([400, 403].contains(try Self.curl(expired).status))
    }

    /// GET with the curl command-line tool (not our code).
    static func curl(_ url: String) throws -> (status: Int, body: String) {
        let text = try ChildProcess.run("curl", ["-sS", "-g", "-w", "\n%{http_code}", url]).stdoutText
        let newline = try #require(text.lastIndex(of: "\n"))
        return (Int(text[text.index(after: newline)...]) ?? 0, String(text[..<newline]))
    }

    @Test(arguments: TestServer.allCases)
    func wrongSecretGivesASignatureError(_ server: TestServer) async throws {
        var wrong = server.credentials
        wrong.secretAccessKey = "definitely-not-the-secret"
        let store = try await server.store(credentials: wrong)
        let error = await #expect(throws: ObjectStoreError.self) {
            try await store.put("denied.txt", bytes: [1], options: PutOptions())
        }
        #expect(error?.code == .accessDenied)
        #expect(error?.httpStatus == 403)
        #expect(error?.s3Code == "SignatureDoesNotMatch")
        #expect(error?.key == "denied.txt")
        #expect(error.map { !$0.description.contains("definitely-not-the-secret") } == true)
        #expect(error?.description.contains("SignatureDoesNotMatch") == true)
    }

    @Test func connectionFailureIsTyped() async throws {
        let store = S3Store(
            settings: S3Settings(bucket: "nothing", endpoint: "http://127.0.0.1:9", pathStyle: true, maxAttempts: 2),
            credentials: StaticCredentialProvider(AWSCredentials(accessKeyID: "a", secretAccessKey: "b")), logger: .init(label: "test"))
        let error = await #expect(throws: ObjectStoreError.self) { try await store.head("x") }
        #expect(error?.code == .connection)
    }
}

extension Result {
    var failure: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}

extension Result where Failure == any Error {
    init(catching body: () async throws -> Success) async {
        do { self = .success(try await body()) } catch { self = .failure(error) }
    }
}

/// Good credentials except on the second request (the first UploadPart).
final class FailSecondRequest: CredentialProvider {
    let good: AWSCredentials
    let calls = Mutex(0)
    init(_ good: AWSCredentials) { self.good = good }
    func credentials() async throws -> AWSCredentials {
        let call = calls.withLock { $0 += 1; return $0 }
        var credentials = good
        if call == 2 { credentials.secretAccessKey = "wrong-for-one-part" }
        return credentials
    }
}

@Suite struct S3MultipartFailureTests {
    @Test(arguments: TestServer.allCases)
    func aFailedPartAbortsTheUpload(_ server: TestServer) async throws {
        let fiveMiB: Int64 = 5 << 20
        let template = try await server.store(multipartThreshold: fiveMiB, partSize: fiveMiB)
        let store = S3Store(settings: template.settings, credentials: FailSecondRequest(server.credentials), logger: template.logger)
        let source = NSTemporaryDirectory() + "s3-abort-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: source) }
        try Data(repeating: 7, count: 11 << 20).write(to: URL(fileURLWithPath: source))
        let error = await #expect(throws: ObjectStoreError.self) {
            try await store.put("aborted.bin", fromFile: source, options: PutOptions())
        }
        #expect(error?.code == .accessDenied)
        #expect(error?.message.contains("UploadPart") == true)
        #expect(try await template.head("aborted.bin") == nil)
        #expect(try await template.multipartUploadsInProgress(prefix: "").isEmpty, "the upload was aborted")
    }
}

@Suite struct S3ConditionalMultipartTests {
    /// If-None-Match on CompleteMultipartUpload (moto: the server that
    /// supports conditional writes); the failed upload is aborted.
    @Test func conditionalMultipartOntoAnExistingKey() async throws {
        let fiveMiB: Int64 = 5 << 20
        let store = try await TestServer.moto.store(multipartThreshold: fiveMiB, partSize: fiveMiB)
        _ = try await store.put("exists.bin", bytes: [1, 2, 3], options: PutOptions())
        let source = NSTemporaryDirectory() + "s3-conditional-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: source) }
        try Data(repeating: 9, count: 6 << 20).write(to: URL(fileURLWithPath: source))
        let error = await #expect(throws: ObjectStoreError.self) {
            try await store.put("exists.bin", fromFile: source, options: PutOptions(ifNoneMatch: true))
        }
        #expect(error?.code == .alreadyExists)
        #expect(try await store.head("exists.bin")?.size == 3)
        #expect(try await store.multipartUploadsInProgress(prefix: "").isEmpty)
    }
}

@Suite struct S3CancellationTests {
    /// Cancelling the task aborts a streaming GET mid-body.
    @Test func cancellingAStreamingGetStopsIt() async throws {
        let store = try await TestServer.rclone.store()
        _ = try await store.put("large.bin", bytes: [UInt8](repeating: 1, count: 8 << 20), options: PutOptions())
        let received = Mutex(0)
        let started = AsyncStream<Void>.makeStream()
        // The consumer holds the first chunk until the task is cancelled, so
        // the cancel always lands mid-body however loaded the machine is.
        let cancelled = DispatchSemaphore(value: 0)
        let task = Task {
            try await store.get("large.bin", range: nil) { chunk in
                let total = received.withLock { $0 += chunk.count; return $0 }
                if total == chunk.count {
                    started.continuation.yield()
                    cancelled.wait()
                }
            }
        }
        var iterator = started.stream.makeAsyncIterator()
        await iterator.next()
        task.cancel()
        cancelled.signal()
        let result = await task.result
        #expect(throws: CancellationError.self) { try result.get() }
        #expect(received.withLock { $0 } < 8 << 20)
    }
}

@Suite struct S3VirtualHostedTests {
    /// Virtual-hosted addressing (`bucket.localhost:port`; curl resolves
    /// `*.localhost` to loopback) against moto. rclone runs with
    /// `--force-path-style` and only serves path-style requests.
    @Test func virtualHostedRequestsAreSignedAndRouted() async throws {
        let pathStyle = try await TestServer.moto.store()
        var settings = pathStyle.settings
        settings.pathStyle = false
        settings.endpoint = TestServer.moto.endpoint.replacingOccurrences(of: "127.0.0.1", with: "localhost")
        let virtual = S3Store(settings: settings, credentials: StaticCredentialProvider(TestServer.moto.credentials), logger: pathStyle.logger)
        #expect(virtual.target(fullKey: "a b.txt").host.hasPrefix(settings.bucket + ".localhost:"))
        #expect(virtual.target(fullKey: "a b.txt").path == "/a%20b.txt")

        let put = try await virtual.put("folder/a b.txt", bytes: Array("virtual".utf8), options: PutOptions())
        #expect(try await pathStyle.head("folder/a b.txt")?.etag == put.etag)
        #expect(try await virtual.head("folder/a b.txt")?.size == 7)
        #expect(try await virtual.list(prefix: "folder").map(\.key) == ["folder/a b.txt"])
        try await virtual.delete("folder/a b.txt")
        #expect(try await pathStyle.head("folder/a b.txt") == nil)
    }
}
