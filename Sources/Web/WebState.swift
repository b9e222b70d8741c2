public import Accounts
public import Catalog
import Logging
public import ObjectStore

/// What every route needs: the pool, the catalog and accounts, the job
/// queue's schema and the settings.
public struct WebState: Sendable {
    public let pool: ConnectionPool
    public let catalog: Catalog
    public let accounts: Accounts
    /// The schema of `jobs` (`PYRAMYDAL_JOBS_SCHEMA`).
    public let jobsSchema: String
    public let settings: WebSettings
    /// The configured store (`PYRAMYDAL_STORE`): uploads go to its
    /// `incoming/`, reports and snapshots are read from it. Nil: those
    /// endpoints answer 503.
    public let store: (any ObjectStore)?
    /// The columns of the versions' tables, read once per table.
    let tableColumns = TableColumns()

    public init(pool: ConnectionPool, catalog: Catalog, accounts: Accounts, jobsSchema: String, settings: WebSettings,
                store: (any ObjectStore)? = nil) {
        self.pool = pool
        self.catalog = catalog
        self.accounts = accounts
        self.jobsSchema = jobsSchema
        self.settings = settings
        self.store = store
    }
}
