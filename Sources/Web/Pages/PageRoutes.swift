import Basics
import Accounts
import Catalog
import Foundation
import HTTPTypes
import Hummingbird
import Reports

/// The HTML pages: sign-in, the frame (departments and their datasets),
/// a version's rows as a table, a dataset's versions. Server-rendered
/// (``PageTemplates``), plain links and GET forms first; htmx on top swaps
/// only the table's `rows` partial for a request with `HX-Request: true`.
/// Every page needs a session (else a redirect to `/login`) and reads
/// through the same scoped lookups as API v1 (``APIRoutes/visibleVersion(_:)``),
/// so another department's dataset or version is a 404 page.
struct PageRoutes {
    let state: WebState
    var api: APIRoutes { APIRoutes(state: state) }
    /// Rows on one page of a table.
    static let pageSize = 100
    /// The double-submit cookie of the sign-in form (there is no session yet to bind a token to).
    static let loginCookie = "pyramydal_login"
    static let hxRequest = HTTPField.Name("HX-Request")!
    static let hxHistoryRestore = HTTPField.Name("HX-History-Restore-Request")!
    static let hxPushURL = HTTPField.Name("HX-Push-Url")!
    static let hxRedirect = HTTPField.Name("HX-Redirect")!

    func register(_ router: Router<WebRequestContext>) {
        router.get("/", use: home)
        router.get("login", use: loginForm)
        router.post("login", use: login)
        router.post("logout", use: logout)
        router.get("datasets/:id", use: dataset)
        router.get("datasets/:id/versions", use: versions)
        router.get("versions/:id", use: table)
        router.get("versions/:id/count", use: count)
        ReportPageRoutes(pages: self).register(router)
        router.get("static/:file", use: StaticFiles.serve)
        UploadPageRoutes(state: state).register(router)
        ActivityPageRoutes(state: state).register(router)
        DiffPageRoutes(pages: self).register(router); ManagePageRoutes(pages: self).register(router)
        AdminPageRoutes(pages: self).register(router)
    }

    // MARK: - sign-in

    @Sendable func loginForm(_ request: Request, context: WebRequestContext) async throws -> Response {
        let next = Self.localPath(FormFields(request.uri.query ?? "").first("next"))
        if context.principal != nil { return Self.redirect(next) }
        return loginPage(next: next, username: "", message: nil, status: .ok)
    }

    /// A fresh form with a new double-submit token (cookie and field).
    func loginPage(next: String, username: String, message: String?, status: HTTPResponse.Status) -> Response {
        let token = SecretToken.random()
        var response = Self.html(PageTemplates.render(LoginPage(csrf: token, next: next, username: username, message: message),
                                                      "login"), status: status)
        response.setCookie(Cookie(name: Self.loginCookie, value: token, maxAge: 3600, path: "/login",
                                  secure: state.settings.secureCookies, httpOnly: true, sameSite: .strict))
        return response
    }

    @Sendable func login(_ request: Request, context: WebRequestContext) async throws -> Response {
        var request = request
        guard request.headers[.contentType]?.lowercased().hasPrefix("application/x-www-form-urlencoded") == true else {
            return loginPage(next: "/", username: "", message: "Send the sign-in form.", status: .unsupportedMediaType)
        }
        let form = FormFields(String(buffer: try await request.collectBody(upTo: context.maxUploadSize)))
        let username = form.first("username") ?? "", password = form.first("password") ?? ""
        let next = Self.localPath(form.first("next"))
        guard let sent = form.first(AuthenticationMiddleware.csrfField), let cookie = request.cookies[Self.loginCookie]?.value,
              !sent.isEmpty, SecretToken.equal(sent, cookie) else {
            return loginPage(next: next, username: username, message: "The sign-in form had expired; please sign in again.",
                             status: .forbidden)
        }
        let (outcome, client) = try await api.signIn(username: username, password: password, request, context: context)
        switch outcome {
        case .throttled(let seconds):
            var response = loginPage(next: next, username: username,
                                     message: "Too many failed sign-ins for this account or address; try again later.",
                                     status: .tooManyRequests)
            response.headers[.retryAfter] = String(seconds)
            return response
        case .refused:
            return loginPage(next: next, username: username, message: "Wrong username or password.", status: .unauthorized)
        case .signedIn(let session):
            try await api.auditAction(who: session.user.username, what: "sign in", outcome: "done",
                                      details: ["client": .string(client)], via: "pages")
            var response = Self.redirect(next)
            response.setCookie(api.sessionCookie(session.cookieValue))
            response.setCookie(Cookie(name: Self.loginCookie, value: "", maxAge: 0, path: "/login",
                                      secure: state.settings.secureCookies, httpOnly: true, sameSite: .strict))
            return response
        }
    }

