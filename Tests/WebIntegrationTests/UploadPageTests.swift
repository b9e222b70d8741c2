import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Testing
@testable import Web

extension WebIntegration {
    /// The upload form and the job page over plain HTTP (no JavaScript):
    /// a multipart form lands as a version through the real dispatcher and
    /// ingest worker, a bad workbook's error on the job's partial, roles,
    /// CSRF and the size bound.
    @Suite struct UploadPageTests {
        @Test func uploadFormLandsAsAVersion() async throws {
            try await WebFixture.run { fixture, client in
                let (cookie, csrf) = try await client.login("eddie")
                let home = try await client.send(.get, "/", cookie: cookie).text
                #expect(home.contains(#"action="/departments/dept-a/upload" enctype="multipart/form-data""#))
                #expect(home.contains(#"name="csrf_token" value="\#(csrf)""#))
                let viewer = try await client.login("vera").cookie
                #expect(!(try await client.send(.get, "/", cookie: viewer).text.contains("multipart/form-data")))

                let workbook = try TransferTests.workbook(rows: 300)
                let response = try await client.postMultipart("/departments/dept-a/upload", cookie: cookie, fields: [
                    ("csrf_token", csrf), ("name", ""),
                ], file: (field: "file", name: "orders.xlsx", bytes: workbook))
                #expect(response.status == .seeOther, "\(response.text)")
                let jobPath = try #require(response.headers[.location])
                #expect(jobPath.hasPrefix("/jobs/"))
                // The dataset is named after the file, stored where a drop would be.
                #expect(try await TransferTests.read(fixture.store, "incoming/dept-a/orders.xlsx") == workbook)

                let waiting = try await client.send(.get, jobPath, cookie: cookie)
                #expect(waiting.status == .ok)
                #expect(waiting.text.contains(#"hx-trigger="every 1s""#))
                #expect(waiting.text.contains("<progress"))
                #expect(waiting.text.contains("<html"))

                try await TransferTests.dispatch(fixture, environment: TransferTests.folderEnvironment(fixture))

                let done = try await client.execute(uri: jobPath, method: .get, headers: [
                    .cookie: "pyramydal_session=\(cookie)", PageRoutes.hxRequest: "true",
                ])
                #expect(done.status == .ok)
                #expect(!done.text.contains("<html"), "the partial alone")
                #expect(done.text.contains("completed"), "\(done.text)")
                #expect(!done.text.contains("hx-trigger"), "a finished job stops polling")
                let link = try #require(done.text.firstMatch(of: /href="(\/versions\/\d+)"/)?.1).description
                #expect(done.text.contains("dept-a/orders version 1"))
                // The ingest reported its rows as it read them; its last word stays on the page.
                #expect(done.text.contains("300 of 300 rows read into dept-a/orders"), "\(done.text)")
                let table = try await client.send(.get, link, cookie: cookie)
                #expect(table.status == .ok)
                #expect(table.text.contains("customer 1"))

                let audit = try await client.send(.get, "/api/v1/audit", token: fixture.adminToken).json()["items"] as? [[String: Any]] ?? []
                let entry = try #require(audit.first { $0["what"] as? String == "upload dept-a/orders" })
                #expect(entry["who"] as? String == "eddie")
                #expect((entry["detail"] as? [String: Any])?["via"] as? String == "pages")
            }
        }

