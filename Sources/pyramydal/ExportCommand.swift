import ArgumentParser
import Catalog
import Foundation
import ObjectStore
import Reports

/// `pyramydal export <dataset> --format csv|xlsx|pdf …`: makes a report of
/// a dataset version, stores it under `reports/…` with an artifact row, and
/// prints a download URL (S3, short expiry) or the file's path.
///
/// Runs the export job's code (``ExportJob``) in this process; once the job
/// queue is wired in, the same arguments are enqueued as an `export`/`print`
/// job and this command waits for it.
struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export a dataset version as CSV, XLSX or PDF into reports/ and print where to get it.")

    @Argument(help: "The dataset, [department/]name.")
    var dataset: String

    @Option(help: "csv, xlsx or pdf.")
    var format: String

    @Option(help: "The version (default: the latest committed one).")
    var version: Int?

    @Option(help: "Columns to include, comma-separated (default: all).")
    var columns: String?

    @Option(name: .customLong("where"), help: "A filter `column op value` (op: = != < <= > >= contains); repeat for AND.")
    var filters: [String] = []

    @Option(help: "Sort by a column (`--sort=-column` or `--sort 'column desc'` for descending); repeatable.")
    var sort: [String] = []

    @Option(help: "The file name without extension (default: <dataset>-<UTC time>).")
    var name: String?

    @Flag(help: "CSV: start with a UTF-8 byte order mark (for Excel).")
    var bom = false

    @Flag(name: .customLong("no-neutralise"), help: "CSV: don't prefix ' to cells starting with = + - @ tab CR.")
    var noNeutralise = false

    @Option(help: "PDF: a4 or letter.")
    var paper: String = "a4"

    @Flag(help: "PDF: portrait instead of landscape.")
    var portrait = false

    @Flag(help: "PDF: wrap long cells instead of cutting them with an ellipsis.")
    var wrap = false

    func request() throws -> ReportRequest {
        guard let format = ReportRequest.Format(rawValue: format.lowercased()) else {
            throw ValidationError("--format must be csv, xlsx or pdf")
        }
        guard let paper = PDFOptions.Paper(rawValue: paper.lowercased()) else {
            throw ValidationError("--paper must be a4 or letter")
        }
        return ReportRequest(
            dataset: dataset, version: version, format: format,
            columns: columns.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } } ?? [],
            filters: try filters.map { try ReportFilter(parsing: $0) },
            sort: try sort.map { try ReportSort(parsing: $0) },
            csv: CSVOptions(byteOrderMark: bom, neutraliseFormulas: !noNeutralise),
            pdf: PDFOptions(paper: paper, landscape: !portrait, wrap: wrap))
    }

    func run() async throws {
        try await CommandContext.run(label: "pyramydal.export") { context in
            let request = try request()
            let support = ReportsCommandSupport(context: context)
            let connection = try await support.connect()
            defer { connection.close() }
            let store = try support.store()
            let job = ExportJob(
                sources: CatalogReportSources(catalogSchema: support.catalogSchema, dataSchema: support.dataSchema),
                publisher: ReportPublisher(
                    exporter: ReportExporter(maxRows: try support.maxRows(for: request.format)), store: store,
                    recorder: CatalogArtifactRecorder(schema: support.catalogSchema)))
            let started = Date()
            FileHandle.standardError.write(Data("exporting \(request.dataset) as \(request.format.rawValue)…\n".utf8))
            let catalog = Catalog(schemas: CatalogSchemas(environment: support.environment))
            let ref = DatasetRef(parsing: request.dataset)
            let what = "\(request.format.jobKind) \(ref)"
            var details: [String: AuditValue] = ["format": .string(request.format.rawValue)]
            if let version = request.version { details["version"] = .int(Int64(version)) }
            let published: PublishedReport
            do {
                published = try await job.run(ExportJobArguments(request: request, name: name), jobID: nil,
                                              connection: connection)
            } catch {
                details["error"] = .string("\(error)")
                let failed = details
                _ = try? await connection.run { conn in
                    try catalog.audit(who: AuditActor.current(), what: what, outcome: "failed", dataset: ref, details: failed, on: conn)
                }
                throw error
            }
            details["report"] = .string(published.key)
            let done = details
            try await connection.run { conn in
                try catalog.audit(who: AuditActor.current(), what: what, outcome: "done", dataset: ref, details: done, on: conn)
            }
            let seconds = String(format: "%.1f", Date().timeIntervalSince(started))
            var summary = "\(published.output.rows) rows, \(published.bytes) bytes"
            if let pages = published.output.pages { summary += ", \(pages) pages" }
            FileHandle.standardError.write(Data("artifact \(published.artifactID): \(published.key) (\(summary), \(seconds) s)\n".utf8))
            print(try await support.location(of: published.key, store: store))
        }
    }
}
