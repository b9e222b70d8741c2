import Foundation
import Testing
@testable import ObjectStore

/// Every case of the AWS SigV4 test suite (`../shared/testdata/aws-sigv4/`),
/// header and query signing: canonical request, string to sign, signature
/// and signed request.
@Suite struct SigV4SuiteTests {
    static let suiteDirectory: URL = TestPaths.repositoryRoot
        .deletingLastPathComponent().appendingPathComponent("shared/testdata/aws-sigv4")

    static let caseNames: [String] = {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: suiteDirectory.path)) ?? []
        return names.filter { FileManager.default.fileExists(atPath: suiteDirectory.appendingPathComponent($0).appendingPathComponent("context.json").path) }.sorted()
    }()

    struct Context: Decodable {
        struct Credentials: Decodable {
            var access_key_id: String
            var secret_access_key: String
            var token: String?
        }
        var credentials: Credentials
        var expiration_in_seconds: Int
        var normalize: Bool
        var region: String
        var service: String
        var sign_body: Bool
        var timestamp: String
        var omit_session_token: Bool?
    }

    /// A raw HTTP request as the suite writes it.
    struct RawRequest {
        var method: String
        var target: String
        var headers: [(name: String, value: String)]
        var body: [UInt8]

        var rawPath: String { String(target.prefix { $0 != "?" }) }
        var rawQuery: String {
            guard let mark = target.firstIndex(of: "?") else { return "" }
            return String(target[target.index(after: mark)...])
        }

        init(_ text: String) {
            var lines = text.components(separatedBy: "\n")
            let requestLine = lines.removeFirst()
            let space = requestLine.firstIndex(of: " ")!
            method = String(requestLine[..<space])
            let afterMethod = requestLine[requestLine.index(after: space)...]
            target = String(afterMethod[..<afterMethod.range(of: " HTTP/", options: .backwards)!.lowerBound])
            headers = []
            var bodyLines: [String]? = nil
            for line in lines {
                if bodyLines != nil { bodyLines!.append(line); continue }
                if line.isEmpty { bodyLines = []; continue }
                if line.first == " " || line.first == "\t" {
                    headers[headers.count - 1].value += "\n" + line
                    continue
                }
                let colon = line.firstIndex(of: ":")!
                headers.append((String(line[..<colon]), String(line[line.index(after: colon)...])))
            }
            body = Array((bodyLines ?? []).joined(separator: "\n").utf8)
        }

        var normalizedHeaders: [String] {
            headers.map { "\($0.name.lowercased()):\(SigV4Signer.collapseWhitespace($0.value))" }.sorted()
        }
    }

    func load(_ name: String, _ file: String) throws -> String? {
        let url = Self.suiteDirectory.appendingPathComponent(name).appendingPathComponent(file)
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        return try String(contentsOf: url, encoding: .utf8)
    }

    func setUp(_ name: String) throws -> (SigV4Signer, SigV4Request, RawRequest, Date, Context) {
        let context = try JSONDecoder().decode(Context.self, from: Data(try #require(try load(name, "context.json")).utf8))
        let raw = RawRequest(try #require(try load(name, "request.txt")))
        let credentials = AWSCredentials(accessKeyID: context.credentials.access_key_id, secretAccessKey: context.credentials.secret_access_key, sessionToken: context.credentials.token)
        let signer = SigV4Signer(
            credentials: credentials, region: context.region, service: context.service,
            normalizePath: context.normalize, doubleEncodePath: true,
            addContentSHA256Header: context.sign_body, omitSessionTokenFromSignature: context.omit_session_token ?? false)
        let query = raw.rawQuery.isEmpty ? [] : raw.rawQuery.split(separator: "&").map { pair -> SigV4QueryItem in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            return SigV4QueryItem(SigV4Signer.percentDecode(parts[0]), parts.count > 1 ? SigV4Signer.percentDecode(parts[1]) : "")
        }
        let request = SigV4Request(method: raw.method, path: raw.rawPath, query: query, headers: raw.headers, payloadHash: SigV4Signer.hexSHA256(raw.body))
        let date = try #require(ISO8601DateFormatter().date(from: context.timestamp))
        return (signer, request, raw, date, context)
    }

    @Test func suiteIsPresent() {
        #expect(Self.caseNames.count >= 30, "found \(Self.caseNames.count) cases in \(Self.suiteDirectory.path)")
    }

    @Test(arguments: caseNames)
    func headerSigning(_ name: String) throws {
        let (signer, request, raw, date, _) = try setUp(name)
        let signed = signer.signHeaders(request, date: date)
        #expect(signed.canonicalRequest == (try load(name, "header-canonical-request.txt")))
        #expect(signed.stringToSign == (try load(name, "header-string-to-sign.txt")))
        #expect(signed.signature == (try load(name, "header-signature.txt"))?.trimmingCharacters(in: .whitespacesAndNewlines))
        if let expectedText = try load(name, "header-signed-request.txt") {
            let expected = RawRequest(expectedText)
            var ours = raw
            ours.headers += signed.addedHeaders
            #expect(ours.method == expected.method && ours.target == expected.target)
            #expect(ours.normalizedHeaders == expected.normalizedHeaders)
            #expect(ours.body == expected.body)
        }
    }

    @Test(arguments: caseNames)
    func querySigning(_ name: String) throws {
        let (signer, request, raw, date, context) = try setUp(name)
        let signed = signer.signQuery(request, date: date, expires: context.expiration_in_seconds)
        #expect(signed.canonicalRequest == (try load(name, "query-canonical-request.txt")))
        #expect(signed.stringToSign == (try load(name, "query-string-to-sign.txt")))
        #expect(signed.signature == (try load(name, "query-signature.txt"))?.trimmingCharacters(in: .whitespacesAndNewlines))
        if let expectedText = try load(name, "query-signed-request.txt") {
            let expected = RawRequest(expectedText)
            let added = signed.addedQuery
            let addedText = added.map { "\(SigV4Signer.uriEncode($0.name, encodeSlash: true))=\(SigV4Signer.uriEncode($0.value, encodeSlash: true))" }.joined(separator: "&")
            let target = raw.rawPath + "?" + (raw.rawQuery.isEmpty ? "" : raw.rawQuery + "&") + addedText
            #expect(target == expected.target)
            #expect(raw.normalizedHeaders == expected.normalizedHeaders)
        }
    }
}

enum TestPaths {
    /// The repository root (`Tests/ObjectStoreTests/<file>` → three levels up).
    static let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let scripts: URL = repositoryRoot.appendingPathComponent("scripts")
}
