import ChildProcess
import Foundation
import Logging
import Testing
@testable import ObjectStore

/// S3-specific signing checked against botocore's signer (python3 +
/// botocore) on generated requests: keys with spaces, `+`, `=`, `&`, `%`,
/// `~` and unicode; `prefix=dir/` list queries; `UNSIGNED-PAYLOAD` and a
/// payload hash; session tokens; presigned URLs; path-style and
/// virtual-hosted addressing.
@Suite struct BotocoreOracleTests {
    struct Case: Encodable {
        var mode: String
        var method: String
        var endpoint: String
        var path_style: Bool
        var bucket: String
        var key: String?
        var query: [[String]]
        var headers: [[String]]
        var body: String?
        var unsigned: Bool
        var expires: Int
        var timestamp: String
        var region: String
        var access_key: String
        var secret_key: String
        var token: String?
    }

    struct Answer: Decodable {
        var path: String
        var canonical_request: String
        var string_to_sign: String
        var url: String
        var authorization: String?
    }

    static let keys = [
        "plain.txt",
        "dir/with space.xlsx",
        "a+b=c&d.csv",
        "percent%20literal%.txt",
        "tilde~and-dash_dot.txt",
        "unicode/Grüße/日本語 ü.xlsx",
        "emoji 📊 report.pdf",
        "semi;colon,comma:colon@at!bang$dollar'quote(paren)*star",
        "double//slash/./dot/../dotdot",
        "trailing/",
    ]

    static func oracle(_ cases: [Case]) throws -> [Answer] {
        let result = try ChildProcess.run(
            "python3", [TestPaths.scripts.appendingPathComponent("sigv4-botocore-oracle.py").path],
            input: Array(try JSONEncoder().encode(cases)))
        guard result.succeeded else {
            throw ObjectStoreError(code: .io, message: "botocore oracle failed: \(result.stderrText)")
        }
        return try JSONDecoder().decode([Answer].self, from: Data(result.standardOutput))
    }

    static let date = Date(timeIntervalSince1970: 1_440_938_160)  // 2015-08-30T12:36:00Z

    func store(_ endpoint: String, pathStyle: Bool, region: String) -> S3Store {
        S3Store(settings: S3Settings(bucket: "oracle-bucket", region: region, endpoint: endpoint, pathStyle: pathStyle),
                credentials: StaticCredentialProvider(AWSCredentials(accessKeyID: "x", secretAccessKey: "y")),
                logger: Logger(label: "test"))
    }

    struct Variant {
        var endpoint: String
        var pathStyle: Bool
        var region: String
        var token: String?
    }

    static let variants = [
        Variant(endpoint: "http://127.0.0.1:55000", pathStyle: true, region: "us-east-1", token: nil),
        Variant(endpoint: "https://s3.eu-central-1.amazonaws.com", pathStyle: false, region: "eu-central-1", token: "FQoGZXIvYXdzE//session+token/=="),
    ]

