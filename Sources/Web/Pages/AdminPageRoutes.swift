import Accounts
import Foundation
import Hummingbird

/// The admin area: `/admin/users`, the users and their department roles,
/// for global and department admins (everyone else gets 404; who may do
/// what is ``UserAdministration``'s). Each change is a POST form carrying
/// the session's CSRF token (checked by ``AuthenticationMiddleware``); the
/// destructive ones (revoke, disable, reset password) open a confirmation
/// first (``ConfirmDialog``). Done, a change redirects back to the list
/// with a fixed notice; adding a user and resetting a password answer with
/// a page that shows the new one-time password, once.
struct AdminPageRoutes {
    let pages: PageRoutes
    var admin: UserAdministration { UserAdministration(state: pages.state) }
    static let path = "/admin/users"

    func register(_ router: Router<WebRequestContext>) {
        router.get("admin/users", use: users)
        router.post("admin/users/add", use: add)
        router.post("admin/users/grant", use: grant)
        router.post("admin/users/revoke", use: revoke)
        router.post("admin/users/disable", use: disable)
        router.post("admin/users/enable", use: enable)
        router.post("admin/users/password", use: password)
    }

    /// The notices after a change, by the `done` the redirect names (the page never echoes text from the URL).
    static let notices = [
        "grant": "Done: the role is set.",
        "revoke": "Done: the role is removed.",
        "disable": "Done: the user is disabled. Their sessions have ended and their API tokens stop working.",
        "enable": "Done: the user is enabled again.",
    ]

    @Sendable func users(_ request: Request, context: WebRequestContext) async throws -> Response {
        try await pages.page(request, context) { principal in
            let listed = try await admin.users(for: principal)
            let departments = try await admin.departments(for: principal)
            var page = AdminUsersPage(principal: principal, frame: try await pages.frame(principal, current: nil),
                                      users: listed, departments: departments)
            page.notice = FormFields(request.uri.query ?? "").first("done").flatMap { Self.notices[$0] }
            return PageRoutes.html(PageTemplates.render(page, "admin"))
        }
    }

    @Sendable func add(_ request: Request, context: WebRequestContext) async throws -> Response {
        try await form(request, context) { form, principal in
            let username = form.first("username")?.trimmingCharacters(in: .whitespaces) ?? ""
            let department = form.first("department").flatMap(ActivityPageRoutes.nonEmpty)
            let role = try Self.role(form, required: false)
            let password = try await admin.addUser(username, isAdmin: form.first("admin") == "true", department: department,
                                                   role: role, by: principal)
            return try await oneTime(principal, heading: "Added \(username)", username: username, password: password)
        }
    }

    @Sendable func grant(_ request: Request, context: WebRequestContext) async throws -> Response {
        try await form(request, context) { form, principal in
            try await admin.grant(Self.username(form), role: try Self.role(form, required: true) ?? .viewer,
                                  department: form.first("department")?.trimmingCharacters(in: .whitespaces) ?? "", by: principal)
            return PageRoutes.redirect(Self.path + "?done=grant")
        }
    }

    @Sendable func revoke(_ request: Request, context: WebRequestContext) async throws -> Response {
        try await form(request, context) { form, principal in
            try await admin.revoke(Self.username(form), department: form.first("department") ?? "", by: principal)
            return PageRoutes.redirect(Self.path + "?done=revoke")
        }
    }

    @Sendable func disable(_ request: Request, context: WebRequestContext) async throws -> Response {
        try await form(request, context) { form, principal in
            try await admin.setDisabled(Self.username(form), true, by: principal)
            return PageRoutes.redirect(Self.path + "?done=disable")
        }
    }

    @Sendable func enable(_ request: Request, context: WebRequestContext) async throws -> Response {
        try await form(request, context) { form, principal in
            try await admin.setDisabled(Self.username(form), false, by: principal)
            return PageRoutes.redirect(Self.path + "?done=enable")
        }
    }

    @Sendable func password(_ request: Request, context: WebRequestContext) async throws -> Response {
        try await form(request, context) { form, principal in
            let username = try Self.username(form)
            let password = try await admin.resetPassword(username, by: principal)
            return try await oneTime(principal, heading: "New password of \(username)", username: username, password: password)
        }
    }

    // MARK: - helpers

    /// Reads the form and runs `body` for an admin (anyone else: 404 before the form is read).
    func form(_ request: Request, _ context: WebRequestContext,
              _ body: (FormFields, Principal) async throws -> Response) async throws -> Response {
        var request = request
        return try await pages.page(request, context) { principal in
            _ = try UserAdministration.scope(of: principal)
            let form = FormFields(String(buffer: try await request.collectBody(upTo: context.maxUploadSize)))
            return try await body(form, principal)
        }
    }

