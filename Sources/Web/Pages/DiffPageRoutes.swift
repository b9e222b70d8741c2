import Catalog
import Foundation
import Hummingbird
import Reports

/// `GET /datasets/{id}/diff?from=V1&to=V2&key=col[&cursor=]`: two committed
/// versions of a dataset compared on a key, as a page. The same comparison
/// as the API's (``DiffRoute/Comparison``, ``DiffRoute/run(_:)``): columns
/// added, removed and retyped, the counts, and the rows that differ a
/// keyset page at a time ("Next" carries the API's cursor; `limit` as the
/// API's, default 100). Without `from`
/// and `to` it compares the two latest committed versions; without `key`,
/// on the `to` version's first column. A key the comparison refuses (not a
/// column, not unique, NULL) is said on the page (400), with the form to
/// choose another.
struct DiffPageRoutes {
    let pages: PageRoutes

    func register(_ router: Router<WebRequestContext>) {
        router.get("datasets/:id/diff", use: diff)
    }

    @Sendable func diff(_ request: Request, context: WebRequestContext) async throws -> Response {
        try await pages.page(request, context) { principal in
            let (summary, versions) = try await pages.api.visibleDataset(context)
            let query = request.uri.queryParameters
            let committed = versions.filter { $0.status == "committed" && $0.version != nil }
            func text(_ name: String) -> String? { query[Substring(name)].map(String.init).flatMap { $0.isEmpty ? nil : $0 } }
            let to = text("to") ?? committed.first?.version.map(String.init)
            let from = text("from") ?? committed.dropFirst().first?.version.map(String.init) ?? to
            let toColumns = committed.first { $0.version.map(String.init) == to }?.columns.map(\.name) ?? []
            let fromColumns = committed.first { $0.version.map(String.init) == from }?.columns.map(\.name) ?? []
            var key = query.getAll("key").flatMap { $0.split(separator: ",").map(String.init) }
            if key.isEmpty, let first = (toColumns.isEmpty ? fromColumns : toColumns).first { key = [first] }

            var page = DiffPageModel(
                title: "\(summary.ref) diff", frame: try await pages.frame(principal, current: summary.id),
                dataset: summary.ref.description, datasetID: summary.id, from: from ?? "", to: to ?? "",
                versions: committed.map { v in
                    let n = v.version.map(String.init) ?? ""
                    return .init(number: n, fromSelected: n == from, toSelected: n == to)
                })
            var status = HTTPResponse.Status.ok
            do {
                let comparison = try DiffRoute.Comparison(summary: summary, versions: versions, from: from, to: to, key: key,
                                                          limit: text("limit"), cursor: text("cursor"))
                let (result, next) = try await DiffRoute(state: pages.state).run(comparison)
                page.fill(result, columns: toColumns + fromColumns)
                if let next {
                    page.nextURL = "/datasets/\(summary.id)/diff?" + [("from", String(comparison.from)), ("to", String(comparison.to)),
                                                                      ("key", key.joined(separator: ",")),
                                                                      ("limit", String(comparison.limit)), ("cursor", next)]
                        .map { "\($0)=\(TableViewState.encode($1))" }.joined(separator: "&")
                }
                if comparison.after != nil {
                    page.continued = true
                    page.firstURL = "/datasets/\(summary.id)/diff?from=\(comparison.from)&to=\(comparison.to)&key="
                        + TableViewState.encode(key.joined(separator: ",")) + "&limit=\(comparison.limit)"
                }
            } catch let problem as Problem where problem.status == .badRequest {
                page.problem = problem.detail
                status = .badRequest
            }
            let chosen = Set(key.map { $0.lowercased() })
            var names = toColumns + fromColumns + page.columns.map(\.name) + key
            names = names.enumerated().filter { i, n in !names[..<i].contains { $0.lowercased() == n.lowercased() } }.map(\.1)
            page.keyChoices = names.map { .init(name: $0, selected: chosen.contains($0.lowercased())) }
            return PageRoutes.html(PageTemplates.render(page, "diff"), status: status)
        }
    }
}

