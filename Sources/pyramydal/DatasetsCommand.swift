import ArgumentParser
import Catalog
import Foundation

/// `pyramydal datasets`: every dataset with its latest version (archived
/// ones with `--archived`; deleted ones never).
struct DatasetsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "datasets", abstract: "List datasets and their latest versions.")

    @Flag(help: "Also list archived datasets.") var archived = false

    func run() async throws {
        let archived = self.archived
        try await CommandContext.run(label: "pyramydal.datasets") { context in
            let (connection, catalog) = try await context.catalogConnection()
            defer { connection.close() }
            let list = try await connection.run { try catalog.listDatasets(archived: archived, on: $0) }
            if list.isEmpty {
                print("No datasets yet: drop a workbook with `pyramydal drop <file>` or run `pyramydal ingest <file>`.")
                return
            }
            print(TextTable.render(
                header: ["name", "version", "rows", "columns", "status", "when", "source"],
                rows: list.map {
                    [$0.ref.description + ($0.archivedAt == nil ? "" : " (archived)"), $0.version.map(String.init) ?? "-", $0.rowCount.map(String.init) ?? "-",
                     $0.columnCount.map(String.init) ?? "-", $0.status, TextTable.when($0.when), $0.source ?? ""]
                }, numeric: [1, 2, 3]))
        }
    }
}
