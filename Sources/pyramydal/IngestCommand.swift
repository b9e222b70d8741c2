import ArgumentParser
import Catalog
import Foundation
import Ingest
import JobQueue
import PyramydalRuntime

/// `pyramydal ingest <file|s3://bucket/key>`: the IngestWorker's path, in
/// this process, with a progress bar.
struct IngestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Ingest a workbook (a local file or s3://bucket/key) into a new dataset version.",
        discussion: "Exit status: 0 done (or already ingested), 65 bad input, 75 transient failure (retry).")

    @Argument(help: "A local .xlsx file, or s3://bucket/key.")
    var source: String
    @Option(help: "Department for a local file (default: default).")
    var department: String?
    @Option(help: "Dataset name for a local file (default: the file's base name).")
    var name: String?
    @OptionGroup(title: "Reading the table (stored as the dataset's ingest settings)") var layout: IngestSettingsOptions

    func run() async throws {
        try await CommandContext.run(label: "pyramydal.ingest") { context in
            let (connection, catalog) = try await context.catalogConnection()
            defer { connection.close() }
            let ingest = Ingest(connection: connection, catalog: catalog, logger: context.logger)
            let bar = ProgressBar()
            let started = Date()
            let versions: [CommittedVersion]
            do {
                if let (store, key) = IngestStores.split(s3URL: source) {
                    let objectStore = try IngestStores.open(store, configuration: context.configuration)
                    if let settings = layout.settings {
                        // The key's dataset reads it this way from now on.
                        let ref = SourceNaming.workbook(key: key)
                        try await connection.run { conn in try catalog.setIngestSettings(settings, for: ref, actor: AuditActor.current(), on: conn) }
                    }
                    versions = try await StoreIngest(ingest: ingest, store: objectStore).run(key: key, progress: bar.update)
                } else {
                    let path = source.hasPrefix("/") ? source : FileManager.default.currentDirectoryPath + "/" + source
                    var workbook = SourceNaming.workbook(path: path)
                    if let department { workbook.department = department }
                    if let name { workbook.name = name }
                    versions = try await ingest.ingest(
                        IngestRequest(path: path, workbook: workbook, source: SourceIdentity(uri: "file://" + path), overrides: layout.settings),
                        progress: bar.update)
                }
            } catch let error as IngestError {
                CommandContext.printError(error.description)
                throw ExitCode(error.kind == .badInput ? WorkerExitCode.badInput.rawValue : WorkerExitCode.transient.rawValue)
            }
            let seconds = Date().timeIntervalSince(started)
            print(TextTable.render(
                header: ["dataset", "version", "rows", "columns", "table", "note"],
                rows: versions.map {
                    [$0.dataset.description, String($0.version), String($0.rowCount), String($0.columns.count),
                     "\(catalog.schemas.data).\"\($0.tableName)\"", $0.alreadyIngested ? "already ingested" : "new"]
                }, numeric: [1, 2, 3]))
            // The workbook's notes (sheets skipped, numbers rounded), each once.
            var noted: Set<String> = []
            for note in versions.flatMap(\.notes) where noted.insert(note).inserted { print("note: \(note)") }
            print(String(format: "%.2f s", seconds))
        }
    }
}
