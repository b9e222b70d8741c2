import Postgres

/// Finds the table behind `[department/]name` and a version (nil: the
/// latest committed one).
public protocol ReportSourceResolver: Sendable {
    func resolve(dataset: String, version: Int?, on connection: PostgresConnection) throws -> (source: ReportSource, versionID: Int64)
}

/// Reads the Catalog's `datasets` and `dataset_versions` (committed
/// versions only) and the version's `data.*` table.
public struct CatalogReportSources: ReportSourceResolver {
    public var catalogSchema: String
    public var dataSchema: String

    public init(catalogSchema: String = "pyramydal", dataSchema: String = "data") {
        self.catalogSchema = catalogSchema
        self.dataSchema = dataSchema
    }

    public func resolve(dataset: String, version: Int?, on connection: PostgresConnection) throws -> (source: ReportSource, versionID: Int64) {
        let ref = ReportRequest(dataset: dataset, format: .csv).datasetParts
        let c = PostgresConnection.quoteIdentifier(catalogSchema)
        let rows = try connection.query(
            """
            SELECT v.id, v.version, v.table_name, v.source_uri
            FROM \(c).dataset_versions v JOIN \(c).datasets d ON d.id = v.dataset_id
            WHERE d.department = $1 AND d.name = $2 AND v.status = 'committed'
              AND ($3::integer IS NULL OR v.version = $3::integer)
            ORDER BY v.version DESC LIMIT 1
            """, [.text(ref.department), .text(ref.name), .int(version)], purpose: "find report source")
        guard let row = rows.first, let table = try row[2, as: String?.self] else {
            let what = version.map { "no committed version \($0) of dataset \(ref.department)/\(ref.name)" }
                ?? "no committed version of dataset \(ref.department)/\(ref.name)"
            throw ReportError(.unknownDataset, what)
        }
        let source = try ReportSource.describe(
            schema: dataSchema, table: table, department: ref.department, dataset: ref.name,
            version: try row[1, as: Int.self], sourceFile: try row[3, as: String?.self], connection: connection)
        return (source, try row[0, as: Int64.self])
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
        let sources = self.sources
        let request = arguments.request
        let (source, versionID) = try await connection.run { conn in
            try sources.resolve(dataset: request.dataset, version: request.version, on: conn)
        }
        return try await publisher.publish(request, source: source, name: arguments.name, jobID: jobID,
                                           versionID: versionID, connection: connection, rendered: rendered)
    }
}
