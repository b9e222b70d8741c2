import ArgumentParser

/// `pyramydal dev …`: the embedded PostgreSQL cluster and local store.
struct Dev: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Manage the embedded PostgreSQL cluster used when PYRAMYDAL_DATABASE_URL is unset.",
        subcommands: [DevStart.self, DevStatus.self, DevStop.self, DevDestroy.self]
    )
}