        @Test func aBadWorkbooksErrorIsOnTheJobPartial() async throws {
            try await WebFixture.run { fixture, client in
                let (cookie, csrf) = try await client.login("eddie")
                let response = try await client.postMultipart("/departments/dept-a/upload", cookie: cookie, fields: [
                    ("csrf_token", csrf), ("name", "sales"),
                ], file: (field: "file", name: "C:\\Users\\eddie\\sales.xlsx", bytes: Array("not a zip file".utf8)))
                #expect(response.status == .seeOther, "\(response.text)")
                let jobPath = try #require(response.headers[.location])
                try await TransferTests.dispatch(fixture, environment: TransferTests.folderEnvironment(fixture))
                let failed = try await client.execute(uri: jobPath, method: .get, headers: [
                    .cookie: "pyramydal_session=\(cookie)", PageRoutes.hxRequest: "true",
                ])
                #expect(failed.text.contains("discarded"), "\(failed.text)")
                #expect(failed.text.contains(#"class="error""#))
                #expect(failed.text.lowercased().contains("zip") || failed.text.lowercased().contains("xlsx"), "\(failed.text)")
                #expect(failed.text.contains("previous version is unchanged"))
                #expect(!failed.text.contains("hx-trigger"))
                // The dataset's committed version is still the one shown.
                let dataset = try await client.send(.get, "/datasets/\(fixture.datasetA)", cookie: cookie)
                #expect(dataset.headers[.location] == "/versions/\(fixture.versionA)")
                // Another department's job is not found.
                let bob = try await client.login("bob").cookie
                #expect(try await client.send(.get, jobPath, cookie: bob).status == .notFound)
            }
        }

        @Test func rolesCSRFAndTheBound() async throws {
            var settings = WebSettings()
            settings.uploadMaxBytes = 4096
            try await WebFixture.run(settings: settings) { fixture, client in
                let csv = Array("id,name\n1,a\n".utf8)
                func upload(_ path: String, _ session: (cookie: String, csrf: String), csrf: String?, bytes: [UInt8] = csv,
                            fileFirst: Bool = false) async throws -> TestResponse {
                    try await client.postMultipart(path, cookie: session.cookie, fields: csrf.map { [("csrf_token", $0)] } ?? [],
                                                   file: (field: "file", name: "x.csv", bytes: bytes), fileFirst: fileFirst)
                }
                let vera = try await client.login("vera")
                let viewer = try await upload("/departments/dept-a/upload", vera, csrf: vera.csrf)
                #expect(viewer.status == .forbidden)
                #expect(viewer.text.contains("editor role"))
                let eddie = try await client.login("eddie")
                #expect(try await upload("/departments/dept-b/upload", eddie, csrf: eddie.csrf).status == .notFound)
                #expect(try await upload("/departments/dept-a/upload", eddie, csrf: nil).status == .forbidden)
                #expect(try await upload("/departments/dept-a/upload", eddie, csrf: "forged").status == .forbidden)
                // The token must come before the file: nothing of the file is kept unchecked.
                #expect(try await upload("/departments/dept-a/upload", eddie, csrf: eddie.csrf, fileFirst: true).status == .forbidden)
                let large = try await upload("/departments/dept-a/upload", eddie, csrf: eddie.csrf, bytes: Array(repeating: 65, count: 5000))
                #expect(large.status == .contentTooLarge)
                #expect(large.text.contains("PYRAMYDAL_UPLOAD_MAX_MB"))
                let hidden = try await client.postMultipart("/departments/dept-a/upload", cookie: eddie.cookie,
                                                            fields: [("csrf_token", eddie.csrf), ("name", ".hidden")],
                                                            file: (field: "file", name: "x.csv", bytes: csv))
                #expect(hidden.status == .badRequest)
                let noFile = try await client.postMultipart("/departments/dept-a/upload", cookie: eddie.cookie,
                                                            fields: [("csrf_token", eddie.csrf)],
                                                            file: (field: "file", name: "", bytes: []))
                #expect(noFile.status == .badRequest)
                #expect(noFile.text.contains("choose a workbook"))
                #expect(try await fixture.store.list(prefix: "incoming/").isEmpty)

                // A URL-encoded form to the same path still needs its token the usual way.
                let plain = try await client.postForm("/departments/dept-a/upload", [:], cookies: ["pyramydal_session": eddie.cookie])
                #expect(plain.status == .forbidden)
                let ok = try await upload("/departments/dept-a/upload", eddie, csrf: eddie.csrf)
                #expect(ok.status == .seeOther, "\(ok.text)")
                #expect(try await fixture.store.head("incoming/dept-a/x.csv")?.size == Int64(csv.count))
            }
        }

