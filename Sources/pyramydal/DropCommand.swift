import ArgumentParser
import Catalog
import Foundation
import Ingest
import JobContracts
import ObjectStore
import Postgres
import PyramydalRuntime

/// `pyramydal drop <file> [--department D] [--name N] [--reports xlsx,pdf]`:
/// copies a file to the store's `incoming/[<department>/]<name>.<ext>`,
/// where the dispatcher picks it up. The file itself is not ingested here.
/// `--reports` first records standing report requests for the dataset
/// (created empty if new; formats it already has are kept once), so each
/// version the ingest commits gets those reports as follow-up jobs.
struct DropCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "drop", abstract: "Put a workbook into the store's incoming/ folder.")

    @Argument(help: "The .xlsx (or .csv) file.") var file: String
    @Option(help: "Department (default: none, i.e. default).") var department: String?
    @Option(help: "Dataset name (default: the file's base name).") var name: String?
    @Option(help: "Standing reports to make of every new version: a comma-separated list of csv, xlsx, pdf.")
    var reports: String?
    @OptionGroup(title: "Reading the table (stored as the dataset's ingest settings)") var layout: IngestSettingsOptions

    func run() async throws {
        try await CommandContext.run(label: "pyramydal.drop") { context in
            guard FileManager.default.isReadableFile(atPath: file) else { throw ValidationError("cannot read \(file)") }
            let base = (file as NSString).lastPathComponent
            let ext = (base as NSString).pathExtension.isEmpty ? "xlsx" : (base as NSString).pathExtension.lowercased()
            let stem = name ?? (base as NSString).deletingPathExtension
            let key = "incoming/" + (department.map { $0 + "/" } ?? "") + stem + "." + ext
            if let reports {
                let formats = reports.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
                guard !formats.isEmpty, formats.allSatisfy({ ReportRequest.Format(rawValue: $0) != nil }) else {
                    throw ValidationError("--reports takes a comma-separated list of csv, xlsx, pdf (got \"\(reports)\")")
                }
                try await addStandingReports(DatasetRef(department: department ?? "default", name: stem), formats: formats, context: context)
            }
            if let settings = layout.settings {
                // Stored before the drop, so the dispatcher's ingest reads it this way.
                try await storeSettings(settings, for: DatasetRef(department: department ?? "default", name: stem), context: context)
            }
            let store = try context.configuration.openStore(logger: context.logger)
            let info = try await store.put(key, fromFile: file, options: PutOptions())
            print("\(store.location)/\(key) (\(info.size) bytes\(info.etag.map { ", etag \($0)" } ?? ""))")
        }
    }

    private func storeSettings(_ settings: IngestSettings, for dataset: DatasetRef, context: CommandContext) async throws {
        let (connection, catalog) = try await context.catalogConnection()
        defer { connection.close() }
        try await connection.run { conn in try catalog.setIngestSettings(settings, for: dataset, actor: AuditActor.current(), on: conn) }
        print("\(dataset): ingest settings \(settings.description)")
    }

    private func addStandingReports(_ dataset: DatasetRef, formats: [String], context: CommandContext) async throws {
        let url = try await EmbeddedStack.databaseURL(for: context.configuration, logger: context.logger)
        let connection = try await PostgresConnection.connect(url: url, variable: Configuration.Variable.databaseURL,
                                                              applicationName: "pyramydal-cli", logger: context.logger)
        defer { connection.close() }
        let catalog = context.catalog
        try await connection.run { conn in
            _ = try catalog.migrate(conn)
            try conn.transaction(purpose: "standing report requests") { conn in
                try catalog.lockDataset(dataset, on: conn)
                let id = try catalog.ensureDataset(dataset, on: conn).id
                let existing = Set(try catalog.reportRequests(datasetID: id, on: conn).map(\.format))
                for format in formats where !existing.contains(format) {
                    try catalog.addReportRequest(datasetID: id, format: format, on: conn)
                }
            }
        }
        print("\(dataset): standing reports \(formats.joined(separator: ", "))")
    }
}
