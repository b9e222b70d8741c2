public import Accounts
public import Catalog
import Logging

/// What every route needs: the pool, the catalog and accounts, the job
/// queue's schema and the settings.
public struct WebState: Sendable {
    public let pool: ConnectionPool
    public let catalog: Catalog
    public let accounts: Accounts
    /// The schema of `jobs` (`PYRAMYDAL_JOBS_SCHEMA`).
    public let jobsSchema: String
    public let settings: WebSettings

    public init(pool: ConnectionPool, catalog: Catalog, accounts: Accounts, jobsSchema: String, settings: WebSettings) {
        self.pool = pool
        self.catalog = catalog
        self.accounts = accounts
        self.jobsSchema = jobsSchema
        self.settings = settings
    }
}