    static let credentials = (id: "AKIDEXAMPLE", secret: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")

    @Test func headerSigningMatchesBotocore() throws {
        var cases: [Case] = []
        var ours: [(path: String, signature: SigV4Signature)] = []
        for variant in Self.variants {
            let store = store(variant.endpoint, pathStyle: variant.pathStyle, region: variant.region)
            let credentials = AWSCredentials(accessKeyID: Self.credentials.id, secretAccessKey: Self.credentials.secret, sessionToken: variant.token)
            let signer = SigV4Signer.s3(credentials: credentials, region: variant.region)
            func add(method: String, key: String?, query: [SigV4QueryItem], headers: [(name: String, value: String)], body: String?, unsigned: Bool) {
                let target = store.target(fullKey: key, query: query)
                let hash = unsigned ? SigV4Signer.unsignedPayload : SigV4Signer.hexSHA256(Array((body ?? "").utf8))
                let request = SigV4Request(method: method, path: target.path, query: query, headers: [("Host", target.host)] + headers, payloadHash: hash)
                ours.append((target.path, signer.signHeaders(request, date: Self.date)))
                cases.append(Case(mode: "header", method: method, endpoint: variant.endpoint, path_style: variant.pathStyle, bucket: "oracle-bucket", key: key,
                                  query: query.map { [$0.name, $0.value] }, headers: headers.map { [$0.name, $0.value] }, body: body, unsigned: unsigned,
                                  expires: 0, timestamp: "20150830T123600Z", region: variant.region,
                                  access_key: Self.credentials.id, secret_key: Self.credentials.secret, token: variant.token))
            }
            for key in Self.keys {
                add(method: "GET", key: key, query: [], headers: [("Range", "bytes=0-99")], body: nil, unsigned: true)
                add(method: "PUT", key: key, query: [], headers: [("Content-Type", "text/csv"), ("If-None-Match", "*"), ("x-amz-meta-source", "a  b")], body: "a,b\n1,2\n", unsigned: false)
                add(method: "PUT", key: key, query: [SigV4QueryItem("partNumber", "3"), SigV4QueryItem("uploadId", "up/+=id")], headers: [], body: "part", unsigned: true)
            }
            for prefix in ["dir/", "", "a b/+=&/ü/"] {
                add(method: "GET", key: nil, query: [SigV4QueryItem("list-type", "2"), SigV4QueryItem("prefix", prefix), SigV4QueryItem("continuation-token", "1/ab+c==")], headers: [], body: nil, unsigned: false)
            }
            add(method: "POST", key: "multi part.bin", query: [SigV4QueryItem("uploads", "")], headers: [("Content-Type", "application/octet-stream")], body: nil, unsigned: false)
        }
        let answers = try Self.oracle(cases)
        try #require(answers.count == ours.count)
        for (index, answer) in answers.enumerated() {
            let key = cases[index].key ?? "(bucket) \(cases[index].query)"
            #expect(ours[index].path == answer.path, "path for \(key)")
            #expect(ours[index].signature.canonicalRequest == answer.canonical_request, "canonical request for \(key)")
            #expect(ours[index].signature.stringToSign == answer.string_to_sign, "string to sign for \(key)")
            let authorization = ours[index].signature.addedHeaders.first { $0.name == "Authorization" }?.value
            #expect(authorization == answer.authorization, "Authorization for \(key)")
        }
    }

    @Test func presignedURLsMatchBotocore() throws {
        var cases: [Case] = []
        var ours: [String] = []
        for variant in Self.variants {
            let store = store(variant.endpoint, pathStyle: variant.pathStyle, region: variant.region)
            let credentials = AWSCredentials(accessKeyID: Self.credentials.id, secretAccessKey: Self.credentials.secret, sessionToken: variant.token)
            for key in Self.keys {
                for expires in [60, 3600, 604_800] {
                    ours.append(store.presignedURL(fullKey: key, credentials: credentials, date: Self.date, expires: expires))
                    cases.append(Case(mode: "query", method: "GET", endpoint: variant.endpoint, path_style: variant.pathStyle, bucket: "oracle-bucket", key: key,
                                      query: [], headers: [], body: nil, unsigned: true, expires: expires, timestamp: "20150830T123600Z", region: variant.region,
                                      access_key: Self.credentials.id, secret_key: Self.credentials.secret, token: variant.token))
                }
            }
        }
        let answers = try Self.oracle(cases)
        try #require(answers.count == ours.count)
        for (index, answer) in answers.enumerated() {
            // Same URL up to the order of query parameters.
            #expect(Self.split(ours[index]) == Self.split(answer.url), "presigned URL for \(cases[index].key ?? "")")
        }
    }

    static func split(_ url: String) -> (String, [String]) {
        let mark = url.firstIndex(of: "?") ?? url.endIndex
        let query = url[mark...].dropFirst().split(separator: "&").map(String.init).sorted()
        return (String(url[..<mark]), query)
    }

    @Test func keysAreEncodedOnceNotTwice() {
        let store = store("http://127.0.0.1:55000", pathStyle: true, region: "us-east-1")
        let target = store.target(fullKey: "a b/%41+ü")
        #expect(target.path == "/oracle-bucket/a%20b/%2541%2B%C3%BC")
        let request = SigV4Request(method: "GET", path: target.path, headers: [("Host", target.host)], payloadHash: SigV4Signer.unsignedPayload)
        let signed = SigV4Signer.s3(credentials: AWSCredentials(accessKeyID: "a", secretAccessKey: "b"), region: "us-east-1").signHeaders(request, date: Self.date)
        #expect(signed.canonicalRequest.split(separator: "\n")[1] == "/oracle-bucket/a%20b/%2541%2B%C3%BC")
        #expect(signed.addedHeaders.contains { $0.name == "X-Amz-Content-SHA256" && $0.value == "UNSIGNED-PAYLOAD" })
    }
}
