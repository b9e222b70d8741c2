import Catalog
import Foundation
import Hummingbird
import JobContracts
import Reports

/// `GET /api/v1/datasets/{id}/diff?from=V1&to=V2&key=col[,col…]&limit=&cursor=`:
/// the differences between two committed versions of a dataset the caller
/// may see (viewer), compared on a key (``VersionDiffer/pageSync``): the
/// columns added, removed and retyped, the counts on the first page, and
/// the rows that differ by key, a keyset page at a time (`next`).
struct DiffRoute {
    let state: WebState

    @Sendable func diff(_ request: Request, context: WebRequestContext) async throws -> Response {
        let (summary, versions) = try await APIRoutes(state: state).visibleDataset(context)
        let query = request.uri.queryParameters
        let comparison = try Comparison(
            summary: summary, versions: versions, from: query["from"].map(String.init), to: query["to"].map(String.init),
            key: query.getAll("key").flatMap { $0.split(separator: ",").map(String.init) },
            limit: query["limit"].map(String.init), cursor: query["cursor"].map(String.init))
        let (page, next) = try await run(comparison)
        return try APIRoutes.json(API.DiffJSON(datasetID: summary.id, from: comparison.from, to: comparison.to, page: page,
                                               next: next, limit: comparison.limit))
    }

    /// A comparison's parameters, checked (400 naming the field; a version
    /// that is not a committed one of the dataset: 404 naming it). The API
    /// and the diff page both ask through it.
    struct Comparison: Sendable {
        var summary: DatasetSummary
        var from: Int
        var to: Int
        var key: [String]
        var limit: Int
        /// The last key of the previous page (from the cursor).
        var after: [String?]?
        /// Ties a cursor to this comparison (its ctid is unused).
        var signature: String { "diff:\(from):\(to):" + key.joined(separator: "\u{1F}") }

        init(summary: DatasetSummary, versions: [VersionRecord], from: String?, to: String?, key: [String],
             limit: String?, cursor: String?) throws {
            self.summary = summary
            let committed = Set(versions.filter { $0.status == "committed" }.compactMap(\.version))
            func version(_ text: String?, _ field: String) throws -> Int {
                guard let text else { throw Problem.badRequest("\(field) (a version number) is required", field: field) }
                guard let n = Int(text), n >= 1 else { throw Problem.badRequest("\(field) must be a whole number from 1", field: field) }
                guard committed.contains(n) else {
                    throw Problem(.notFound, "Not found", "\(summary.ref) has no committed version \(n)", field: field)
                }
                return n
            }
            self.from = try version(from, "from")
            self.to = try version(to, "to")
            guard !key.isEmpty else {
                throw Problem.badRequest("key is required: the column(s) that identify a row in both versions", field: "key")
            }
            self.key = key
            self.limit = 100
            if let limit {
                guard let n = Int(limit), (1...1000).contains(n) else {
                    throw Problem.badRequest("limit must be between 1 and 1000", field: "limit")
                }
                self.limit = n
            }
            if let cursor {
                guard let decoded = RowPage.Cursor(encoded: cursor), decoded.s == signature, decoded.k.count == key.count else {
                    throw Problem.badRequest("not a cursor this comparison returned", field: "cursor")
                }
                after = decoded.k
            }
        }
    }

    /// One page of `comparison` (``VersionDiffer/pageSync``; counts on the
    /// first page only) and the cursor of the next; a key that is unknown,
    /// not unique or NULL is a 400 naming `key`.
    func run(_ comparison: Comparison) async throws -> (page: DiffPage, next: String?) {
        let differ = VersionDiffer(sources: CatalogReportSources(catalog: state.catalog))
        let diffRequest = DiffRequest(dataset: comparison.summary.ref.description, from: comparison.from, to: comparison.to,
                                      key: comparison.key)
        let after = comparison.after, limit = comparison.limit
        let page: DiffPage
        do {
            page = try await state.pool.run { conn in
                try differ.pageSync(diffRequest, after: after, limit: limit, withCounts: after == nil, connection: conn)
            }
        } catch let error as ReportError where error.code == .unknownDataset {
            throw Problem(.notFound, "Not found", error.message, field: "to")
        } catch let error as ReportError {
            throw Problem.badRequest(error.message, field: "key")
        }
        let signature = comparison.signature
        return (page, page.nextAfter.map { RowPage.Cursor(s: signature, k: $0, t: "(0,0)").encoded() })
    }
}

extension API {
    struct DiffJSON: Encodable {
        struct Columns: Encodable {
            var added: [String]
            var removed: [String]
            var retyped: [Retyped]
        }

        struct Retyped: Encodable {
            var column: String
            var from: String
            var to: String
        }

        struct Counts: Encodable {
            var added: Int, removed: Int, changed: Int, unchanged: Int
        }

        struct Cell: Encodable {
            var column: String
            var old: String?
            var new: String?

            func encode(to encoder: any Encoder) throws {
                var c = encoder.container(keyedBy: CodingKeys.self)
                try c.encode(column, forKey: .column)
                try c.encode(old, forKey: .old)
                try c.encode(new, forKey: .new)
            }

            enum CodingKeys: String, CodingKey { case column, old, new }
        }

        struct Row: Encodable {
            var change: String
            var key: [String?]
            /// Added and removed rows: the row as that version has it.
            var values: [String: String?]?
            /// Changed rows: the cells that changed.
            var cells: [Cell]?
        }

        var dataset_id: Int64
        var from: Int
        var to: Int
        var key: [String]
        var columns: Columns
        /// The first page only.
        var counts: Counts?
        var rows: [Row]
        var next: String?
        var limit: Int

        init(datasetID: Int64, from: Int, to: Int, page: DiffPage, next: String?, limit: Int) {
            dataset_id = datasetID
            self.from = from
            self.to = to
            key = page.key
            columns = Columns(added: page.columns.added, removed: page.columns.removed,
                              retyped: page.columns.typeChanged.map { Retyped(column: $0.column, from: $0.from, to: $0.to) })
            counts = page.counts.map { Counts(added: $0.added, removed: $0.removed, changed: $0.changed, unchanged: $0.unchanged) }
            rows = page.rows.map { row in
                Row(change: row.change.rawValue, key: row.key,
                    values: row.change == .changed ? nil : Dictionary(row.values.map { ($0.column, $0.value) }, uniquingKeysWith: { a, _ in a }),
                    cells: row.change == .changed ? row.cells.map { Cell(column: $0.column, old: $0.old, new: $0.new) } : nil)
            }
            self.next = next
            self.limit = limit
        }

        enum CodingKeys: String, CodingKey { case dataset_id, from, to, key, columns, counts, rows, next, limit }

        /// `next` is always present (null on the last page).
        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(dataset_id, forKey: .dataset_id)
            try c.encode(from, forKey: .from)
            try c.encode(to, forKey: .to)
            try c.encode(key, forKey: .key)
            try c.encode(columns, forKey: .columns)
            try c.encodeIfPresent(counts, forKey: .counts)
            try c.encode(rows, forKey: .rows)
            try c.encode(next, forKey: .next)
            try c.encode(limit, forKey: .limit)
        }
    }
}
