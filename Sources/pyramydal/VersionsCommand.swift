import ArgumentParser
import Catalog
import Foundation

/// `pyramydal versions [department/]name`: every attempt, newest first.
struct VersionsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "versions", abstract: "List the versions of a dataset.")

    @Argument(help: "The dataset as [department/]name.")
    var dataset: String

    func run() async throws {
        try await CommandContext.run(label: "pyramydal.versions") { context in
            let (connection, catalog) = try await context.catalogConnection()
            defer { connection.close() }
            let ref = DatasetRef(parsing: dataset)
            let versions = try await connection.run { conn -> [VersionRecord]? in
                guard let found = try catalog.dataset(ref, on: conn) else { return nil }
                return try catalog.listVersions(of: found.id, on: conn)
            }
            guard let versions else {
                CommandContext.printError("no dataset \(ref)")
                throw ExitCode(1)
            }
            print(TextTable.render(
                header: ["version", "rows", "columns", "status", "when", "source", "error", "notes"],
                rows: versions.map {
                    [$0.version.map(String.init) ?? "-", $0.rowCount.map(String.init) ?? "-",
                     $0.status == "failed" ? "-" : String($0.columns.count), $0.status,
                     TextTable.when($0.committedAt ?? $0.createdAt), $0.sourceURI, $0.error?.description ?? "",
                     $0.notes.joined(separator: "; ")]
                }, numeric: [0, 1, 2]))
        }
    }
}
