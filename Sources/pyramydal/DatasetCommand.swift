import ArgumentParser
import Catalog
import Foundation
import Postgres

/// `pyramydal dataset revert|rename|move|archive|unarchive|delete|settings`:
/// managing one dataset. Each change is audited with the actor
/// (`PYRAMYDAL_ACTOR`, else the local user).
struct DatasetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dataset", abstract: "Revert, rename, move, archive or delete a dataset.",
        subcommands: [Revert.self, Rename.self, Move.self, Archive.self, Unarchive.self, Delete.self, Settings.self])

    /// Runs `change` on the id of the live dataset `text` names; prints `done`.
    static func change(_ text: String, label: String,
                       _ change: @escaping @Sendable (Catalog, Int64, String, PostgresConnection) throws -> String) async throws {
        try await CommandContext.run(label: label) { context in
            let (connection, catalog) = try await context.catalogConnection()
            defer { connection.close() }
            let ref = DatasetRef(parsing: text)
            let who = AuditActor.current()
            let message = try await connection.run { conn -> String? in
                guard let found = try catalog.dataset(ref, on: conn) else { return nil }
                return try change(catalog, found.id, who, conn)
            }
            guard let message else {
                CommandContext.printError("no dataset \(ref)")
                throw ExitCode(1)
            }
            print(message)
        }
    }

    struct Revert: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make an older committed version the latest again (a new version on the same table; nothing is copied).")
        @Argument(help: "The dataset as [department/]name.") var dataset: String
        @Argument(help: "The committed version to make the latest.") var version: Int

        func run() async throws {
            let version = self.version
            try await DatasetCommand.change(dataset, label: "pyramydal.dataset.revert") { catalog, id, who, conn in
                let record = try catalog.revertDataset(id: id, to: version, who: who, on: conn)
                return "version \(record.version ?? 0) is version \(version) again"
            }
        }
    }

    struct Rename: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Rename a dataset (its view keeps its name).")
        @Argument(help: "The dataset as [department/]name.") var dataset: String
        @Argument(help: "The new name.") var name: String

        func run() async throws {
            let name = self.name
            try await DatasetCommand.change(dataset, label: "pyramydal.dataset.rename") { catalog, id, who, conn in
                try catalog.updateDataset(id: id, DatasetChanges(name: name), who: who, on: conn)
                return "renamed to \(name)"
            }
        }
    }

    struct Move: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Move a dataset to another department.")
        @Argument(help: "The dataset as [department/]name.") var dataset: String
        @Argument(help: "The department to move it to.") var department: String

        func run() async throws {
            let department = self.department
            try await DatasetCommand.change(dataset, label: "pyramydal.dataset.move") { catalog, id, who, conn in
                try catalog.updateDataset(id: id, DatasetChanges(department: department), who: who, on: conn)
                return "moved to \(department)"
            }
        }
    }

    struct Archive: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Archive a dataset: hidden from lists (`pyramydal datasets --archived` shows it), kept in snapshots.")
        @Argument(help: "The dataset as [department/]name.") var dataset: String

        func run() async throws {
            try await DatasetCommand.change(dataset, label: "pyramydal.dataset.archive") { catalog, id, who, conn in
                try catalog.updateDataset(id: id, DatasetChanges(archived: true), who: who, on: conn)
                return "archived"
            }
        }
    }

    struct Unarchive: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Bring an archived dataset back into the lists.")
        @Argument(help: "The dataset as [department/]name.") var dataset: String

        func run() async throws {
            try await DatasetCommand.change(dataset, label: "pyramydal.dataset.unarchive") { catalog, id, who, conn in
                try catalog.updateDataset(id: id, DatasetChanges(archived: false), who: who, on: conn)
                return "unarchived"
            }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete a dataset: gone from every list at once; its tables are dropped by the next snapshot prune.")
        @Argument(help: "The dataset as [department/]name.") var dataset: String
        @Flag(help: "Confirm the deletion.") var yes = false

        func validate() throws {
            guard yes else { throw ValidationError("deleting a dataset needs --yes") }
        }

        func run() async throws {
            try await DatasetCommand.change(dataset, label: "pyramydal.dataset.delete") { catalog, id, who, conn in
                try catalog.deleteDataset(id: id, who: who, on: conn)
                return "deleted (its tables go at the next snapshot prune)"
            }
        }
    }

    struct Settings: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show or change how every drop of a dataset is read (sheet, header row, range, totals).",
            discussion: "Without options it prints the settings; with options they replace them; --clear removes them.")
        @Argument(help: "The dataset as [department/]name.") var dataset: String
        @OptionGroup var layout: IngestSettingsOptions
        @Flag(help: "Remove the settings: the table is detected again.") var clear = false

        func run() async throws {
            let change: IngestSettings?? = clear ? .some(nil) : layout.settings.map { .some($0) }
            try await CommandContext.run(label: "pyramydal.dataset.settings") { context in
                let (connection, catalog) = try await context.catalogConnection()
                defer { connection.close() }
                let ref = DatasetRef(parsing: dataset)
                let shown = try await connection.run { conn -> IngestSettings? in
                    if let change { try catalog.setIngestSettings(change, for: ref, actor: AuditActor.current(), on: conn) }
                    return try catalog.ingestSettings(of: ref, on: conn)
                }
                print("\(ref): ingest settings \(shown?.description ?? IngestSettings().description)")
            }
        }
    }
}
