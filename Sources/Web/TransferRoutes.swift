import Accounts
import Catalog
import Foundation
import Hummingbird
import JobContracts
import JobQueue
import ObjectStore
import Snapshots

/// API v1's transfers: workbook upload (into the store's `incoming/`,
/// exactly like a drop), snapshots (global admins), and, in
/// ``ReportRoutes``, report requests and downloads. Every state change is
/// audited with the principal.
struct TransferRoutes {
    let state: WebState

    func register(_ api: RouterGroup<WebRequestContext>) {
        // `{department}`: Hummingbird's router needs one capture name per position, and `datasets/:id` holds it.
        api.put("datasets/:id/:name/upload", use: upload)
        api.get("snapshots", use: snapshots)
        api.post("snapshots", use: requestSnapshot)
        ReportRoutes(state: state).register(api)
    }

    /// The store, or 503 when the service runs without one.
    func store() throws -> any ObjectStore {
        guard let store = state.store else {
            throw Problem(.serviceUnavailable, "No store", "this service has no object store configured (PYRAMYDAL_STORE)")
        }
        return store
    }

    // MARK: - upload

    /// `PUT /api/v1/datasets/{department}/{name}/upload`: the body is the
    /// workbook. It is streamed to a scratch file (never held in memory,
    /// bounded by `PYRAMYDAL_UPLOAD_MAX_MB`), put at
    /// `incoming/<department>/<name>.<ext>` through the store's upload path
    /// (multipart when large), and the `ingest` job the `incoming/` watcher
    /// would make for that object version is enqueued: the same
    /// ``IngestArgs`` and unique key, so the watcher's sweep (or an S3
    /// event) finds the job already there. Answers 202 with the job.
    @Sendable func upload(_ request: Request, context: WebRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let ref = try Self.uploadTarget(context)
        try Self.requireUploader(principal, department: ref.department)
        _ = try store()
        let query = request.uri.queryParameters
        let format = try UploadFormat(query: query["format"].map(String.init), fileName: query["filename"].map(String.init),
                                      contentType: request.headers[.contentType])
        let limit = state.settings.uploadMaxBytes
        if let declared = request.headers[.contentLength].flatMap({ Int64($0) }), declared > limit {
            throw UploadLimit.problem(limit)
        }
        let (job, key, size) = try await receive(BoundedBody(base: request.body, limit: limit), ref: ref, format: format,
                                                 principal: principal, via: "api", context: context)
        var response = try APIRoutes.json(
            API.UploadJSON(department: ref.department, dataset: ref.name, key: key, format: format.rawValue, bytes: size,
                           job: API.JobJSON(job)), status: .accepted)
        response.headers[.location] = "/api/v1/jobs/\(job.id)"
        return response
    }

    /// Refuses an upload into `department` unless the principal is an
    /// editor there: a department they hold no role in answers 404 whether
    /// or not it exists (a global admin may make a new one by uploading into it).
    static func requireUploader(_ principal: Principal, department: String) throws {
        guard let role = principal.user.role(in: department) else { throw Problem.notFound("department \(department)") }
        guard role >= .editor else {
            throw Problem.forbidden("uploading needs the editor role in \(department); you are \(role)")
        }
    }

    /// Streams `body` (already bounded) to a scratch file, puts it at
    /// `incoming/<department>/<name>.<ext>` and enqueues the ingest job the
    /// watcher would make for it, audited (`via` the API or the pages).
    /// The API's upload and the pages' form both come here.
    func receive<Body: AsyncSequence>(_ body: BoundedBody<Body>, ref: DatasetRef, format: UploadFormat, principal: Principal,
                                      via: String, context: WebRequestContext) async throws -> (job: Job, key: String, bytes: Int64)
    where Body.Element == ByteBuffer {
        let store = try store()
        let key = "incoming/\(ref.department)/\(ref.name).\(format.rawValue)"
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("pyramydal-upload-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        do {
            try await FileIO().writeFile(contents: body, path: scratch, context: context)
        } catch {
            if body.exceeded.isSet { throw UploadLimit.problem(body.limit) }
            throw error
        }
        let size = (try? FileManager.default.attributesOfItem(atPath: scratch)[.size] as? NSNumber)?.int64Value ?? 0
        guard size > 0 else { throw Problem.badRequest("the body is empty: send the workbook", field: "body") }

        let catalog = state.catalog
        let isNewDepartment = try await state.pool.run { conn in
            try !catalog.departments(on: conn).contains { $0.name == ref.department }
        }
        let stored: ObjectInfo
        do {
            stored = try await store.put(key, fromFile: scratch, options: PutOptions(contentType: format.mediaType))
        } catch let error as ObjectStoreError where error.code == .invalidKey {
            throw Problem.badRequest("the store refuses the key \(key): \(error.message)", field: "name")
        }
        // The etag as the watcher reads it from a listing (the directory store's from the file, S3's from the PUT).
        var etag = stored.etag
        if etag == nil { etag = try await store.head(key)?.etag }
        let arguments = IngestArgs(store: store.location, key: key,
                                   etag: (etag ?? "\(size)").trimmingCharacters(in: CharacterSet(charactersIn: "\"")))
        let schema = state.jobsSchema
        let (job, isNew) = try await state.pool.withConnection { conn in
            try await JobQueue(connection: conn, schema: schema).enqueueReportingNew(arguments)
        }
        var details: [String: AuditValue] = ["job": .int(job.id), "key": .string(key), "bytes": .int(size),
                                             "format": .string(format.rawValue)]
        if isNewDepartment { details["new_department"] = .bool(true) }
        if !isNew { details["existing_job"] = .bool(true) }
        try await APIRoutes(state: state).auditAction(who: principal.actor, what: "upload \(ref)", outcome: "enqueued",
                                                      dataset: ref, details: details, via: via)
        return (job, key, size)
    }

