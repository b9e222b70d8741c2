/// The arguments of an `export` or `print` job (`pyramydal export`,
/// `pyramydal diff --report`, the ingest's standing report requests).
public struct ExportJobArguments: JobArgs, Hashable {
    /// `export` for CSV, XLSX and diff reports, `print` for PDF.
    public var kind: String { diff == nil ? request.format.jobKind : ReportRequest.Format.xlsx.jobKind }

    public var request: ReportRequest
    /// File name without extension (default `job-<id>`).
    public var name: String?
    /// Set: the job makes a diff report (XLSX) of these two versions
    /// instead of ``request`` (whose dataset and version it repeats).
    public var diff: DiffRequest?
    /// Who asked for the report, for the audit log.
    public var requestedBy: String?

    public init(request: ReportRequest, name: String? = nil, diff: DiffRequest? = nil, requestedBy: String? = nil) {
        self.request = request
        self.name = name
        self.diff = diff
        self.requestedBy = requestedBy
    }

    /// The arguments of a diff report job (an `export` job of an XLSX).
    public init(diff: DiffRequest, name: String? = nil, requestedBy: String? = nil) {
        self.init(request: ReportRequest(dataset: diff.dataset, version: diff.to, format: .xlsx), name: name, diff: diff,
                  requestedBy: requestedBy)
    }
}

/// What an `export` or `print` job records when it completes.
public struct ExportResult: Codable, Sendable, Hashable {
    /// The report's key in the store (`reports/…`).
    public var key: String
    /// The artifact row's id.
    public var artifact: Int64
    public var rows: Int
    public var bytes: Int

    public init(key: String, artifact: Int64, rows: Int, bytes: Int) {
        self.key = key
        self.artifact = artifact
        self.rows = rows
        self.bytes = bytes
    }
}

/// What a diff report job records when it completes.
public struct DiffReportResult: Codable, Sendable, Hashable {
    /// The report's key in the store (`reports/…`).
    public var key: String
    public var added: Int
    public var removed: Int
    public var changed: Int

    public init(key: String, added: Int, removed: Int, changed: Int) {
        self.key = key
        self.added = added
        self.removed = removed
        self.changed = changed
    }
}
