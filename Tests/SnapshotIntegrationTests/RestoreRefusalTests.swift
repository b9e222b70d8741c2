import Catalog
import Foundation
import ObjectStore
import Postgres
@testable import Snapshots
import Testing

/// Issue 17, defect 10: a restore refused late (a manifest whose row count
/// is wrong only shows once the rows are loaded) leaves the target exactly
/// as it was: no empty schemas, no tables.
@Suite("Restore refusals")
struct RestoreRefusalTests {
    typealias F = SnapshotFixture

    @Test func wrongRowCountLeavesNoSchemas() async throws {
        try await F.with { f in
            try await f.addVersion("a", "SELECT g AS id FROM generate_series(1, 100) AS g")
            let manifest = try await f.snapshot()
            var edited = manifest
            edited.objects[0].rows += 1
            let key = SnapshotLayout.manifestKey(manifest.id)
            _ = try await f.store.put(key, bytes: Array(try SnapshotManifest.encoder().encode(edited)), options: PutOptions())

            let target = CatalogSchemas(catalog: f.schemas.catalog + "_r", data: f.schemas.data + "_r")
            await #expect {
                try await f.restorer().restore(snapshot: manifest.id, into: f.connection, schemas: target, actor: "test")
            } throws: { error in
                "\(error)".contains("row")
            }
            try await SnapshotChainTests.expectNothingCreated(f, target)
        }
    }
}
