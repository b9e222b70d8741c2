import Catalog
import ChildProcess
import Foundation
import Ingest
import Postgres
import Testing
import TestSupport

/// Issue 14, item 1: the table in a sheet found as a person sees it — title
/// and "made by" rows above the header skipped, a totals row and footnotes
/// below left out, blank columns at the side dropped, a first row of
/// numbers landing as data under letter names — in workbooks made in the
/// test by XlsxWriter, openpyxl and LibreOffice, checked cell by cell in
/// PostgreSQL with what was skipped recorded on the version.
@Suite("Ingest: the table in a sheet")
struct TableShapeIngestTests {
    typealias S = IngestTestSupport
    typealias R = RealWorkbookIngestTests

    /// The inventory sheet every producer writes (Python, `ws` the sheet,
    /// `put(row, col, value)` a cell, 0-based): a merged title, a "made by"
    /// line, a blank row, the header in row 4 from column B, five items, a
    /// Total row of sums and a footnote after a blank row.
    static let inventory = """
        title = "Inventory Müller GmbH — as of 31.12.2024"
        put(0, 1, title)
        put(1, 1, "made by: H. Müller, stock office")
        header = ["item", "warehouse", "qty", "price", "value"]
        items = [("bolt M6", "Nord", 1200, 0.12, 144), ("nut M6", "Nord", 900, 0.05, 45),
                 ("washer", "Süd", 3000, 0.02, 60), ("bracket", "Süd", 40, 4.5, 180),
                 ("hinge", "West", 25, 7.25, 181.25)]
        for c, h in enumerate(header): put(3, c + 1, h)
        for r, row in enumerate(items):
            for c, v in enumerate(row): put(4 + r, c + 1, v)
        put(9, 1, "Total"); put(9, 3, 5165); put(9, 5, 610.25)
        put(11, 1, "* prices without VAT")
        """

