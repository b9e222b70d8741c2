import Foundation
import ObjectStore
import Postgres
import PyramydalRuntime
import Reports

/// What `export`, `reports` and `download` share: the database, the store,
/// the catalog schemas and the report bound, all from the configuration.
struct ReportsCommandSupport {
    let context: CommandContext
    let environment = ProcessInfo.processInfo.environment

    var catalogSchema: String { environment["PYRAMYDAL_CATALOG_SCHEMA"].flatMap { $0.isEmpty ? nil : $0 } ?? "pyramydal" }
    var dataSchema: String { environment["PYRAMYDAL_DATA_SCHEMA"].flatMap { $0.isEmpty ? nil : $0 } ?? "data" }

    /// `PYRAMYDAL_REPORT_MAX_ROWS` (default 5,000,000; PDF is bounded
    /// further by `PYRAMYDAL_PRINT_MAX_ROWS`, default 200,000, because
    /// libharu holds every page in memory).
    func maxRows(for format: ReportRequest.Format) throws -> Int {
        func read(_ name: String, _ fallback: Int) throws -> Int {
            guard let text = environment[name], !text.isEmpty else { return fallback }
            guard let n = Int(text), n > 0 else {
                throw ConfigurationError(code: .invalidValue, variable: name, value: text, reason: "must be a positive whole number")
            }
            return n
        }
        let bound = try read("PYRAMYDAL_REPORT_MAX_ROWS", 5_000_000)
        return format == .pdf ? min(bound, try read("PYRAMYDAL_PRINT_MAX_ROWS", 200_000)) : bound
    }

    /// `PYRAMYDAL_DATABASE_URL`, or the embedded cluster (started if needed).
    func connect() async throws -> PostgresConnection {
        let configuration = context.configuration
        let url: String
        if let configured = configuration.databaseURL {
            url = configured
        } else {
            url = try await EmbeddedStack(configuration: configuration, logger: context.logger).start().url
        }
        return try await PostgresConnection.connect(url: url, variable: "PYRAMYDAL_DATABASE_URL",
                                                    applicationName: "pyramydal-cli", logger: context.logger)
    }

    /// The configured store (`PYRAMYDAL_STORE`).
    func store() throws -> any ObjectStore {
        let configuration = context.configuration
        switch configuration.store {
        case .directory(let path):
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            return try DirectoryStore(root: path)
        case .s3(let bucket, let prefix):
            let s3 = configuration.s3
            return Self.s3Store(bucket: bucket, prefix: prefix, region: s3.region, endpoint: s3.endpoint,
                                pathStyle: s3.addressing == .path, multipartThreshold: s3.multipartThreshold,
                                partSize: s3.partSize, logger: context.logger)
        }
    }

    /// A presigned URL (S3, 15 minutes, made now and never stored) or the file's path.
    func location(of key: String, store: any ObjectStore) async throws -> String {
        try await store.downloadLocation(key, expiresIn: .seconds(15 * 60))
    }
}
