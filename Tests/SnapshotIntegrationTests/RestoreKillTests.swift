import Catalog
import ChildProcess
import Foundation
import Postgres
import Snapshots
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Issue 17, faults: `SnapshotWorker restore` killed with SIGKILL while its
/// transaction is copying rows leaves nothing half-visible in the target
/// (not even its schemas), and the next run completes.
@Suite("Restore killed mid-transaction")
struct RestoreKillTests {
    typealias F = SnapshotFixture

    @Test func killMinusNineMidRestoreLeavesNothingAndTheRerunCompletes() async throws {
        try await F.with { f in
            try await f.addVersion("big", "SELECT g AS id, md5(g::text) AS tag FROM generate_series(1, 400000) AS g")
            try await f.addVersion("small", "SELECT g AS id FROM generate_series(1, 10) AS g")
            let manifest = try await f.snapshot()
            let target = CatalogSchemas(catalog: f.schemas.catalog + "_k", data: f.schemas.data + "_k")
            let arguments = ["restore", manifest.id, "--catalog-schema", target.catalog, "--data-schema", target.data]
            let child = try SnapshotWorkerTests.spawn(f, arguments)
            // Wait for the event (rows arriving in a COPY into the target schema), not a fixed sleep.
            var copying = false
            for _ in 0..<1200 where !copying {
                let progress = try await f.connection.query("""
                    SELECT count(*) FROM pg_stat_progress_copy p JOIN pg_stat_activity a ON a.pid = p.pid
                    WHERE a.query LIKE 'COPY "' || $1 || '".%' AND p.tuples_processed > 0
                    """, [.text(target.data)], purpose: "copy progress")
                copying = try progress[0][0, as: Int.self] > 0
                if !copying { try await Task.sleep(for: .milliseconds(25)) }
            }
            try #require(copying, "the restore never started copying")
            child.signal(SIGKILL)
            #expect(try child.wait() == 128 + SIGKILL)
            // The server rolls the transaction back when the connection drops.
            try await Self.waitForNoBackend(f, schema: target.data)
            try await SnapshotChainTests.expectNothingCreated(f, target)

            let rerun = try SnapshotWorkerTests.spawn(f, arguments)
            #expect(try rerun.wait() == 0)
            let rows = try await f.connection.query("SELECT count(*) FROM \(PostgresConnection.quoteQualified(target.data, "big"))",
                                                    purpose: "restored rows")
            #expect(try rows[0][0, as: Int64.self] == 400_000)
        }
    }

    /// Until the killed session's backend has gone (its rollback done).
    static func waitForNoBackend(_ f: F, schema: String) async throws {
        for _ in 0..<400 {
            let left = try await f.connection.query(
                "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'COPY \"' || $1 || '\".%' AND pid <> pg_backend_pid()",
                [.text(schema)], purpose: "backends")
            if try left[0][0, as: Int.self] == 0 { return }
            try await Task.sleep(for: .milliseconds(25))
        }
    }
}
