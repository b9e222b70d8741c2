import ArgumentParser
import Foundation
import JobQueue
import Logging
import Postgres
import Reports
import WorkerSupport

/// The export/print worker's entry point.
///
/// `ExportWorker render --table schema.table --format csv|xlsx|pdf --output PATH [options]`
/// renders one report of a table to a local file (the benchmark and people
/// debugging use it). Exit codes follow the workers' convention
/// (``WorkerExitCode``): 0 done, 65 bad input (unknown column, bad filter,
/// too many rows, a bad option value), 75 transient (database
/// unreachable), 70 anything else, 64 usage.
///
/// Started by the dispatcher with no arguments (`PYRAMYDAL_JOB_ID` and
/// `PYRAMYDAL_JOB_KIND` set), it runs that `export` or `print` job
/// (``ExportJobRunner``).
@main
struct ExportWorker: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ExportWorker",
        abstract: "Render reports (CSV, styled XLSX, PDF); launched by the dispatcher, run export and print jobs.",
        subcommands: [Render.self])

    static func main() async {
        await WorkerMain.run(Self.self, kinds: [ReportRequest.Format.csv.jobKind, ReportRequest.Format.pdf.jobKind]) { job in
            try await ExportJobRunner.run(job)
        }
    }

    func run() async throws {
        throw WorkerFailure(.usage, Self.helpMessage())
    }
}

/// `ExportWorker render`: one report of a table to a local file. Option
/// values are checked by ``RenderOptions`` (a bad value is bad input, 65).
struct Render: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Render one report of a table to a local file.",
        discussion: "environment: PYRAMYDAL_DATABASE_URL (required), PYRAMYDAL_REPORT_MAX_ROWS (default: no bound)")

    @Option(help: "SCHEMA.TABLE (schema default public).") var table: String?
    @Option(help: "csv, xlsx or pdf.") var format: String?
    @Option(help: "The file to write.") var output: String?
    @Option(parsing: .unconditional, help: "Comma-separated column names (default: all).") var columns: String?
    @Option(name: .customLong("where"), parsing: .unconditionalSingleValue, help: "A filter \"col op value\" (repeatable).")
    var filters: [String] = []
    @Option(parsing: .unconditionalSingleValue, help: "A sort key, col or -col (repeatable).") var sort: [String] = []
    @Flag(help: "CSV: start with a byte-order mark.") var bom = false
    @Flag(name: .customLong("no-neutralise"), help: "CSV: keep leading =, +, -, @ as they are.") var noNeutralise = false
    @Option(help: "PDF: a4 or letter.") var paper: String?
    @Flag(help: "PDF: portrait pages.") var portrait = false
    @Flag(help: "PDF: wrap long cells.") var wrap = false
    @Option(name: .customLong("font-size"), help: "PDF: 4 to 24 points.") var fontSize: String?
    @Option(name: .customLong("rows-per-sheet"), help: "XLSX: rows per sheet.") var rowsPerSheet: String?

    func run() async throws {
        var logger = Logger(label: "pyramydal.export")
        logger.logLevel = Logger.Level(rawValue: ProcessInfo.processInfo.environment["PYRAMYDAL_LOG_LEVEL"] ?? "info") ?? .info
        do {
            let options = try RenderOptions(self, environment: ProcessInfo.processInfo.environment)
            let output = try await Self.render(options, logger: logger)
            var line = "\(output.format.rawValue): \(output.rows) rows, \(output.bytes) bytes"
            if let pages = output.pages { line += ", \(pages) pages" }
            if let sheets = output.sheets { line += ", \(sheets) sheets" }
            print(line + " → \(options.output)")
        } catch let error as ReportError {
            logger.error("report refused", metadata: ["error": "\(error)"])
            throw WorkerFailure(error.isBadInput ? .badInput : .internalError, nil)
        } catch let error as PostgresError where [.connectionFailed, .connectionLost, .timeout].contains(error.code) {
            logger.error("database unavailable", metadata: ["error": "\(error)"])
            throw WorkerFailure(.transient, nil)
        } catch {
            logger.error("report failed", metadata: ["error": "\(error)"])
            throw WorkerFailure(.internalError, nil)
        }
    }

    static func render(_ options: RenderOptions, logger: Logger) async throws -> ReportOutput {
        let connection = try await PostgresConnection.connect(
            url: options.databaseURL, variable: "PYRAMYDAL_DATABASE_URL", applicationName: "pyramydal-export", logger: logger)
        defer { connection.close() }
        let source = try await connection.run { conn in
            try ReportSource.describe(schema: options.schema, table: options.table, connection: conn)
        }
        let exporter = ReportExporter(maxRows: options.maxRows, xlsxRowsPerSheet: options.rowsPerSheet)
        return try await exporter.render(options.request(dataset: source.dataset), source: source, to: options.output,
                                         connection: connection)
    }
}

