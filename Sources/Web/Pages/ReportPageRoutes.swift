import Accounts
import Catalog
import Foundation
import Hummingbird
import JobContracts
import JobQueue
import Reports

/// Reports and printing from the pages (issue 16, item 5):
/// - `POST /versions/{id}/reports`: the table page's form (editors; the
///   session's CSRF token, checked by ``AuthenticationMiddleware``) asks
///   for a CSV, XLSX or PDF of the view it shows (columns, filters, sort,
///   search) through API v1's own path
///   (``ReportRoutes/enqueueReport(_:record:ref:principal:via:)``), then
///   the browser goes to the job's page (``UploadPageRoutes``), which
///   polls until the download link (or the error) appears;
/// - `GET /datasets/{id}/reports`: the dataset's earlier reports, newest
///   first, paged back by id like `/activity`;
/// - `GET /versions/{id}/print?<the table's view>`: the view as plain HTML
///   for the browser's print dialog, up to ``printMaxRows`` rows.
/// Every lookup is the scoped one of API v1: another department's dataset,
/// version or report is a 404 page.
struct ReportPageRoutes {
    let pages: PageRoutes
    var state: WebState { pages.state }
    /// Reports on one page of a dataset's list.
    static let pageSize = 50
    /// The largest view the print page draws, in rows: 5,000 rows of 20
    /// columns is about 2 MB of HTML and some 150 printed pages, which a
    /// browser still lays out in seconds. A larger view gets a PDF job
    /// (`PYRAMYDAL_PRINT_MAX_ROWS`, paged and numbered by the worker) instead.
    static let printMaxRows = 5_000

    func register(_ router: Router<WebRequestContext>) {
        router.post("versions/:id/reports", use: requestReport)
        router.get("versions/:id/print", use: printView)
        router.get("datasets/:id/reports", use: reports)
    }

    // MARK: - request

    @Sendable func requestReport(_ request: Request, context: WebRequestContext) async throws -> Response {
        var request = request
        return try await pages.page(request, context) { principal in
            let (record, ref) = try await pages.api.visibleVersion(context)
            try ReportRoutes.requireEditor(principal, ref)
            let text = String(buffer: try await request.collectBody(upTo: context.maxUploadSize))
            let form = FormFields(text), view = TableViewState(query: text)
            let body = API.ReportRequestBody(format: form.first("format") ?? "", columns: view.columns, where: view.filters,
                                             sort: view.sort.map { [$0] }, q: view.q)
            let job = try await ReportRoutes(state: state).enqueueReport(body, record: record, ref: ref, principal: principal,
                                                                         via: "pages")
            return PageRoutes.redirect("/jobs/\(job.id)")
        }
    }

    // MARK: - earlier reports

    @Sendable func reports(_ request: Request, context: WebRequestContext) async throws -> Response {
        try await pages.page(request, context) { principal in
            let (summary, _) = try await pages.api.visibleDataset(context)
            let before = FormFields(request.uri.query ?? "").first("before").flatMap { Int64($0) }
            let catalog = state.catalog, departments = ReportRoutes.scope(principal), limit = Self.pageSize
            let found = try await state.pool.run { conn in
                try catalog.reportArtifacts(departments: departments, dataset: summary.ref, beforeID: before, limit: limit + 1,
                                            on: conn)
            }
            let shown = found.prefix(limit)
            let base = "/datasets/\(summary.id)/reports"
            let page = ReportsPage(
                title: "\(summary.ref) reports", frame: try await pages.frame(principal, current: summary.id),
                dataset: summary.ref.description, datasetID: summary.id, reports: shown.map(ReportsPage.Report.init),
                olderURL: found.count > limit ? shown.last.map { "\(base)?before=\($0.id)" } : nil)
            return PageRoutes.html(PageTemplates.render(page, "reports"))
        }
    }

    // MARK: - print

    @Sendable func printView(_ request: Request, context: WebRequestContext) async throws -> Response {
        try await pages.page(request, context) { principal in
            let (record, ref) = try await pages.api.visibleVersion(context)
            guard record.status == "committed", let table = record.tableName else {
                return PageRoutes.redirect("/datasets/\(record.datasetID)/versions")
            }
            let view = TableViewState(query: request.uri.query ?? "").fromTheTop
            let canReport = (principal.user.role(in: ref.department) ?? .viewer) >= .editor
            var page = PrintPage(ref: ref, record: record, view: view, printed: PageFormat.time(Date()))
            do {
                let (columns, rows, more) = try await printRows(of: record, table: table, view: view)
                page.columns = columns.map { .init(name: $0.name, align: PageFormat.align($0.type)) }
                if more {
                    page.tooMany = true
                    page.report = canReport ? ReportForm(versionID: record.id, view: view, csrf: PageRoutes.csrf(principal)) : nil
                } else {
                    page.rows = PageRoutes.shownRows(rows, columns: columns, of: record, firstRow: 1)
                    page.rowsText = PageFormat.rows(Int64(rows.count))
                }
            } catch let problem as Problem where problem.status == .badRequest {
                page.problem = problem.detail
            }
            return PageRoutes.html(PageTemplates.render(page, "print"))
        }
    }

