import Accounts
import ArgumentParser
import Catalog
import Dispatching
import Foundation
import JobQueue
import Logging
import PyramydalRuntime
import ServiceLifecycle
import Web

/// `pyramydal serve`: the HTTP API (and, with `--with-dispatcher`, the
/// dispatcher in the same process). SIGTERM or SIGINT stops it gracefully.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the web service: the HTTP API on PYRAMYDAL_HTTP_ADDRESS (default 127.0.0.1:8080).",
        discussion: """
            On the embedded default, the first start creates the user admin (admin of every department) and prints
            its password once. Stop with SIGTERM or Ctrl-C.
            """
    )

    @Flag(name: .customLong("with-dispatcher"), help: "Also run the dispatcher (as `pyramydal dispatch`) in this process.")
    var withDispatcher = false

    func run() async throws {
        try await CommandContext.run(label: "pyramydal.web") { context in
            let settings: WebSettings
            do {
                settings = try WebSettings(environment: ProcessInfo.processInfo.environment)
            } catch {
                CommandContext.printError(String(describing: error))
                throw ExitCode(CommandContext.Status.usage)
            }
            let url = try await EmbeddedStack.databaseURL(for: context.configuration, logger: context.logger)
            let (connection, catalog) = try await context.catalogConnection()
            let accounts = Accounts(schema: catalog.schemas.catalog)
            let embedded = context.configuration.databaseURL == nil
            let created: String? = try await connection.run { conn in
                try accounts.migrate(conn)
                guard embedded, try accounts.isEmpty(on: conn) else { return nil }
                let password = Accounts.randomPassword()
                do {
                    try accounts.addUser("admin", password: password, isAdmin: true, on: conn)
                } catch let error as AccountsError where error.code == .userExists {
                    return nil  // another process created it first
                }
                try catalog.audit(who: AuditActor.current(), what: "users add admin", outcome: "done", dataset: nil,
                                  details: ["admin": .bool(true)], on: conn)
                return password
            }
            connection.close()
            let queue = try await JobQueue.connect(url: url, schema: context.configuration.jobs.schema, logger: context.logger)
            try await queue.migrate()
            queue.connection.close()
            if let created {
                print("""
                    pyramydal serve: created user admin (admin of every department) with the password
                      \(created)
                    It is shown only this once; change it with `pyramydal users passwd admin`.
                    """)
                fflush(nil)  // stdout may be a pipe: show it now, not at exit
            }

            let store = try context.configuration.openStore(logger: context.logger)
            let web = WebServer(databaseURL: url, catalog: catalog, jobsSchema: context.configuration.jobs.schema,
                                settings: settings, store: store, logger: context.logger) { port in
                print("pyramydal serve: listening on http://\(settings.host.contains(":") ? "[\(settings.host)]" : settings.host):\(port)")
                fflush(nil)  // stdout may be a pipe: show it now, not at exit
            }
            var services: [ServiceGroupConfiguration.ServiceConfiguration] = [.init(service: web)]
            if withDispatcher {
                let dispatcher = try await ProductionDispatcher.make(configuration: context.configuration, databaseURL: url,
                                                                     intake: true, shutdownTimeout: .seconds(30),
                                                                     logger: context.logger)
                services.append(.init(service: dispatcher))
            }
            let group = ServiceGroup(configuration: ServiceGroupConfiguration(
                services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: context.logger))
            try await group.run()
        }
    }
}
