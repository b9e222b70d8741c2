import Catalog
import ChildProcess
import Foundation
import Ingest
import Postgres
import Testing
import TestSupport
import XLSXReader

/// Issue 14 ("Real workbooks"): workbooks made in the test by XlsxWriter
/// and openpyxl (the project's `.venv`), ingested into PostgreSQL and
/// checked cell by cell, with the notes recorded on their versions.
@Suite("Ingest: real workbooks")
struct RealWorkbookIngestTests {
    typealias S = IngestTestSupport

    /// Runs a Python program with the project's `.venv` (XlsxWriter and
    /// openpyxl pinned by `scripts/setup.sh --test`); `argv[1]` is `path`.
    static func python(_ program: String, writing path: String) throws {
        let venv = S.repositoryRoot + "/.venv/bin/python3"
        let python = FileManager.default.isExecutableFile(atPath: venv) ? venv : "/usr/bin/python3"
        let result = try ChildProcess.run(python, ["-c", program, path])
        guard result.succeeded else {
            throw ToolFailure(description: "python exited \(result.status): \(result.stderrText)")
        }
    }

    struct ToolFailure: Error, CustomStringConvertible { var description: String }

    /// Makes each workbook (file name → Python program) in a temporary
    /// directory, then runs `body` with their paths, in order, and a catalog.
    static func withWorkbooks(
        _ programs: KeyValuePairs<String, String>, _ body: ([String], PostgresConnection, Catalog) async throws -> Void
    ) async throws {
        let dir = try S.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var paths: [String] = []
        for (name, program) in programs {
            paths.append(dir + "/" + name)
            try python(program, writing: paths[paths.count - 1])
        }
        try await S.withCatalog { connection, catalog in try await body(paths, connection, catalog) }
    }

    /// The notes of the dataset's newest version.
    static func notes(_ name: String, catalog: Catalog, on connection: PostgresConnection) async throws -> [String] {
        try await S.attempts(DatasetRef(name: name), catalog: catalog, on: connection).last?.notes ?? []
    }

    @Test func numbersBeyondFifteenDigitsLandRoundedAndCounted() async throws {
        // XlsxWriter writes doubles with 16 significant digits (%.16G),
        // openpyxl too (%.16g); the 17 of repr are tested in IngestTests.
        try await Self.withWorkbooks([
            "writer_digits.xlsx": """
                import sys, xlsxwriter
                wb = xlsxwriter.Workbook(sys.argv[1])
                ws = wb.add_worksheet("Prices")
                ws.write_row(0, 0, ["item", "price", "qty"])
                rows = [("a", 84.73999999999999, 1), ("b", 960.9400000000001, 2), ("c", 0.1 + 0.2, 3), ("d", 1.5, 4)]
                for i, r in enumerate(rows):
                    ws.write_row(i + 1, 0, r)
                wb.close()
                """,
            "openpyxl_digits.xlsx": """
                import sys, openpyxl
                wb = openpyxl.Workbook()
                ws = wb.active
                ws.title = "Prices"
                ws.append(["item", "price", "ratio"])
                ws.append(["a", 0.1 + 0.2, 1 / 3])
                ws.append(["b", 84.73999999999999, 2.5])
                ws.append(["c", 0.123456789012345, 12345678901234567])
                wb.save(sys.argv[1])
                """,
        ]) { paths, connection, catalog in
            let (xlsxwriter, openpyxl) = (paths[0], paths[1])
            let written = try await S.ingestFile(xlsxwriter, catalog: catalog)
            #expect(written.map(\.dataset.name) == ["writer_digits"])
            #expect(try await S.columnTypes("writer_digits", catalog: catalog, on: connection).map(\.type) == ["text", "numeric", "bigint"])
            #expect(try await S.rows("writer_digits", catalog: catalog, on: connection) == [
                ["a", "84.74", "1"], ["b", "960.94", "2"], ["c", "0.3", "3"], ["d", "1.5", "4"],
            ])
            #expect(written[0].columns.map(\.rounded) == [0, 2, 0])
            let writerNotes = try await Self.notes("writer_digits", catalog: catalog, on: connection)
            #expect(writerNotes == ["2 numbers written with more than 15 significant digits rounded to 15, Excel's precision (price 2)"])