    /// Signs out (the middleware has checked the form's CSRF token).
    @Sendable func logout(_ request: Request, context: WebRequestContext) async throws -> Response {
        if let principal = context.principal, case .session(let id, _) = principal.credential {
            let accounts = state.accounts
            try await state.pool.run { try accounts.revokeSession(id: id, on: $0) }
            try await api.auditAction(who: principal.actor, what: "sign out", outcome: "done", via: "pages")
        }
        var response = Self.redirect("/login")
        response.setCookie(api.sessionCookie("", maxAge: 0))
        return response
    }

    // MARK: - pages

    @Sendable func home(_ request: Request, context: WebRequestContext) async throws -> Response {
        try await page(request, context) { principal in
            let frame = try await frame(principal, current: nil)
            return Self.html(PageTemplates.render(HomePage(title: "Datasets", frame: frame), "home"))
        }
    }

    /// A dataset's latest committed version (the query kept), or its versions when none committed.
    @Sendable func dataset(_ request: Request, context: WebRequestContext) async throws -> Response {
        try await page(request, context) { _ in
            let (summary, versions) = try await api.visibleDataset(context)
            guard let latest = versions.first(where: { $0.status == "committed" }) else {
                return Self.redirect("/datasets/\(summary.id)/versions")
            }
            let query = request.uri.query.flatMap { $0.isEmpty ? nil : "?" + $0 } ?? ""
            return Self.redirect("/versions/\(latest.id)" + query)
        }
    }

    @Sendable func versions(_ request: Request, context: WebRequestContext) async throws -> Response {
        try await page(request, context) { principal in
            let (summary, versions) = try await api.visibleDataset(context)
            let frame = try await frame(principal, current: summary.id)
            let latest = versions.first { $0.status == "committed" }
            var page = VersionsPage(
                title: "\(summary.ref) versions", frame: frame, dataset: summary.ref.description, datasetID: summary.id,
                latestURL: latest.map { "/versions/\($0.id)" },
                versions: versions.map { v in
                    let source = v.sourceURI
                    return VersionsPage.Version(
                        label: v.version.map { "v\($0)" } ?? "attempt", url: v.status == "committed" ? "/versions/\(v.id)" : nil,
                        status: v.status, who: v.createdBy ?? "", when: (v.committedAt ?? v.createdAt).map(PageFormat.time) ?? "",
                        iso: (v.committedAt ?? v.createdAt).map(PageFormat.iso) ?? "", source: source,
                        sourceFile: source.split(separator: "/").last.map(String.init) ?? source, sheet: v.sheet ?? "",
                        rows: v.rowCount.map(PageFormat.count) ?? "", notes: v.notes, error: v.error?.description)
                })
            ManagePageRoutes.decorate(&page, summary: summary, versions: versions, principal: principal, query: request.uri.query ?? "")
            return Self.html(PageTemplates.render(page, "versions"))
        }
    }

    @Sendable func table(_ request: Request, context: WebRequestContext) async throws -> Response {
        let query = request.uri.query ?? ""
        let path = request.uri.path
        // The filter row's form fields become `where=`: the URL stays the API's.
        if TableViewState.hasFormFields(query), request.headers[Self.hxRequest] == nil {
            return Self.redirect(TableViewState(query: query).fromTheTop.url(path))
        }
        return try await page(request, context) { principal in
            let (record, ref) = try await api.visibleVersion(context)
            guard record.status == "committed", let table = record.tableName else {
                return Self.redirect("/datasets/\(record.datasetID)/versions")
            }
            var view = TableViewState(query: query)
            if TableViewState.hasFormFields(query) { view = view.fromTheTop }
            let page = try await tablePage(record: record, ref: ref, table: table, view: view, path: path,
                                           frame: try await frame(principal, current: record.datasetID),
                                           canReport: (principal.user.role(in: ref.department) ?? .viewer) >= .editor)
            let partial = request.headers[Self.hxRequest] == "true" && request.headers[Self.hxHistoryRestore] != "true"
            var response = Self.html(PageTemplates.render(page, partial ? "rows" : "table"))
            // One URL, two bodies: no cache may hand the partial to a plain request (they are no-store anyway).
            response.headers[.vary] = "HX-Request"
            if partial { response.headers[Self.hxPushURL] = view.url(path) }
            return response
        }
    }

