import ArgumentParser
import Catalog
import Foundation
import JobQueue
import ObjectStore
import PyramydalRuntime
import Reports

/// `pyramydal export <dataset> --format csv|xlsx|pdf …`: makes a report of
/// a dataset version, stores it under `reports/…` with an artifact row, and
/// prints a download URL (S3, short expiry) or the file's path.
///
/// Enqueues an `export` (CSV, XLSX) or `print` (PDF) job with
/// ``ExportJobArguments`` and waits for it, showing its progress. When no
/// dispatcher is running (local launcher), it launches the job itself with
/// an in-process dispatcher, so the command works on the embedded default.
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

    @Flag(name: .customLong("no-wait"), help: "Enqueue the job, print its id and return.")
    var noWait = false

    @Option(help: "Seconds to wait for the job before giving up (the job goes on).")
    var timeout: Int = 3600

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
            var request = try request()
            // A bad --name is refused before anything is resolved or enqueued.
            if let name { try ReportName.check(name) }
            let support = ReportsCommandSupport(context: context)
            // Unknown dataset or version: say so now rather than from the job;
            // and pin "latest" to the version that is latest now.
            let connection = try await support.connect()
            let sources = support.sources
            let resolved = try await connection.run { [request] conn in
                try sources.resolve(dataset: request.dataset, version: request.version, on: conn)
            }
            connection.close()
            request.version = resolved.source.version

            let (queue, url) = try await JobsSupport.openQueue(context)
            defer { queue.connection.close() }
            let arguments = ExportJobArguments(request: request, name: name, requestedBy: AuditActor.current())
            let job = try await queue.enqueue(arguments)
            let what = "\(request.format.rawValue) of \(request.dataset) v\(resolved.source.version)"
            guard !noWait else {
                print("job \(job.id) (\(job.kind)) enqueued: \(what)")
                return
            }
            JobWait.note("job \(job.id) (\(job.kind)) enqueued: \(what); Ctrl-C stops waiting, not the job")
            let finished = try await JobWait.wait(for: job.id, queue: queue, databaseURL: url, timeout: .seconds(timeout),
                                                  context: context)
            guard let result = try? finished.result?.decode(ExportResult.self) else {
                throw CLIError("job \(job.id) finished without a report key")
            }
            print(try await support.location(of: result.key, store: try support.store()))
        }
    }
}
