public import Foundation

/// A dataset as the CLI addresses it: `[department/]name` (department
/// `default` when omitted).
public struct DatasetRef: Sendable, Hashable, Codable, CustomStringConvertible {
    public var department: String
    public var name: String

    public init(department: String = "default", name: String) {
        self.department = department
        self.name = name
    }

    /// `finance/budget` → (finance, budget); `orders` → (default, orders).
    /// Only the first `/` separates the department.
    public init(parsing text: String) {
        if let slash = text.firstIndex(of: "/") {
            self.init(department: String(text[..<slash]), name: String(text[text.index(after: slash)...]))
        } else {
            self.init(name: text)
        }
    }

    public var description: String { department == "default" ? name : "\(department)/\(name)" }
}

/// Where a version's rows came from: what idempotency compares.
public struct SourceIdentity: Sendable, Hashable, Codable {
    /// `s3://bucket/key`, `file:///store/key` or a local path.
    public var uri: String
    /// The store location (`s3://bucket[/prefix]`, `file:///path`), nil for a CLI file.
    public var store: String?
    public var bucket: String?
    public var key: String?
    public var etag: String?
    /// Hex SHA-256 of the whole file.
    public var sha256: String?

    public init(uri: String, store: String? = nil, bucket: String? = nil, key: String? = nil,
                etag: String? = nil, sha256: String? = nil) {
        self.uri = uri
        self.store = store
        self.bucket = bucket
        self.key = key
        self.etag = etag
        self.sha256 = sha256
    }
}

/// One column of a version: its name, type and statistics.
public struct ColumnInfo: Sendable, Hashable, Codable {
    public var name: String
    /// SQL type name (`bigint`, `double precision`, …).
    public var type: String
    /// The spreadsheet column it came from (`C`).
    public var sourceColumn: String
    public var nonNull: Int
    public var nulls: Int
    /// Error cells (`#N/A`, …): NULL in typed columns, their text in text columns.
    public var errors: Int
    /// The kinds of value seen (`integer`, `decimal`, `date`, …).
    public var kinds: [String]
    /// Numbers written with more than 15 significant digits, stored rounded
    /// to 15 (Excel's precision); 0 in versions made before this was counted.
    public var rounded: Int
    /// The number format most of the column's numbers carried in the
    /// workbook (nil: General, or none recorded).
    public var format: ColumnFormat?

    public init(name: String, type: String, sourceColumn: String, nonNull: Int, nulls: Int, errors: Int, kinds: [String],
                rounded: Int = 0, format: ColumnFormat? = nil) {
        self.name = name
        self.type = type
        self.sourceColumn = sourceColumn
        self.nonNull = nonNull
        self.nulls = nulls
        self.errors = errors
        self.kinds = kinds
        self.rounded = rounded
        self.format = format
    }

    enum CodingKeys: String, CodingKey {
        case name, type, sourceColumn = "source_column", nonNull = "non_null", nulls, errors, kinds, rounded, format
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(name: try c.decode(String.self, forKey: .name), type: try c.decode(String.self, forKey: .type),
                  sourceColumn: try c.decode(String.self, forKey: .sourceColumn), nonNull: try c.decode(Int.self, forKey: .nonNull),
                  nulls: try c.decode(Int.self, forKey: .nulls), errors: try c.decode(Int.self, forKey: .errors),
                  kinds: try c.decode([String].self, forKey: .kinds), rounded: try c.decodeIfPresent(Int.self, forKey: .rounded) ?? 0,
                  format: try c.decodeIfPresent(ColumnFormat.self, forKey: .format))
    }
}

/// A column's number format as the workbook wrote it: Excel's format code
/// and what it is (`currency` with its symbol, `percent`, `number` with its
/// decimals and thousands separator, `date`, `dateTime`, `time`,
/// `duration`, `scientific`).
public struct ColumnFormat: Sendable, Hashable, Codable {
    public var code: String
    public var kind: String
    public var currency: String?
    public var decimals: Int?
    public var thousands: Bool