    /// The exact count of a filtered view, asked for apart from its first page.
    @Sendable func count(_ request: Request, context: WebRequestContext) async throws -> Response {
        try await page(request, context) { principal in
            let (record, _) = try await api.visibleVersion(context)
            guard record.status == "committed", let table = record.tableName else { throw Problem.notFound("version \(record.id)") }
            let view = TableViewState(query: request.uri.query ?? "")
            let text: String
            do {
                text = PageFormat.rows(try await state.countRows(of: record, table: table, view.rowRequest(limit: Self.pageSize)))
            } catch let problem as Problem where problem.status == .badRequest {
                text = "no count: \(problem.detail)"
            }
            if request.headers[Self.hxRequest] == "true" {
                return Self.html(PageTemplates.render(["text": text], "count"))
            }
            return Self.html(PageTemplates.render(NoticePage(
                title: "Count", frame: try await frame(principal, current: record.datasetID), heading: text,
                detail: "Rows of this view.", link: view.url("/versions/\(record.id)"), linkText: "Back to the table"), "notice"))
        }
    }

    // MARK: - the table

    func tablePage(record: VersionRecord, ref: DatasetRef, table: String, view: TableViewState, path: String,
                   frame: PageFrame, canReport: Bool) async throws -> TablePage {
        var problem: String?
        var read: RowPageResult?
        do {
            read = try await state.readRows(of: record, table: table, view.rowRequest(limit: Self.pageSize), startingAt: view.row)
        } catch let p as Problem where p.status == .badRequest {
            problem = p.detail
        }
        let shownNames = Set(view.columns.map { $0.lowercased() })
        let columns: [ReportColumn] = read?.page.columns ?? record.columns
            .filter { shownNames.isEmpty || shownNames.contains($0.name.lowercased()) }
            .map { ReportColumn(name: $0.name, type: ReportColumnType(postgresType: $0.type)) }
        // The filter row shows the first filter of each shown column; the others ride along hidden.
        var rowFilters: [String: ReportFilter] = [:]
        var hidden: [String] = []
        for text in view.filters {
            if let f = try? ReportFilter(parsing: text), let c = columns.first(where: { $0.name.lowercased() == f.column.lowercased() }),
               rowFilters[c.name] == nil {
                rowFilters[c.name] = f
            } else {
                hidden.append(text)
            }
        }
        let sortKey = view.sortKey
        let pageColumns = columns.map { c -> TablePage.Column in
            var sorted = view.fromTheTop
            let current = sortKey.map { $0.column.lowercased() == c.name.lowercased() } ?? false
            sorted.sort = current && sortKey?.descending == false ? "\(c.name) desc" : c.name
            let filter = rowFilters[c.name]
            let ops = PageFormat.operators(c.type)
            return TablePage.Column(
                name: c.name, type: PageFormat.typeName(c.type), align: PageFormat.align(c.type), sortURL: sorted.url(path),
                arrow: current ? (sortKey!.descending ? " ▼" : " ▲") : "",
                ops: ops.map { op in
                    TablePage.Column.Op(value: op.rawValue, label: op == .contains ? "has" : op.rawValue,
                                        selected: filter.map { $0.op == op } ?? (op == ops[0]))
                },
                filterValue: filter?.value ?? "")
        }
        let rows = Self.shownRows(read?.rows ?? [], columns: columns, of: record, firstRow: view.row)
        let filtered = !view.filters.isEmpty || view.q != nil
        let shown = Int64(rows.count)
        var countExact = true, countText = ""
        if !filtered, let total = record.rowCount {
            countText = PageFormat.rows(total)
        } else if view.row == 1, read?.next == nil {
            countText = PageFormat.rows(shown)
        } else {
            countExact = false
            countText = "≈ more than \(PageFormat.count(Int64(view.row) - 1 + shown)) rows (counting…)"
        }
        var previous: String?
        if view.row > 1 {
            var back = view.fromTheTop
            back.row = max(1, view.row - Self.pageSize)
            previous = back.url(path)
        }
        var nextURL: String?
        if let next = read?.next {
            var forward = view
            forward.cursor = next
            forward.row = view.row + rows.count
            nextURL = forward.url(path)
        }
        let shownSet = Set(columns.map(\.name))
        return TablePage(
            title: "\(ref) v\(record.version ?? 0)", frame: frame, dataset: ref.description, datasetID: record.datasetID,
            version: record.version.map { "version \($0)" } ?? "", path: path, q: view.q ?? "", sort: view.sort,
            hiddenFilters: hidden, allColumns: record.columns.map { .init(name: $0.name, shown: shownSet.contains($0.name)) },
            columns: pageColumns, rows: rows, problem: problem, countExact: countExact, countText: countText,
            countURL: view.fromTheTop.url(path + "/count"),
            first: PageFormat.count(Int64(rows.isEmpty ? 0 : view.row)), last: PageFormat.count(Int64(view.row) - 1 + shown), firstRow: view.row,
            previousURL: previous, nextURL: nextURL,
            gotoFields: view.fromTheTop.pairs.map { .init(name: $0.name, value: $0.value) },
            printURL: view.fromTheTop.url(path + "/print"), reportsURL: "/datasets/\(record.datasetID)/reports",
            report: canReport ? ReportForm(versionID: record.id, view: view, csrf: frame.csrf ?? "") : nil)
    }

