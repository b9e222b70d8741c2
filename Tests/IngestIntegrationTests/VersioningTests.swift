import Catalog
import Foundation
import Ingest
import Postgres
import Testing
import XLSXReader
import XLSXWriter

@Suite("Ingest: versions, idempotency, locking")
struct VersioningTests {
    typealias S = IngestTestSupport

    @Test func sameFileTwiceMakesOneVersion() async throws {
        try await S.withCatalog { connection, catalog in
            let path = S.fixture("xlsxwriter_inline.xlsx")
            let first = try await S.ingestFile(path, catalog: catalog)
            let second = try await S.ingestFile(path, catalog: catalog)
            #expect(first.map(\.version) == [1] && !first[0].alreadyIngested)
            #expect(second.map(\.version) == [1] && second[0].alreadyIngested)
            let attempts = try await S.attempts(DatasetRef(name: "xlsxwriter_inline"), catalog: catalog, on: connection)
            #expect(attempts.map(\.version) == [1])
            #expect(try await S.dataRelations(catalog, on: connection) == ["xlsxwriter_inline", "xlsxwriter_inline@v1"])
            #expect(try await S.rows("xlsxwriter_inline", catalog: catalog, on: connection) == [["1", "2.5", "x"]])
        }
    }

    @Test func newContentMakesNextVersionAndMovesTheView() async throws {
        let dir = try S.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try await S.withCatalog { connection, catalog in
            let path = dir + "/orders.xlsx"
            try SampleWorkbook.write(rows: 10, to: path, seed: 1)
            _ = try await S.ingestFile(path, catalog: catalog)
            try SampleWorkbook.write(rows: 25, to: path, seed: 2)
            let second = try await S.ingestFile(path, catalog: catalog)
            #expect(second.map(\.version) == [2])
            let count = try await connection.query("SELECT count(*) FROM \(catalog.schemas.dataRelation("orders"))", purpose: "count")
            #expect(try count[0][0, as: Int.self] == 25)
            // Old versions stay queryable.
            let old = try await connection.query("SELECT count(*) FROM \(catalog.schemas.dataRelation("orders@v1"))", purpose: "count")
            #expect(try old[0][0, as: Int.self] == 10)
        }
    }

    @Test func concurrentIngestsOfOneDatasetSerialise() async throws {
        let dir = try S.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try await S.withCatalog { connection, catalog in
            let a = dir + "/a.xlsx", b = dir + "/b.xlsx"
            try SampleWorkbook.write(rows: 3_000, to: a, seed: 11)
            try SampleWorkbook.write(rows: 3_000, to: b, seed: 12)
            let ref = DatasetRef(department: "sales", name: "orders")
            async let first = S.ingestFile(a, catalog: catalog, workbook: ref)
            async let second = S.ingestFile(b, catalog: catalog, workbook: ref)
            let versions = try await (first + second).map(\.version).sorted()
            #expect(versions == [1, 2])
            let attempts = try await S.attempts(ref, catalog: catalog, on: connection)
            #expect(attempts.map(\.status) == ["committed", "committed"])
            #expect(try await S.dataRelations(catalog, on: connection) == ["sales/orders", "sales/orders@v1", "sales/orders@v2"])
        }
    }

    @Test func commitHookRunsInTheTransaction() async throws {
        try await S.withCatalog { connection, catalog in
            // A hook that fails rolls the version back.
            struct HookFailed: Error {}
            await #expect(throws: IngestError.self) {
                _ = try await S.ingestFile(S.fixture("xlsxwriter_inline.xlsx"), catalog: catalog) { _, _ in throw HookFailed() }
            }
            #expect(try await S.dataRelations(catalog, on: connection) == [])
            // A hook sees the version and the standing report requests.
            let versions = try await S.ingestFile(S.fixture("xlsxwriter_inline.xlsx"), catalog: catalog) { version, conn in
                _ = try catalog.addReportRequest(datasetID: version.datasetID, format: "csv", on: conn)
                #expect(try catalog.reportRequests(datasetID: version.datasetID, on: conn).map(\.format) == ["csv"])
            }
            #expect(versions.map(\.version) == [1])
        }
    }

    @Test func namesFromKeys() {
        #expect(SourceNaming.workbook(key: "incoming/finance/budget.xlsx") == DatasetRef(department: "finance", name: "budget"))
        #expect(SourceNaming.workbook(key: "incoming/orders.XLSX") == DatasetRef(name: "orders"))
        #expect(SourceNaming.workbook(key: "incoming/a/b/c.csv") == DatasetRef(department: "a", name: "b/c"))
        #expect(SourceNaming.workbook(path: "/tmp/x/Q1 sales.xlsx") == DatasetRef(name: "Q1 sales"))
        #expect(SourceNaming.dataset(workbook: DatasetRef(name: "w"), sheet: "S", visibleSheets: 2) == DatasetRef(name: "w:S"))
        #expect(SourceNaming.dataset(workbook: DatasetRef(name: "w"), sheet: "S", visibleSheets: 1) == DatasetRef(name: "w"))
    }
}