/// The `render` command line, checked.
struct RenderOptions {
    var schema = "public"
    var table = ""
    var format: ReportRequest.Format = .csv
    var output = ""
    var columns: [String] = []
    var filters: [ReportFilter] = []
    var sort: [ReportSort] = []
    var csv = CSVOptions()
    var pdf = PDFOptions()
    var rowsPerSheet = 1_048_575
    var databaseURL: String
    var maxRows: Int?

    init(_ command: Render, environment: [String: String]) throws(ReportError) {
        guard let url = environment["PYRAMYDAL_DATABASE_URL"], !url.isEmpty else {
            throw ReportError(.badOption, "PYRAMYDAL_DATABASE_URL is not set")
        }
        databaseURL = url
        if let text = environment["PYRAMYDAL_REPORT_MAX_ROWS"], !text.isEmpty {
            guard let n = Int(text), n > 0 else {
                throw ReportError(.badOption, "PYRAMYDAL_REPORT_MAX_ROWS must be a positive whole number, not \"\(text)\"")
            }
            maxRows = n
        }
        if let t = command.table {
            if let dot = t.firstIndex(of: ".") {
                schema = String(t[..<dot])
                table = String(t[t.index(after: dot)...])
            } else {
                table = t
            }
        }
        if let f = command.format {
            guard let parsed = ReportRequest.Format(rawValue: f) else {
                throw ReportError(.badOption, "--format must be csv, xlsx or pdf, not \"\(f)\"")
            }
            format = parsed
        }
        output = command.output ?? ""
        if let list = command.columns { columns = list.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
        for filter in command.filters { filters.append(try ReportFilter(parsing: filter)) }
        for key in command.sort { sort.append(try ReportSort(parsing: key)) }
        if command.bom { csv.byteOrderMark = true }
        if command.noNeutralise { csv.neutraliseFormulas = false }
        if let p = command.paper {
            guard let paper = PDFOptions.Paper(rawValue: p) else { throw ReportError(.badOption, "--paper must be a4 or letter") }
            pdf.paper = paper
        }
        if command.portrait { pdf.landscape = false }
        if command.wrap { pdf.wrap = true }
        if let text = command.fontSize {
            guard let size = Double(text), size >= 4, size <= 24 else {
                throw ReportError(.badOption, "--font-size must be between 4 and 24 points")
            }
            pdf.fontSize = size
        }
        if let text = command.rowsPerSheet {
            guard let n = Int(text), n > 0 else { throw ReportError(.badOption, "--rows-per-sheet must be positive") }
            rowsPerSheet = n
        }
        guard !table.isEmpty else { throw ReportError(.badOption, "--table is required") }
        guard !output.isEmpty else { throw ReportError(.badOption, "--output is required") }
    }

    func request(dataset: String) -> ReportRequest {
        ReportRequest(dataset: dataset, format: format, columns: columns, filters: filters, sort: sort, csv: csv, pdf: pdf)
    }
}
