/// The arguments of an `ingest` job: one object version in a store. The
/// store's `incoming/` watcher and the S3 event intake enqueue these; the
/// `IngestWorker` ingests the object like `IngestWorker --key`.
public struct IngestArgs: JobArgs, Hashable {
    public static let kind = "ingest"
    public var kind: String { Self.kind }

    /// The store's location (`s3://bucket/prefix/`, `file:///path`); nil: the configured store.
    public var store: String?
    /// The object's key (`incoming/<department>/<name>.xlsx`).
    public var key: String
    /// The etag the listing or the event announced.
    public var etag: String?

    public init(store: String?, key: String, etag: String?) {
        self.store = store
        self.key = key
        self.etag = etag
    }

    /// `ingest:<store>:<key>:<etag>`: a sweep that sees an object version
    /// again, or an S3 event for it, makes no second job.
    public var uniqueKey: String? {
        Self.uniqueKey(store: store ?? "", key: key, etag: etag ?? "")
    }

    /// The unique key of the ingest job for one object version.
    public static func uniqueKey(store: String, key: String, etag: String) -> String {
        "ingest:\(store):\(key):\(etag)"
    }
}

/// One dataset version an `ingest` job committed (its result is one per sheet table).
public struct IngestedVersion: Codable, Sendable, Hashable {
    /// `department/name`.
    public var dataset: String
    public var version: Int
    public var rows: Int
    public var columns: Int
    /// True when this object version had been ingested before (nothing new was written).
    public var alreadyIngested: Bool

    public init(dataset: String, version: Int, rows: Int, columns: Int, alreadyIngested: Bool) {
        self.dataset = dataset
        self.version = version
        self.rows = rows
        self.columns = columns
        self.alreadyIngested = alreadyIngested
    }
}
