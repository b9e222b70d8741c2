import Accounts
import Catalog
import Foundation
import HTTPTypes
import Hummingbird
import JobQueue
import Postgres
import Reports

/// API v1: the session, departments, datasets, versions, rows, jobs and the
/// audit log. Every read is scoped to the principal's departments: what
/// belongs to another department answers 404, as if it did not exist.
struct APIRoutes {
    let state: WebState

    func register(_ router: Router<WebRequestContext>) {
        let api = router.group("api/v1")
        api.post("session", use: login)
        api.get("session", use: currentSession)
        api.delete("session", use: logout)
        api.get("departments", use: departments)
        api.get("datasets", use: datasets)
        api.get("datasets/:id", use: dataset)
        api.get("datasets/:id/versions", use: versions)
        api.get("datasets/:id/diff", use: DiffRoute(state: state).diff)
        api.get("versions/:id", use: version)
        api.get("versions/:id/rows", use: rows)
        api.get("versions/:id/rows.csv", use: CSVRoute(state: state).csv)
        api.get("jobs/:id", use: job)
        api.post("jobs/:id/cancel", use: cancelJob)
        api.get("audit", use: audit)
        TransferRoutes(state: state).register(api)
        DatasetManagementRoutes(state: state).register(api)
    }

    // MARK: - session

    @Sendable func login(_ request: Request, context: WebRequestContext) async throws -> Response {
        guard request.headers[.contentType]?.lowercased().hasPrefix("application/json") == true else {
            // A cross-site form cannot send JSON without a CORS preflight: no login CSRF.
            throw Problem(.unsupportedMediaType, "Unsupported media type", "send the credentials as application/json",
                          field: "body")
        }
        let body = try await request.decode(as: API.Login.self, context: context)
        let (outcome, client) = try await signIn(username: body.username, password: body.password, request, context: context)
        switch outcome {
        case .throttled(let seconds):
            var problem = Problem(.tooManyRequests, "Too many requests",
                                  "too many failed sign-ins for this account or address; try again later", field: "username")
            problem.headers[.retryAfter] = String(seconds)
            throw problem
        case .refused:
            throw Problem(.unauthorized, "Unauthorized", "wrong username or password", field: "password")
        case .signedIn(let session):
            try await auditAction(who: session.user.username, what: "sign in", outcome: "done", details: ["client": .string(client)])
            var response = try Self.json(API.SessionJSON(user: .init(session.user), csrf_token: session.csrfToken, via: "session"))
            response.setCookie(sessionCookie(session.cookieValue))
            return response
        }
    }

    /// Checks a name and password (throttled per account and client
    /// address) and, when right, opens a new session, revoking the one the
    /// request still presented. Returns the outcome and the client's address.
    func signIn(username: String, password: String, _ request: Request,
                context: WebRequestContext) async throws -> (LoginOutcome, client: String) {
        let accounts = state.accounts, policy = state.settings.sessions
        let client = state.settings.trustedProxies.clientAddress(
            peer: context.clientAddress, forwardedFor: request.headers[values: HTTPField.Name("X-Forwarded-For")!])
        let previous = (request.cookies[AuthenticationMiddleware.cookieName]?.value).map { Accounts.sessionID(cookieValue: $0) }
        let outcome = try await state.pool.run { conn in
            try accounts.login(username: username, password: password, client: client,
                               previousSessionID: previous, policy: policy, on: conn)
        }
        return (outcome, client)
    }

    @Sendable func currentSession(_ request: Request, context: WebRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        switch principal.credential {
        case .session(_, let csrf):
            return try Self.json(API.SessionJSON(user: .init(principal.user), csrf_token: csrf, via: "session"))
        case .token(_, _, let scope):
            return try Self.json(API.SessionJSON(user: .init(principal.user), via: "token", token_scope: scope.rawValue))
        }
    }

    @Sendable func logout(_ request: Request, context: WebRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        guard case .session(let id, _) = principal.credential else {
            throw Problem.badRequest("a bearer token has no session; revoke the token instead", field: "Authorization")
        }
        let accounts = state.accounts
        try await state.pool.run { try accounts.revokeSession(id: id, on: $0) }
        try await auditAction(who: principal.actor, what: "sign out", outcome: "done")
        var response = Response(status: .noContent)
        response.setCookie(sessionCookie("", maxAge: 0))
        return response
    }

