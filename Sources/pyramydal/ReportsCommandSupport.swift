import Catalog
import Foundation
import ObjectStore
import Postgres
import PyramydalRuntime
import Reports

/// What `export`, `reports` and `download` share: the database, the store,
/// the catalog and the report bound, all from the configuration.
struct ReportsCommandSupport {
    let context: CommandContext
    let environment = ProcessInfo.processInfo.environment

    var catalog: Catalog { context.catalog }
    /// Where reports find their dataset versions.
    var sources: CatalogReportSources { CatalogReportSources(catalog: catalog) }

    /// The configured bound on report rows (``ReportLimits``); a bad value names its variable.
    func maxRows(for format: ReportRequest.Format) throws -> Int {
        try ReportLimits.maxRows(for: format, environment: environment)
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
        try context.configuration.openStore(logger: context.logger)
    }

    /// A presigned URL (S3, 15 minutes, made now and never stored) or the file's path.
    func location(of key: String, store: any ObjectStore) async throws -> String {
        try await store.downloadLocation(key, expiresIn: .seconds(15 * 60))
    }
}