/// The diff page of two versions.
struct DiffPageModel: Sendable {
    struct Choice: Sendable {
        var number: String
        var fromSelected: Bool
        var toSelected: Bool
    }

    struct KeyChoice: Sendable {
        var name: String
        var selected: Bool
    }

    struct Column: Sendable {
        var name: String
        var isKey: Bool
    }

    /// A cell of the differences: an added or removed row's value, or a
    /// changed cell's old and new value (an unchanged one is empty).
    struct Cell: Sendable {
        var changed: Bool
        var isNull: Bool
        var text: String
        var oldNull: Bool
        var old: String
        /// The whole text (and the old one), for a cell the one-line view may cut.
        var full: String?
    }

    struct Row: Sendable {
        /// `added`, `removed` or `changed` (the row's CSS class).
        var change: String
        /// `+`, `−` or `~`.
        var mark: String
        var cells: [Cell]
    }

    var title: String
    var frame: PageFrame
    var dataset: String
    var datasetID: Int64
    var from: String
    var to: String
    var versions: [Choice]
    var keyChoices: [KeyChoice] = []
    var problem: String?
    var compared = false
    var added: [String] = []
    var removed: [String] = []
    var retyped: [DiffTypeChange] = []
    var counts: String?
    var columns: [Column] = []
    var rows: [Row] = []
    var continued = false
    var firstURL: String?
    var nextURL: String?

    /// The page of differences `result`, its columns in the versions' order
    /// (`known`, then any only the rows name), the key first.
    mutating func fill(_ result: DiffPage, columns known: [String]) {
        compared = true
        added = result.columns.added
        removed = result.columns.removed
        retyped = result.columns.typeChanged
        if let c = result.counts {
            counts = "\(PageFormat.count(Int64(c.added))) added, \(PageFormat.count(Int64(c.removed))) removed, "
                + "\(PageFormat.count(Int64(c.changed))) changed, \(PageFormat.count(Int64(c.unchanged))) unchanged"
        }
        var names = result.key
        func add(_ name: String) { if !names.contains(where: { $0.lowercased() == name.lowercased() }) { names.append(name) } }
        known.forEach(add)
        for row in result.rows {
            row.values.forEach { add($0.column) }
            row.cells.forEach { add($0.column) }
        }
        let keyCount = result.key.count
        self.columns = names.enumerated().map { Column(name: $1, isKey: $0 < keyCount) }
        rows = result.rows.map { row in
            let values = Dictionary(row.values.map { ($0.column.lowercased(), $0.value) }, uniquingKeysWith: { a, _ in a })
            let cells = Dictionary(row.cells.map { ($0.column.lowercased(), $0) }, uniquingKeysWith: { a, _ in a })
            return Row(change: row.change.rawValue, mark: row.change == .added ? "+" : row.change == .removed ? "−" : "~",
                       cells: names.enumerated().map { i, name in
                           if i < keyCount { return Self.cell(row.key[i]) }
                           if let c = cells[name.lowercased()] {
                               var cell = Self.cell(c.new)
                               cell.changed = true
                               cell.oldNull = c.old == nil
                               cell.old = c.old ?? ""
                               cell.full = "\(c.old ?? "NULL") → \(c.new ?? "NULL")"
                               return cell
                           }
                           if row.change != .changed, let value = values[name.lowercased()] { return Self.cell(value) }
                           return Cell(changed: false, isNull: false, text: "", oldNull: false, old: "", full: nil)
                       })
        }
    }

    static func cell(_ value: String?) -> Cell {
        guard let value else { return Cell(changed: false, isNull: true, text: "", oldNull: false, old: "", full: nil) }
        return Cell(changed: false, isNull: false, text: value, oldNull: false, old: "",
                    full: value.count > 24 || value.contains("\n") ? value : nil)
    }
}