    /// The session cookie with `value`, for the session's whole life; an empty value with `maxAge` 0 removes it.
    func sessionCookie(_ value: String, maxAge: Int? = nil) -> Cookie {
        Cookie(name: AuthenticationMiddleware.cookieName, value: value,
               maxAge: maxAge ?? Int(state.settings.sessions.absoluteTimeout.components.seconds), path: "/",
               secure: state.settings.secureCookies, httpOnly: true, sameSite: .lax)
    }

    // MARK: - departments, datasets, versions

    @Sendable func departments(_ request: Request, context: WebRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let catalog = state.catalog
        let all = try await state.pool.run { try catalog.departments(on: $0) }
        var counts: [String: Int] = [:]
        for d in all { counts[d.name] = d.datasets }
        let names = principal.user.isAdmin ? all.map(\.name) : principal.user.grants.keys.sorted()
        return try Self.json(API.List(items: names.map { name in
            API.DepartmentJSON(name: name, datasets: counts[name] ?? 0, role: principal.user.role(in: name)!.rawValue)
        }, next: nil))
    }

    @Sendable func datasets(_ request: Request, context: WebRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let department = request.uri.queryParameters["department"].map { String($0) }
        let archived: Bool
        switch request.uri.queryParameters["archived"].map({ String($0) }) {
        case nil, "false": archived = false
        case "true": archived = true
        default: throw Problem.badRequest("archived must be true or false", field: "archived")
        }
        let catalog = state.catalog
        let all = try await state.pool.run { try catalog.listDatasets(archived: archived, on: $0) }
        let visible = all.filter { principal.user.role(in: $0.ref.department) != nil }
            .filter { department == nil || $0.ref.department == department }
        return try Self.json(API.List(items: visible.map { API.DatasetJSON($0) }, next: nil))
    }

    @Sendable func dataset(_ request: Request, context: WebRequestContext) async throws -> Response {
        let (summary, versions) = try await visibleDataset(context)
        return try Self.json(API.DatasetJSON(summary, columns: versions.first { $0.status == "committed" }?.columns ?? []))
    }

    @Sendable func versions(_ request: Request, context: WebRequestContext) async throws -> Response {
        let (summary, versions) = try await visibleDataset(context)
        return try Self.json(API.List(items: versions.map { API.VersionJSON($0, dataset: summary.ref) }, next: nil))
    }

    /// The dataset of the path's `id` with its versions (newest first) if the
    /// principal may see it, else 404.
    func visibleDataset(_ context: WebRequestContext) async throws -> (DatasetSummary, [VersionRecord]) {
        let principal = try context.requirePrincipal()
        let id = try Self.id(context)
        let catalog = state.catalog
        let found: (DatasetSummary, [VersionRecord])? = try await state.pool.run { conn in
            guard let summary = try catalog.datasetSummary(id: id, on: conn) else { return nil }
            return (summary, try catalog.listVersions(of: id, on: conn))
        }
        guard let found, principal.user.role(in: found.0.ref.department) != nil else {
            throw Problem.notFound("dataset \(id)")
        }
        return found
    }

    @Sendable func version(_ request: Request, context: WebRequestContext) async throws -> Response {
        let (record, ref) = try await visibleVersion(context)
        return try Self.json(API.VersionJSON(record, dataset: ref))
    }

    /// The version of the path's `id` if the principal may see it, else 404.
    func visibleVersion(_ context: WebRequestContext) async throws -> (VersionRecord, DatasetRef) {
        let principal = try context.requirePrincipal()
        let id = try Self.id(context)
        let catalog = state.catalog
        guard let found = try await state.pool.run({ try catalog.version(id: id, on: $0) }),
              principal.user.role(in: found.dataset.department) != nil else {
            throw Problem.notFound("version \(id)")
        }
        return found
    }

    // MARK: - rows

