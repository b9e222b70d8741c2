import Postgres

/// The table (or view) a report reads and what the About sheet and the
/// title say about it. The Catalog fills this from a dataset version;
/// ``describe(schema:table:connection:)`` reads it from PostgreSQL alone.
public struct ReportSource: Sendable, Hashable {
    public var department: String
    public var dataset: String
    public var version: Int
    public var schema: String
    public var table: String
    public var columns: [ReportColumn]
    /// Where the version came from (`s3://bucket/incoming/…`), if known.
    public var sourceFile: String?

    public init(department: String, dataset: String, version: Int, schema: String, table: String,
                columns: [ReportColumn], sourceFile: String? = nil) {
        self.department = department
        self.dataset = dataset
        self.version = version
        self.schema = schema
        self.table = table
        self.columns = columns
        self.sourceFile = sourceFile
    }

    /// A source for `schema.table`, its columns (in table order, dropped
    /// ones skipped) read with `format_type`.
    public static func describe(
        schema: String, table: String, department: String = "default", dataset: String? = nil, version: Int = 1,
        sourceFile: String? = nil, connection: PostgresConnection
    ) throws -> ReportSource {
        let rows = try connection.query(
            """
            SELECT a.attname, format_type(a.atttypid, a.atttypmod)
            FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = $1 AND c.relname = $2 AND a.attnum > 0 AND NOT a.attisdropped
            ORDER BY a.attnum
            """, [.text(schema), .text(table)], purpose: "describe report table")
        guard !rows.isEmpty else {
            throw ReportError(.unknownDataset, "no table \(schema).\(table)")
        }
        let columns = try rows.map { row in
            ReportColumn(name: try row[0, as: String.self], type: ReportColumnType(postgresType: try row[1, as: String.self]))
        }
        return ReportSource(department: department, dataset: dataset ?? table, version: version, schema: schema,
                            table: table, columns: columns, sourceFile: sourceFile)
    }

    /// `reports/<department>/<dataset>/v<version>/<name>.<ext>`.
    public func reportKey(name: String, format: ReportRequest.Format) -> String {
        "reports/\(department)/\(dataset)/v\(version)/\(name).\(format.fileExtension)"
    }
}

/// What the About sheet and PDF title show.
public struct ReportMetadata: Sendable, Hashable {
    public var source: ReportSource
    public var filters: String
    public var sort: String
    public var generatedAt: String

    public var title: String {
        "\(source.department)/\(source.dataset) v\(source.version)"
    }
}
