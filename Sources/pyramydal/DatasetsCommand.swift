import ArgumentParser
import Catalog
import Foundation

/// `pyramydal datasets`: every dataset with its latest version.
struct DatasetsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "datasets", abstract: "List datasets and their latest versions.")

    func run() async throws {
        try await CommandContext.run(label: "pyramydal.datasets") { context in
            let (connection, catalog) = try await context.catalogConnection()
            defer { connection.close() }
            let list = try await connection.run { try catalog.listDatasets(on: $0) }
            if list.isEmpty {
                print("No datasets yet: drop a workbook with `pyramydal drop <file>` or run `pyramydal ingest <file>`.")
                return
            }
            print(TextTable.render(
                header: ["name", "version", "rows", "columns", "status", "when", "source"],
                rows: list.map {
                    [$0.ref.description, $0.version.map(String.init) ?? "-", $0.rowCount.map(String.init) ?? "-",
                     $0.columnCount.map(String.init) ?? "-", $0.status, TextTable.when($0.when), $0.source ?? ""]
                }, numeric: [1, 2, 3]))
        }
    }
}