    @Sendable func rows(_ request: Request, context: WebRequestContext) async throws -> Response {
        let (record, _) = try await visibleVersion(context)
        guard record.status == "committed", let table = record.tableName else {
            throw Problem(.conflict, "No rows", "version \(record.id) is \(record.status): it has no rows to read")
        }
        let query = request.uri.queryParameters
        let limitText = query["limit"].map(String.init)
        let limit: Int? = try limitText.map { text in
            guard let n = Int(text) else { throw Problem.badRequest("limit must be a whole number", field: "limit") }
            return n
        }
        let request = RowRequest(columns: query.getAll("columns").flatMap { $0.split(separator: ",").map(String.init) },
                                 filters: query.getAll("where").map { String($0) }, sort: query.getAll("sort").map { String($0) },
                                 q: query["q"].map { String($0) }, limit: limit, cursor: query["cursor"].map { String($0) })
        let read = try await state.readRows(of: record, table: table, request)
        return Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8"],
                        body: .init(byteBuffer: RowsJSONWriter.encode(columns: read.page.columns, rows: read.rows, next: read.next,
                                                                     limit: read.page.limit)))
    }

    // MARK: - jobs

    /// The job of the path's `id` if the principal may see it (its department's
    /// role, or global admin for jobs of no department), else 404.
    func visibleJob(_ context: WebRequestContext, minimum: Role) async throws -> Job {
        let principal = try context.requirePrincipal()
        let id = try Self.id(context)
        let schema = state.jobsSchema
        let job = try await state.pool.withConnection { conn in
            try await JobQueue(connection: conn, schema: schema).job(id: id)
        }
        guard let job else { throw Problem.notFound("job \(id)") }
        guard let role = JobScope.role(of: principal, for: job) else { throw Problem.notFound("job \(id)") }
        guard role >= minimum else {
            throw Problem.forbidden("this needs the \(minimum) role in the job's department; you are \(role)")
        }
        return job
    }

    @Sendable func job(_ request: Request, context: WebRequestContext) async throws -> Response {
        try Self.json(API.JobJSON(try await visibleJob(context, minimum: .viewer)))
    }

    @Sendable func cancelJob(_ request: Request, context: WebRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let job = try await visibleJob(context, minimum: .editor)
        return try Self.json(API.JobJSON(try await change(job, .cancel, by: principal)))
    }

    enum JobChange: String { case cancel, retry }

    /// Cancels or retries `job` (already found and its role checked) and
    /// audits it; 409 when its state does not allow that.
    func change(_ job: Job, _ change: JobChange, by principal: Principal, via: String = "api") async throws -> Job {
        let schema = state.jobsSchema
        let changed: Job
        do {
            let id = job.id
            changed = try await state.pool.withConnection { conn in
                let queue = JobQueue(connection: conn, schema: schema)
                switch change {
                case .cancel: return try await queue.cancel(id: id)
                case .retry: return try await queue.retry(id: id)
                }
            }
        } catch let error as JobQueueError {
            throw Problem(.conflict, "Conflict", error.message, field: "id")
        }
        let dataset = (job.arguments["request"]?["dataset"]?.stringValue ?? job.arguments["dataset"]?.stringValue)
            .map { DatasetRef(parsing: $0) }
        try await auditAction(who: principal.actor, what: "\(change.rawValue) job \(job.id)",
                              outcome: change == .cancel ? "cancelled" : "retried", dataset: dataset,
                              details: ["job": .int(job.id), "kind": .string(job.kind)], via: via)
        return changed
    }

    // MARK: - audit

    @Sendable func audit(_ request: Request, context: WebRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let paging = try IDPage(request.uri.queryParameters)
        let limit = paging.limit, before = paging.before
        let departments: [String]? = principal.user.isAdmin ? nil : Array(principal.user.grants.keys)
        let catalog = state.catalog
        let entries = try await state.pool.run { conn in
            try catalog.auditEntries(departments: departments, beforeID: before, limit: limit + 1, on: conn)
        }
        let page = Array(entries.prefix(limit))
        return try Self.json(API.List(items: page.map { API.AuditJSON($0) },
                                      next: entries.count > limit ? page.last.map { String($0.id) } : nil))
    }

    // MARK: - helpers

    /// Records an API action in the audit log, naming the user (or token).
    func auditAction(who: String, what: String, outcome: String, dataset: DatasetRef? = nil,
                     details: [String: AuditValue] = [:], via: String = "api") async throws {
        let catalog = state.catalog
        var all = details
        all["via"] = .string(via)
        let final = all
        try await state.pool.run { try catalog.audit(who: who, what: what, outcome: outcome, dataset: dataset, details: final, on: $0) }
    }

    static func id(_ context: WebRequestContext) throws -> Int64 {
        guard let text = context.parameters.get("id"), let id = Int64(text), id > 0 else {
            throw Problem.badRequest("the id in the path must be a positive whole number", field: "id")
        }
        return id
    }

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }()

    static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        let data = try encoder.encode(value)
        return Response(status: status, headers: [.contentType: "application/json; charset=utf-8"],
                        body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
