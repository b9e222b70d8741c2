import ArgumentParser
import PyramydalRuntime

/// `pyramydal dev destroy --yes`: stop the embedded cluster and delete its data.
struct DevDestroy: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "destroy",
        abstract: "Stop the embedded PostgreSQL cluster and delete its data (the store is kept).")

    @Flag(help: "Confirm deleting every dataset in the embedded cluster.")
    var yes = false

    func validate() throws {
        guard yes else { throw ValidationError("this deletes the embedded database; pass --yes to confirm") }
    }

    func run() async throws {
        try await CommandContext.run(label: "pyramydal.dev") { context in
            let stack = try EmbeddedStack(configuration: context.configuration, logger: context.logger)
            try await stack.destroy()
            print("removed the embedded cluster under \(stack.home)/postgres")
        }
    }
}
