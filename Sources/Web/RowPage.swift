import Foundation
import Reports

/// One page of a version's rows: the SELECT with the filters (the CLI's
/// `--where` operators, through ``ReportQuery``), a search `q` across
/// text columns (``ReportRequest/search``, as a report has it), a sort on
/// any columns and a keyset cursor on (sort keys…, ctid). A version's table is never changed after it
/// commits, so its ctids are stable and the keyset is exact. Pure: no I/O.
struct RowPage: Sendable {
    static let maxLimit = 1000
    static let defaultLimit = 100
    /// Blocks in the first window of an unsorted page (a couple of hundred
    /// rows of 20 columns); each next window is twice the one before.
    static let firstWindowBlocks = 8
    /// Windows enough to reach block 2^32 − 1, PostgreSQL's last, from block 0.
    static let windowCount = 29

    let columns: [ReportColumn]
    let sort: [(column: ReportColumn, descending: Bool)]
    let sql: String
    let parameters: [String?]
    let limit: Int
    /// Identifies the sort, so a cursor is only used with the sort it came from.
    let signature: String
    /// `SELECT count(*)` of the rows the filters and `q` let through (the
    /// cursor aside), with ``countParameters``: the pages' exact count, asked
    /// for apart from the page.
    let countSQL: String
    let countParameters: [String?]
    /// The sort keys and ctid (as text) of the row at an offset in the
    /// page's order (the cursor aside), with ``countParameters`` and the
    /// offset appended as the last parameter: the cursor that starts a page
    /// at row N ("go to row N", "previous"). It reads the rows before it, as
    /// OFFSET does; paging on from there is by cursor again.
    let seekSQL: String

    /// The cursor's content: the last row's sort keys (as text) and ctid.
    struct Cursor: Codable, Equatable {
        var s: String
        var k: [String?]
        var t: String

        func encoded() -> String {
            let data = (try? JSONEncoder().encode(self)) ?? Data()
            return data.base64EncodedString().replacingOccurrences(of: "+", with: "-")
                .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        }

        init(s: String, k: [String?], t: String) {
            self.s = s
            self.k = k
            self.t = t
        }

        init?(encoded: String) {
            var text = encoded.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
            while text.count % 4 != 0 { text += "=" }
            guard let data = Data(base64Encoded: text), let cursor = try? JSONDecoder().decode(Cursor.self, from: data),
                  Self.isTID(cursor.t) else { return nil }
            self = cursor
        }

        /// `(block,offset)`, digits only.
        static func isTID(_ text: String) -> Bool {
            guard text.hasPrefix("("), text.hasSuffix(")") else { return false }
            let parts = text.dropFirst().dropLast().split(separator: ",", omittingEmptySubsequences: false)
            return parts.count == 2 && parts.allSatisfy { !$0.isEmpty && $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }
        }
    }

    /// `where=` values parsed as the CLI's `--where` (400 naming `where` otherwise).
    static func filters(_ texts: [String]) throws(Problem) -> [ReportFilter] {
        var parsed: [ReportFilter] = []
        for text in texts {
            do { parsed.append(try ReportFilter(parsing: text)) } catch {
                throw Problem.badRequest(error.description, field: "where")
            }
        }
        return parsed
    }

    /// `sort=` values: `column` or `column desc` (400 naming `sort` otherwise).
    static func sort(_ texts: [String]) throws(Problem) -> [ReportSort] {
        var parsed: [ReportSort] = []
        for text in texts {
            do { parsed.append(try ReportSort(parsing: text)) } catch {
                throw Problem.badRequest(error.description, field: "sort")
            }
        }
        return parsed
    }

