import ArgumentParser

/// The `pyramydal` command. A new subcommand is one file plus one line in
/// `subcommands` below.
@main
struct Pyramydal: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pyramydal",
        abstract: "Excel workbooks in, typed and versioned PostgreSQL datasets and reports out.",
        discussion: """
            Settings come from PYRAMYDAL_* environment variables (see `pyramydal config`).
            Exit status: 0 success, 64 usage or configuration error, 1 failure.
            """,
        subcommands: [
            Dev.self,
            ConfigCommand.self,
            IngestCommand.self,
            DatasetsCommand.self,
            DatasetCommand.self,
            VersionsCommand.self,
            SampleCommand.self,
            DropCommand.self,
            ExportCommand.self,
            ReportsCommand.self,
            DownloadCommand.self,
            DiffCommand.self,
            AuditCommand.self,
            Jobs.self,
            Enqueue.self,
            Dispatch.self,
            ServeCommand.self,
            UsersCommand.self,
            SnapshotsCommand.self, SnapshotCommand.self, RestoreCommand.self,
        ]
    )
}
