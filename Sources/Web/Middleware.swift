import Accounts
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Synchronization

/// Security headers on every response: a strict CSP (no inline script, no
/// framing), no MIME sniffing, no referrer to other origins.
struct SecurityHeadersMiddleware<Context: RequestContext>: RouterMiddleware {
    static var contentSecurityPolicy: String {
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
            + "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        response.headers[.contentSecurityPolicy] = Self.contentSecurityPolicy
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[HTTPField.Name("Referrer-Policy")!] = "same-origin"
        response.headers[HTTPField.Name("X-Frame-Options")!] = "DENY"
        if response.headers[.cacheControl] == nil { response.headers[.cacheControl] = "no-store" }
        return response
    }
}

/// Turns every error into a problem document: ``Problem`` as is, other
/// HTTP errors with their status, anything else a 500 that says no more
/// than that (the details go to the log).
struct ProblemMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let problem as Problem {
            return try problem.response(from: request, context: context)
        } catch let error as AccountsError {
            return try Problem(.badRequest, "Bad request", error.message, field: error.field).response(from: request, context: context)
        } catch let error as HTTPResponseError {
            let title = error.status.reasonPhrase
            var detail = title
            if let http = error as? HTTPError, let body = http.body { detail = body }
            return try Problem(error.status, title, detail).response(from: request, context: context)
        } catch is DecodingError {
            return try Problem.badRequest("the request body is not the JSON expected", field: "body").response(from: request, context: context)
        } catch is CancellationError {
            return try Problem(.serviceUnavailable, "Timed out", "the request took too long").response(from: request, context: context)
        } catch {
            context.logger.error("request failed", metadata: ["error": "\(error)", "http.path": "\(request.uri.path)"])
            return try Problem(.internalServerError, "Internal server error", "the request failed; the server log has the details")
                .response(from: request, context: context)
        }
    }
}

/// At most `limit` requests in progress; beyond it, 503 with `Retry-After`
/// at once rather than a growing queue.
struct ConcurrencyLimitMiddleware<Context: RequestContext>: RouterMiddleware {
    let limit: Int
    let inFlight = InFlightCounter()

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let admitted = inFlight.count.withLock { count in
            guard count < limit else { return false }
            count += 1
            return true
        }
        guard admitted else {
            var problem = Problem(.serviceUnavailable, "Busy", "the server is handling \(limit) requests; try again shortly")
            problem.headers[.retryAfter] = "1"
            throw problem
        }
        defer { inFlight.count.withLock { $0 -= 1 } }
        return try await next(request, context)
    }
}

/// The requests in progress (a class: `Mutex` can't be copied with the middleware).
final class InFlightCounter: Sendable {
    let count = Mutex(0)
}
