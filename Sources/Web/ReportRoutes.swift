import Accounts
import Catalog
import Foundation
import Hummingbird
import JobContracts
import JobQueue
import ObjectStore
import Reports

/// Reports over API v1: request one of a version (an `export` or `print`
/// job with ``ExportJobArguments``, as `pyramydal export` enqueues), list
/// the stored ones of the caller's departments, read one, download it.
struct ReportRoutes {
    let state: WebState

    func register(_ api: RouterGroup<WebRequestContext>) {
        api.post("versions/:id/reports", use: requestReport)
        api.get("reports", use: reports)
        api.get("reports/:id", use: report)
        api.get("reports/:id/download", use: download)
    }

    /// The departments whose reports the principal sees; nil: all (global admin).
    static func scope(_ principal: Principal) -> [String]? {
        principal.user.isAdmin ? nil : Array(principal.user.grants.keys)
    }

    // MARK: - request

    /// `POST /api/v1/versions/{id}/reports` (editor): checks the options
    /// against the version's columns now (400 naming the field), enqueues the
    /// job for that exact version, audits it, answers 202 with the job; its
    /// result names the artifact (`GET /api/v1/reports/{artifact}`).
    @Sendable func requestReport(_ request: Request, context: WebRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let (record, ref) = try await APIRoutes(state: state).visibleVersion(context)
        try Self.requireEditor(principal, ref)
        let body = try await request.decode(as: API.ReportRequestBody.self, context: context)
        let job = try await enqueueReport(body, record: record, ref: ref, principal: principal, via: "api")
        var response = try APIRoutes.json(API.JobJSON(job), status: .accepted)
        response.headers[.location] = "/api/v1/jobs/\(job.id)"
        return response
    }

    /// 403 unless `principal` is an editor (or admin) of `ref`'s department.
    static func requireEditor(_ principal: Principal, _ ref: DatasetRef) throws(Problem) {
        let role = principal.user.role(in: ref.department) ?? .viewer
        guard role >= .editor else {
            throw Problem.forbidden("requesting a report needs the editor role in \(ref.department); you are \(role)")
        }
    }

    /// The one way a report is requested (API v1 and the table page's
    /// form): the version must be committed (409), the options fit its
    /// columns (400 naming the field); then the `export`/`print` job of
    /// that exact version is enqueued as `principal` and audited. The
    /// caller has found the version through the scoped lookup and checked
    /// the role (``requireEditor(_:_:)``).
    func enqueueReport(_ body: API.ReportRequestBody, record: VersionRecord, ref: DatasetRef, principal: Principal,
                       via: String) async throws -> Job {
        guard record.status == "committed", let table = record.tableName, let number = record.version else {
            throw Problem(.conflict, "No rows", "version \(record.id) is \(record.status): there is nothing to report")
        }
        let arguments = ExportJobArguments(request: try Self.reportRequest(body, dataset: ref, version: number),
                                           name: body.name, requestedBy: principal.actor)
        do {
            try arguments.validate()
        } catch {
            throw Problem.badRequest(error.message, field: "name")
        }
        // The job would refuse an unknown column or a value of the wrong type; say so now.
        let schema = state.catalog.schemas.data
        let available = try await state.pool.run { conn in
            try state.tableColumns.columns(version: record.id, schema: schema, table: table, connection: conn)
        }
        do {
            _ = try ReportQuery(request: arguments.request, schema: schema, table: table, available: available)
        } catch {
            throw Problem.badRequest(error.message, field: error.code == .unknownColumn ? "columns" : "where")
        }
        let jobsSchema = state.jobsSchema
        let job = try await state.pool.withConnection { conn in
            try await JobQueue(connection: conn, schema: jobsSchema).enqueue(arguments)
        }
        try await APIRoutes(state: state).auditAction(
            who: principal.actor, what: "request report \(ref)", outcome: "enqueued", dataset: ref,
            details: ["job": .int(job.id), "format": .string(arguments.request.format.rawValue), "version": .int(Int64(number))],
            via: via)
        return job
    }

    /// The body as the job's ``ReportRequest`` of `dataset` version `version` (400 naming the member at fault).
    static func reportRequest(_ body: API.ReportRequestBody, dataset: DatasetRef, version: Int) throws -> ReportRequest {
        guard let format = ReportRequest.Format(rawValue: body.format.lowercased()) else {
            throw Problem.badRequest("format must be csv, xlsx or pdf", field: "format")
        }
        let paper = try body.paper.map { text in
            guard let paper = PDFOptions.Paper(rawValue: text.lowercased()) else {
                throw Problem.badRequest("paper must be a4 or letter", field: "paper")
            }
            return paper
        } ?? .a4
        return ReportRequest(
            dataset: dataset.description, version: version, format: format,
            columns: (body.columns ?? []).map { $0.trimmingCharacters(in: .whitespaces) },
            filters: try RowPage.filters(body.where ?? []), sort: try RowPage.sort(body.sort ?? []), search: body.q,
            csv: CSVOptions(byteOrderMark: body.bom ?? false, neutraliseFormulas: body.neutralise ?? true),
            pdf: PDFOptions(paper: paper, landscape: body.landscape ?? true, wrap: body.wrap ?? false))
    }

    // MARK: - read

    /// `GET /api/v1/reports[?dataset=[department/]name&limit=&cursor=]`: newest first.
    @Sendable func reports(_ request: Request, context: WebRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let query = request.uri.queryParameters
        let paging = try IDPage(query)
        let limit = paging.limit, before = paging.before
        let dataset = query["dataset"].map { DatasetRef(parsing: String($0)) }
        let catalog = state.catalog, departments = Self.scope(principal)
        let found = try await state.pool.run { conn in
            try catalog.reportArtifacts(departments: departments, dataset: dataset, beforeID: before, limit: limit + 1, on: conn)
        }
        let shown = Array(found.prefix(limit))
        return try APIRoutes.json(API.List(items: shown.map(API.ReportJSON.init),
                                           next: found.count > limit ? shown.last.map { String($0.id) } : nil))
    }

    /// The report of the path's `id` if it belongs to one of the principal's departments, else 404.
    func visibleReport(_ context: WebRequestContext) async throws -> ReportArtifact {
        let principal = try context.requirePrincipal()
        let id = try APIRoutes.id(context)
        let catalog = state.catalog, departments = Self.scope(principal)
        guard let found = try await state.pool.run({ try catalog.reportArtifact(id: id, departments: departments, on: $0) }) else {
            throw Problem.notFound("report \(id)")
        }
        return found
    }

    @Sendable func report(_ request: Request, context: WebRequestContext) async throws -> Response {
        try APIRoutes.json(API.ReportJSON(try await visibleReport(context)))
    }

    /// `GET /api/v1/reports/{id}/download`: the file, streamed (``ReportDownload``).
    @Sendable func download(_ request: Request, context: WebRequestContext) async throws -> Response {
        let report = try await visibleReport(context)
        let store = try TransferRoutes(state: state).store()
        guard let object = try await store.head(report.key) else {
            throw Problem.notFound("the file of report \(report.id)")
        }
        return Response(status: .ok, headers: [
            .contentType: ReportDownload.contentType(of: report.kind),
            .contentDisposition: ReportDownload.contentDisposition(fileName: ReportDownload.fileName(of: report.key)),
        ], body: ReportDownload.body(store: store, key: report.key, size: object.size))
    }
}
