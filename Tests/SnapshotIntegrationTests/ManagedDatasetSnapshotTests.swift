import Catalog
import Foundation
import Postgres
import Snapshots
import Testing

/// Snapshots of managed datasets: a revert's shared table is written once,
/// a deleted dataset is left out and its tables go at the prune.
@Suite("Snapshots of reverted and deleted datasets")
struct ManagedDatasetSnapshotTests {
    typealias F = SnapshotFixture

    @Test func revertSharesATableAndDeleteIsPurgedByThePrune() async throws {
        try await F.with { f in
            let first = try await f.addVersion("a", "SELECT g AS a FROM generate_series(1, 10) AS g")
            try await f.addVersion("a", "SELECT g AS a FROM generate_series(1, 5) AS g")
            let doomed = try await f.addVersion("b", "SELECT 1 AS a")
            let catalog = f.catalog
            try await f.connection.run { conn in
                let a = try catalog.dataset(DatasetRef(name: "a"), on: conn)!.id
                let b = try catalog.dataset(DatasetRef(name: "b"), on: conn)!.id
                try catalog.revertDataset(id: a, to: 1, who: "test", on: conn)
                try catalog.deleteDataset(id: b, who: "test", on: conn)
            }
            let manifest = try await f.snapshot()
            // a v1 and a v2: the revert (v3) shares v1's table, b is deleted.
            #expect(manifest.objects.compactMap(\.table).sorted() == [first, "a@v2"].sorted())

            let target = CatalogSchemas(catalog: f.schemas.catalog + "_r", data: f.schemas.data + "_r")
            let summary = try await f.restorer().restore(snapshot: manifest.id, into: f.connection, schemas: target, actor: "test")
            #expect(summary.versions == 2)
            let view = try await f.connection.query(
                "SELECT count(*) FROM \(target.dataRelation("a"))", purpose: "restored view")[0][0, as: Int.self]
            #expect(view == 10)

            #expect(try await f.tables(in: f.schemas.data).contains(doomed))
            let pruned = try await f.writer().prune(policy: RetentionPolicy(), connection: f.connection, actor: "test")
            #expect(pruned.purgedTables == [doomed])
            #expect(!(try await f.tables(in: f.schemas.data).contains(doomed)))
            #expect(try await f.writer().prune(policy: RetentionPolicy(), connection: f.connection, actor: "test").purgedTables.isEmpty)
        }
    }
}
