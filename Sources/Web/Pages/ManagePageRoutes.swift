import Accounts
import Catalog
import Foundation
import Hummingbird

/// Managing a dataset from its versions page: "Make this the latest"
/// (revert), rename, archive and unarchive (editors), move and delete
/// (admins). Each button opens a confirmation (``ConfirmDialog``, a
/// `<details>` drawn as a modal by the stylesheet: no script) whose POST
/// form carries the session's CSRF token (checked by
/// ``AuthenticationMiddleware``) and goes through the API's own change
/// (``DatasetManagementRoutes``: the role checked again, the catalog's
/// change audited as the user); then back to the versions page with a
/// notice. A refusal is a page with the problem's status (403, 409, 400).
struct ManagePageRoutes {
    let pages: PageRoutes
    var manage: DatasetManagementRoutes { DatasetManagementRoutes(state: pages.state) }

    func register(_ router: Router<WebRequestContext>) {
        router.post("datasets/:id/revert", use: revert)
        router.post("datasets/:id/rename", use: rename)
        router.post("datasets/:id/move", use: move)
        router.post("datasets/:id/archive", use: archive)
        router.post("datasets/:id/delete", use: delete)
    }

    /// The notices after a change, by the `done` the redirect names (the
    /// page never echoes text from the URL).
    static let notices = [
        "revert": "Done: a new latest version now holds the chosen version's rows.",
        "rename": "Done: the dataset was renamed.",
        "move": "Done: the dataset was moved.",
        "archive": "Done: the dataset is archived (hidden from the lists until unarchived).",
        "unarchive": "Done: the dataset is unarchived.",
    ]

    @Sendable func revert(_ request: Request, context: WebRequestContext) async throws -> Response {
        try await change(request, context) { form, summary, principal in
            guard let version = form.first("version").flatMap(Int.init) else {
                throw Problem.badRequest("version must be a whole number from 1", field: "version")
            }
            _ = try await manage.revert(summary, to: version, by: principal)
            return "revert"
        }
    }

    @Sendable func rename(_ request: Request, context: WebRequestContext) async throws -> Response {
        try await change(request, context) { form, summary, principal in
            let name = form.first("name")?.trimmingCharacters(in: .whitespaces) ?? ""
            _ = try await manage.update(summary, .init(name: name), by: principal)
            return "rename"
        }
    }

    @Sendable func move(_ request: Request, context: WebRequestContext) async throws -> Response {
        try await change(request, context) { form, summary, principal in
            let department = form.first("department") ?? ""
            // `update` checks the source department's role only when it moves; here a move is what was asked.
            try DatasetManagementRoutes.require(.admin, in: summary.ref.department, principal, doing: "moving a dataset")
            _ = try await manage.update(summary, .init(department: department), by: principal)
            return "move"
        }
    }

    @Sendable func archive(_ request: Request, context: WebRequestContext) async throws -> Response {
        try await change(request, context) { form, summary, principal in
            let archived = form.first("archived") != "false"
            _ = try await manage.update(summary, .init(archived: archived), by: principal)
            return archived ? "archive" : "unarchive"
        }
    }

    @Sendable func delete(_ request: Request, context: WebRequestContext) async throws -> Response {
        try await pages.page(request, context) { principal in
            let (summary, _) = try await pages.api.visibleDataset(context)
            try await manage.delete(summary, by: principal)
            return PageRoutes.html(PageTemplates.render(NoticePage(
                title: "Deleted", frame: try await pages.frame(principal, current: nil), heading: "Deleted \(summary.ref)",
                detail: "It is gone from every list; its tables go at the next snapshot prune.",
                link: "/", linkText: "Your datasets"), "notice"))
        }
    }

    /// Finds the dataset (another department's: 404), reads the form, makes
    /// the change and redirects to the versions page with the notice `body` names.
    func change(_ request: Request, _ context: WebRequestContext,
                _ body: (FormFields, DatasetSummary, Principal) async throws -> String) async throws -> Response {
        var request = request
        return try await pages.page(request, context) { principal in
            let (summary, _) = try await pages.api.visibleDataset(context)
            let form = FormFields(String(buffer: try await request.collectBody(upTo: context.maxUploadSize)))
            let done = try await body(form, summary, principal)
            return PageRoutes.redirect("/datasets/\(summary.id)/versions?done=\(done)")
        }
    }

