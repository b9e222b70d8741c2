import Catalog
import Foundation
import ObjectStore
import Postgres
@testable import Snapshots
import Testing

@Suite("Snapshot chains, corruption, retention")
struct SnapshotChainTests {
    typealias F = SnapshotFixture

    static func date(_ text: String) -> Date { SnapshotLayout.date(of: text)! }

    @Test func threeIncrementalsRestoreToTheLast() async throws {
        try await F.with { f in
            try await f.addVersion("a", "SELECT g AS id FROM generate_series(1, 100) AS g")
            let first = try await f.snapshot()
            try await f.addVersion("a", "SELECT g AS id, 'v2' AS tag FROM generate_series(1, 50) AS g")
            try await f.addVersion("b", "SELECT true AS flag")
            let second = try await f.snapshot()
            try await f.addVersion("b", "SELECT false AS flag, 2.5::numeric AS n")
            let third = try await f.snapshot()

            #expect(first.kind == .full && second.kind == .incremental && third.kind == .incremental)
            #expect(second.previous == first.id && third.previous == second.id && first.id < second.id && second.id < third.id)
            #expect(second.objects.compactMap(\.table).sorted() == ["a@v2", "b@v1"])
            #expect(third.objects.compactMap(\.table) == ["b@v2"])
            #expect(third.inherited.compactMap(\.table).sorted() == ["a@v1", "a@v2", "b@v1"])
            #expect(third.chain == [first.id, second.id, third.id])
            let secondManifest = try await SnapshotRepository(store: f.store).manifest(second.id)
            #expect(third.previousManifestSHA256 == secondManifest.sha256)
            // Nothing new: an incremental with no data objects, still complete.
            let fourth = try await f.snapshot()
            #expect(fourth.objects.isEmpty && fourth.dataObjects.count == 4)

            try await f.saveReference()
            try await f.dropOriginal()
            let summary = try await f.restorer().restore(snapshot: third.id, into: f.connection, schemas: f.schemas, actor: "test")
            #expect(summary.versions == 4)
            try await f.expectEqualToReference(restored: f.schemas)
        }
    }

    @Test func flippedByteOrMissingObjectFailsBeforeAnyWrite() async throws {
        try await F.with { f in
            try await f.addVersion("a", "SELECT g AS id FROM generate_series(1, 1000) AS g")
            try await f.addVersion("b", "SELECT g AS id FROM generate_series(1, 10) AS g")
            let manifest = try await f.snapshot()
            let target = CatalogSchemas(catalog: f.schemas.catalog + "_r", data: f.schemas.data + "_r")
            let victim = try #require(manifest.objects.last).key
            let path = f.storeRoot! + "/" + victim
            var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
            bytes[bytes.count / 2] ^= 0x01
            try Data(bytes).write(to: URL(fileURLWithPath: path))

            await #expect {
                try await f.restorer().restore(snapshot: manifest.id, into: f.connection, schemas: target, actor: "test")
            } throws: { error in
                guard let error = error as? SnapshotError else { return false }
                return error.code == .checksumMismatch && error.key == victim && error.description.contains(victim)
            }
            try await Self.expectNothingCreated(f, target)

            try FileManager.default.removeItem(atPath: path)
            await #expect {
                try await f.restorer().restore(snapshot: manifest.id, into: f.connection, schemas: target, actor: "test")
            } throws: { ($0 as? SnapshotError).map { $0.code == .missingObject && $0.key == victim } ?? false }
            try await Self.expectNothingCreated(f, target)

