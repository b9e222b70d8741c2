import Catalog
import Foundation
import Ingest
import Postgres
import Testing
import XLSXReader
import XLSXWriter

/// The one-sheet path guesses types from the first 1000 rows and keeps its
/// COPY only when the whole column agrees; otherwise it copies again.
@Suite("Ingest: single-pass guess")
struct SinglePassTests {
    typealias S = IngestTestSupport

    /// `a` holds integers for 1500 rows, then `2.5` (numeric); `b` holds
    /// integers then text; `c` is blank until row 1200, then has dates;
    /// `d` gets a value in a column the first rows never reach.
    static func write(_ path: String, rows: Int, change: Bool) throws {
        let writer = try XLSXWriter(path: path)
        let sheet = try writer.addWorksheet(named: "S")
        let date = try writer.format(XLSXFormat(numberFormat: "yyyy-mm-dd"))
        for (c, name) in ["a", "b", "c"].enumerated() { try sheet.writeString(row: 0, column: c, name) }
        for r in 1...rows {
            try sheet.writeNumber(row: r, column: 0, change && r == rows ? 2.5 : Double(r))
            if change && r == rows - 1 {
                try sheet.writeString(row: r, column: 1, "n/a")
            } else {
                try sheet.writeNumber(row: r, column: 1, Double(r * 2))
            }
            if change && r > 1200 { try sheet.writeDateTime(row: r, column: 2, XLSXDateTime(year: 2024, month: 1, day: 1 + r % 28), format: date) }
        }
        if change { try sheet.writeBoolean(row: rows, column: 3, true) }
        try writer.close()
    }

    @Test func guessHolds() async throws {
        let dir = try S.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Self.write(dir + "/steady.xlsx", rows: 3000, change: false)
        try await S.withCatalog { connection, catalog in
            let v = try await S.ingestFile(dir + "/steady.xlsx", catalog: catalog)
            #expect(v.first?.rowCount == 3000)
            let types = try await S.columnTypes("steady", catalog: catalog, on: connection)
            #expect(types.map(\.type) == ["bigint", "bigint", "text"])
            let sums = try await connection.query("SELECT sum(a), sum(b), count(c) FROM \(catalog.schemas.dataRelation("steady"))", purpose: "sums")
            #expect(try sums[0][0, as: Int.self] == 3000 * 3001 / 2 && sums[0][1, as: Int.self] == 3000 * 3001 && sums[0][2, as: Int.self] == 0)
        }
    }

    /// The worker opens a local workbook while it connects
    /// (``WorkbookOpening``): the same rows land, and a workbook that can't
    /// be opened fails the ingest as it would without, recorded on a failed
    /// attempt.
    @Test func aWorkbookOpenedAheadLandsAndFailsAsWithout() async throws {
        let dir = try S.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Self.write(dir + "/ahead.xlsx", rows: 1500, change: false)
        let bad = S.fixture("bad_shared_index.xlsx")
        try await S.withCatalog { connection, catalog in
            let ingest = Ingest(connection: connection, catalog: catalog, logger: S.logger)
            func request(_ path: String, name: String) -> IngestRequest {
                var request = IngestRequest(path: path, workbook: DatasetRef(department: "qa", name: name),
                                            source: SourceIdentity(uri: "file://" + path), actor: "test")
                request.opening = WorkbookOpening.start(path: path, limits: Ingest.defaultReaderLimits)
                return request
            }
            #expect(request(dir + "/x.csv", name: "csv").opening == nil)
            let v = try await ingest.ingest(request(dir + "/ahead.xlsx", name: "ahead"))
            #expect(v.first?.rowCount == 1500)
            #expect(v.first?.alreadyIngested == false)
            let view = try #require(v.first?.viewName)
            let sums = try await connection.query("SELECT sum(a) FROM \(catalog.schemas.dataRelation(view))", purpose: "sum")
            #expect(try sums[0][0, as: Int.self] == 1500 * 1501 / 2)

            // Failing in the sheet, and failing to open (its DTD in the shared strings).
            for (path, name, code) in [(bad, "bad", "malformedXML"), (S.fixture("dtd_sst.xlsx"), "dtd", "dtdNotAllowed")] {
                let error = await #expect(throws: IngestError.self) { _ = try await ingest.ingest(request(path, name: name)) }
                #expect(error?.kind == .badInput)
                #expect(error?.detail.code == code)
                let attempts = try await S.attempts(DatasetRef(department: "qa", name: name), catalog: catalog, on: connection)
                #expect(attempts.map(\.status) == ["failed"])
                #expect(attempts.first?.error?.code == code)
            }
        }
    }

    @Test func typesChangingLateAreStillWholeColumn() async throws {
        let dir = try S.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Self.write(dir + "/late.xlsx", rows: 3000, change: true)
        try await S.withCatalog { connection, catalog in
            let v = try await S.ingestFile(dir + "/late.xlsx", catalog: catalog)
            #expect(v.first?.rowCount == 3000)
            let types = try await S.columnTypes("late", catalog: catalog, on: connection)
            #expect(types.map(\.name) == ["a", "b", "c", "column_D"])
            #expect(types.map(\.type) == ["numeric", "text", "date", "boolean"])
            let rows = try await S.rows("late", catalog: catalog, on: connection)
            #expect(rows.count == 3000)
            #expect(rows[0] == ["1", "2", nil, nil])
            #expect(rows[1200] == ["1201", "2402", "2024-01-26", nil])
            #expect(rows[2998] == ["2999", "n/a", "2024-01-04", nil])
            #expect(rows[2999] == ["2.5", "6000", "2024-01-05", "true"])
            // Exactly one version and one table: the abandoned COPY left nothing.
            #expect(try await S.dataRelations(catalog, on: connection) == ["late", "late@v1"])
        }
    }
}
