import Catalog
import Postgres

/// Finds the table behind `[department/]name` and a version (nil: the
/// latest committed one).
public protocol ReportSourceResolver: Sendable {
    func resolve(dataset: String, version: Int?, on connection: PostgresConnection) throws -> (source: ReportSource, versionID: Int64)
}

/// The Catalog's committed versions (``Catalog/versionTable(of:version:on:)``)
/// and the version's table in the data schema.
public struct CatalogReportSources: ReportSourceResolver {
    public var catalog: Catalog

    public init(catalog: Catalog) {
        self.catalog = catalog
    }

    public func resolve(dataset: String, version: Int?, on connection: PostgresConnection) throws -> (source: ReportSource, versionID: Int64) {
        let ref = DatasetRef(parsing: dataset)
        guard let found = try catalog.versionTable(of: ref, version: version, on: connection) else {
            let what = version.map { "no committed version \($0) of dataset \(ref.department)/\(ref.name)" }
                ?? "no committed version of dataset \(ref.department)/\(ref.name)"
            throw ReportError(.unknownDataset, what)
        }
        var source = try ReportSource.describe(
            schema: catalog.schemas.data, table: found.tableName, department: ref.department, dataset: ref.name,
            version: found.version, sourceFile: found.sourceURI, connection: connection)
        // The workbook's number formats travel with the columns.
        let formats = try catalog.columnFormats(versionID: found.id, on: connection)
        for i in source.columns.indices { source.columns[i].format = formats[source.columns[i].name] }
        return (source, found.id)
    }
}

/// The body of an `export`/`print` job: resolve the dataset version,
/// render, upload, record. Bad input throws a ``ReportError`` with
/// `isBadInput` (the worker exits 65 and the job is not retried).
public struct ExportJob: Sendable {
    public var sources: any ReportSourceResolver
    public var publisher: ReportPublisher

    public init(sources: any ReportSourceResolver, publisher: ReportPublisher) {
        self.sources = sources
        self.publisher = publisher
    }

    public func run(_ arguments: ExportJobArguments, jobID: Int64?, connection: PostgresConnection,
                    rendered: (@Sendable (ReportOutput) async -> Void)? = nil) async throws -> PublishedReport {
        try arguments.validate()
        let sources = self.sources
        let request = arguments.request
        let (source, versionID) = try await connection.run { conn in
            try sources.resolve(dataset: request.dataset, version: request.version, on: conn)
        }
        return try await publisher.publish(request, source: source, name: arguments.name, jobID: jobID,
                                           versionID: versionID, requestedBy: arguments.requestedBy, connection: connection,
                                           rendered: rendered)
    }
}