            await #expect {
                try await f.restorer().restore(snapshot: "20200101T000000Z", into: f.connection, schemas: target, actor: "test")
            } throws: { ($0 as? SnapshotError)?.code == .notFound }
        }
    }

    static func expectNothingCreated(_ f: F, _ target: CatalogSchemas) async throws {
        let schemas = try await f.connection.query("SELECT count(*) FROM pg_namespace WHERE nspname IN ($1, $2)",
                                                   [.text(target.catalog), .text(target.data)], purpose: "schemas")
        #expect(try schemas[0][0, as: Int.self] == 0)
    }

    @Test func retentionKeepsExactlyTheConfiguredSet() async throws {
        try await F.with { f in
            // One version before the first snapshot: every later snapshot inherits its object.
            try await f.addVersion("a", "SELECT g AS id FROM generate_series(1, 10) AS g")
            let ids = ["20260105T020000Z", "20260120T020000Z", "20260201T020000Z", "20260215T020000Z", "20260301T020000Z",
                       "20260302T020000Z", "20260303T020000Z", "20260304T020000Z", "20260304T120000Z"]
            for (index, id) in ids.enumerated() {
                if index == 3 { try await f.addVersion("b", "SELECT 1 AS x") }
                let manifest = try await f.snapshot(at: Self.date(id))
                #expect(manifest.id == id)
            }
            // A dead run's leftovers: no manifest.
            _ = try await f.store.put(SnapshotLayout.dataKey("20260304T130000Z", datasetID: 1, version: 1), bytes: [1, 2, 3])

            let policy = RetentionPolicy(daily: 3, weekly: 1, monthly: 2)
            let result = try await f.writer().prune(policy: policy, connection: f.connection, actor: "test")
            // daily: 03-04 (12:00), 03-03, 03-02; weekly (ISO week of 03-04): same; monthly: 2026-03, 2026-02 (02-15).
            let expected = ["20260215T020000Z", "20260302T020000Z", "20260303T020000Z", "20260304T120000Z"]
            #expect(result.kept == expected)
            #expect(result.pruned == ["20260105T020000Z", "20260120T020000Z", "20260201T020000Z", "20260301T020000Z", "20260304T020000Z"])
            #expect(result.removedIncomplete == ["20260304T130000Z"])
            let entries = try await SnapshotRepository(store: f.store).entries()
            #expect(entries.filter { $0.state == .complete }.map(\.id) == expected)
            #expect(!entries.contains { $0.state == .incomplete })
            // The first snapshot's data object is still needed (inherited by every kept one); nothing else of it is.
            let first = try #require(entries.first { $0.id == ids[0] })
            #expect(first.state == .pruned)
            #expect(first.keys.sorted() == [SnapshotLayout.prunedKey(ids[0]), SnapshotLayout.dataKey(ids[0], datasetID: 1, version: 1)].sorted())
            // Snapshots whose objects nobody needs are gone entirely.
            #expect(!entries.contains { $0.id == ids[1] })
            // The oldest kept one still restores from its chain.
            let target = CatalogSchemas(catalog: f.schemas.catalog + "_r", data: f.schemas.data + "_r")
            let summary = try await f.restorer().restore(snapshot: expected[0], into: f.connection, schemas: target, actor: "test")
            #expect(summary.versions == 2)
            // Pruning again changes nothing.
            let again = try await f.writer().prune(policy: policy, connection: f.connection, actor: "test")
            #expect(again.kept == expected && again.pruned.isEmpty && again.deletedObjects == 0)
        }
    }

    @Test func retentionPolicyPlan() throws {
        let policy = RetentionPolicy(daily: 7, weekly: 4, monthly: 12)
        // Daily snapshots for 400 days ending 2026-11-23.
        let end = Self.date("20261123T020000Z")
        let ids = (0..<400).map { SnapshotLayout.id(for: end.addingTimeInterval(-86_400 * Double($0))) }
        let kept = policy.keep(ids)
        // 2026-11-23 is a Monday. Daily: 11-17…11-23. Weekly (ISO weeks, Monday to Sunday): the newest
        // of the last 4 weeks: 11-23, 11-22 (both daily already), 11-15, 11-08. Monthly: the newest of
        // each of 12 months: 11-23 (already), 10-31, 09-30, …, 2025-12-31.
        #expect(kept.contains("20261123T020000Z") && kept.contains("20261117T020000Z") && !kept.contains("20261116T020000Z"))
        #expect(kept.contains("20261115T020000Z") && kept.contains("20261108T020000Z") && !kept.contains("20261101T020000Z"))
        #expect(kept.contains("20261031T020000Z") && kept.contains("20251231T020000Z") && !kept.contains("20251130T020000Z"))
        #expect(kept.count == 7 + 2 + 11)
        #expect(RetentionPolicy(daily: 0, weekly: 0, monthly: 0).keep(ids) == ["20261123T020000Z"])
        #expect(throws: SnapshotError.self) {
            _ = try RetentionPolicy(environment: [RetentionPolicy.dailyVariable: "-1"])
        }
        #expect(try RetentionPolicy(environment: [RetentionPolicy.weeklyVariable: "9"]) == RetentionPolicy(daily: 7, weekly: 9, monthly: 12))
    }
}
