import Accounts
import Catalog
import Foundation
import Hummingbird

/// API v1's dataset management: revert, rename / move / archive (PATCH)
/// and delete. The dataset is found as every other handler finds it (another
/// department's answers 404); then the role: revert, rename and archive need
/// editor, delete needs admin of the dataset's department, a move admin of
/// both departments. Each change is audited with the principal in the
/// catalog's transaction.
struct DatasetManagementRoutes {
    let state: WebState

    func register(_ api: RouterGroup<WebRequestContext>) {
        api.post("datasets/:id/revert", use: revert)
        api.patch("datasets/:id", use: update)
        api.delete("datasets/:id", use: delete)
    }

    struct RevertBody: Decodable {
        var version: Int
    }

    struct UpdateBody: Decodable {
        var name: String?
        var department: String?
        var archived: Bool?
    }

    /// `POST /api/v1/datasets/{id}/revert` `{"version": N}`: a new version
    /// on version N's table; 201 with the new version.
    @Sendable func revert(_ request: Request, context: WebRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let (summary, _) = try await APIRoutes(state: state).visibleDataset(context)
        try Self.require(.editor, in: summary.ref.department, principal, doing: "reverting")
        let body = try await request.decode(as: RevertBody.self, context: context)
        let record = try await revert(summary, to: body.version, by: principal)
        var response = try APIRoutes.json(API.VersionJSON(record, dataset: summary.ref), status: .created)
        response.headers[.location] = "/api/v1/versions/\(record.id)"
        return response
    }

    /// `PATCH /api/v1/datasets/{id}` `{"name"?, "department"?, "archived"?}`:
    /// the dataset as it is afterwards.
    @Sendable func update(_ request: Request, context: WebRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let (summary, _) = try await APIRoutes(state: state).visibleDataset(context)
        let body = try await request.decode(as: UpdateBody.self, context: context)
        return try APIRoutes.json(API.DatasetJSON(try await update(summary, body, by: principal)))
    }

    /// `DELETE /api/v1/datasets/{id}`: 204; the dataset answers 404 from
    /// now on, its tables go at the next snapshot prune.
    @Sendable func delete(_ request: Request, context: WebRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let (summary, _) = try await APIRoutes(state: state).visibleDataset(context)
        try await delete(summary, by: principal)
        return Response(status: .noContent)
    }

    // The changes themselves, for the API and the pages alike: the role
    // checked, the catalog's change made and audited as `principal`.

    /// Version `version` of `summary` made the latest (editor).
    func revert(_ summary: DatasetSummary, to version: Int, by principal: Principal) async throws -> VersionRecord {
        try Self.require(.editor, in: summary.ref.department, principal, doing: "reverting")
        guard version >= 1 else { throw Problem.badRequest("version must be a whole number from 1", field: "version") }
        let catalog = state.catalog, who = principal.actor
        return try await Self.mapped {
            try await state.pool.run { try catalog.revertDataset(id: summary.id, to: version, who: who, on: $0) }
        }
    }

    /// `summary` renamed, moved or (un)archived: editor, a move admin of both departments.
    func update(_ summary: DatasetSummary, _ body: UpdateBody, by principal: Principal) async throws -> DatasetSummary {
        let department = summary.ref.department
        guard body.name != nil || body.department != nil || body.archived != nil else {
            throw Problem.badRequest("send at least one of name, department, archived", field: "body")
        }
        try Self.require(.editor, in: department, principal, doing: "changing a dataset")
        if let target = body.department, target != department {
            try Self.require(.admin, in: department, principal, doing: "moving a dataset")
            guard principal.user.role(in: target) == .admin else {
                throw Problem.forbidden("moving a dataset needs the admin role in the department it moves to")
            }
        }
        let catalog = state.catalog, who = principal.actor, id = summary.id
        let changes = DatasetChanges(name: body.name, department: body.department, archived: body.archived)
        let updated = try await Self.mapped {
            try await state.pool.run { conn in
                try catalog.updateDataset(id: id, changes, who: who, on: conn)
                return try catalog.datasetSummary(id: id, on: conn)
            }
        }
        guard let updated else { throw Problem.notFound("dataset \(id)") }
        return updated
    }

    /// `summary` deleted (admin of its department).
    func delete(_ summary: DatasetSummary, by principal: Principal) async throws {
        try Self.require(.admin, in: summary.ref.department, principal, doing: "deleting a dataset")
        let catalog = state.catalog, who = principal.actor
        try await Self.mapped {
            try await state.pool.run { try catalog.deleteDataset(id: summary.id, who: who, on: $0) }
        }
    }

    static func require(_ minimum: Role, in department: String, _ principal: Principal, doing what: String) throws {
        let role = principal.user.role(in: department) ?? .viewer
        guard role >= minimum else {
            throw Problem.forbidden("\(what) needs the \(minimum) role in \(department); you are \(role)")
        }
    }

    /// `body`, with the catalog's refusals as problems naming their field.
    static func mapped<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as DatasetChangeError {
            switch error.code {
            case .notFound: throw Problem(.notFound, "Not found", error.message, field: error.field)
            case .nameTaken, .conflict: throw Problem(.conflict, "Conflict", error.message, field: error.field)
            case .invalid: throw Problem.badRequest(error.message, field: error.field)
            }
        }
    }
}
