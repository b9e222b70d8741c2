import Catalog
import ChildProcess
import Foundation
import Ingest
import Postgres
import Reports
import Testing
import TestSupport

/// Issue 14, item 5: a column's number format travels with its data — the
/// version records it (code and kind), the XLSX export writes the same
/// code (openpyxl reads it back) and the PDF print shows the numbers as
/// Excel does (pdftotext reads `1,234.50 €`); CSV stays plain.
@Suite("Ingest: number formats travel with the data")
struct NumberFormatIngestTests {
    typealias S = IngestTestSupport
    typealias R = RealWorkbookIngestTests

    static let euro = "#,##0.00\\ \"€\""
    static let percent = "0.0\\ %"
    static let day = "dd.mm.yyyy"

    /// The same prices sheet from XlsxWriter and openpyxl (Python; `fmt`
    /// maps a column to its code).
    static func program(_ writer: String) -> String {
        let rows = """
            header = ["item", "price", "discount", "delivered"]
            rows = [["bolt", 1234.5, 0.125, date(2024, 12, 31)], ["nut", 84.74, 0.05, date(2025, 1, 2)],
                    ["gear", 0.3, 0, date(2025, 2, 28)]]
            """
        switch writer {
        case "xlsxwriter":
            return """
                import sys, xlsxwriter
                from datetime import date
                \(rows)
                wb = xlsxwriter.Workbook(sys.argv[1])
                ws = wb.add_worksheet("Prices")
                fmts = [None, wb.add_format({"num_format": r'\(euro)'}), wb.add_format({"num_format": r'\(percent)'}),
                        wb.add_format({"num_format": "\(day)"})]
                ws.write_row(0, 0, header)
                for r, row in enumerate(rows):
                    for c, v in enumerate(row):
                        if fmts[c] is None: ws.write(r + 1, c, v)
                        elif c == 3: ws.write_datetime(r + 1, c, v, fmts[c])
                        else: ws.write_number(r + 1, c, v, fmts[c])
                wb.close()
                """
        default:
            return """
                import sys, openpyxl
                from datetime import date
                \(rows)
                wb = openpyxl.Workbook()
                ws = wb.active
                ws.title = "Prices"
                ws.append(header)
                for row in rows: ws.append(row)
                for r in range(2, 5):
                    ws.cell(r, 2).number_format = r'\(euro)'
                    ws.cell(r, 3).number_format = r'\(percent)'
                    ws.cell(r, 4).number_format = "\(day)"
                wb.save(sys.argv[1])
                """
        }
    }

    @Test(arguments: ["xlsxwriter", "openpyxl"])
    func formatsAreRecordedExportedAndPrinted(writer: String) async throws {
        let name = "\(writer)_prices"
        try await R.withWorkbooks(["\(name).xlsx": Self.program(writer)]) { paths, connection, catalog in
            let versions = try await S.ingestFile(paths[0], catalog: catalog)
            let columns = try #require(versions.first?.columns)
            #expect(columns.map(\.format?.code) == [nil, Self.euro, Self.percent, Self.day])
            #expect(columns[1].format?.kind == "currency" && columns[1].format?.currency == "€" && columns[1].format?.decimals == 2)
            #expect(columns[1].format?.thousands == true)
            #expect(columns[2].format?.kind == "percent" && columns[3].format?.kind == "date")
            // The stored values stay plain.
            #expect(try await S.rows(name, catalog: catalog, on: connection) == [
                ["bolt", "1234.5", "0.125", "2024-12-31"], ["nut", "84.74", "0.05", "2025-01-02"], ["gear", "0.3", "0", "2025-02-28"],
            ])

            let (source, _) = try await connection.run { conn in
                try CatalogReportSources(catalog: catalog).resolve(dataset: name, version: nil, on: conn)
            }
            #expect(source.columns.map(\.format) == [nil, Self.euro, Self.percent, Self.day])
            let dir = (paths[0] as NSString).deletingLastPathComponent

            // XLSX: openpyxl reads the same format codes on the data sheet.
            let xlsx = dir + "/export.xlsx"
            _ = try await ReportExporter().render(ReportRequest(dataset: name, format: .xlsx), source: source, to: xlsx,
                                                  connection: connection)
            let venv = S.repositoryRoot + "/.venv/bin/python3"
            let read = try ChildProcess.run(venv, ["-c", """
                import sys, openpyxl
                ws = openpyxl.load_workbook(sys.argv[1])["data"]
                print("\\n".join("|".join(c.number_format for c in row[1:]) for row in ws.iter_rows(min_row=2)))
                """, xlsx])
            try #require(read.succeeded, "\(read.stderrText)")
            let codes = read.stdoutText.split(separator: "\n").map(String.init)
            #expect(codes == Array(repeating: "\(Self.euro)|\(Self.percent)|\(Self.day)", count: 3), "\(codes)")

            // PDF: the numbers as Excel shows them.
            let pdf = dir + "/print.pdf"
            _ = try await ReportExporter().render(ReportRequest(dataset: name, format: .pdf), source: source, to: pdf,
                                                  connection: connection)
            let text = try ChildProcess.run("/usr/bin/pdftotext", ["-layout", pdf, "-"])
            try #require(text.succeeded)
            for shown in ["1,234.50 €", "84.74 €", "0.30 €", "12.5 %", "5.0 %", "0.0 %", "31.12.2024", "02.01.2025"] {
                #expect(text.stdoutText.contains(shown), "\(shown) in \(text.stdoutText)")
            }
        }
    }

    @Test func libreOfficeKeepsTheFormatsItRewrites() async throws {
        try await R.withWorkbooks(["openpyxl_prices.xlsx": Self.program("openpyxl")]) { paths, connection, catalog in
            let copy = try TableShapeIngestTests.libreOfficeCopy(of: paths[0], as: "libre_prices")
            let versions = try await S.ingestFile(copy, catalog: catalog)
            let columns = try #require(versions.first?.columns)
            #expect(columns.map(\.format?.kind) == [nil, "currency", "percent", "date"], "\(columns.map(\.format))")
            #expect(columns[1].format?.currency == "€")
            let (source, _) = try await connection.run { conn in
                try CatalogReportSources(catalog: catalog).resolve(dataset: "libre_prices", version: nil, on: conn)
            }
            let pdf = (paths[0] as NSString).deletingLastPathComponent + "/libre.pdf"
            _ = try await ReportExporter().render(ReportRequest(dataset: "libre_prices", format: .pdf), source: source, to: pdf,
                                                  connection: connection)
            let text = try ChildProcess.run("/usr/bin/pdftotext", ["-layout", pdf, "-"])
            for shown in ["1,234.50 €", "12.5 %", "31.12.2024"] {
                #expect(text.stdoutText.contains(shown), "\(shown) in \(text.stdoutText)")
            }
        }
    }
}
