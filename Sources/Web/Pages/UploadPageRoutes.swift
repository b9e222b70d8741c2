import Accounts
import Catalog
import Foundation
import HTTPTypes
import Hummingbird
import JobContracts
import JobQueue

/// The upload form of a department (home page) and a job's status page
/// (also where a report asked for from the table page is followed).
/// `POST /departments/{department}/upload` takes a plain
/// `multipart/form-data` form (`csrf_token`, then `name`, then `file`; no
/// JavaScript needed): the file part is streamed through the API upload's
/// own path (``TransferRoutes/receive(_:ref:format:principal:via:context:)``:
/// scratch file, bound `PYRAMYDAL_UPLOAD_MAX_MB`, `incoming/`, the ingest
/// job), then the browser goes to `/jobs/{id}`, whose status partial polls
/// itself with htmx every second until the job is finished.
struct UploadPageRoutes {
    let state: WebState
    var pages: PageRoutes { PageRoutes(state: state) }
    /// The longest small field (`csrf_token`, `name`) of the upload form.
    static let fieldLimit = 1024
    /// Room for the form's fields and part headers beside the file.
    static let formOverhead: Int64 = 64 * 1024

    func register(_ router: Router<WebRequestContext>) {
        router.post("departments/:id/upload", use: upload)
        router.get("jobs/:id", use: job)
    }

    /// Whether ``AuthenticationMiddleware`` leaves the CSRF check of `request` to ``upload(_:context:)``.
    static func isUpload(_ request: Request) -> Bool {
        guard request.method == .post, let type = request.headers[.contentType],
              MultipartReader<RequestBody>.boundary(type) != nil else { return false }
        let parts = request.uri.path.split(separator: "/", omittingEmptySubsequences: false)
        return parts.count == 4 && parts[0].isEmpty && parts[1] == "departments" && parts[3] == "upload"
    }

    @Sendable func upload(_ request: Request, context: WebRequestContext) async throws -> Response {
        try await pages.page(request, context) { principal in
            guard let raw = context.parameters.get("id"), let text = raw.removingPercentEncoding else {
                throw Problem.badRequest("the department in the path is not valid percent-encoded UTF-8", field: "department")
            }
            let department = try TransferRoutes.checkedSegment(text, name: "department")
            try TransferRoutes.requireUploader(principal, department: department)
            let transfers = TransferRoutes(state: state)
            _ = try transfers.store()
            let limit = state.settings.uploadMaxBytes
            if let declared = request.headers[.contentLength].flatMap({ Int64($0) }), declared > limit + Self.formOverhead {
                throw UploadLimit.problem(limit)
            }
            let body = BoundedBody(base: request.body, limit: limit + Self.formOverhead)
            guard let form = MultipartReader(contentType: request.headers[.contentType], body: body) else {
                throw Problem(.unsupportedMediaType, "Unsupported media type", "send the upload form as multipart/form-data",
                              field: "Content-Type")
            }
            var csrf: String?, name = ""
            while let part = try await form.nextPart() {
                switch part.name {
                case AuthenticationMiddleware.csrfField: csrf = try await form.text(limit: Self.fieldLimit)
                case "name": name = try await form.text(limit: Self.fieldLimit).trimmingCharacters(in: .whitespacesAndNewlines)
                case "file":
                    // Not a byte of the file is kept before the form's token matched the session's.
                    if let expected = context.formCSRF {
                        guard let csrf, SecretToken.equal(csrf, expected) else {
                            throw Problem.forbidden("missing or wrong CSRF token: the form's csrf_token must come before the file")
                        }
                    }
                    let file = Self.baseName(part.fileName ?? "")
                    guard !file.isEmpty else { throw Problem.badRequest("choose a workbook (.xlsx or .csv) to upload", field: "file") }
                    let format = try UploadFormat(query: nil, fileName: file, contentType: nil)
                    let stem = (file as NSString).deletingPathExtension
                    let ref = DatasetRef(department: department,
                                         name: try TransferRoutes.checkedSegment(name.isEmpty ? stem : name, name: "name"))
                    let (job, _, _) = try await transfers.receive(BoundedBody(base: form.fileChunks(), limit: limit), ref: ref,
                                                                  format: format, principal: principal, via: "pages",
                                                                  context: context)
                    return PageRoutes.redirect("/jobs/\(job.id)")
                default: _ = try await form.text(limit: Self.fieldLimit)
                }
            }
            throw Problem.badRequest("the form has no file: choose a workbook (.xlsx or .csv) to upload", field: "file")
        }
    }

