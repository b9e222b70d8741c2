import Accounts
import Catalog
import Foundation
import Hummingbird
import JobQueue

/// `/activity` (the audit log) and `/jobs` (the job queue), scoped to the
/// user's departments as API v1's audit and jobs are: a global admin sees
/// everything, anyone else the rows and jobs of their departments only.
/// Both page backwards by id ("older →"); admins of a job's department
/// cancel or retry it with a POST form carrying the session's CSRF token.
struct ActivityPageRoutes {
    let state: WebState
    var pages: PageRoutes { PageRoutes(state: state) }
    static let pageSize = 50
    /// Jobs read per page of `/jobs` at most (those of other departments are skipped, not shown).
    static let jobScan = 1000

    func register(_ router: Router<WebRequestContext>) {
        router.get("activity", use: activity)
        router.get("jobs", use: jobs)
        router.post("jobs/:id/cancel", use: cancel)
        router.post("jobs/:id/retry", use: retry)
    }

    // MARK: - activity

    @Sendable func activity(_ request: Request, context: WebRequestContext) async throws -> Response {
        try await pages.page(request, context) { principal in
            let query = FormFields(request.uri.query ?? "")
            let action = query.first("action").flatMap(Self.nonEmpty), user = query.first("user").flatMap(Self.nonEmpty)
            let before = query.first("before").flatMap { Int64($0) }
            let departments: [String]? = principal.user.isAdmin ? nil : Array(principal.user.grants.keys)
            let catalog = state.catalog, limit = Self.pageSize
            let entries = try await state.pool.run { conn in
                try catalog.auditEntries(departments: departments, beforeID: before, limit: limit + 1, action: action, who: user,
                                         on: conn)
            }
            let shown = entries.prefix(limit)
            var older: String?
            if entries.count > limit, let last = shown.last {
                older = Self.url("/activity", ["action": action, "user": user, "before": String(last.id)])
            }
            let page = ActivityPage(
                title: "Activity", frame: try await pages.frame(principal, current: nil), action: action ?? "", user: user ?? "",
                entries: shown.map { e in
                    ActivityPage.Entry(when: PageFormat.time(e.at), iso: PageFormat.iso(e.at), who: e.who, what: e.what,
                                       outcome: e.outcome, detail: e.detail ?? "")
                },
                filtered: action != nil || user != nil, olderURL: older)
            return PageRoutes.html(PageTemplates.render(page, "activity"))
        }
    }

    // MARK: - jobs

    @Sendable func jobs(_ request: Request, context: WebRequestContext) async throws -> Response {
        try await pages.page(request, context) { principal in
            let query = FormFields(request.uri.query ?? "")
            let stateName = query.first("state").flatMap(Self.nonEmpty)
            let filter = try stateName.map { name -> JobState in
                guard let known = JobState(rawValue: name) else { throw Problem.badRequest("no job state \(name)", field: "state") }
                return known
            }
            var before = query.first("before").flatMap { Int64($0) }
            let schema = state.jobsSchema, limit = Self.pageSize
            // Newest first, skipping other departments' jobs, until a page is full or `jobScan` jobs were read.
            var visible: [(Job, Role)] = [], scanned = 0, exhausted = false
            while visible.count < limit, scanned < Self.jobScan, !exhausted {
                let from = before
                let batch = try await state.pool.withConnection { conn in
                    try await JobQueue(connection: conn, schema: schema).jobs(states: filter.map { [$0] } ?? [], beforeID: from,
                                                                              limit: 200)
                }
                exhausted = batch.count < 200
                for job in batch where visible.count < limit {
                    before = job.id
                    scanned += 1
                    if let role = JobScope.role(of: principal, for: job) { visible.append((job, role)) }
                }
            }
            let older: String? = exhausted && visible.count < limit ? nil
                : before.map { Self.url("/jobs", ["state": stateName, "before": String($0)]) }
            let frame = try await pages.frame(principal, current: nil)
            let page = JobsPage(
                title: "Jobs", frame: frame,
                states: JobState.allCases.map { .init(value: $0.rawValue, selected: $0 == filter) }, filtered: filter != nil,
                jobs: visible.map { job, role in
                    let status = JobStatus(job, links: [])
                    return JobsPage.Row(
                        status: status, created: PageFormat.time(job.createdAt), iso: PageFormat.iso(job.createdAt),
                        progress: status.percent.map { "\($0) %" } ?? "", canCancel: role >= .admin && status.polling,
                        canRetry: role >= .admin && [.scheduled, .retryable, .discarded, .cancelled].contains(job.state))
                },
                olderURL: older)
            return PageRoutes.html(PageTemplates.render(page, "jobs"))
        }
    }

    @Sendable func cancel(_ request: Request, context: WebRequestContext) async throws -> Response {
        try await change(.cancel, request, context)
    }

    @Sendable func retry(_ request: Request, context: WebRequestContext) async throws -> Response {
        try await change(.retry, request, context)
    }

    /// Cancels or retries (admin of the job's department; the middleware
    /// checked the form's CSRF token), then back to the jobs page.
    func change(_ change: APIRoutes.JobChange, _ request: Request, _ context: WebRequestContext) async throws -> Response {
        try await pages.page(request, context) { principal in
            let api = APIRoutes(state: state)
            let job = try await api.visibleJob(context, minimum: .admin)
            _ = try await api.change(job, change, by: principal, via: "pages")
            return PageRoutes.redirect("/jobs")
        }
    }

    // MARK: - helpers

    static func nonEmpty(_ text: String) -> String? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        return trimmed.isEmpty ? nil : trimmed
    }

    /// `path` with the query of the non-nil `fields`, in name order.
    static func url(_ path: String, _ fields: [String: String?]) -> String {
        let query = fields.compactMap { name, value in value.map { "\(name)=\(TableViewState.encode($0))" } }.sorted()
        return query.isEmpty ? path : path + "?" + query.joined(separator: "&")
    }
}

struct ActivityPage: Sendable {
    struct Entry: Sendable {
        var when: String
        var iso: String
        var who: String
        var what: String
        var outcome: String
        var detail: String
    }

    var title: String
    var frame: PageFrame
    var action: String
    var user: String
    var entries: [Entry]
    var filtered: Bool
    var olderURL: String?
}

struct JobsPage: Sendable {
    struct Option: Sendable {
        var value: String
        var selected: Bool
    }

    struct Row: Sendable {
        var status: JobStatus
        var created: String
        var iso: String
        var progress: String
        var canCancel: Bool
        var canRetry: Bool
    }

    var title: String
    var frame: PageFrame
    var states: [Option]
    var filtered: Bool
    var jobs: [Row]
    var olderURL: String?
}
