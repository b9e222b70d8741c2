import Foundation
import Postgres

/// What a rendered report is.
public struct ReportOutput: Sendable, Hashable {
    public var path: String
    public var format: ReportRequest.Format
    public var rows: Int
    public var bytes: Int
    /// PDF pages.
    public var pages: Int?
    /// XLSX data sheets.
    public var sheets: Int?
    public var query: ReportQuery
}

/// Renders a ``ReportRequest`` over a ``ReportSource`` to a local file,
/// streaming rows from one `COPY (SELECT …) TO STDOUT` in a read-only
/// repeatable-read transaction (so a PDF's page count and its rows agree).
/// Memory stays flat: CSV, XLSX and PDF stream (a PDF's pages are written
/// as they are drawn, at most ``pdfQueuePages`` of them queued for the
/// writer thread).
public struct ReportExporter: Sendable {
    /// Refuse reports with more rows than this (nil: no bound).
    public var maxRows: Int?
    /// Data rows per XLSX sheet before continuing on "data (2)" (Excel's limit).
    public var xlsxRowsPerSheet: Int
    public var fonts: PDFFontFiles
    /// For libxlsxwriter's temp files (nil: the system's).
    public var temporaryDirectory: String?
    /// Pages a PDF's renderer may draw ahead of the thread that deflates
    /// and writes them (the queue between them; bounds a print job's
    /// memory).
    public var pdfQueuePages: Int

    public init(maxRows: Int? = nil, xlsxRowsPerSheet: Int = 1_048_575, fonts: PDFFontFiles = PDFFontFiles(),
                temporaryDirectory: String? = nil, pdfQueuePages: Int = 16) {
        self.maxRows = maxRows
        self.xlsxRowsPerSheet = xlsxRowsPerSheet
        self.fonts = fonts
        self.temporaryDirectory = temporaryDirectory
        self.pdfQueuePages = pdfQueuePages
    }

    /// Renders on the connection's queue (blocking work stays off the
    /// cooperative pool).
    public func render(_ request: ReportRequest, source: ReportSource, to path: String,
                       connection: PostgresConnection, now: Date = Date()) async throws -> ReportOutput {
        try await connection.run { conn in
            try self.renderSync(request, source: source, to: path, connection: conn, now: now)
        }
    }

    /// Blocking ``render(_:source:to:connection:now:)``.
    public func renderSync(_ request: ReportRequest, source: ReportSource, to path: String,
                           connection: PostgresConnection, now: Date = Date()) throws -> ReportOutput {
        let query = try ReportQuery(request: request, schema: source.schema, table: source.table,
                                    available: source.columns, limit: maxRows.map { $0 + 1 })
        let metadata = ReportMetadata(source: source, filters: request.filterDescription,
                                      sort: request.sort.isEmpty ? "table order" : request.sort.map(\.description).joined(separator: ", "),
                                      generatedAt: Self.timestamp(now))
        try connection.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", purpose: "report: begin")
        do {
            let output = try inTransaction(request, query: query, metadata: metadata, path: path, connection: connection)
            try connection.execute("COMMIT", purpose: "report: commit")
            return output
        } catch {
            _ = try? connection.execute("ROLLBACK", purpose: "report: rollback")
            if let e = error as? PostgresError, let state = e.sqlState, state.hasPrefix("22") {
                // A filter value the server could not read as the column's type.
                throw ReportError(.wrongType, "a filter value does not fit its column: \(e.message)")
            }
            throw error
        }
    }

    private func inTransaction(_ request: ReportRequest, query: ReportQuery, metadata: ReportMetadata, path: String,
                               connection: PostgresConnection) throws -> ReportOutput {
        let intervalStyle = request.format == .pdf ? "postgres" : "iso_8601"
        _ = try connection.execute(
            "SET LOCAL DateStyle = 'ISO, YMD'; SET LOCAL IntervalStyle = '\(intervalStyle)'; "
                + "SET LOCAL extra_float_digits = 1; SET LOCAL TimeZone = 'UTC'",
            purpose: "report: session settings")
        if let settings = query.settingsSQL {
            _ = try connection.query(settings, query.parameters.map { .text($0) }, purpose: "report: filter values")
        }
        let tooMany = { (rows: Int) -> ReportError in
            ReportError(.tooManyRows, "the report has more than \(self.maxRows ?? rows) rows (the configured bound); "
                + "narrow it with filters or columns")
        }
        switch request.format {
        case .csv:
            let renderer = try CSVRenderer(path: path, columns: query.columns, options: request.csv)
            try connection.copyOut("COPY (\(query.copySelectSQL)) TO STDOUT (FORMAT csv, HEADER \(request.csv.header))",
                                   purpose: "report: copy rows") { chunk in
                try renderer.consume(chunk)
                if let max = self.maxRows, renderer.rows > max { throw tooMany(max) }
            }
            try renderer.finish()
            return ReportOutput(path: path, format: .csv, rows: renderer.rows, bytes: renderer.bytesWritten,
                                query: query)
        case .xlsx:
            let renderer = try XLSXReportRenderer(path: path, columns: query.columns, maxRowsPerSheet: xlsxRowsPerSheet,
                                                  temporaryDirectory: temporaryDirectory)
            try connection.copyOut("COPY (\(query.copySelectSQL)) TO STDOUT", purpose: "report: copy rows") { chunk in
                try renderer.consume(row: chunk)
                if let max = self.maxRows, renderer.rows > max { throw tooMany(max) }
            }
            try renderer.finish(metadata: metadata)
            return ReportOutput(path: path, format: .xlsx, rows: renderer.rows, bytes: Self.size(path),
                                sheets: renderer.sheetCount, query: query)
        case .pdf:
            let count = try connection.query(query.countSQL, query.parameters.map { .text($0) },
                                             purpose: "report: count rows")[0][0, as: Int.self]
            if let max = maxRows, count > max { throw tooMany(max) }
            let title = "\(metadata.title)  ·  filters: \(metadata.filters)  ·  \(metadata.generatedAt)"
            var total: Int? = nil
            if request.pdf.wrap {
                // Wrapped rows have varying heights: count the pages in a first pass.
                let counter = try PDFReportRenderer(path: path, columns: query.columns, options: request.pdf,
                                                    title: title, fonts: fonts, totalRows: count, counting: true)
                try copyRows(query, connection: connection) { try counter.consume($0) }
                try counter.finish()
                total = counter.pages
            }
            let renderer = try PDFReportRenderer(path: path, columns: query.columns, options: request.pdf,
                                                 title: title, fonts: fonts, totalRows: count, totalPages: total,
                                                 queuePages: pdfQueuePages)
            try copyRows(query, connection: connection) { try renderer.consume($0) }
            try renderer.finish()
            return ReportOutput(path: path, format: .pdf, rows: renderer.rows, bytes: Self.size(path),
                                pages: renderer.pages, query: query)
        }
    }

    private func copyRows(_ query: ReportQuery, connection: PostgresConnection,
                          _ body: @escaping ([String?]) throws -> Void) throws {
        let decoder = PostgresCopyReader()
        var fields: [String?] = []
        try connection.copyOut("COPY (\(query.copySelectSQL)) TO STDOUT", purpose: "report: copy rows") { chunk in
            decoder.decode(chunk, into: &fields)
            try body(fields)
        }
    }

    static func size(_ path: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.intValue ?? 0
    }

    static func timestamp(_ date: Date) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        return f.string(from: date)
    }
}
