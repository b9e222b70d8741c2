import ArgumentParser
import PyramydalRuntime

/// `pyramydal config`: the resolved settings, passwords hidden.
struct ConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Print the resolved configuration (passwords shown as ***).")

    func run() async throws {
        try await CommandContext.run(label: "pyramydal.config") { context in
            print(context.configuration.redactedSummary)
        }
    }
}
