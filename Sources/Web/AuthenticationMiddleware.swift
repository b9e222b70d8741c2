import Accounts
import HTTPTypes
import Hummingbird

/// Finds who the request acts as, from `Authorization: Bearer <token>` or
/// the session cookie, and enforces the rules that depend on it:
/// - a bearer token that is unknown or revoked → 401 (a stale cookie only
///   leaves the request anonymous);
/// - a state-changing request (not GET/HEAD/OPTIONS) signed in by cookie
///   must carry the session's CSRF token in `X-CSRF-Token` (or, from a
///   page's form, `application/x-www-form-urlencoded`, in its `csrf_token`
///   field; from the page's upload form, `multipart/form-data`, in its
///   first field, which ``UploadPageRoutes`` checks), else 403; signing in
///   is the exception (the API's only takes JSON; the page's form checks
///   its own double-submit token);
///   bearer requests are exempt (a browser never adds that header itself);
/// - a `read` token may only read (403 otherwise).
struct AuthenticationMiddleware: RouterMiddleware {
    typealias Context = WebRequestContext
    static let cookieName = "pyramydal_session"
    static let csrfHeader = HTTPField.Name("X-CSRF-Token")!

    let state: WebState

    /// The form field of a page's CSRF token.
    static let csrfField = "csrf_token"

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        var request = request
        let safe = [HTTPRequest.Method.get, .head, .options].contains(request.method)
        // Signing in needs no CSRF token: it only accepts JSON, which a cross-site form can't send.
        let signingIn = request.method == .post && (request.uri.path == "/api/v1/session" || request.uri.path == "/login")
        if let authorization = request.headers[.authorization] {
            guard authorization.lowercased().hasPrefix("bearer ") else { throw Problem.unauthorized }
            let token = String(authorization.dropFirst("bearer ".count)).trimmingCharacters(in: .whitespaces)
            let accounts = state.accounts
            guard let principal = try await state.pool.run({ try accounts.principal(bearerToken: token, on: $0) }) else {
                throw Problem.unauthorized
            }
            if !safe, !principal.mayWrite {
                throw Problem.forbidden("this token's scope is read; \(request.method) needs a write token")
            }
            context.principal = principal
        } else if let cookie = request.cookies[Self.cookieName]?.value, !cookie.isEmpty {
            let accounts = state.accounts, policy = state.settings.sessions
            if let principal = try await state.pool.run({ try accounts.session(cookieValue: cookie, policy: policy, on: $0) }) {
                if !safe, !signingIn, case .session(_, let csrf) = principal.credential {
                    var sent = request.headers[Self.csrfHeader]
                    if sent == nil, UploadPageRoutes.isUpload(request) {
                        // The form's token comes in the streamed body, before the file: the handler compares it.
                        context.formCSRF = csrf
                        context.principal = principal
                        return try await next(request, context)
                    }
                    if sent == nil, request.headers[.contentType]?.lowercased().hasPrefix("application/x-www-form-urlencoded") == true {
                        // Collected here and kept in the request, so the handler reads the same form.
                        let form = try await request.collectBody(upTo: context.maxUploadSize)
                        sent = FormFields(String(buffer: form)).first(Self.csrfField)
                    }
                    guard let sent, SecretToken.equal(sent, csrf) else {
                        throw Problem.forbidden("missing or wrong CSRF token: send the session's csrf_token in X-CSRF-Token")
                    }
                }
                context.principal = principal
            }
        }
        return try await next(request, context)
    }
}