            // openpyxl wrote 0.3, 84.73999999999999, 0.3333333333333333 and
            // the integer 12345678901234567 as 1.234567890123457e+16.
            let saved = try await S.ingestFile(openpyxl, catalog: catalog)
            #expect(try await S.columnTypes("openpyxl_digits", catalog: catalog, on: connection).map(\.type)
                == ["text", "numeric", "double precision"])
            #expect(try await S.rows("openpyxl_digits", catalog: catalog, on: connection) == [
                ["a", "0.3", "0.333333333333333"], ["b", "84.74", "2.5"], ["c", "0.123456789012345", "1.23456789012346e+16"],
            ])
            #expect(saved[0].columns.map(\.rounded) == [0, 1, 2])
            let stored = try await S.attempts(DatasetRef(name: "openpyxl_digits"), catalog: catalog, on: connection)
            #expect(stored.last?.columns.map(\.rounded) == [0, 1, 2])
            #expect(stored.last?.notes == ["3 numbers written with more than 15 significant digits rounded to 15, Excel's precision (price 1, ratio 2)"])
        }
    }

    @Test func aCoverSheetBesideADataSheetIsSkippedWithAWarning() async throws {
        try await Self.withWorkbooks([
            "report.xlsx": """
                import sys, openpyxl
                from openpyxl.chart import BarChart, Reference
                wb = openpyxl.Workbook()
                cover = wb.active
                cover.title = "Cover"
                cover["B2"] = "Quarterly report, prepared by finance"
                data = wb.create_sheet("Data")
                data.append(["region", "sales"])
                data.append(["North", 10])
                data.append(["South", 20])
                wb.create_sheet("Empty")
                chart = BarChart()
                chart.add_data(Reference(data, min_col=2, min_row=1, max_row=3), titles_from_data=True)
                wb.create_chartsheet("Chart").add_chart(chart)
                wb.save(sys.argv[1])
                """,
        ]) { paths, connection, catalog in
            let path = paths[0]
            let versions = try await S.ingestFile(path, catalog: catalog)
            #expect(versions.map(\.dataset.name) == ["report:Data"])
            #expect(try await S.rows("report:Data", catalog: catalog, on: connection) == [["North", "10"], ["South", "20"]])
            let notes = try await Self.notes("report:Data", catalog: catalog, on: connection)
            #expect(notes == [
                #"sheet "Chart" skipped: a chart sheet (no cells)"#,
                #"sheet "Empty" skipped: it is empty"#,
                #"warning: sheet "Cover" skipped: a single row of values (row 2) and no table, beside sheets with tables"#,
            ])
            #expect(versions[0].notes == notes)
            #expect(try await S.attempts(DatasetRef(name: "report:Cover"), catalog: catalog, on: connection).isEmpty)
        }
    }

    @Test func aWorkbookOfOneRowLandsUnderLetterNames() async throws {
        try await Self.withWorkbooks([
            "one_row.xlsx": """
                import sys, xlsxwriter
                wb = xlsxwriter.Workbook(sys.argv[1])
                ws = wb.add_worksheet("Only")
                ws.write_row(0, 1, ["Total", 42, 84.73999999999999])
                ws.write(0, 5, True)
                wb.close()
                """,
        ]) { paths, connection, catalog in
            let path = paths[0]
            let versions = try await S.ingestFile(path, catalog: catalog)
            #expect(versions.map(\.dataset.name) == ["one_row"])
            #expect(versions[0].rowCount == 1)
            let types = try await S.columnTypes("one_row", catalog: catalog, on: connection)
            #expect(types.map(\.name) == ["B", "C", "D", "E", "F"])
            #expect(types.map(\.type) == ["text", "bigint", "numeric", "text", "boolean"])
            #expect(try await S.rows("one_row", catalog: catalog, on: connection) == [["Total", "42", "84.74", nil, "true"]])
            let notes = try await Self.notes("one_row", catalog: catalog, on: connection)
            #expect(notes.count == 2)
            #expect(notes.first?.contains(#"sheet "Only" has a single row of values (row 1) and no header"#) == true)
            #expect(notes.last?.hasPrefix("1 number written with more than 15 significant digits") == true)
        }
    }

    @Test func timeOfDayCellsLandAsExcelShowsThem() async throws {
        try await Self.withWorkbooks([
            "times.xlsx": """
                import sys, xlsxwriter
                wb = xlsxwriter.Workbook(sys.argv[1])
                ws = wb.add_worksheet("Times")
                hm = wb.add_format({"num_format": "h:mm"})                 # custom
                ampm = wb.add_format({"num_format": "h:mm AM/PM"})         # built-in 18
                us = wb.add_format({"num_format": "[$-409]h:mm AM/PM;@"})  # custom, locale and text section
                ws.write_row(0, 0, ["when", "clock", "mixed", "us", "signed"])
                rows = [(1.5, 0.25, 0.5, 45366.75, -0.5), (45366.5732638889, 0.5, 1.5, 0.75, -2)]
                for i, r in enumerate(rows):
                    ws.write_number(i + 1, 0, r[0], hm)
                    ws.write_number(i + 1, 1, r[1], ampm)
                    ws.write_number(i + 1, 2, r[2], hm)
                    ws.write_number(i + 1, 3, r[3], us)
                    ws.write_number(i + 1, 4, r[4], hm)
                wb.close()
                """,
        ]) { paths, connection, catalog in
            let path = paths[0]
            _ = try await S.ingestFile(path, catalog: catalog)
            let types = try await S.columnTypes("times", catalog: catalog, on: connection)
            #expect(types.map(\.type) == ["timestamp without time zone", "interval", "timestamp without time zone",
                                          "timestamp without time zone", "numeric"])
            let rows = try await S.rows("times", catalog: catalog, on: connection)
            #expect(rows.count == 2)
            #expect(rows[0] == ["1900-01-01 12:00:00", "06:00:00", "1899-12-31 12:00:00", "2024-03-15 18:00:00", "-0.5"])
            #expect(rows[1][0]?.hasPrefix("2024-03-15 13:45:30") == true)
            #expect(Array(rows[1][1...]) == ["12:00:00", "1900-01-01 12:00:00", "1899-12-31 18:00:00", "-2"])
        }
    }

    @Test func oddSheetsNeverFailTheirSiblings() async throws {
        let dir = try S.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let data = HandMadeWorkbook.worksheet(#"<row r="1"><c r="A1" t="inlineStr"><is><t>n</t></is></c></row><row r="2"><c r="A2"><v>5</v></c></row>"#)
        let macro = "http://schemas.microsoft.com/office/2006/relationships/xlMacrosheet"
        let path = try HandMadeWorkbook.write([
            .init(name: "Data", target: "worksheets/sheet1.xml"),
            .init(name: "Odd", target: "worksheets/sheet2.xml", state: "halfHidden"),
            .init(name: "Macro1", target: "macrosheets/sheet1.xml", type: macro),
        ], parts: ["xl/worksheets/sheet1.xml": data, "xl/worksheets/sheet2.xml": data, "xl/macrosheets/sheet1.xml": "<m/>"],
           in: URL(fileURLWithPath: dir), name: "odd.xlsx")
        let empty = try HandMadeWorkbook.write([.init(name: "A", target: "worksheets/sheet1.xml"), .init(name: "B", target: "worksheets/sheet2.xml")],
                                              parts: ["xl/worksheets/sheet1.xml": HandMadeWorkbook.worksheet(#"<row r="1"/>"#),
                                                      "xl/worksheets/sheet2.xml": HandMadeWorkbook.worksheet("")],
                                              in: URL(fileURLWithPath: dir), name: "nothing.xlsx")
        try await S.withCatalog { connection, catalog in
            let versions = try await S.ingestFile(path, catalog: catalog)
            #expect(versions.map(\.dataset.name) == ["odd"])
            #expect(try await S.rows("odd", catalog: catalog, on: connection) == [["5"]])
            #expect(versions[0].notes == [
                #"sheet "Odd" refused: its state "halfHidden" is none of visible, hidden and veryHidden"#,
                #"sheet "Macro1" skipped: an Excel 4.0 macro sheet (relationship type \#(macro))"#,
            ])

            // No value anywhere: refused, clearly.
            do {
                _ = try await S.ingestFile(empty, catalog: catalog)
                Issue.record("a workbook without values was ingested")
            } catch let error as IngestError {
                #expect(error.detail.code == "emptyWorkbook")
                #expect(error.detail.message.contains(#"no value in any visible sheet"#), "\(error)")
                #expect(error.detail.message.contains(#"sheet "A" skipped: it is empty; sheet "B" skipped: it is empty"#), "\(error)")
            }
        }
    }
}