    /// The department and dataset name of the upload's path, checked the
    /// way the `incoming/` watcher and the ingest's naming read a key: one
    /// segment each, not hidden or temporary (`.x`, `~$x`, `x.part`, `x.tmp`
    /// are skipped by the watcher), no control characters.
    static func uploadTarget(_ context: WebRequestContext) throws -> DatasetRef {
        func segment(_ name: String, capture: String) throws -> String {
            guard let raw = context.parameters.get(capture), let text = raw.removingPercentEncoding else {
                throw Problem.badRequest("the \(name) in the path is not valid percent-encoded UTF-8", field: name)
            }
            return try checkedSegment(text, name: name)
        }
        return DatasetRef(department: try segment("department", capture: "id"), name: try segment("name", capture: "name"))
    }

    /// `text` if it may be one segment of an `incoming/` key (see ``uploadTarget(_:)``), else 400 naming `name`.
    static func checkedSegment(_ text: String, name: String) throws -> String {
        let lower = text.lowercased()
        guard !text.isEmpty, text.utf8.count <= 200, text != ".", text != "..",
              !text.hasPrefix("."), !text.hasPrefix("~$"), !lower.hasSuffix(".part"), !lower.hasSuffix(".tmp"),
              !text.unicodeScalars.contains(where: { $0 == "/" || $0 == "\\" || $0.value < 0x20 || $0.value == 0x7F })
        else {
            throw Problem.badRequest(
                "the \(name) must be 1–200 bytes without '/', '\\' or control characters, not starting with '.' or '~$' "
                    + "and not ending in .part or .tmp", field: name)
        }
        return text
    }

    // MARK: - snapshots

    /// Snapshots span every department, so only global admins list or request them.
    func requireGlobalAdmin(_ context: WebRequestContext) throws -> Principal {
        let principal = try context.requirePrincipal()
        guard principal.user.isAdmin else {
            throw Problem.forbidden("snapshots hold every department's data: only global admins list or request them")
        }
        return principal
    }

    /// `GET /api/v1/snapshots`: every snapshot prefix in the store, newest first.
    @Sendable func snapshots(_ request: Request, context: WebRequestContext) async throws -> Response {
        _ = try requireGlobalAdmin(context)
        let repository = SnapshotRepository(store: try store())
        var items: [API.SnapshotJSON] = []
        for entry in try await repository.entries().reversed() {
            let manifest = entry.state == .complete ? try? await repository.manifest(entry.id).manifest : nil
            items.append(API.SnapshotJSON(entry, manifest: manifest))
        }
        return try APIRoutes.json(API.List(items: items, next: nil))
    }

    /// `POST /api/v1/snapshots`: enqueues a snapshot job now (as `pyramydal
    /// snapshot --now`); 202 with the job.
    @Sendable func requestSnapshot(_ request: Request, context: WebRequestContext) async throws -> Response {
        let principal = try requireGlobalAdmin(context)
        let schema = state.jobsSchema
        let job = try await state.pool.withConnection { conn in
            try await JobQueue(connection: conn, schema: schema).enqueue(SnapshotArgs(), maxAttempts: 3)
        }
        try await APIRoutes(state: state).auditAction(who: principal.actor, what: "request snapshot", outcome: "enqueued",
                                                      details: ["job": .int(job.id)])
        var response = try APIRoutes.json(API.JobJSON(job), status: .accepted)
        response.headers[.location] = "/api/v1/jobs/\(job.id)"
        return response
    }
}
