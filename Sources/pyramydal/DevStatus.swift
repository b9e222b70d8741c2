import ArgumentParser
import PyramydalRuntime

/// `pyramydal dev status`: is the embedded cluster running, where, how big.
struct DevStatus: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Show the embedded PostgreSQL cluster's state.")

    func run() async throws {
        try await CommandContext.run(label: "pyramydal.dev") { context in
            if context.configuration.databaseURL != nil {
                print("PYRAMYDAL_DATABASE_URL is set; the embedded cluster is not used.")
            }
            let stack = try EmbeddedStack(configuration: context.configuration, logger: context.logger)
            print(try await stack.status())
        }
    }
}
