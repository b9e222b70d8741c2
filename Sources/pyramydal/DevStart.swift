import ArgumentParser
import PyramydalRuntime

/// `pyramydal dev start`: start (or reuse) the embedded cluster and prepare the local store.
struct DevStart: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "start",
        abstract: "Start the embedded PostgreSQL cluster (creating it on first use) and the local store.")

    func run() async throws {
        try await CommandContext.run(label: "pyramydal.dev") { context in
            let configuration = context.configuration
            if let url = configuration.databaseURL {
                print("database: \(Redaction.redactingSecrets(in: url))  (PYRAMYDAL_DATABASE_URL; nothing to start)")
            } else {
                let stack = try EmbeddedStack(configuration: configuration, logger: context.logger)
                let result = try await stack.start()
                let state = result.initialized ? "created and started" : result.started ? "started" : "already running"
                print("database: \(result.redactedURL)  (\(state))")
                print("password: \(stack.home)/postgres/password")
            }
            if let incoming = try EmbeddedStack.prepareLocalStore(configuration) {
                print("store:    \(configuration.store)  (drop workbooks into \(incoming)/)")
            } else {
                print("store:    \(configuration.store)")
            }
        }
    }
}
