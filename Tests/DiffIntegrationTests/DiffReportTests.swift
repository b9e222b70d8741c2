import Catalog
import ChildProcess
import Foundation
import ObjectStore
import Postgres
import Reports
import Testing

/// The XLSX diff report as an export job publishes it, reopened with openpyxl.
@Suite struct DiffReportTests {
    struct Workbook: Decodable {
        var sheets: [String]
        var rows: [String: [[Value?]]]
        var filled: [String: [String]]
        var fill_colors: [String]
    }

    enum Value: Decodable, Equatable, CustomStringConvertible {
        case number(Double), text(String), bool(Bool)
        init(from decoder: any Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let b = try? c.decode(Bool.self) { self = .bool(b) }
            else if let d = try? c.decode(Double.self) { self = .number(d) }
            else { self = .text(try c.decode(String.self)) }
        }
        var description: String {
            switch self {
            case .number(let d): d == d.rounded() ? String(Int(d)) : String(d)
            case .text(let s): s
            case .bool(let b): String(b)
            }
        }
    }

    static func read(_ path: String) throws -> Workbook {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Scripts/read_diff.py").path
        let result = try ChildProcess.run("/usr/bin/env", ["python3", script, path],
                                          environment: ChildProcess.currentEnvironment().filter { !$0.key.hasPrefix("PG") })
        guard result.succeeded else { throw CocoaError(.fileReadCorruptFile, userInfo: [NSLocalizedDescriptionKey: result.stderrText]) }
        return try JSONDecoder().decode(Workbook.self, from: Data(result.standardOutput))
    }

    /// Rows as text ("" for empty cells), for readable expectations.
    static func texts(_ rows: [[Value?]]?) -> [[String]] {
        (rows ?? []).map { $0.map { $0?.description ?? "" } }
    }

    static func job(_ fixture: DiffFixture, rowsPerSheet: Int = 1_048_575) throws -> ExportJob {
        ExportJob(sources: CatalogReportSources(catalog: fixture.catalog),
                  publisher: ReportPublisher(exporter: ReportExporter(xlsxRowsPerSheet: rowsPerSheet),
                                             store: try DirectoryStore(root: fixture.directory + "/store"),
                                             catalog: fixture.catalog,
                                             scratchDirectory: fixture.directory))
    }