    /// The versions page's tools for `principal`: the comparison form, the
    /// buttons their role allows (each with its confirmation), the notice
    /// of a change just made.
    static func decorate(_ page: inout VersionsPage, summary: DatasetSummary, versions: [VersionRecord],
                         principal: Principal, query: String) {
        let department = summary.ref.department
        let role = principal.user.role(in: department) ?? .viewer
        let csrf = page.frame.csrf ?? ""
        let base = "/datasets/\(summary.id)"
        let back = base + "/versions"
        let committed = versions.compactMap { $0.status == "committed" ? $0.version : nil }
        page.notice = FormFields(query).first("done").flatMap { notices[$0] }
        page.compareVersions = committed.enumerated().map { i, n in
            .init(number: String(n), fromSelected: i == min(1, committed.count - 1), toSelected: i == 0)
        }
        let latestColumns = versions.first { $0.status == "committed" }?.columns.map(\.name) ?? []
        page.keyChoices = latestColumns.enumerated().map { .init(name: $1, selected: $0 == 0) }
        page.canCompare = committed.count >= 2
        guard role >= .editor else { return }
        page.canRevert = true
        let latest = committed.first
        for (i, v) in versions.enumerated() where v.status == "committed" && v.version != nil && v.version != latest {
            let n = v.version!
            page.versions[i].revert = ConfirmDialog(
                id: "revert-\(n)", label: "Make this the latest", heading: "Make v\(n) the latest?",
                detail: "A new version v\((latest ?? 0) + 1) is added with v\(n)'s rows; nothing is copied or lost.",
                action: base + "/revert", csrf: csrf, cancelURL: back, submit: "Make v\(n) the latest",
                hidden: [.init(name: "version", value: String(n))])
        }
        var actions = [ConfirmDialog(
            id: "rename", label: "Rename", heading: "Rename \(summary.ref)?",
            detail: "The id, the versions and the database view keep their names.", action: base + "/rename",
            csrf: csrf, cancelURL: back, submit: "Rename", text: .init(name: "name", label: "New name", value: summary.ref.name))]
        let archived = summary.archivedAt != nil
        actions.append(ConfirmDialog(
            id: "archive", label: archived ? "Unarchive" : "Archive", heading: archived ? "Unarchive \(summary.ref)?" : "Archive \(summary.ref)?",
            detail: archived ? "It comes back in the lists." : "It leaves the lists; it is still shown by id, snapshotted and ingested into.",
            action: base + "/archive", csrf: csrf, cancelURL: back, submit: archived ? "Unarchive" : "Archive",
            hidden: [.init(name: "archived", value: archived ? "false" : "true")]))
        if role >= .admin {
            let targets = page.frame.departments.filter { $0.role == Role.admin.rawValue && $0.name != department }.map(\.name)
            if !targets.isEmpty {
                actions.append(ConfirmDialog(
                    id: "move", label: "Move", heading: "Move \(summary.ref) to another department?",
                    detail: "Its viewers there will see it; those of \(department) will not.", action: base + "/move",
                    csrf: csrf, cancelURL: back, submit: "Move", select: .init(name: "department", label: "Department", options: targets)))
            }
            actions.append(ConfirmDialog(
                id: "delete", label: "Delete", heading: "Delete \(summary.ref)?",
                detail: "Every list and page forgets it at once; its tables go at the next snapshot prune. This cannot be undone here.",
                action: base + "/delete", csrf: csrf, cancelURL: back, submit: "Delete", danger: true))
        }
        page.actions = actions
    }
}

/// A button that opens a confirmation (`confirm.mustache`): a question and
/// a POST form with the session's CSRF token.
struct ConfirmDialog: Sendable {
    struct TextInput: Sendable {
        var name: String
        var label: String
        var value: String
    }

    struct Select: Sendable {
        var name: String
        var label: String
        var options: [String]
    }

    var id: String
    var label: String
    var heading: String
    var detail: String
    var action: String
    var csrf: String
    var cancelURL: String
    var submit: String
    var hidden: [TablePage.Field] = []
    var text: TextInput? = nil
    var select: Select? = nil
    var danger = false
}