    /// - Throws: ``Problem`` (400) naming the parameter at fault.
    init(schema: String, table: String, available: [ReportColumn], columns: [String], filters: [String], sort: [String],
         q: String?, limit: Int?, cursor: String?) throws(Problem) {
        let parsedFilters = try Self.filters(filters)
        let parsedSort = try Self.sort(sort)
        let query: ReportQuery
        do {
            query = try ReportQuery(request: ReportRequest(dataset: table, format: .csv, columns: columns, filters: parsedFilters,
                                                           search: q),
                                    schema: schema, table: table, available: available)
        } catch {
            throw Problem.badRequest(error.description, field: error.code == .unknownColumn && !columns.isEmpty ? "columns" : "where")
        }
        var resolvedSort: [(column: ReportColumn, descending: Bool)] = []
        for key in parsedSort {
            guard let c = available.first(where: { $0.name == key.column })
                ?? available.first(where: { $0.name.lowercased() == key.column.lowercased() }) else {
                throw Problem.badRequest("unknown column \"\(key.column)\" in sort; the version has: "
                                         + available.map(\.name).joined(separator: ", "), field: "sort")
            }
            resolvedSort.append((c, key.descending))
        }
        let limit = limit ?? Self.defaultLimit
        guard (1...Self.maxLimit).contains(limit) else {
            throw Problem.badRequest("limit must be between 1 and \(Self.maxLimit)", field: "limit")
        }
        let signature = resolvedSort.map { "\($0.column.name)\u{1}\($0.descending)" }.joined(separator: "\u{2}")

        var clauses = query.filterClauses
        var parameters: [String?] = query.parameters
        func bind(_ value: String?, as type: ReportColumnType) -> String {
            parameters.append(value)
            return "$\(parameters.count)::\(type.sqlCast)"
        }
        let relation = ReportQuery.quote(schema) + "." + ReportQuery.quote(table)
        let filtered = clauses.isEmpty ? "" : " WHERE " + clauses.joined(separator: " AND ")
        countSQL = "SELECT count(*) FROM " + relation + " AS src" + filtered
        countParameters = parameters
        seekSQL = "SELECT " + (resolvedSort.map { "src." + ReportQuery.quote($0.column.name) + "::text" } + ["src.ctid::text"])
            .joined(separator: ", ") + " FROM " + relation + " AS src" + filtered + " ORDER BY "
            + (resolvedSort.map { "src." + ReportQuery.quote($0.column.name) + ($0.descending ? " DESC" : " ASC") + " NULLS LAST" }
                + ["src.ctid"]).joined(separator: ", ")
            + " OFFSET $\(parameters.count + 1)::bigint LIMIT 1"
        var cursorTID: String?
        if let cursor {
            guard let decoded = Cursor(encoded: cursor), decoded.s == signature, decoded.k.count == resolvedSort.count else {
                throw Problem.badRequest("the cursor is not one this listing returned (or the sort changed)", field: "cursor")
            }
            cursorTID = decoded.t
            // After (k1, …, kn, ctid) in ORDER BY k1 [DESC] NULLS LAST, …, ctid:
            // gt1 OR (eq1 AND (gt2 OR (eq2 AND … (ctid > t)))).
            var condition = "src.ctid > " + bind(decoded.t, as: .text) + "::tid"
            for (index, key) in resolvedSort.enumerated().reversed() {
                let name = "src." + ReportQuery.quote(key.column.name)
                if let value = decoded.k[index] {
                    let v = bind(value, as: key.column.type)
                    let greater = "\(name) \(key.descending ? "<" : ">") \(v) OR \(name) IS NULL"
                    condition = "(\(greater) OR (\(name) = \(v) AND (\(condition))))"
                } else {
                    condition = "(\(name) IS NULL AND (\(condition)))"
                }
            }
            clauses.append(condition)
        }
        var sql: String
        if resolvedSort.isEmpty {
            // In table order, with no sort keys: the inner query picks the
            // page's rows with the columns as they are; only those rows are
            // turned into text. Names are qualified with `src.`, so a column
            // called like an alias (c0, t) is still the column.
            let inner = query.columns.enumerated().map { "src." + ReportQuery.quote($0.element.name) + " AS c\($0.offset)" }
                + ["src.ctid AS t"]
            let outer = (0..<query.columns.count).map { "page.c\($0)::text AS c\($0)" } + ["page.t::text AS t"]
            // Windows of blocks that double in size (8, 16, 32, … blocks from
            // the first block, or the cursor's), each read by a TID range scan
            // and sorted alone, taken in order until the page is full: the
            // first page reads a couple of hundred rows, not the table, and a
            // rare match costs about one pass. (Block numbers stop at 2^32 − 1.)
            let firstBlock: String
            if let cursorTID {
                firstBlock = "split_part(trim(both '()' from " + bind(cursorTID, as: .text) + "), ',', 1)::bigint"
            } else {
                firstBlock = "0"
            }
            func edge(_ exponent: String) -> String {
                "format('(%s,0)', LEAST(\(firstBlock) + \(Self.firstWindowBlocks) * ((1::bigint << \(exponent)) - 1), 4294967295))::tid"
            }
            let window = "src.ctid >= " + edge("pyramydal_window.n") + " AND src.ctid < " + edge("(pyramydal_window.n + 1)")
            sql = "SELECT " + outer.joined(separator: ", ")
                + " FROM generate_series(0, \(Self.windowCount - 1)) AS pyramydal_window(n),"
                + " LATERAL (SELECT " + inner.joined(separator: ", ") + " FROM " + relation + " AS src WHERE "
                + ([window] + clauses).joined(separator: " AND ") + " ORDER BY src.ctid) AS page"
                + " LIMIT \(limit + 1)"
        } else {
            // Sorted: the top-N sort carries only the keys and the ctid (a
            // full scan decodes as little as it can); the page's rows are
            // then fetched by ctid (a TID scan each) and turned into text.
            let keys = resolvedSort.enumerated().map { "src." + ReportQuery.quote($0.element.column.name) + " AS k\($0.offset)" }
                + ["src.ctid AS t"]
            let order = resolvedSort.map { "src." + ReportQuery.quote($0.column.name) + ($0.descending ? " DESC" : " ASC") + " NULLS LAST" }
                + ["src.ctid"]
            let outerOrder = resolvedSort.enumerated().map { "page.k\($0.offset)" + ($0.element.descending ? " DESC" : " ASC") + " NULLS LAST" }
                + ["page.t"]
            let row = query.columns.enumerated().map { "whole." + ReportQuery.quote($0.element.name) + "::text AS c\($0.offset)" }
                + (0..<resolvedSort.count).map { "page.k\($0)::text AS k\($0)" } + ["page.t::text AS t"]
            sql = "SELECT " + row.joined(separator: ", ") + " FROM (SELECT " + keys.joined(separator: ", ")
                + " FROM " + relation + " AS src"
            if !clauses.isEmpty { sql += " WHERE " + clauses.joined(separator: " AND ") }
            sql += " ORDER BY " + order.joined(separator: ", ") + " LIMIT \(limit + 1)) AS page"
                + " JOIN " + relation + " AS whole ON whole.ctid = page.t ORDER BY " + outerOrder.joined(separator: ", ")
        }

        self.columns = query.columns
        self.sort = resolvedSort
        self.sql = sql
        self.parameters = parameters
        self.limit = limit
        self.signature = signature
    }
}
