import Catalog
import Foundation
import Ingest
@testable import ObjectStore
import Postgres
import Testing
import XLSXReader
import XLSXWriter

/// Each bad input: a clear error on the version, `errors/<key>.json` next
/// to the source, the database otherwise unchanged, the source unchanged.
@Suite("Ingest: bad input")
struct BadInputTests {
    typealias S = IngestTestSupport

    static let cases: [(fixture: String, code: String, sheet: String?, cell: String?)] = [
        ("encrypted.xlsx", "encrypted", nil, nil),
        ("legacy_named.xlsx", "legacyXLS", nil, nil),
        ("corrupt.xlsx", "corruptZip", nil, nil),
        ("not_a_zip.xlsx", "notAZip", nil, nil),
        ("truncated_sheet.xlsx", "malformedXML", "Cut", nil),
        ("bomb.xlsx", "tooLarge", "Bomb", nil),
        ("dtd_sheet.xlsx", "dtdNotAllowed", "D", nil),
        ("dtd_workbook.xlsx", "dtdNotAllowed", nil, nil),
        ("empty_workbook.xlsx", "noSheets", nil, nil),
        ("bad_shared_index.xlsx", "malformedXML", "B", "C1"),
    ]

    @Test(arguments: 0..<cases.count)
    func badInput(_ index: Int) async throws {
        let c = Self.cases[index]
        let root = try S.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let store = try DirectoryStore(root: root)
        let key = "incoming/qa/\(c.fixture)"
        let original = try Data(contentsOf: URL(fileURLWithPath: S.fixture(c.fixture)))
        _ = try await store.put(key, bytes: Array(original))
        let before = try #require(try await store.head(key))

        try await S.withCatalog(test: "badInput\(index)") { connection, catalog in
            // The bomb fixture is a miniature (4 MiB from 4 KiB): apply the
            // ratio bound from 1 MiB instead of 16 MiB to catch it.
            var limits = ReaderLimits()
            limits.ratioThresholdBytes = 1 << 20
            let ingest = Ingest(connection: connection, catalog: catalog, logger: S.logger, readerLimits: limits)
            let error = await #expect(throws: IngestError.self) {
                _ = try await StoreIngest(ingest: ingest, store: store).run(key: key, actor: "test")
            }
            let detail = try #require(error?.detail)
            #expect(error?.kind == .badInput)
            #expect(detail.code == c.code, "\(detail)")
            #expect(detail.file == key)
            if let sheet = c.sheet { #expect(detail.sheet == sheet, "\(detail)") }
            if let cell = c.cell { #expect(detail.cell == cell, "\(detail)") }
            #expect(!detail.message.isEmpty)

            // Recorded on a failed attempt that has no version number.
            let name = String(c.fixture.dropLast(5))
            let attempts = try await S.attempts(DatasetRef(department: "qa", name: name), catalog: catalog, on: connection)
            #expect(attempts.count == 1)
            #expect(attempts.first?.status == "failed" && attempts.first?.version == nil)
            #expect(attempts.first?.error == detail)

            // errors/<key>.json holds the same JSON.
            let dir = try S.temporaryDirectory()
            defer { try? FileManager.default.removeItem(atPath: dir) }
            _ = try await store.get(StoreIngest.errorKey(for: key), toFile: dir + "/e.json")
            let written = try JSONDecoder().decode(VersionError.self, from: Data(contentsOf: URL(fileURLWithPath: dir + "/e.json")))
            #expect(written == detail)

            // Nothing else changed: no tables or views, source untouched.
            #expect(try await S.dataRelations(catalog, on: connection) == [])
            let after = try #require(try await store.head(key))
            #expect(after.etag == before.etag && after.size == before.size)
            _ = try await store.get(key, toFile: dir + "/src")
            #expect(try Data(contentsOf: URL(fileURLWithPath: dir + "/src")) == original)
        }
    }

    /// A failed attempt takes no version number and leaves the committed
    /// version and its view in place.
    @Test func failureKeepsThePreviousVersion() async throws {
        try await S.withCatalog { connection, catalog in
            let ref = DatasetRef(name: "book")
            _ = try await S.ingestFile(S.fixture("xlsxwriter_inline.xlsx"), catalog: catalog, workbook: ref)
            await #expect(throws: IngestError.self) {
                _ = try await S.ingestFile(S.fixture("bad_shared_index.xlsx"), catalog: catalog, workbook: ref)
            }
            #expect(try await S.rows("book", catalog: catalog, on: connection) == [["1", "2.5", "x"]])
            let attempts = try await S.attempts(ref, catalog: catalog, on: connection)
            #expect(attempts.map(\.status) == ["committed", "failed"])
            #expect(attempts.map(\.version) == [1, nil])
        }
    }
}
