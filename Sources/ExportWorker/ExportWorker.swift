import Foundation
import JobQueue
import Logging
import Postgres
import Reports

#if canImport(Glibc)
import Glibc
#endif

/// The export/print worker's entry point.
///
/// `ExportWorker render --table schema.table --format csv|xlsx|pdf --output PATH [options]`
/// renders one report of a table to a local file (the benchmark and people
/// debugging use it). Exit codes follow the workers' convention: 0 done,
/// 65 bad input (unknown column, bad filter, too many rows), 75 transient
/// (database unreachable), 70 anything else.
///
/// Started by the dispatcher with no arguments (`PYRAMYDAL_JOB_ID` and
/// `PYRAMYDAL_JOB_KIND` set), it runs that `export` or `print` job
/// (``ExportJobRunner``).
@main
struct ExportWorker {
    static func main() async {
        let arguments = Array(CommandLine.arguments.dropFirst())
        var logger = Logger(label: "pyramydal.export")
        logger.logLevel = Logger.Level(rawValue: ProcessInfo.processInfo.environment["PYRAMYDAL_LOG_LEVEL"] ?? "info") ?? .info
        if arguments.isEmpty, let kind = ProcessInfo.processInfo.environment["PYRAMYDAL_JOB_KIND"],
           ProcessInfo.processInfo.environment["PYRAMYDAL_JOB_ID"] != nil {
            exit(await ExportJobRunner.run(kind: kind))
        }
        guard arguments.first == "render" else {
            FileHandle.standardError.write(Data((Self.usage + "\n").utf8))
            exit(arguments.first == "--help" ? WorkerExitCode.success.rawValue : WorkerExitCode.usage.rawValue)
        }
        do {
            let options = try RenderOptions(arguments: Array(arguments.dropFirst()),
                                            environment: ProcessInfo.processInfo.environment)
            let output = try await render(options, logger: logger)
            var line = "\(output.format.rawValue): \(output.rows) rows, \(output.bytes) bytes"
            if let pages = output.pages { line += ", \(pages) pages" }
            if let sheets = output.sheets { line += ", \(sheets) sheets" }
            print(line + " → \(options.output)")
            exit(WorkerExitCode.success.rawValue)
        } catch let error as ReportError {
            logger.error("report refused", metadata: ["error": "\(error)"])
            exit(error.isBadInput ? WorkerExitCode.badInput.rawValue : WorkerExitCode.internalError.rawValue)
        } catch let error as PostgresError where [.connectionFailed, .connectionLost, .timeout].contains(error.code) {
            logger.error("database unavailable", metadata: ["error": "\(error)"])
            exit(WorkerExitCode.transient.rawValue)
        } catch {
            logger.error("report failed", metadata: ["error": "\(error)"])
            exit(WorkerExitCode.internalError.rawValue)
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

    static let usage = """
        usage: ExportWorker render --table SCHEMA.TABLE --format csv|xlsx|pdf --output PATH
                 [--columns a,b,c] [--where "col op value"]... [--sort col|-col]...
                 [--bom] [--no-neutralise] [--paper a4|letter] [--portrait] [--wrap] [--font-size PT]
                 [--rows-per-sheet N]
        environment: PYRAMYDAL_DATABASE_URL (required), PYRAMYDAL_REPORT_MAX_ROWS (default: no bound)
        """
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

    init(arguments: [String], environment: [String: String]) throws(ReportError) {
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
        var i = 0
        func value(_ flag: String) throws(ReportError) -> String {
            i += 1
            guard i < arguments.count else { throw ReportError(.badOption, "\(flag) needs a value") }
            return arguments[i]
        }
        while i < arguments.count {
            let flag = arguments[i]
            switch flag {
            case "--table":
                let t = try value(flag)
                if let dot = t.firstIndex(of: ".") {
                    schema = String(t[..<dot])
                    table = String(t[t.index(after: dot)...])
                } else {
                    table = t
                }
            case "--format":
                let f = try value(flag)
                guard let parsed = ReportRequest.Format(rawValue: f) else {
                    throw ReportError(.badOption, "--format must be csv, xlsx or pdf, not \"\(f)\"")
                }
                format = parsed
            case "--output": output = try value(flag)
            case "--columns": columns = try value(flag).split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            case "--where": filters.append(try ReportFilter(parsing: try value(flag)))
            case "--sort": sort.append(try ReportSort(parsing: try value(flag)))
            case "--bom": csv.byteOrderMark = true
            case "--no-neutralise": csv.neutraliseFormulas = false
            case "--paper":
                let p = try value(flag)
                guard let paper = PDFOptions.Paper(rawValue: p) else { throw ReportError(.badOption, "--paper must be a4 or letter") }
                pdf.paper = paper
            case "--portrait": pdf.landscape = false
            case "--wrap": pdf.wrap = true
            case "--font-size":
                guard let size = Double(try value(flag)), size >= 4, size <= 24 else {
                    throw ReportError(.badOption, "--font-size must be between 4 and 24 points")
                }
                pdf.fontSize = size
            case "--rows-per-sheet":
                guard let n = Int(try value(flag)), n > 0 else { throw ReportError(.badOption, "--rows-per-sheet must be positive") }
                rowsPerSheet = n
            default:
                throw ReportError(.badOption, "unknown option \(flag)")
            }
            i += 1
        }
        guard !table.isEmpty else { throw ReportError(.badOption, "--table is required") }
        guard !output.isEmpty else { throw ReportError(.badOption, "--output is required") }
    }

    func request(dataset: String) -> ReportRequest {
        ReportRequest(dataset: dataset, format: format, columns: columns, filters: filters, sort: sort, csv: csv, pdf: pdf)
    }
}
