/// What someone asked for: which dataset version, in which format, which
/// columns and rows in which order, and how the file should look.
public struct ReportRequest: Sendable, Hashable, Codable {
    public enum Format: String, Sendable, Hashable, Codable, CaseIterable {
        case csv, xlsx, pdf
        public var fileExtension: String { rawValue }
        /// `export` jobs write CSV and XLSX, `print` jobs PDF.
        public var jobKind: String { self == .pdf ? "print" : "export" }
    }

    /// `[department/]name`, read with `DatasetRef(parsing:)`.
    public var dataset: String
    /// Nil: the latest committed version.
    public var version: Int?
    public var format: Format
    /// Empty: every column, in table order.
    public var columns: [String]
    /// Combined with AND.
    public var filters: [ReportFilter]
    public var sort: [ReportSort]
    /// Only rows where some text column of the version contains this text
    /// (ignoring case), as the table page's search box finds them; nil or
    /// empty: no search. Combined with the filters by AND.
    public var search: String?
    public var csv: CSVOptions
    public var pdf: PDFOptions

    public init(dataset: String, version: Int? = nil, format: Format, columns: [String] = [],
                filters: [ReportFilter] = [], sort: [ReportSort] = [], search: String? = nil,
                csv: CSVOptions = CSVOptions(), pdf: PDFOptions = PDFOptions()) {
        self.dataset = dataset
        self.version = version
        self.format = format
        self.columns = columns
        self.filters = filters
        self.sort = sort
        self.search = search.flatMap { $0.isEmpty ? nil : $0 }
        self.csv = csv
        self.pdf = pdf
    }

    private enum CodingKeys: String, CodingKey {
        case dataset, version, format, columns, filters, sort, search, csv, pdf
    }

    /// Decodes job arguments written by other code (the CLI, the ingest's
    /// standing report requests): only `dataset` and `format` are required.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(dataset: try c.decode(String.self, forKey: .dataset),
                  version: try c.decodeIfPresent(Int.self, forKey: .version),
                  format: try c.decode(Format.self, forKey: .format),
                  columns: try c.decodeIfPresent([String].self, forKey: .columns) ?? [],
                  filters: try c.decodeIfPresent([ReportFilter].self, forKey: .filters) ?? [],
                  sort: try c.decodeIfPresent([ReportSort].self, forKey: .sort) ?? [],
                  search: try c.decodeIfPresent(String.self, forKey: .search),
                  csv: try c.decodeIfPresent(CSVOptions.self, forKey: .csv) ?? CSVOptions(),
                  pdf: try c.decodeIfPresent(PDFOptions.self, forKey: .pdf) ?? PDFOptions())
    }

    /// The filters as people wrote them (and the search), for titles and the About sheet.
    public var filterDescription: String {
        let parts = filters.map(\.description) + (search.map { ["any text column contains \"\($0)\""] } ?? [])
        return parts.isEmpty ? "none" : parts.joined(separator: " and ")
    }
}

public struct CSVOptions: Sendable, Hashable, Codable {
    /// Start with a UTF-8 byte order mark so Excel reads UTF-8.
    public var byteOrderMark: Bool
    /// Prefix `'` to text cells starting with `= + - @`, tab or CR.
    public var neutraliseFormulas: Bool
    public var header: Bool

    public init(byteOrderMark: Bool = false, neutraliseFormulas: Bool = true, header: Bool = true) {
        self.byteOrderMark = byteOrderMark
        self.neutraliseFormulas = neutraliseFormulas
        self.header = header
    }

    private enum CodingKeys: String, CodingKey { case byteOrderMark, neutraliseFormulas, header }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(byteOrderMark: try c.decodeIfPresent(Bool.self, forKey: .byteOrderMark) ?? false,
                  neutraliseFormulas: try c.decodeIfPresent(Bool.self, forKey: .neutraliseFormulas) ?? true,
                  header: try c.decodeIfPresent(Bool.self, forKey: .header) ?? true)
    }
}

public struct PDFOptions: Sendable, Hashable, Codable {
    public enum Paper: String, Sendable, Hashable, Codable, CaseIterable { case a4, letter }
    public var paper: Paper
    public var landscape: Bool
    /// Wrap long cells onto further lines instead of cutting them with "…".
    public var wrap: Bool
    /// Body font size in points.
    public var fontSize: Double

    public init(paper: Paper = .a4, landscape: Bool = true, wrap: Bool = false, fontSize: Double = 7) {
        self.paper = paper
        self.landscape = landscape
        self.wrap = wrap
        self.fontSize = fontSize
    }

    private enum CodingKeys: String, CodingKey { case paper, landscape, wrap, fontSize }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(paper: try c.decodeIfPresent(Paper.self, forKey: .paper) ?? .a4,
                  landscape: try c.decodeIfPresent(Bool.self, forKey: .landscape) ?? true,
                  wrap: try c.decodeIfPresent(Bool.self, forKey: .wrap) ?? false,
                  fontSize: try c.decodeIfPresent(Double.self, forKey: .fontSize) ?? 7)
    }
}

/// `column op value`.
public struct ReportFilter: Sendable, Hashable, Codable, CustomStringConvertible {
    public enum Operator: String, Sendable, Hashable, Codable, CaseIterable {
        case equal = "=", notEqual = "!=", less = "<", lessOrEqual = "<=", greater = ">", greaterOrEqual = ">="
        case contains
    }

    public var column: String
    public var op: Operator
    /// The value as written; parsed for the column's type by ``ReportQuery``.
    public var value: String

    public init(column: String, op: Operator, value: String) {
        self.column = column
        self.op = op
        self.value = value
    }

    public var description: String { "\(column) \(op.rawValue) \(value)" }
}

/// A sort key: `column` or `-column` / `column desc`.
public struct ReportSort: Sendable, Hashable, Codable, CustomStringConvertible {
    public var column: String
    public var descending: Bool

    public init(column: String, descending: Bool = false) {
        self.column = column
        self.descending = descending
    }

    public var description: String { descending ? "\(column) desc" : column }
}
