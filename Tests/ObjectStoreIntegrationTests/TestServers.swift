import Foundation
import Logging
@testable import ObjectStore

/// The two S3 servers the tests run against (scripts/test-services.sh):
/// moto with IAM auth on, and `rclone serve s3`, a strict SigV4 checker.
/// Found through `PYRAMYDAL_TEST_*` variables; loopback defaults; moto's
/// generated keys are read from `.test-services/env.sh` when the variables
/// are unset.
enum TestServer: String, CaseIterable, Sendable, CustomStringConvertible {
    case moto
    case rclone

    var description: String { rawValue }

    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// `export NAME="value"` lines of `.test-services/env.sh`, if present.
    static let envFile: [String: String] = {
        guard let text = try? String(contentsOf: repositoryRoot.appendingPathComponent(".test-services/env.sh"), encoding: .utf8) else { return [:] }
        var values: [String: String] = [:]
        for line in text.split(separator: "\n") where line.hasPrefix("export ") {
            let assignment = line.dropFirst("export ".count)
            guard let equals = assignment.firstIndex(of: "=") else { continue }
            values[String(assignment[..<equals])] = String(assignment[assignment.index(after: equals)...]).trimmingCharacters(in: CharacterSet(charactersIn: "\"'"))
        }
        return values
    }()

    static func variable(_ name: String, _ fallback: String) -> String {
        ProcessInfo.processInfo.environment[name] ?? envFile[name] ?? fallback
    }

    var endpoint: String {
        switch self {
        case .moto: Self.variable("PYRAMYDAL_TEST_S3_ENDPOINT", "http://127.0.0.1:55000")
        case .rclone: Self.variable("PYRAMYDAL_TEST_RCLONE_ENDPOINT", "http://127.0.0.1:55001")
        }
    }

    var credentials: AWSCredentials {
        switch self {
        case .moto:
            AWSCredentials(accessKeyID: Self.variable("PYRAMYDAL_TEST_S3_ACCESS_KEY_ID", "test"), secretAccessKey: Self.variable("PYRAMYDAL_TEST_S3_SECRET_ACCESS_KEY", "test"))
        case .rclone:
            AWSCredentials(accessKeyID: Self.variable("PYRAMYDAL_TEST_RCLONE_ACCESS_KEY_ID", "rclonetestkey"), secretAccessKey: Self.variable("PYRAMYDAL_TEST_RCLONE_SECRET_ACCESS_KEY", "rclonetestsecret"))
        }
    }

    /// moto 5.2.1 recomputes signatures from the *decoded* path and query,
    /// so it rejects correctly signed requests whose key holds `+`, `=`, `&`
    /// or non-ASCII characters, or whose query holds `%2F` (a ListObjectsV2
    /// `prefix` with a `/`); boto3 fails against it the same way. rclone
    /// checks these properly, so the awkward cases run there.
    var verifiesEncodedCharacters: Bool { self == .rclone }

    /// A store in its own bucket named after the test, with the bucket
    /// created. rclone: under a fresh per-run prefix; moto (see
    /// `verifiesEncodedCharacters`): no prefix, in a fresh per-run bucket.
    func store(test: String = #function, multipartThreshold: Int64 = 64 << 20, partSize: Int64 = 16 << 20, credentials: AWSCredentials? = nil) async throws -> S3Store {
        let name = test.prefix { $0 != "(" }.lowercased().filter { $0.isLetter || $0.isNumber }
        let run = UUID().uuidString.prefix(8).lowercased()
        let bucket = verifiesEncodedCharacters ? String("pyr-\(rawValue)-\(name)".prefix(63)) : "pyr-\(rawValue)-\(name.prefix(40))-\(run)"
        let settings = S3Settings(
            bucket: bucket, prefix: verifiesEncodedCharacters ? "run-\(run)/" : "", region: "us-east-1",
            endpoint: endpoint, pathStyle: true, multipartThreshold: multipartThreshold, partSize: partSize)
        var logger = Logger(label: "test.objectstore")
        logger.logLevel = .warning
        let good = S3Store(settings: settings, credentials: StaticCredentialProvider(self.credentials), logger: logger)
        try await good.createBucket()
        guard let credentials else { return good }
        return S3Store(settings: settings, credentials: StaticCredentialProvider(credentials), logger: logger)
    }
}