        /// The reader finds every delimiter wherever the body's chunks split it.
        @Test func multipartReaderAcrossChunkBoundaries() async throws {
            let boundary = "----pyrBoundary7MA4YWxk"
            let file = (0..<3000).map { UInt8(truncatingIfNeeded: $0 &* 31) } + Array("\r\n--".utf8) + [13, 10]
            let body = multipartBody(boundary: boundary, fields: [("csrf_token", "tok"), ("name", "a \"b\"")],
                                     file: (field: "file", name: "we\"ird;name.xlsx", bytes: file))
            for size in [1, 2, 7, 40, 41, 64, 999, body.count] {
                let chunks = stride(from: 0, to: body.count, by: size).map { ByteBuffer(bytes: body[$0..<min($0 + size, body.count)]) }
                let reader = try #require(MultipartReader(contentType: "multipart/form-data; boundary=\"\(boundary)\"",
                                                          body: Chunks(chunks: chunks)))
                var fields: [String: String] = [:]
                var received: [UInt8] = []
                var fileName: String?
                while let part = try await reader.nextPart() {
                    if part.name == "file" {
                        fileName = part.fileName
                        for try await chunk in reader.fileChunks() { received += Array(buffer: chunk) }
                    } else {
                        fields[part.name] = try await reader.text(limit: 100)
                    }
                }
                #expect(fields == ["csrf_token": "tok", "name": "a \"b\""], "chunks of \(size)")
                #expect(fileName == "we\"ird;name.xlsx", "chunks of \(size)")
                #expect(received == file, "chunks of \(size)")
            }
        }
    }
}

/// Buffers handed out one by one, as a request body arrives.
struct Chunks: AsyncSequence {
    typealias Element = ByteBuffer
    let chunks: [ByteBuffer]

    struct AsyncIterator: AsyncIteratorProtocol {
        var rest: ArraySlice<ByteBuffer>
        mutating func next() async throws -> ByteBuffer? { rest.popFirst() }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(rest: chunks[...]) }
}

/// A `multipart/form-data` body as a browser sends it: the fields, then the file (or the file first).
func multipartBody(boundary: String, fields: [(String, String)], file: (field: String, name: String, bytes: [UInt8]),
                   fileFirst: Bool = false) -> [UInt8] {
    func quoted(_ s: String) -> String { s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") }
    var fieldBytes: [UInt8] = []
    for (name, value) in fields {
        fieldBytes += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n".utf8)
    }
    var fileBytes = Array("""
        --\(boundary)\r\nContent-Disposition: form-data; name="\(file.field)"; filename="\(quoted(file.name))"\r\n\
        Content-Type: application/octet-stream\r\n\r\n
        """.utf8)
    fileBytes += file.bytes + Array("\r\n".utf8)
    return (fileFirst ? fileBytes + fieldBytes : fieldBytes + fileBytes) + Array("--\(boundary)--\r\n".utf8)
}

extension TestClientProtocol {
    /// A `multipart/form-data` POST with the session cookie (no CSRF header: the token, if any, is a field).
    func postMultipart(_ uri: String, cookie: String, fields: [(String, String)],
                       file: (field: String, name: String, bytes: [UInt8]), fileFirst: Bool = false) async throws -> TestResponse {
        let boundary = "----pyr\(UUID().uuidString.prefix(12))"
        return try await execute(uri: uri, method: .post, headers: [
            .contentType: "multipart/form-data; boundary=\(boundary)", .cookie: "pyramydal_session=\(cookie)",
        ], body: ByteBuffer(bytes: multipartBody(boundary: boundary, fields: fields, file: file, fileFirst: fileFirst)))
    }
}
