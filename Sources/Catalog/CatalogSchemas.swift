import Postgres

/// The two schemas the catalog uses: `catalog` holds the platform tables
/// (datasets, versions, artifacts, report requests, audit log) and
/// `data` holds one typed table per dataset version plus one view per
/// dataset. Both are configurable so tests (and side-by-side installs) can
/// use their own: the process reads them once, into
/// `PyramydalRuntime.Configuration.catalogSchemas`, and passes them down.
public struct CatalogSchemas: Sendable, Hashable {
    /// `PYRAMYDAL_CATALOG_SCHEMA` (default `pyramydal`).
    public static let catalogVariable = "PYRAMYDAL_CATALOG_SCHEMA"
    /// `PYRAMYDAL_DATA_SCHEMA` (default `data`).
    public static let dataVariable = "PYRAMYDAL_DATA_SCHEMA"

    public var catalog: String
    public var data: String

    public init(catalog: String = "pyramydal", data: String = "data") {
        self.catalog = catalog
        self.data = data
    }

    /// `"catalog"."table"`.
    public func catalogTable(_ name: String) -> String {
        PostgresConnection.quoteQualified(catalog, name)
    }

    /// `"data"."name"`.
    public func dataRelation(_ name: String) -> String {
        PostgresConnection.quoteQualified(data, name)
    }
}