    /// The page that shows a one-time password. Not a redirect: the password never travels in a URL.
    func oneTime(_ principal: Principal, heading: String, username: String, password: String) async throws -> Response {
        let page = OneTimePasswordPage(title: heading, frame: try await pages.frame(principal, current: nil), heading: heading,
                                       username: username, password: password,
                                       signsOut: username == principal.user.username)
        return PageRoutes.html(PageTemplates.render(page, "password"))
    }

    static func username(_ form: FormFields) throws -> String {
        guard let name = form.first("username").flatMap(ActivityPageRoutes.nonEmpty) else {
            throw Problem.badRequest("name the user", field: "username")
        }
        return name
    }

    static func role(_ form: FormFields, required: Bool) throws -> Role? {
        guard let text = form.first("role").flatMap(ActivityPageRoutes.nonEmpty) else {
            if required { throw Problem.badRequest("choose a role: viewer, editor or admin", field: "role") }
            return nil
        }
        guard let role = Role(rawValue: text) else { throw Problem.badRequest("a role is viewer, editor or admin", field: "role") }
        return role
    }
}

/// `admin.mustache`: the users an admin manages, with their actions.
struct AdminUsersPage: Sendable {
    struct Grant: Sendable {
        var department: String
        var role: String
        var revoke: ConfirmDialog?
    }

    struct Row: Sendable {
        var username: String
        var you: Bool
        var globalAdmin: Bool
        var disabled: Bool
        var grants: [Grant]
        var lastSignIn: String
        var lastSignInISO: String
        var disable: ConfirmDialog?
        var enable: Bool
        var reset: ConfirmDialog?
    }

    var title = "Users"
    var frame: PageFrame
    var notice: String?
    /// "all users" or "users of dept-a, dept-b".
    var scope: String
    var global: Bool
    var csrf: String
    var rows: [Row]
    var usernames: [String]
    var departments: [String]
    var roles = Role.allCases.map(\.rawValue)

    init(principal: Principal, frame: PageFrame, users: [UserAdministration.Listed], departments: [String]) {
        self.frame = frame
        global = principal.user.isAdmin
        scope = global ? "every user (you are a global admin)"
            : "the users holding a role in " + departments.joined(separator: ", ") + " (where you are admin)"
        let csrf = frame.csrf ?? ""
        self.csrf = csrf
        self.departments = departments
        usernames = users.map(\.user.username)
        let back = AdminPageRoutes.path, global = self.global
        rows = users.enumerated().map { index, listed in
            let user = listed.user, name = user.username, you = name == principal.user.username
            // Ids by position: a username's characters need no escaping in a selector.
            let grants = listed.grants.enumerated().map { g, grant in
                Grant(department: grant.department, role: grant.role.rawValue, revoke: you && !global ? nil : ConfirmDialog(
                    id: "revoke-\(index)-\(g)", label: "Revoke", heading: "Revoke \(name)'s role in \(grant.department)?",
                    detail: "\(name) is \(grant.role.rawValue) in \(grant.department) now; afterwards they no longer see its datasets.",
                    action: back + "/revoke", csrf: csrf, cancelURL: back, submit: "Revoke",
                    hidden: [.init(name: "username", value: name), .init(name: "department", value: grant.department)], danger: true))
            }
            let hidden = [TablePage.Field(name: "username", value: name)]
            return Row(
                username: name, you: you, globalAdmin: user.isAdmin, disabled: user.disabled, grants: grants,
                lastSignIn: listed.lastSignIn.map(PageFormat.time) ?? "never", lastSignInISO: listed.lastSignIn.map(PageFormat.iso) ?? "",
                disable: global && !you && !user.disabled ? ConfirmDialog(
                    id: "disable-\(index)", label: "Disable", heading: "Disable \(name)?",
                    detail: "Their sessions end at once and their API tokens stop working until they are enabled again.",
                    action: back + "/disable", csrf: csrf, cancelURL: back, submit: "Disable", hidden: hidden, danger: true) : nil,
                enable: global && user.disabled,
                reset: global ? ConfirmDialog(
                    id: "password-\(index)", label: "Reset password", heading: "Reset \(name)'s password?",
                    detail: "A new password is shown once, on the next page; the old one stops working and "
                        + (you ? "your own sessions end: sign in again with the new one." : "their sessions end."),
                    action: back + "/password", csrf: csrf, cancelURL: back, submit: "Reset password", hidden: hidden, danger: true) : nil)
        }
    }
}

/// `password.mustache`: a one-time password, shown once.
struct OneTimePasswordPage: Sendable {
    var title: String
    var frame: PageFrame
    var heading: String
    var username: String
    var password: String
    /// The admin reset their own password: this session has ended.
    var signsOut: Bool
}
