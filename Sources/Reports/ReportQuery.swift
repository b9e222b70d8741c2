import Foundation

/// The SQL for a report, checked against the version's columns: selected
/// columns, WHERE clauses whose values are parameters (never spliced into
/// the SQL), the search across text columns, ORDER BY, and an optional
/// row bound. Pure: no I/O.
public struct ReportQuery: Sendable, Hashable {
    /// The columns in output order.
    public let columns: [ReportColumn]
    /// The filter values, parsed and normalised for their columns' types
    /// (then the search text, if any); `$1…` in ``selectSQL`` and ``countSQL``.
    public let parameters: [String]
    /// `SELECT … FROM … WHERE … ORDER BY … [LIMIT n]` with `$n` placeholders.
    public let selectSQL: String
    /// `SELECT count(*) …` with the same filters.
    public let countSQL: String
    /// ``selectSQL`` with each `$n` read from a session setting instead, for
    /// `COPY (…) TO STDOUT`, which takes no parameters. Run ``settingsSQL``
    /// with ``parameters`` first on the same connection.
    public let copySelectSQL: String
    /// `SELECT set_config('pyramydal.report_p1', $1, false), …` (nil without
    /// filters).
    public let settingsSQL: String?
    /// The filters' and the search's conditions (`$1…` placeholders, in
    /// ``parameters`` order), for callers that build their own SELECT.
    public let filterClauses: [String]

    /// - Parameters:
    ///   - qualifiedTable: schema and table (or view) to read.
    ///   - available: the version's columns.
    ///   - limit: append `LIMIT limit` (the caller passes its bound + 1 to
    ///     detect an oversized report without counting first).
    public init(request: ReportRequest, schema: String, table: String, available: [ReportColumn],
                limit: Int? = nil) throws(ReportError) {
        var byName: [String: ReportColumn] = [:]
        for c in available { byName[c.name] = c }
        func column(_ name: String, _ role: String) throws(ReportError) -> ReportColumn {
            if let c = byName[name] { return c }
            // Be forgiving about case, but only when that is unambiguous.
            let matches = available.filter { $0.name.lowercased() == name.lowercased() }
            if matches.count == 1 { return matches[0] }
            let known = available.map(\.name).joined(separator: ", ")
            throw ReportError(.unknownColumn, "unknown column \"\(name)\" in \(role); the version has: \(known)")
        }

        var selected: [ReportColumn] = []
        for name in request.columns { selected.append(try column(name, "columns")) }
        if selected.isEmpty { selected = available }
        guard !selected.isEmpty else { throw ReportError(.unknownColumn, "the version has no columns") }
        columns = selected

        var clauses: [String] = []
        var copyClauses: [String] = []
        var parameters: [String] = []
        for filter in request.filters {
            let c = try column(filter.column, "filter \"\(filter)\"")
            let value = try Self.parse(filter, for: c)
            parameters.append(value)
            let n = parameters.count
            let placeholder = "$\(n)::\(c.type.sqlCast)"
            let setting = "current_setting('pyramydal.report_p\(n)')::\(c.type.sqlCast)"
            clauses.append(Self.clause(filter.op, column: c, value: placeholder))
            copyClauses.append(Self.clause(filter.op, column: c, value: setting))
        }
        if let search = request.search, !search.isEmpty {
            // Every text column of the version, shown or not (as the table page's search box).
            let texts = available.filter { $0.type == .text }
            if texts.isEmpty {
                clauses.append("false")
                copyClauses.append("false")
            } else {
                parameters.append(search)
                let n = parameters.count
                func anyContains(_ value: String) -> String {
                    "(" + texts.map { Self.clause(.contains, column: $0, value: value) }.joined(separator: " OR ") + ")"
                }
                clauses.append(anyContains("$\(n)::text"))
                copyClauses.append(anyContains("current_setting('pyramydal.report_p\(n)')::text"))
            }
        }
        // The table page's order (RowPage): NULLs last either way, ties in
        // the table's own order, so a report holds the rows as the view showed them.
        var order: [String] = []
        for key in request.sort {
            let c = try column(key.column, "sort")
            order.append(Self.quote(c.name) + (key.descending ? " DESC" : " ASC") + " NULLS LAST")
        }
        if !order.isEmpty { order.append("ctid") }

        let from = " FROM " + Self.quote(schema) + "." + Self.quote(table)
        let list = selected.map { Self.quote($0.name) }.joined(separator: ", ")
        func tail(_ where: [String], withLimit: Bool) -> String {
            var s = ""
            if !`where`.isEmpty { s += " WHERE " + `where`.joined(separator: " AND ") }
            if withLimit, !order.isEmpty { s += " ORDER BY " + order.joined(separator: ", ") }
            if withLimit, let limit { s += " LIMIT \(limit)" }
            return s
        }
        self.parameters = parameters
        filterClauses = clauses
        selectSQL = "SELECT " + list + from + tail(clauses, withLimit: true)
        copySelectSQL = "SELECT " + list + from + tail(copyClauses, withLimit: true)
        countSQL = "SELECT count(*) FROM (SELECT 1" + from + tail(clauses, withLimit: false)
            + (limit.map { " LIMIT \($0)" } ?? "") + ") AS n"
        settingsSQL = parameters.isEmpty ? nil : "SELECT "
            + (1...parameters.count).map { "set_config('pyramydal.report_p\($0)', $\($0), true)" }
                .joined(separator: ", ")
    }

