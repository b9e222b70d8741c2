import Foundation
import Logging
import Testing
@testable import ObjectStore

/// Issue 17: keys holding `..`, `//`, a leading `/` or percent escapes are
/// refused or stored under their literal name, and never land outside the
/// store's prefix, on both S3 servers and in a directory store.
@Suite struct KeySafetyTests {
    static let refused = ["../x", "a/../../x", "a/./b", "./a", "/abs/x", "a//b", "a/", "", "..", "a/..", "a\u{0}b"]

    @Test(arguments: TestServer.allCases)
    func s3KeysStayInsideThePrefix(_ server: TestServer) async throws {
        let store = try await server.store()
        for key in Self.refused {
            let error = await #expect(throws: ObjectStoreError.self, "put \(key)") {
                _ = try await store.put(key, bytes: Array("x".utf8), options: PutOptions())
            }
            #expect(error?.code == .invalidKey, "put \(key)")
            await #expect(throws: ObjectStoreError.self, "get \(key)") { _ = try await store.head(key) }
            await #expect(throws: ObjectStoreError.self, "presign \(key)") { _ = try await store.downloadLocation(key, expiresIn: .seconds(60)) }
        }
        // Percent signs are part of the name (moto 5.2.1 mishandles them, see TestServer).
        let literal = server.verifiesEncodedCharacters ? ["a%2Fb.xlsx", "c%2E%2E/d.xlsx", "e%41f.xlsx", "dots..name.xlsx"] : ["dots..name.xlsx"]
        for key in literal {
            _ = try await store.put(key, bytes: Array(key.utf8), options: PutOptions())
            let path = NSTemporaryDirectory() + "keysafety-\(UUID().uuidString)"
            defer { try? FileManager.default.removeItem(atPath: path) }
            _ = try await store.get(key, toFile: path)
            #expect(FileManager.default.contents(atPath: path) == Data(key.utf8), "body of \(key)")
        }
        #expect(try await store.list(prefix: "").map(\.key).sorted() == literal.sorted())

        // The whole bucket, seen without the prefix: nothing outside it.
        let location = store.location.dropFirst("s3://".count)
        let bucket = String(location.prefix { $0 != "/" })
        let prefix = String(location.dropFirst(bucket.count + 1))
        let whole = S3Store(settings: S3Settings(bucket: bucket, prefix: "", region: "us-east-1", endpoint: server.endpoint,
                                                 pathStyle: true, multipartThreshold: 64 << 20, partSize: 16 << 20),
                            credentials: StaticCredentialProvider(server.credentials), logger: Logger(label: "test.keys"))
        let everything = try await whole.list(prefix: "").map(\.key)
        #expect(everything.allSatisfy { $0.hasPrefix(prefix) }, "\(everything)")
        #expect(everything.count == literal.count)
        for key in literal { try await store.delete(key) }
    }

    @Test func directoryKeysStayInsideTheRoot() async throws {
        let base = NSTemporaryDirectory() + "keysafety-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: base) }
        let store = try DirectoryStore(root: base + "/root")
        for key in Self.refused {
            let error = await #expect(throws: ObjectStoreError.self, "put \(key)") {
                _ = try await store.put(key, bytes: Array("x".utf8), options: PutOptions())
            }
            #expect(error?.code == .invalidKey, "put \(key)")
        }
        for key in ["a%2Fb.xlsx", "c%2E%2E/d.xlsx", "dots..name.xlsx"] {
            _ = try await store.put(key, bytes: Array(key.utf8), options: PutOptions())
            #expect(FileManager.default.contents(atPath: base + "/root/" + key) == Data(key.utf8))
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: base) == ["root"])
    }
}