    /// Rows as the pages show them (the table, the print view): numbers
    /// and dates as the workbook showed them (`1,234.50 €`, `31.12.2024`),
    /// numbered from `firstRow`.
    static func shownRows(_ raw: [[String?]], columns: [ReportColumn], of record: VersionRecord, firstRow: Int) -> [TablePage.Row] {
        let workbookFormats = Dictionary(record.columns.compactMap { c in c.format.map { (c.name, $0.code) } },
                                         uniquingKeysWith: { first, _ in first })
        let formats = columns.map { c in ExcelNumberFormat.of(ReportColumn(name: c.name, type: c.type, format: workbookFormats[c.name])) }
        return raw.enumerated().map { index, cells in
            TablePage.Row(number: PageFormat.count(Int64(firstRow + index)), cells: cells.enumerated().map { i, value in
                let type = columns[i].type
                guard let value else { return TablePage.Cell(isNull: true, text: "", align: "", full: nil) }
                let text = formats[i]?.shown(value, as: type) ?? value
                return TablePage.Cell(isNull: false, text: text, align: PageFormat.align(type),
                                      full: type == .text && (text.count > 24 || text.contains("\n")) ? text : nil)
            })
        }
    }

    // MARK: - helpers

    /// Runs a page's body for the signed-in principal; without one, a
    /// redirect to the sign-in form (an htmx request gets `HX-Redirect`).
    /// A ``Problem`` becomes a page with its status (404: "not found").
    func page(_ request: Request, _ context: WebRequestContext,
              _ body: (Principal) async throws -> Response) async throws -> Response {
        guard let principal = context.principal else {
            let back = request.uri.path + (request.uri.query.flatMap { $0.isEmpty ? nil : "?" + $0 } ?? "")
            let login = back == "/" ? "/login" : "/login?next=" + TableViewState.encode(back)
            if request.headers[Self.hxRequest] == "true" {
                var response = Response(status: .ok)
                response.headers[Self.hxRedirect] = login
                return response
            }
            return Self.redirect(login)
        }
        do {
            return try await body(principal)
        } catch let problem as Problem {
            let frame = try? await frame(principal, current: nil)
            let heading = problem.status == .notFound ? "Not found" : problem.title
            return Self.html(PageTemplates.render(NoticePage(title: heading, frame: frame, heading: heading, detail: problem.detail,
                                                             link: "/", linkText: "Your datasets"), "notice"),
                             status: problem.status)
        }
    }

    /// The frame: the principal's departments with the datasets they may see.
    func frame(_ principal: Principal, current: Int64?) async throws -> PageFrame {
        let catalog = state.catalog
        let all = try await state.pool.run { try catalog.listDatasets(on: $0) }
        return PageFrame(principal: principal, datasets: all.filter { principal.user.role(in: $0.ref.department) != nil },
                         current: current)
    }

    /// The session's CSRF token for a page's POST form (empty for a bearer token, which needs none).
    static func csrf(_ principal: Principal) -> String {
        if case .session(_, let token) = principal.credential { return token }
        return ""
    }

    /// `next` if it is a path on this site (not `//host`), else `/`.
    static func localPath(_ next: String?) -> String {
        guard let next, next.hasPrefix("/"), !next.hasPrefix("//"), !next.hasPrefix("/\\"),
              !next.contains(where: { $0.isNewline }) else { return "/" }
        return next
    }

    static func redirect(_ location: String) -> Response {
        Response(status: .seeOther, headers: [.location: location])
    }

    static func html(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "text/html; charset=utf-8"],
                 body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