    /// `"name"` with embedded quotes doubled.
    public static func quote(_ identifier: String) -> String {
        "\"" + identifier.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    private static func clause(_ op: ReportFilter.Operator, column: ReportColumn, value: String) -> String {
        let name = quote(column.name)
        switch op {
        case .contains: return "strpos(lower(\(name)), lower(\(value))) > 0"
        case .notEqual: return "\(name) IS DISTINCT FROM \(value)"
        default: return "\(name) \(op.rawValue) \(value)"
        }
    }

    // MARK: - filter values

    /// The filter's value checked and normalised for the column's type.
    static func parse(_ filter: ReportFilter, for column: ReportColumn) throws(ReportError) -> String {
        let v = filter.value.trimmingCharacters(in: .whitespaces)
        func wrong(_ expected: String) -> ReportError {
            ReportError(.wrongType, "filter \"\(filter)\": \"\(filter.value)\" is not \(expected) (column \"\(column.name)\" is \(column.type))")
        }
        if filter.op == .contains, column.type != .text {
            throw ReportError(.badFilter, "filter \"\(filter)\": contains needs a text column; \"\(column.name)\" is \(column.type)")
        }
        switch column.type {
        case .text:
            return filter.value
        case .integer:
            guard let n = Int64(v) else { throw wrong("a whole number") }
            return String(n)
        case .numeric:
            guard isDecimal(v) else { throw wrong("a decimal number") }
            return v
        case .double:
            guard let d = Double(v), d.isFinite else { throw wrong("a number") }
            return v
        case .boolean:
            guard filter.op == .equal || filter.op == .notEqual else {
                throw ReportError(.badFilter, "filter \"\(filter)\": booleans compare only with = and !=")
            }
            switch v.lowercased() {
            case "true", "t", "yes", "y", "1": return "true"
            case "false", "f", "no", "n", "0": return "false"
            default: throw wrong("true or false")
            }
        case .date:
            guard let d = parseDate(v), v.count == 10 else { throw wrong("a date (YYYY-MM-DD)") }
            return String(format: "%04d-%02d-%02d", d.year, d.month, d.day)
        case .timestamp:
            guard isTimestamp(v) else { throw wrong("a timestamp (YYYY-MM-DD[ HH:MM[:SS]])") }
            return v.replacingOccurrences(of: "T", with: " ")
        case .interval:
            guard isInterval(v) else { throw wrong("an interval (\"2 days\", \"01:30:00\", \"P1DT2H\")") }
            return v
        }
    }

    static func isDecimal(_ s: String) -> Bool {
        var digits = 0, dots = 0
        for (i, ch) in s.enumerated() {
            if ch == "-" || ch == "+" { if i != 0 { return false } }
            else if ch == "." { dots += 1 }
            else if ch.isASCII, ch.isNumber { digits += 1 }
            else { return false }
        }
        return digits > 0 && dots <= 1
    }

    static func parseDate(_ s: some StringProtocol) -> (year: Int, month: Int, day: Int)? {
        let parts = s.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]),
              (1...12).contains(m), d >= 1 else { return nil }
        let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]
        return d <= days ? (y, m, d) : nil
    }

    static func isTimestamp(_ s: String) -> Bool {
        guard s.count >= 10, parseDate(s.prefix(10)) != nil else { return false }
        if s.count == 10 { return true }
        let rest = s.dropFirst(10)
        guard let sep = rest.first, sep == " " || sep == "T" else { return false }
        let time = rest.dropFirst().split(separator: ":", omittingEmptySubsequences: false)
        guard time.count == 2 || time.count == 3,
              let h = Int(time[0]), (0...23).contains(h), time[0].count == 2,
              let m = Int(time[1]), (0...59).contains(m), time[1].count == 2 else { return false }
        if time.count == 3 {
            guard let sec = Double(time[2]), sec >= 0, sec < 61, time[2].first?.isNumber == true else { return false }
        }
        return true
    }

    /// A loose check of PostgreSQL interval input: digits, unit words,
    /// ISO 8601 durations and `HH:MM:SS`; the server has the final say.
    static func isInterval(_ s: String) -> Bool {
        guard !s.isEmpty, s.contains(where: { $0.isNumber }) else { return false }
        let units: Set<String> = ["year", "years", "mon", "mons", "month", "months", "week", "weeks", "day", "days",
                                  "hour", "hours", "min", "mins", "minute", "minutes", "sec", "secs",
                                  "second", "seconds", "ago", "y", "m", "w", "d", "h", "s"]
        if s.hasPrefix("P") { return s.allSatisfy { $0.isNumber || "PYMWDTHS.".contains($0) } }
        for word in s.lowercased().split(whereSeparator: { $0 == " " }) {
            if word.allSatisfy({ $0.isNumber || "-+:.".contains($0) }) { continue }
            if units.contains(String(word)) { continue }
            return false
        }
        return true
    }
}