    @Test func theReportHasTheRowsAndHighlightsExactlyTheChangedCells() async throws {
        try await DiffFixture.with { fixture in
            _ = try await fixture.makeOrders()
            let published = try await Self.job(fixture).runDiff(DiffRequest(dataset: "sales/orders", from: 1, to: 2, key: ["id"]),
                                                                 jobID: 7, connection: fixture.connection)
            #expect(published.key == "reports/sales/orders/v2/diff-v1-v2-job-7.xlsx")
            #expect((published.diff.added, published.diff.removed, published.diff.changed) == (2, 1, 2))
            let artifact = try await fixture.connection.query(
                "SELECT kind, bytes, sha256, job_id, filters->'diff'->>'from', filters->'diff'->'key'->>0 FROM \(fixture.schemas.catalogTable("artifacts")) WHERE key = $1",
                [.text(published.key)], purpose: "artifact")
            #expect(artifact.count == 1)
            #expect(try artifact[0][0, as: String.self] == "xlsx" && artifact[0][1, as: Int.self] == published.bytes)
            #expect(try artifact[0][2, as: String.self] == published.sha256 && artifact[0][3, as: Int64.self] == 7)
            #expect(try artifact[0][4, as: String.self] == "1" && artifact[0][5, as: String.self] == "id")

            let book = try Self.read(fixture.directory + "/store/" + published.key)
            #expect(book.sheets == ["Summary", "Added", "Removed", "Changed"])
            #expect(Self.texts(book.rows["Added"]) == [["id", "name", "amount", "due"], ["6", "f", "6", "2024-03-01T00:00:00"], ["7", "g", "7", ""]])
            #expect(Self.texts(book.rows["Removed"]) == [["id", "name", "amount", "region"], ["2", "b", "2", "south"]])
            #expect(Self.texts(book.rows["Changed"]) == [
                ["id", "name", "name (old)", "amount", "amount (old)"],
                ["3", "C", "c", "3", ""],
                ["4", "d", "", "10.5", "10"],
            ])
            // Row 4's old name was NULL: the new cell is filled, the old one stays empty.
            #expect(book.filled["Changed"] == ["B2", "B3", "D3"])
            #expect(book.fill_colors == ["FFFFEB9C"])
            for sheet in ["Summary", "Added", "Removed"] { #expect(book.filled[sheet] == [], "\(sheet)") }
            let summary = Dictionary(Self.texts(book.rows["Summary"]).map { ($0[0], $0.count > 1 ? $0[1] : "") }, uniquingKeysWith: { a, _ in a })
            #expect(summary["Added rows"] == "2" && summary["Removed rows"] == "1" && summary["Changed rows"] == "2")
            #expect(summary["Unchanged rows"] == "2" && summary["Key"] == "id")
            #expect(summary["Columns added"] == "due" && summary["Columns removed"] == "region")
            #expect(summary["Type changed"] == "amount: numeric → double precision")
            #expect(summary["Changed cells"] == "name: 2, amount: 1")
        }
    }

    @Test func withoutAKeyAndPastTheRowsPerSheetTheReportContinues() async throws {
        try await DiffFixture.with { fixture in
            _ = try await fixture.makeOrders()
            let published = try await Self.job(fixture, rowsPerSheet: 3).runDiff(
                DiffRequest(dataset: "sales/orders", from: 1, to: 2), name: "by-content", jobID: nil, connection: fixture.connection)
            #expect(published.key == "reports/sales/orders/v2/by-content.xlsx")
            let book = try Self.read(fixture.directory + "/store/" + published.key)
            #expect(book.sheets == ["Summary", "Added", "Added (2)", "Removed", "Changed"])
            #expect(Self.texts(book.rows["Added"]) == [["id", "name", "amount"], ["3", "C", "3"], ["4", "d", "10.5"], ["6", "f", "6"]])
            #expect(Self.texts(book.rows["Added (2)"]) == [["id", "name", "amount"], ["7", "g", "7"]])
            #expect(Self.texts(book.rows["Removed"]) == [["id", "name", "amount"], ["2", "b", "2"], ["3", "c", "3"], ["4", "", "10"]])
            #expect(Self.texts(book.rows["Changed"]).first?.first?.hasPrefix("Compared without a key") == true)
            let filled = book.filled.values.flatMap { $0 }
            #expect(filled.isEmpty)
        }
    }

    /// Awkward names (quotes, spaces, keywords, Unicode) and values (tab,
    /// newline, backslash, SQL) go through quoted identifiers and COPY intact.
    @Test func awkwardNamesAndValuesSurviveTheDiffAndTheReport() async throws {
        try await DiffFixture.with { fixture in
            let ref = DatasetRef(department: "Sales Team", name: "Q1 \"numbers\"")
            let columns = [("Kunden-Nr.", "bigint"), ("name\"quoted", "text"), ("select", "text"), ("Größe", "numeric")]
            try await fixture.addVersion(ref, version: 1, columns: columns,
                                         values: "(1, 'a', 'x', 1.5), (2, 'b', E'tab\\there', 2)")
            try await fixture.addVersion(ref, version: 2, columns: columns,
                                         values: "(1, 'a', E'line\\nbreak \\\\ back', 1.5), (2, 'b', 'tab\there', 2.25), "
                                             + "(3, $$'); DROP TABLE x; --$$, NULL, NULL)")
            let request = DiffRequest(dataset: "Sales Team/Q1 \"numbers\"", from: 1, to: 2, key: ["Kunden-Nr."])
            let diff = try await VersionDiffTests.differ(fixture).diff(request, connection: fixture.connection)
            #expect((diff.added, diff.removed, diff.changed, diff.unchanged) == (1, 0, 2, 0))
            #expect(diff.sampleChanged.first?.cells == [DiffCellChange(column: "select", old: "x", new: "line\nbreak \\ back")])
            #expect(diff.sampleChanged.last?.cells.map(\.column) == ["Größe"])
            let published = try await Self.job(fixture).runDiff(request, jobID: 1, connection: fixture.connection)
            #expect(published.key == "reports/Sales Team/Q1 \"numbers\"/v2/diff-v1-v2-job-1.xlsx")
            let book = try Self.read(fixture.directory + "/store/" + published.key)
            #expect(Self.texts(book.rows["Changed"]) == [
                ["Kunden-Nr.", "name\"quoted", "name\"quoted (old)", "select", "select (old)", "Größe", "Größe (old)"],
                ["1", "a", "", "line\nbreak \\ back", "x", "1.5", ""],
                ["2", "b", "", "tab\there", "", "2.25", "2"],
            ])
            #expect(book.filled["Changed"] == ["D2", "F3"])
            #expect(Self.texts(book.rows["Added"]).last == ["3", "'); DROP TABLE x; --", "", ""])
        }
    }
}
