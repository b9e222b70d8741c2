import Accounts
public import Catalog
import Foundation
public import Hummingbird
public import Logging
import NIOCore
public import ObjectStore
import Postgres
public import ServiceLifecycle

/// The HTTP service: `/healthz`, `/readyz`, `/api/openapi.json` and API v1,
/// behind the security-header, problem, concurrency-limit and
/// authentication middleware. A `Service`: run it in a `ServiceGroup`
/// (graceful shutdown stops accepting, lets requests finish, closes the pool).
public struct WebServer: Service {
    public let state: WebState
    let logger: Logger
    let onRunning: @Sendable (Int) async -> Void

    /// - Parameters:
    ///   - store: the configured store (uploads, reports, snapshots); nil: those endpoints answer 503.
    ///   - onRunning: called with the bound port once listening (port 0 picks a free one).
    public init(databaseURL: String, catalog: Catalog, jobsSchema: String, settings: WebSettings,
                store: (any ObjectStore)? = nil, logger: Logger,
                onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) {
        let pool = ConnectionPool(url: databaseURL, size: settings.poolSize,
                                  setupSQL: "SET statement_timeout = '\(settings.requestTimeoutSeconds)s'", logger: logger)
        state = WebState(pool: pool, catalog: catalog, accounts: Accounts(schema: catalog.schemas.catalog),
                         jobsSchema: jobsSchema, settings: settings, store: store)
        self.logger = logger
        self.onRunning = onRunning
    }

    /// The router with every route and middleware.
    func router() -> Router<WebRequestContext> {
        let router = Router(context: WebRequestContext.self)
        router.add(middleware: SecurityHeadersMiddleware())
        router.add(middleware: ProblemMiddleware())
        router.add(middleware: ConcurrencyLimitMiddleware(limit: state.settings.maxConcurrentRequests))
        router.add(middleware: AuthenticationMiddleware(state: state))
        let pool = state.pool
        router.get("healthz") { _, _ in Response(status: .ok, headers: [.contentType: "text/plain"], body: .init(byteBuffer: ByteBuffer(string: "ok\n"))) }
        router.get("readyz") { _, _ -> Response in
            do {
                _ = try await pool.run { try $0.query("SELECT 1", purpose: "readiness") }
                return Response(status: .ok, headers: [.contentType: "text/plain"], body: .init(byteBuffer: ByteBuffer(string: "ready\n")))
            } catch {
                throw Problem(.serviceUnavailable, "Not ready", "the database is not reachable")
            }
        }
        router.get("api/openapi.json") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json", .cacheControl: "max-age=300"],
                     body: .init(byteBuffer: ByteBuffer(string: OpenAPIDocument.json)))
        }
        APIRoutes(state: state).register(router)
        PageRoutes(state: state).register(router)
        return router
    }

    /// The Hummingbird application (what ``run()`` runs; tests drive it directly).
    public func application() -> some ApplicationProtocol {
        let onRunning = self.onRunning
        return Application(
            router: router(),
            // Closes a client connection that sends nothing (between requests or mid-request) this long.
            server: .http1(configuration: .init(idleTimeout: .seconds(Int64(state.settings.requestTimeoutSeconds)))),
            configuration: .init(address: .hostname(state.settings.host, port: state.settings.port), serverName: nil),
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? 0) },
            logger: logger)
    }

    public func run() async throws {
        let pool = state.pool
        do {
            try await application().run()
        } catch {
            await pool.close()
            throw error
        }
        await pool.close()
    }
}
