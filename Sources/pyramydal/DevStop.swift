import ArgumentParser
import PyramydalRuntime

/// `pyramydal dev stop`: stop the embedded cluster (data is kept).
struct DevStop: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stop", abstract: "Stop the embedded PostgreSQL cluster (its data is kept).")

    func run() async throws {
        try await CommandContext.run(label: "pyramydal.dev") { context in
            let stack = try EmbeddedStack(configuration: context.configuration, logger: context.logger)
            print(try await stack.stop() ? "stopped" : "not running")
        }
    }
}