    /// LibreOffice opens the workbook at `path` and saves it as its own
    /// `.xlsx`, `<name>.xlsx` beside it.
    static func libreOfficeCopy(of path: String, as name: String) throws -> String {
        let dir = (path as NSString).deletingLastPathComponent + "/lo-\(name)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let converted = try ChildProcess.run("/usr/bin/env", [
            "soffice", "-env:UserInstallation=file://\(dir)/profile", "--headless", "--norestore",
            "--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir", dir, path,
        ])
        guard converted.succeeded else { throw R.ToolFailure(description: "soffice: \(converted.stderrText)") }
        let copy = (path as NSString).deletingLastPathComponent + "/\(name).xlsx"
        try FileManager.default.moveItem(atPath: dir + "/" + (path as NSString).lastPathComponent, toPath: copy)
        return copy
    }

    static let expectedItems: [[String?]] = [
        ["bolt M6", "Nord", "1200", "0.12", "144"], ["nut M6", "Nord", "900", "0.05", "45"],
        ["washer", "Süd", "3000", "0.02", "60"], ["bracket", "Süd", "40", "4.5", "180"],
        ["hinge", "West", "25", "7.25", "181.25"],
    ]

    /// What every producer's version says it skipped.
    static func checkInventory(_ name: String, connection: PostgresConnection, catalog: Catalog) async throws {
        let columns = try await S.columnTypes(name, catalog: catalog, on: connection)
        #expect(columns.map(\.name) == ["item", "warehouse", "qty", "price", "value"])
        #expect(columns.map(\.type) == ["text", "text", "bigint", "numeric", "numeric"])
        let rows = try await S.rows(name, catalog: catalog, on: connection)
        #expect(rows == expectedItems)
        let notes = try await R.notes(name, catalog: catalog, on: connection)
        #expect(notes.contains("sheet \"Stock\": header at row 4; skipped 2 rows above, 1 total row and 1 footnote row below"))
        #expect(notes.contains("sheet \"Stock\" row 1 skipped (above the header): Inventory Müller GmbH — as of 31.12.2024"))
        #expect(notes.contains("sheet \"Stock\" row 10 skipped (total): Total | 5165 | 610.25"))
        #expect(notes.contains("sheet \"Stock\" row 12 skipped (footnote): * prices without VAT"))
    }

    @Test func titleRowsTotalsAndFootnotesFromXlsxWriter() async throws {
        try await R.withWorkbooks([
            "writer_stock.xlsx": """
                import sys, xlsxwriter
                wb = xlsxwriter.Workbook(sys.argv[1])
                ws = wb.add_worksheet("Stock")
                bold = wb.add_format({"bold": True})
                def put(r, c, v):
                    if r == 0: ws.merge_range(0, 1, 0, 5, v, bold)
                    else: ws.write(r, c, v)
                \(Self.inventory)
                wb.close()
                """,
        ]) { paths, connection, catalog in
            let versions = try await S.ingestFile(paths[0], catalog: catalog)
            #expect(versions.map(\.dataset.name) == ["writer_stock"])
            try await Self.checkInventory("writer_stock", connection: connection, catalog: catalog)
        }
    }

    @Test func titleRowsTotalsAndFootnotesFromOpenpyxlAndLibreOffice() async throws {
        let program = """
            import sys, openpyxl
            wb = openpyxl.Workbook()
            ws = wb.active
            ws.title = "Stock"
            def put(r, c, v): ws.cell(row=r + 1, column=c + 1, value=v)
            \(Self.inventory)
            ws.merge_cells(start_row=1, start_column=2, end_row=1, end_column=6)
            wb.save(sys.argv[1])
            """
        try await R.withWorkbooks(["openpyxl_stock.xlsx": program]) { paths, connection, catalog in
            _ = try await S.ingestFile(paths[0], catalog: catalog)
            try await Self.checkInventory("openpyxl_stock", connection: connection, catalog: catalog)

            // LibreOffice opens openpyxl's workbook and writes its own.
            _ = try await S.ingestFile(try Self.libreOfficeCopy(of: paths[0], as: "libreoffice_stock"), catalog: catalog)
            try await Self.checkInventory("libreoffice_stock", connection: connection, catalog: catalog)
        }
    }

    @Test func aFirstRowOfNumbersIsDataUnderLetterNames() async throws {
        try await R.withWorkbooks([
            "readings.xlsx": """
                import sys, openpyxl
                wb = openpyxl.Workbook()
                ws = wb.active
                ws.title = "Readings"
                for r in [(1, 20.5, 3), (2, 21.0, 4), (3, 19.75, 5)]: ws.append(r)
                wb.save(sys.argv[1])
                """,
        ]) { paths, connection, catalog in
            let versions = try await S.ingestFile(paths[0], catalog: catalog)
            #expect(versions.map(\.dataset.name) == ["readings"])
            #expect(try await S.columnTypes("readings", catalog: catalog, on: connection).map(\.name) == ["A", "B", "C"])
            #expect(try await S.rows("readings", catalog: catalog, on: connection) == [
                ["1", "20.5", "3"], ["2", "21", "4"], ["3", "19.75", "5"],
            ])
            let notes = try await R.notes("readings", catalog: catalog, on: connection)
            #expect(notes.contains { $0.contains("row 1 holds values, not labels") })
        }
    }

    @Test func aSubtotalInsideTheTableStaysAndTheTrailingOneGoes() async throws {
        try await R.withWorkbooks([
            "regions.xlsx": """
                import sys, xlsxwriter
                wb = xlsxwriter.Workbook(sys.argv[1])
                ws = wb.add_worksheet("Sales")
                rows = [["region", "month", "sales"], ["Nord", "Jan", 10], ["Nord", "Feb", 12], ["Subtotal Nord", None, 22],
                        ["Süd", "Jan", 7], ["Summe", None, 29]]
                for r, row in enumerate(rows):
                    for c, v in enumerate(row):
                        if v is not None: ws.write(r, c, v)
                wb.close()
                """,
        ]) { paths, connection, catalog in
            _ = try await S.ingestFile(paths[0], catalog: catalog)
            #expect(try await S.rows("regions", catalog: catalog, on: connection) == [
                ["Nord", "Jan", "10"], ["Nord", "Feb", "12"], ["Subtotal Nord", nil, "22"], ["Süd", "Jan", "7"],
            ])
            let notes = try await R.notes("regions", catalog: catalog, on: connection)
            #expect(notes.contains("sheet \"Sales\": header at row 1; skipped 1 total row below"))
        }
    }

    /// A total row found by its formulas alone: no label in it (XlsxWriter,
    /// cached values; LibreOffice, computed), or a label no word list knows
    /// (openpyxl, no cached values at all). A row's own sum (`SUM(B2:C2)`
    /// in D) is a computed column, not a total: those rows stay.
    @Test func aTotalRowFoundByItsSumAndSubtotalFormulas() async throws {
        let rows = """
            header = ["product", "q1", "q2", "year"]
            data = [("anchor", 3, 4), ("buoy", 5, 6), ("cleat", 7, 8)]
            for c, h in enumerate(header): put(0, c, h)
            for r, (name, a, b) in enumerate(data):
                put(r + 1, 0, name); put(r + 1, 1, a); put(r + 1, 2, b)
                formula(r + 1, 3, f"=SUM(B{r + 2}:C{r + 2})", a + b)
            formula(4, 1, "=SUM(B2:B4)", 15)
            formula(4, 2, "=SUBTOTAL(9,$C$2:$C$4)", 18)
            formula(4, 3, "=_xlfn.AGGREGATE(9,4,Boats!D2:D4)", 33)
            """
        try await R.withWorkbooks([
            "writer_boats.xlsx": """
                import sys, xlsxwriter
                wb = xlsxwriter.Workbook(sys.argv[1])
                ws = wb.add_worksheet("Boats")
                def put(r, c, v): ws.write(r, c, v)
                def formula(r, c, f, v): ws.write_formula(r, c, f, None, v)
                \(rows)
                wb.close()
                """,
            "openpyxl_boats.xlsx": """
                import sys, openpyxl
                wb = openpyxl.Workbook()
                ws = wb.active
                ws.title = "Boats"
                def put(r, c, v): ws.cell(row=r + 1, column=c + 1, value=v)
                def formula(r, c, f, v): put(r, c, f)
                \(rows)
                put(4, 0, "all boats")
                wb.save(sys.argv[1])
                """,
        ]) { paths, connection, catalog in
            let expected: [[String?]] = [["anchor", "3", "4", "7"], ["buoy", "5", "6", "11"], ["cleat", "7", "8", "15"]]
            _ = try await S.ingestFile(paths[0], catalog: catalog)
            #expect(try await S.rows("writer_boats", catalog: catalog, on: connection) == expected)
            #expect(try await R.notes("writer_boats", catalog: catalog, on: connection)
                .contains("sheet \"Boats\" row 5 skipped (total): 15 | 18 | 33"))

            _ = try await S.ingestFile(paths[1], catalog: catalog)
            // openpyxl stores no cached values: the row computed by formulas is NULL there.
            #expect(try await S.rows("openpyxl_boats", catalog: catalog, on: connection) == expected.map { Array($0.prefix(3)) + [nil] })
            #expect(try await R.notes("openpyxl_boats", catalog: catalog, on: connection)
                .contains("sheet \"Boats\" row 5 skipped (total): all boats"))

            // LibreOffice computes them and writes its own formulas.
            _ = try await S.ingestFile(try Self.libreOfficeCopy(of: paths[1], as: "libreoffice_boats"), catalog: catalog)
            #expect(try await S.rows("libreoffice_boats", catalog: catalog, on: connection) == expected)
            let notes = try await R.notes("libreoffice_boats", catalog: catalog, on: connection)
            #expect(notes.contains("sheet \"Boats\" row 5 skipped (total): all boats | 15 | 18 | 33"), "\(notes)")
        }
    }

    @Test func aCSVPreambleAndTotalsLineAreLeftOutToo() async throws {
        let dir = try S.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/stock_export.csv"
        try Data("""
            Stock export;;
            created 2024-12-31 by ERP;;

            item;qty;price
            bolt;1200;0.12
            nut;900;0.05
            Total;2100;

            """.utf8).write(to: URL(fileURLWithPath: path))
        try await S.withCatalog { connection, catalog in
            _ = try await S.ingestFile(path, catalog: catalog)
            #expect(try await S.columnTypes("stock_export", catalog: catalog, on: connection).map(\.name) == ["item", "qty", "price"])
            #expect(try await S.rows("stock_export", catalog: catalog, on: connection) == [["bolt", "1200", "0.12"], ["nut", "900", "0.05"]])
            let notes = try await R.notes("stock_export", catalog: catalog, on: connection)
            #expect(notes.contains { $0.hasSuffix("header at row 4; skipped 2 rows above, 1 total row below") }, "\(notes)")
        }
    }

    @Test func aGermanCSVWithDecimalCommasInWindows1252() async throws {
        let dir = try S.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/lager.csv"
        // Windows-1252 (ü is 0xFC), `;`, a title line without delimiters,
        // decimal commas with dots between thousands, dd.mm.yyyy dates, a
        // "Summe" line under the table.
        let text = """
            Lagerbestand M\u{FC}ller GmbH
            Artikel;Menge;Preis;Stand
            Schraube;1.200;0,12;31.12.2024
            Mutter;900;1.234,56;02.01.2025
            D\u{FC}bel;-5;-0,5;28.02.2025
            Summe;2.095;1.234,18;

            """
        let bytes = text.unicodeScalars.map { UInt8(truncatingIfNeeded: $0.value) }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        try await S.withCatalog { connection, catalog in
            _ = try await S.ingestFile(path, catalog: catalog)
            let columns = try await S.columnTypes("lager", catalog: catalog, on: connection)
            #expect(columns.map(\.name) == ["Artikel", "Menge", "Preis", "Stand"])
            #expect(columns.map(\.type) == ["text", "bigint", "numeric", "date"])
            #expect(try await S.rows("lager", catalog: catalog, on: connection) == [
                ["Schraube", "1200", "0.12", "2024-12-31"], ["Mutter", "900", "1234.56", "2025-01-02"],
                ["Dübel", "-5", "-0.5", "2025-02-28"],
            ])
            let notes = try await R.notes("lager", catalog: catalog, on: connection)
            #expect(notes.contains { $0.hasSuffix("header at row 2; skipped 1 row above, 1 total row below") }, "\(notes)")
        }
    }

    @Test func aTwoRowHeaderWithMergedGroupsNamesColumnsGroupAndLabel() async throws {
        let rows = """
            rows = [["bolt", 10, 1.5, 12, 1.8], ["nut", 20, 1.0, 22, 1.1]]
            """
        try await R.withWorkbooks([
            "quarters_writer.xlsx": """
                import sys, xlsxwriter
                \(rows)
                wb = xlsxwriter.Workbook(sys.argv[1])
                ws = wb.add_worksheet("Sales")
                ws.write(0, 0, "Sales by quarter")
                ws.merge_range(2, 1, 2, 2, "Q1 2024")
                ws.merge_range(2, 3, 2, 4, "Q2 2024")
                ws.write_row(3, 0, ["item", "units", "revenue", "units", "revenue"])
                for i, r in enumerate(rows): ws.write_row(4 + i, 0, r)
                wb.close()
                """,
            "quarters_openpyxl.xlsx": """
                import sys, openpyxl
                \(rows)
                wb = openpyxl.Workbook()
                ws = wb.active
                ws.title = "Sales"
                ws["A1"] = "Sales by quarter"
                ws["B3"] = "Q1 2024"; ws["D3"] = "Q2 2024"
                ws.merge_cells("B3:C3"); ws.merge_cells("D3:E3")
                ws.append(["item", "units", "revenue", "units", "revenue"])
                for r in rows: ws.append(r)
                wb.save(sys.argv[1])
                """,
        ]) { paths, connection, catalog in
            for (path, name) in zip(paths, ["quarters_writer", "quarters_openpyxl"]) {
                _ = try await S.ingestFile(path, catalog: catalog)
                #expect(try await S.columnTypes(name, catalog: catalog, on: connection).map(\.name)
                    == ["item", "Q1 2024 · units", "Q1 2024 · revenue", "Q2 2024 · units", "Q2 2024 · revenue"], "\(name)")
                #expect(try await S.rows(name, catalog: catalog, on: connection) == [
                    ["bolt", "10", "1.5", "12", "1.8"], ["nut", "20", "1", "22", "1.1"],
                ], "\(name)")
                let notes = try await R.notes(name, catalog: catalog, on: connection)
                #expect(notes.contains { $0.hasSuffix("header at row 4; skipped 1 row above") }, "\(notes)")
            }
        }
    }

    // MARK: Ingest settings

    /// A sheet whose header detection can't know: two label rows above the
    /// header, the header in row 3 (`header` its labels), the rows under it.
    static func settingsWorkbook(header: [String?], rows: [[Any]]) -> String {
        func py(_ v: Any?) -> String {
            switch v {
            case let s as String: return "\"\(s)\""
            case let n as Int: return String(n)
            default: return "None"
            }
        }
        return """
            import sys, openpyxl
            wb = openpyxl.Workbook()
            ws = wb.active
            ws.title = "Data"
            ws.append(["Region", "Quarter"])
            ws.append(["North", "Q4"])
            ws.append([\(header.map(py).joined(separator: ", "))])
            \(rows.map { "ws.append([\($0.map(py).joined(separator: ", "))])" }.joined(separator: "\n"))
            ws.append(["Total", 30])
            wb.save(sys.argv[1])
            """
    }

    @Test func settingsNameTheHeaderAndStickForLaterDrops() async throws {
        try await R.withWorkbooks([
            "first.xlsx": Self.settingsWorkbook(header: ["item", "qty"], rows: [["bolt", 10], ["nut", 20]]),
            "second.xlsx": Self.settingsWorkbook(header: ["item", "qty"], rows: [["bolt", 11], ["nut", 21], ["gear", 5]]),
            "changed.xlsx": Self.settingsWorkbook(header: [nil, nil], rows: [["bolt", 12]]),
            "ranged.xlsx": Self.settingsWorkbook(header: ["item", "qty"], rows: [["bolt", 1], ["nut", 2], ["gear", 3]]),
        ]) { paths, connection, catalog in
            let ref = DatasetRef(department: "stock", name: "counts")
            func ingest(_ path: String, overrides: IngestSettings? = nil) async throws -> [CommittedVersion] {
                let ingest = Ingest(connection: connection, catalog: catalog, logger: S.logger)
                return try await ingest.ingest(IngestRequest(path: path, workbook: ref, source: SourceIdentity(uri: "file://" + path),
                                                             actor: "test", overrides: overrides))
            }
            // Detection takes "Region | Quarter" for the header; the settings say row 3, totals kept.
            let first = try await ingest(paths[0], overrides: IngestSettings(headerRow: 3, keepTotals: true))
            #expect(first.first?.columns.map(\.name) == ["item", "qty"])
            #expect(try await S.rows("stock/counts", catalog: catalog, on: connection) == [["bolt", "10"], ["nut", "20"], ["Total", "30"]])
            let stored = try await connection.run { try catalog.ingestSettings(of: ref, on: $0) }
            #expect(stored == IngestSettings(headerRow: 3, keepTotals: true))

            // A later drop without settings is read the same way: the next version.
            let second = try await ingest(paths[1])
            #expect(second.first?.version == 2)
            #expect(second.first?.notes.contains("read with the dataset's ingest settings: header row 3, totals kept") == true)
            #expect(try await S.rows("stock/counts", catalog: catalog, on: connection).count == 4)

            // A drop whose row 3 is empty can't be read so: a clear error, version 2 stays.
            await #expect(throws: IngestError.self) { try await ingest(paths[2]) }
            let attempts = try await S.attempts(ref, catalog: catalog, on: connection)
            let failed = try #require(attempts.last)
            #expect(failed.status == "failed" && failed.error?.code == "headerRowEmpty" && failed.error?.cell == "A3", "\(failed)")
            #expect(failed.error?.message.contains("row 3, the header row the dataset's ingest settings name") == true)
            #expect(try await connection.run { try catalog.versionTable(of: ref, version: nil, on: $0) }?.version == 2)

            // A range: exactly its cells, its first row the header.
            _ = try await ingest(paths[3], overrides: IngestSettings(sheet: "Data", range: "A3:A5"))
            #expect(try await S.columnTypes("stock/counts", catalog: catalog, on: connection).map(\.name) == ["item"])
            #expect(try await S.rows("stock/counts", catalog: catalog, on: connection) == [["bolt"], ["nut"]])
        }
    }

    // MARK: Excel Tables

    @Test func twoExcelTablesOnOneSheetAreTwoDatasetsFromXlsxWriter() async throws {
        try await R.withWorkbooks([
            "book.xlsx": """
                import sys, xlsxwriter
                wb = xlsxwriter.Workbook(sys.argv[1])
                ws = wb.add_worksheet("Orders")
                ws.write(0, 0, "Order book 2024 (two tables below)")
                ws.add_table("B3:D7", {"name": "Orders", "total_row": True,
                    "data": [["bolt", 3, 0.5], ["nut", 5, 0.25], ["hinge", 1, 7.25]],
                    "columns": [{"header": "item", "total_string": "Total"}, {"header": "qty", "total_function": "sum"},
                                {"header": "price"}]})
                ws.add_table("F3:G5", {"name": "Returns", "data": [["nut", 2], ["bolt", 1]],
                    "columns": [{"header": "returned item"}, {"header": "qty"}]})
                cover = wb.add_worksheet("Notes")
                cover.write(1, 1, "Prepared by the order desk")
                wb.close()
                """,
        ]) { paths, connection, catalog in
            let versions = try await S.ingestFile(paths[0], catalog: catalog)
            #expect(versions.map(\.dataset.name) == ["book:Orders", "book:Returns"])
            #expect(try await S.columnTypes("book:Orders", catalog: catalog, on: connection).map(\.name) == ["item", "qty", "price"])
            #expect(try await S.rows("book:Orders", catalog: catalog, on: connection) == [
                ["bolt", "3", "0.5"], ["nut", "5", "0.25"], ["hinge", "1", "7.25"],
            ])
            #expect(try await S.rows("book:Returns", catalog: catalog, on: connection) == [["nut", "2"], ["bolt", "1"]])
            #expect(try await S.columnTypes("book:Returns", catalog: catalog, on: connection).map(\.name) == ["returned item", "qty"])
            let notes = try await R.notes("book:Orders", catalog: catalog, on: connection)
            #expect(notes.contains("sheet \"Orders\": Excel table \"Orders\" (B3:D7)"), "\(notes)")
            #expect(notes.contains { $0.hasPrefix("sheet \"Orders\" row 7 skipped (total): Total") }, "\(notes)")
            #expect(notes.contains { $0.hasPrefix("warning: sheet \"Notes\" skipped") }, "\(notes)")

            // LibreOffice keeps the tables (their parts, ranges and totals rows).
            let libre = try await S.ingestFile(try Self.libreOfficeCopy(of: paths[0], as: "libre_book"), catalog: catalog)
            #expect(libre.map(\.dataset.name) == ["libre_book:Orders", "libre_book:Returns"])
            #expect(try await S.rows("libre_book:Orders", catalog: catalog, on: connection) == [
                ["bolt", "3", "0.5"], ["nut", "5", "0.25"], ["hinge", "1", "7.25"],
            ])
            #expect(try await S.rows("libre_book:Returns", catalog: catalog, on: connection) == [["nut", "2"], ["bolt", "1"]])
        }
    }

    @Test func anExcelTableFromOpenpyxlIsAuthoritative() async throws {
        try await R.withWorkbooks([
            "stock.xlsx": """
                import sys, openpyxl
                from openpyxl.worksheet.table import Table
                wb = openpyxl.Workbook()
                ws = wb.active
                ws.title = "Stock"
                ws["A1"] = "Stock list"
                ws.append([])
                for row in [["sku", "count", "1999"], ["A-1", 5, 1], ["A-2", 7, 2]]: ws.append(row)
                ws["E4"] = "a note beside the table"
                ws.add_table(Table(displayName="Stock2024", ref="A3:C5"))
                wb.save(sys.argv[1])
                """,
        ]) { paths, connection, catalog in
            let versions = try await S.ingestFile(paths[0], catalog: catalog)
            // The one table is the workbook's one dataset, under the workbook's name.
            #expect(versions.map(\.dataset.name) == ["stock"])
            #expect(try await S.columnTypes("stock", catalog: catalog, on: connection).map(\.name) == ["sku", "count", "1999"])
            #expect(try await S.rows("stock", catalog: catalog, on: connection) == [["A-1", "5", "1"], ["A-2", "7", "2"]])
        }
    }
}