    /// The last component of a file name as a browser sends it (some send a path, with `/` or `\`).
    static func baseName(_ name: String) -> String {
        String(name.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last ?? "")
    }

    // MARK: - a job's status

    /// `GET /jobs/{id}`: the job's page; with `HX-Request` only its status
    /// partial (which polls again until the job is finished).
    @Sendable func job(_ request: Request, context: WebRequestContext) async throws -> Response {
        try await pages.page(request, context) { principal in
            let job = try await APIRoutes(state: state).visibleJob(context, minimum: .viewer)
            let status = try await status(of: job)
            if request.headers[PageRoutes.hxRequest] == "true" {
                return PageRoutes.html(PageTemplates.render(status, "jobstatus"))
            }
            let frame = try await pages.frame(principal, current: nil)
            return PageRoutes.html(PageTemplates.render(JobPage(title: "Job \(job.id)", frame: frame, job: status), "job"))
        }
    }

    /// What the status partial shows of `job`: for a finished ingest, links
    /// to the versions it committed; for a finished report, its download.
    func status(of job: Job) async throws -> JobStatus {
        var links: [JobStatus.Link] = []
        if job.state == .completed, job.kind == "ingest", let result = job.result,
           let versions = try? result.decode([IngestedVersion].self) {
            let catalog = state.catalog
            links = try await state.pool.run { conn in
                try versions.compactMap { v -> JobStatus.Link? in
                    let ref = DatasetRef(parsing: v.dataset)
                    guard let dataset = try catalog.dataset(ref, on: conn),
                          let record = try catalog.listVersions(of: dataset.id, on: conn).first(where: { $0.version == v.version })
                    else { return nil }
                    return JobStatus.Link(url: "/versions/\(record.id)", text: "Open \(ref) version \(v.version)",
                                          detail: "\(PageFormat.rows(Int64(v.rows))), \(v.columns) columns"
                                              + (v.alreadyIngested ? " (this file was loaded before: nothing new)" : ""))
                }
            }
        }
        // A finished report: its file, through the download route (the session cookie is enough for a GET),
        // and the dataset's earlier reports; its last progress message ("…; uploading") is history.
        if job.state == .completed, job.kind == "export" || job.kind == "print", let result = job.result,
           let report = try? result.decode(ExportResult.self) {
            links = [JobStatus.Link(url: "/api/v1/reports/\(report.artifact)/download",
                                    text: "Download \(ReportDownload.fileName(of: report.key))",
                                    detail: "\(PageFormat.rows(Int64(report.rows))), \(PageFormat.bytes(Int64(report.bytes)))")]
            if let name = job.arguments["request"]?["dataset"]?.stringValue {
                let ref = DatasetRef(parsing: name), catalog = state.catalog
                if let dataset = try await state.pool.run({ try catalog.dataset(ref, on: $0) }) {
                    links.append(JobStatus.Link(url: "/datasets/\(dataset.id)/reports", text: "Earlier reports of \(ref)", detail: ""))
                }
            }
            var status = JobStatus(job, links: links)
            status.message = nil
            return status
        }
        return JobStatus(job, links: links)
    }
}

/// A job's status as the partial shows it.
struct JobStatus: Sendable {
    struct Link: Sendable {
        var url: String
        var text: String
        var detail: String
    }

    var id: Int64
    var kind: String
    var subject: String
    var state: String
    /// Still to be polled (not completed, discarded or cancelled).
    var polling: Bool
    /// The progress bar: while it runs, and full once completed.
    var showBar: Bool
    var percent: Int?
    var message: String?
    var attempt: String
    var links: [Link]
    var error: String?
    /// For a failed ingest: the dataset's previous version stands.
    var previousUnchanged: Bool

    init(_ job: Job, links: [Link]) {
        id = job.id
        kind = job.kind
        subject = job.arguments["request"]?["dataset"]?.stringValue ?? job.arguments["dataset"]?.stringValue
            ?? job.arguments["key"]?.stringValue ?? ""
        state = job.state.rawValue
        polling = ![JobState.completed, .discarded, .cancelled].contains(job.state)
        showBar = polling || job.state == .completed
        percent = job.state == .completed ? 100 : job.progress.map { Int(($0 * 100).rounded()) }
        message = job.progressMessage
        attempt = "attempt \(job.attempt) of \(job.maxAttempts)"
        self.links = links
        error = job.state == .discarded || job.state == .retryable ? job.lastError : nil
        previousUnchanged = job.kind == "ingest" && job.state == .discarded
    }
}

struct JobPage: Sendable {
    var title: String
    var frame: PageFrame
    var job: JobStatus
}
