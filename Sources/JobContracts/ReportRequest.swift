import Foundation

/// What someone asked for: which dataset version, in which format, which
/// columns and rows in which order, and how the file should look.
public struct ReportRequest: Sendable, Hashable, Codable {
    public enum Format: String, Sendable, Hashable, Codable, CaseIterable {
        case csv, xlsx, pdf
        public var fileExtension: String { rawValue }
        /// `export` jobs write CSV and XLSX, `print` jobs PDF.
        public var jobKind: String { self == .pdf ? "print" : "export" }
    }

    /// `[department/]name`.
    public var dataset: String
    /// Nil: the latest committed version.
    public var version: Int?
    public var format: Format
    /// Empty: every column, in table order.
    public var columns: [String]
    /// Combined with AND.
    public var filters: [ReportFilter]
    public var sort: [ReportSort]
    public var csv: CSVOptions
    public var pdf: PDFOptions

    public init(dataset: String, version: Int? = nil, format: Format, columns: [String] = [],
                filters: [ReportFilter] = [], sort: [ReportSort] = [],
                csv: CSVOptions = CSVOptions(), pdf: PDFOptions = PDFOptions()) {
        self.dataset = dataset
        self.version = version
        self.format = format
        self.columns = columns
        self.filters = filters
        self.sort = sort
        self.csv = csv
        self.pdf = pdf
    }

    private enum CodingKeys: String, CodingKey {
        case dataset, version, format, columns, filters, sort, csv, pdf
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
                  csv: try c.decodeIfPresent(CSVOptions.self, forKey: .csv) ?? CSVOptions(),
                  pdf: try c.decodeIfPresent(PDFOptions.self, forKey: .pdf) ?? PDFOptions())
    }

    /// The department and name of ``dataset`` (`default` when no department).
    public var datasetParts: (department: String, name: String) {
        if let slash = dataset.lastIndex(of: "/") {
            return (String(dataset[..<slash]), String(dataset[dataset.index(after: slash)...]))
        }
        return ("default", dataset)
    }

    /// The filters as people wrote them, for titles and the About sheet.
    public var filterDescription: String {
        filters.isEmpty ? "none" : filters.map(\.description).joined(separator: " and ")
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

    /// Parses `amount >= 10`, `city contains Köln`, `name=Ann` (operators
    /// may be written without spaces; `contains` needs spaces around it).
    public init(parsing text: String) throws(ReportError) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        // " contains " first, then the two-character operators before their prefixes.
        if let range = trimmed.range(of: " contains ", options: .caseInsensitive) {
            let column = trimmed[..<range.lowerBound].trimmingCharacters(in: .whitespaces)
            let value = trimmed[range.upperBound...].trimmingCharacters(in: .whitespaces)
            guard !column.isEmpty else { throw Self.malformed(text) }
            self.init(column: column, op: .contains, value: value)
            return
        }
        for op in [Operator.notEqual, .lessOrEqual, .greaterOrEqual, .equal, .less, .greater] {
            if let range = trimmed.range(of: op.rawValue) {
                let column = trimmed[..<range.lowerBound].trimmingCharacters(in: .whitespaces)
                var value = trimmed[range.upperBound...].trimmingCharacters(in: .whitespaces)
                guard !column.isEmpty else { throw Self.malformed(text) }
                if value.count >= 2, value.hasPrefix("'"), value.hasSuffix("'") {
                    value = String(value.dropFirst().dropLast())
                }
                self.init(column: column, op: op, value: value)
                return
            }
        }
        throw Self.malformed(text)
    }

    private static func malformed(_ text: String) -> ReportError {
        ReportError(.badFilter, "filter \"\(text)\" is not `column op value` (op: = != < <= > >= contains)")
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

    public init(parsing text: String) throws(ReportError) {
        var t = text.trimmingCharacters(in: .whitespaces)
        var descending = false
        if t.hasPrefix("-") {
            descending = true
            t.removeFirst()
        } else if t.lowercased().hasSuffix(" desc") {
            descending = true
            t = String(t.dropLast(5))
        } else if t.lowercased().hasSuffix(" asc") {
            t = String(t.dropLast(4))
        }
        t = t.trimmingCharacters(in: .whitespaces)
        guard !t.isEmpty else { throw ReportError(.badOption, "empty sort key in \"\(text)\"") }
        self.init(column: t, descending: descending)
    }

    public var description: String { descending ? "\(column) desc" : column }
}
