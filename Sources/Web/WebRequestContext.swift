public import Accounts
public import Hummingbird
import NIOCore

/// The per-request context: Hummingbird's core storage, the client's
/// address and the signed-in principal (set by ``AuthenticationMiddleware``).
public struct WebRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The peer's IP address (for login throttling).
    public let clientAddress: String
    public var principal: Principal?
    /// The session's CSRF token when the middleware left its check to the
    /// handler: a page's `multipart/form-data` upload, whose `csrf_token`
    /// field comes in the streamed body (``UploadPageRoutes`` checks it
    /// before it keeps a byte of the file).
    var formCSRF: String?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        clientAddress = source.channel.remoteAddress?.ipAddress ?? "unknown"
        principal = nil
        formCSRF = nil
    }

    /// The principal, or 401.
    func requirePrincipal() throws -> Principal {
        guard let principal else { throw Problem.unauthorized }
        return principal
    }

    /// Request bodies are small JSON documents.
    public var maxUploadSize: Int { 64 * 1024 }
}