    /// The view's rows in the table page's order, read a page at a time
    /// with its keyset cursor, up to ``printMaxRows`` (`more`: there are more).
    func printRows(of record: VersionRecord, table: String,
                   view: TableViewState) async throws -> (columns: [ReportColumn], rows: [[String?]], more: Bool) {
        var request = view.rowRequest(limit: RowPage.maxLimit)
        var rows: [[String?]] = []
        while true {
            let read = try await state.readRows(of: record, table: table, request)
            rows += read.rows
            guard rows.count <= Self.printMaxRows else { return (read.page.columns, [], true) }
            guard let next = read.next else { return (read.page.columns, rows, false) }
            request.cursor = next
        }
    }
}

/// The table page's (and the oversized print view's) form that makes a
/// report of the view: the view's fields hidden, a format to choose.
struct ReportForm: Sendable {
    var action: String
    var csrf: String
    var fields: [TablePage.Field]

    init(versionID: Int64, view: TableViewState, csrf: String) {
        action = "/versions/\(versionID)/reports"
        self.csrf = csrf
        fields = view.fromTheTop.pairs.map { .init(name: $0.name, value: $0.value) }
    }
}

/// What a report was made of, read back from its artifact's request
/// (`{"columns": […], "filters": […], "sort": […], "search": …}`).
struct ReportView: Decodable, Sendable {
    var columns: [String]?
    var filters: [String]?
    var sort: [String]?
    var search: String?

    init(json: String) {
        self = (try? JSONDecoder().decode(Self.self, from: Data(json.utf8))) ?? Self()
    }

    init() {}

    /// `columns: a, b · where: x > 1 and y = 2 · sort: x desc · search: "z"`, or `the whole version`.
    var description: String {
        var parts: [String] = []
        if let columns, !columns.isEmpty { parts.append("columns: " + columns.joined(separator: ", ")) }
        if let filters, !filters.isEmpty { parts.append("where: " + filters.joined(separator: " and ")) }
        if let sort, !sort.isEmpty { parts.append("sort: " + sort.joined(separator: ", ")) }
        if let search, !search.isEmpty { parts.append("search: \"\(search)\"") }
        return parts.isEmpty ? "the whole version" : parts.joined(separator: " · ")
    }

    /// The table page's view (its one sort key at most; nil with more).
    var tableView: TableViewState? {
        guard (sort ?? []).count <= 1 else { return nil }
        return TableViewState(columns: columns ?? [], filters: filters ?? [], sort: sort?.first, q: search)
    }
}

/// A dataset's earlier reports.
struct ReportsPage: Sendable {
    struct Report: Sendable {
        var when: String
        var iso: String
        var who: String
        var jobURL: String?
        var job: String
        var format: String
        var version: String
        var versionURL: String?
        var view: String
        var viewURL: String?
        var size: String
        var download: String
        var fileName: String

        init(_ a: ReportArtifact) {
            when = PageFormat.time(a.createdAt)
            iso = PageFormat.iso(a.createdAt)
            who = a.requestedBy ?? ""
            jobURL = a.jobID.map { "/jobs/\($0)" }
            job = a.jobID.map { "job \($0)" } ?? ""
            format = a.kind.uppercased()
            version = a.version.map { "v\($0)" } ?? ""
            versionURL = a.versionID.map { "/versions/\($0)" }
            let shape = ReportView(json: a.filtersJSON)
            view = shape.description
            viewURL = a.versionID.flatMap { id in shape.tableView.map { $0.url("/versions/\(id)") } }
            size = a.bytes.map(PageFormat.bytes) ?? ""
            download = "/api/v1/reports/\(a.id)/download"
            fileName = ReportDownload.fileName(of: a.key)
        }
    }

    var title: String
    var frame: PageFrame
    var dataset: String
    var datasetID: Int64
    var reports: [Report]
    var olderURL: String?
}

/// The print view: a title block and the view's rows in one table.
struct PrintPage: Sendable {
    struct Column: Sendable {
        var name: String
        var align: String
    }

    var title: String
    var dataset: String
    var version: String
    var columnsText: String
    var filters: String
    var sort: String
    var search: String?
    var printed: String
    var backURL: String
    var columns: [Column] = []
    var rows: [TablePage.Row] = []
    var rowsText = ""
    /// More rows than ``ReportPageRoutes/printMaxRows``: no table, the PDF job offered instead.
    var tooMany = false
    var bound = PageFormat.count(Int64(ReportPageRoutes.printMaxRows))
    var report: ReportForm?
    var problem: String?

    init(ref: DatasetRef, record: VersionRecord, view: TableViewState, printed: String) {
        version = record.version.map { "version \($0)" } ?? ""
        title = "\(ref) \(version)"
        dataset = ref.description
        columnsText = view.columns.isEmpty ? "all" : view.columns.joined(separator: ", ")
        filters = view.filters.isEmpty ? "none" : view.filters.joined(separator: " and ")
        sort = view.sort ?? "table order"
        search = view.q
        self.printed = printed
        backURL = view.url("/versions/\(record.id)")
    }
}
