import Foundation
import JobContracts
import Reports

/// What a table page shows, as its URL carries it (so a view is a
/// bookmark): `columns` (repeatable or comma-separated; none: all), `where`
/// (repeatable, the API's `column op value`), `sort` (`column` or
/// `column desc`), `q`, `row` (the number of the page's first row) and
/// `cursor` (the API's keyset cursor of the rows before it). The page's
/// forms send their filter row as `fc`/`fo`/`fv` triples (column,
/// operator, value), read here into `where`. Pure: no I/O.
struct TableViewState: Sendable, Equatable {
    var columns: [String] = []
    var filters: [String] = []
    var sort: String?
    var q: String?
    var row = 1
    var cursor: String?

    init(columns: [String] = [], filters: [String] = [], sort: String? = nil, q: String? = nil, row: Int = 1, cursor: String? = nil) {
        self.columns = columns
        self.filters = filters
        self.sort = sort
        self.q = q
        self.row = row
        self.cursor = cursor
    }

    /// From a query string. A `row` that is not a whole number above 0 is row 1.
    init(query: String) {
        let fields = FormFields(query)
        columns = fields.all("columns").flatMap { $0.split(separator: ",").map(String.init) }
        filters = fields.all("where").filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
        let names = fields.all("fc"), ops = fields.all("fo"), values = fields.all("fv")
        for (index, name) in names.enumerated() where index < ops.count && index < values.count {
            let value = values[index]
            guard !value.trimmingCharacters(in: .whitespaces).isEmpty,
                  let op = ReportFilter.Operator(rawValue: ops[index]) else { continue }
            filters.append("\(name) \(op.rawValue) \(value)")
        }
        sort = fields.first("sort").flatMap { $0.trimmingCharacters(in: .whitespaces).isEmpty ? nil : $0 }
        q = fields.first("q").flatMap { $0.isEmpty ? nil : $0 }
        row = fields.first("row").flatMap(Int.init).flatMap { $0 > 0 ? $0 : nil } ?? 1
        cursor = fields.first("cursor").flatMap { $0.isEmpty ? nil : $0 }
    }

    /// True when the query string held the filter row's triples (the
    /// canonical URL has `where=` instead).
    static func hasFormFields(_ query: String) -> Bool {
        FormFields(query).fields.contains { ["fc", "fo", "fv"].contains($0.name) }
    }

    /// The sort as the API reads it (column, descending).
    var sortKey: (column: String, descending: Bool)? {
        guard let sort, let parsed = try? ReportSort(parsing: sort) else { return nil }
        return (parsed.column, parsed.descending)
    }

    /// The rows asked for, as ``RowRequest``.
    func rowRequest(limit: Int) -> RowRequest {
        RowRequest(columns: columns, filters: filters, sort: sort.map { [$0] } ?? [], q: q, limit: limit, cursor: cursor)
    }

    /// The view's parameters in URL order (none for the plain first page).
    var pairs: [(name: String, value: String)] {
        var pairs: [(name: String, value: String)] = []
        if !columns.isEmpty { pairs.append(("columns", columns.joined(separator: ","))) }
        pairs += filters.map { ("where", $0) }
        if let sort { pairs.append(("sort", sort)) }
        if let q { pairs.append(("q", q)) }
        if row > 1 { pairs.append(("row", String(row))) }
        if let cursor { pairs.append(("cursor", cursor)) }
        return pairs
    }

    /// The query string of this view (without `?`; empty for the plain first page).
    var query: String {
        pairs.map { Self.encode($0.name) + "=" + Self.encode($0.value) }.joined(separator: "&")
    }

    /// `path`, with `?query` when there is one.
    func url(_ path: String) -> String {
        let query = self.query
        return query.isEmpty ? path : path + "?" + query
    }

    /// The same view from its first row (another sort, filter or search starts over).
    var fromTheTop: TableViewState {
        var copy = self
        copy.row = 1
        copy.cursor = nil
        return copy
    }

    /// Percent-encodes everything but unreserved characters (RFC 3986).
    static func encode(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? ""
    }

    private static let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
}
