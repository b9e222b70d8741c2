import Catalog
import Postgres
import Reports

/// A page of a version's rows as read: the query it came from, the rows'
/// cells as PostgreSQL's text (nil for NULL) and the cursor of the next page.
struct RowPageResult: Sendable {
    let page: RowPage
    let rows: [[String?]]
    let next: String?
}

/// What a listing of rows asks for, as the API's and the pages' parameters
/// carry it.
struct RowRequest: Sendable {
    var columns: [String] = []
    var filters: [String] = []
    var sort: [String] = []
    var q: String?
    var limit: Int?
    var cursor: String?
}

extension WebState {
    /// A page of `record`'s rows (a committed version with a table), on one
    /// borrowed connection: the table's columns, then the page. With
    /// `startingAt` N > 1 and no cursor, the page starts at row N of the
    /// listing's order (one more query finds that row's keys first); past
    /// the last row the page is empty.
    func readRows(of record: VersionRecord, table: String, _ request: RowRequest, startingAt row: Int = 1) async throws -> RowPageResult {
        let schema = catalog.schemas.data, tableColumns = self.tableColumns
        return try await pool.run { conn in
            let available = try tableColumns.columns(version: record.id, schema: schema, table: table, connection: conn)
            var page = try RowPage(schema: schema, table: table, available: available, columns: request.columns,
                                   filters: request.filters, sort: request.sort, q: request.q, limit: request.limit,
                                   cursor: request.cursor)
            if row > 1, request.cursor == nil {
                let found = try conn.query(page.seekSQL, (page.countParameters + [String(row - 2)]).map { PostgresValue.text($0) },
                                           purpose: "find the row a page starts at")
                guard let keys = found.first else { return RowPageResult(page: page, rows: [], next: nil) }
                let width = page.sort.count
                let cursor = RowPage.Cursor(s: page.signature, k: try (0..<width).map { try keys.text($0) },
                                            t: try keys.text(width) ?? "").encoded()
                page = try RowPage(schema: schema, table: table, available: available, columns: request.columns,
                                   filters: request.filters, sort: request.sort, q: request.q, limit: request.limit, cursor: cursor)
            }
            let result = try conn.query(page.sql, page.parameters.map { PostgresValue.text($0) }, purpose: "read a page of rows")
            var texts: [[String?]] = []
            texts.reserveCapacity(min(result.count, page.limit))
            var next: String?
            let width = page.columns.count
            for (index, row) in result.enumerated() {
                if index == page.limit {
                    let last = result[index - 1]
                    let keys = try (0..<page.sort.count).map { try last.text(width + $0) }
                    next = RowPage.Cursor(s: page.signature, k: keys, t: try last.text(width + page.sort.count) ?? "").encoded()
                    break
                }
                texts.append(try (0..<width).map { try row.text($0) })
            }
            return RowPageResult(page: page, rows: texts, next: next)
        }
    }

    /// The exact number of rows `request`'s filters and search let through.
    func countRows(of record: VersionRecord, table: String, _ request: RowRequest) async throws -> Int64 {
        let schema = catalog.schemas.data, tableColumns = self.tableColumns
        return try await pool.run { conn in
            let available = try tableColumns.columns(version: record.id, schema: schema, table: table, connection: conn)
            let page = try RowPage(schema: schema, table: table, available: available, columns: request.columns,
                                   filters: request.filters, sort: request.sort, q: request.q, limit: nil, cursor: nil)
            return try conn.query(page.countSQL, page.countParameters.map { PostgresValue.text($0) }, purpose: "count rows")[0][0, as: Int64.self]
        }
    }
}