    public init(code: String, kind: String, currency: String? = nil, decimals: Int? = nil, thousands: Bool = false) {
        self.code = code
        self.kind = kind
        self.currency = currency
        self.decimals = decimals
        self.thousands = thousands
    }
}

/// Seconds spent in each step of an ingest.
public struct VersionTimings: Sendable, Hashable, Codable {
    public var download: Double
    public var parseInfer: Double
    public var copy: Double
    public var total: Double

    public init(download: Double = 0, parseInfer: Double = 0, copy: Double = 0, total: Double = 0) {
        self.download = download
        self.parseInfer = parseInfer
        self.copy = copy
        self.total = total
    }

    enum CodingKeys: String, CodingKey {
        case download = "download_s", parseInfer = "parse_infer_s", copy = "copy_s", total = "total_s"
    }
}

/// Why an attempt failed, as recorded on the version and written to
/// `errors/<key>.json`. Never holds a secret.
public struct VersionError: Error, Sendable, Hashable, Codable, CustomStringConvertible {
    /// `badInput` or `transient`, then the underlying code (`encrypted`, `malformedXML`, `emptyWorkbook`, …).
    public var kind: String
    public var code: String
    public var file: String
    public var sheet: String?
    public var cell: String?
    public var message: String
    /// The dataset the attempt was for.
    public var dataset: String?
    public var key: String?

    public init(kind: String, code: String, file: String, sheet: String? = nil, cell: String? = nil,
                message: String, dataset: String? = nil, key: String? = nil) {
        self.kind = kind
        self.code = code
        self.file = file
        self.sheet = sheet
        self.cell = cell
        self.message = message
        self.dataset = dataset
        self.key = key
    }

    public var description: String {
        var place = [file]
        if let sheet { place.append("sheet \"\(sheet)\"") }
        if let cell { place.append("cell \(cell)") }
        return "\(code): \(message) (\(place.joined(separator: ", ")))"
    }

    /// The JSON written to `errors/<key>.json` and stored in `dataset_versions.error`.
    public func json() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: (try? encoder.encode(self)) ?? Data("{}".utf8), as: UTF8.self)
    }
}

/// A dataset with its latest version, for `pyramydal datasets`.
public struct DatasetSummary: Sendable, Hashable {
    public var id: Int64
    public var ref: DatasetRef
    public var viewName: String
    /// The latest committed version, if any.
    public var version: Int?
    public var rowCount: Int64?
    public var columnCount: Int?
    /// `committed`, or `failed` when the latest attempt failed and none committed since.
    public var status: String
    public var when: Date?
    public var source: String?
    /// When the dataset was archived (hidden from lists unless asked for), if it is.
    public var archivedAt: Date? = nil
}

/// One attempt at a version, as stored in `dataset_versions`.
public struct VersionRecord: Sendable, Hashable {
    public var id: Int64
    public var datasetID: Int64
    /// nil for failed attempts.
    public var version: Int?
    public var status: String
    public var sourceURI: String
    public var etag: String?
    public var sha256: String?
    public var sheet: String?
    public var rowCount: Int64?
    public var columns: [ColumnInfo]
    public var error: VersionError?
    public var timings: VersionTimings?
    public var tableName: String?
    public var createdAt: Date?
    public var committedAt: Date?
    /// What the ingest did that a person should know (sheets skipped, numbers
    /// rounded to Excel's precision), in words; empty when nothing.
    public var notes: [String] = []
    /// For a revert: the id of the version it made the latest again (whose table it shares).
    public var revertedFrom: Int64? = nil
    /// Who made the attempt (the ingest's actor: a user, a task's role).
    public var createdBy: String? = nil
}

/// A standing report request: after each new version of the dataset, a
/// report of `format` with `options` (issue 5) is produced.
public struct StandingReportRequest: Sendable, Hashable {
    public var id: Int64
    public var datasetID: Int64
    public var format: String
    /// JSON object text.
    public var options: String
}
