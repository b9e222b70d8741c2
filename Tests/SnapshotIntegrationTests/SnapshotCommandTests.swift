import ChildProcess
import Foundation
import Postgres
import TestSupport
import Testing

/// The commands end to end with the built binaries: `pyramydal snapshot
/// --now`, `pyramydal dispatch --until-idle` launching the real
/// `SnapshotWorker` from `tasks/snapshot.json`, `pyramydal snapshots`, then
/// `pyramydal restore latest` after the schemas are dropped.
@Suite("Snapshot commands")
struct SnapshotCommandTests {
    typealias F = SnapshotFixture

    /// The repository root.
    static let root = BuiltProducts.packageRoot

    @Test func snapshotNowDispatchListRestore() async throws {
        try await F.with { f in
            let binary = (SnapshotWorkerTests.workerPath as NSString).deletingLastPathComponent + "/pyramydal"
            try #require(FileManager.default.isExecutableFile(atPath: binary), "build pyramydal first")
            try await f.addVersion("orders", awkwardRows)
            let jobs = f.schemas.catalog + "_jobs"
            var environment = ChildProcess.currentEnvironment().filter { !$0.key.hasPrefix("PYRAMYDAL_") && !$0.key.hasPrefix("PG") }
            environment.merge([
                "PYRAMYDAL_DATABASE_URL": F.databaseURL, "PYRAMYDAL_HOME": f.directory + "/home",
                "PYRAMYDAL_STORE": "file://\(f.storeRoot!)", "PYRAMYDAL_CATALOG_SCHEMA": f.schemas.catalog,
                "PYRAMYDAL_DATA_SCHEMA": f.schemas.data, "PYRAMYDAL_JOBS_SCHEMA": jobs,
                "PYRAMYDAL_TASKS_DIR": Self.root + "/tasks", "PYRAMYDAL_LOG_LEVEL": "warning", "PYRAMYDAL_ACTOR": "cli-test",
            ]) { $1 }
            func pyramydal(_ arguments: String...) throws -> String {
                let result = try ChildProcess.run(binary, arguments, environment: environment)
                #expect(result.succeeded, "pyramydal \(arguments.joined(separator: " ")) exited \(result.status): \(result.stderrText)")
                return result.stdoutText
            }
            defer { _ = try? f.connection.execute("DROP SCHEMA IF EXISTS \(PostgresConnection.quoteIdentifier(jobs)) CASCADE", purpose: "cleanup") }

            #expect(try pyramydal("snapshots").contains("no snapshots yet"))
            #expect(try pyramydal("snapshot", "--now").contains("(snapshot) enqueued"))
            _ = try pyramydal("dispatch", "--no-intake", "--until-idle", "--idle-timeout", "300")
            let states = try await f.connection.query("SELECT state FROM \(PostgresConnection.quoteIdentifier(jobs)).jobs WHERE kind = 'snapshot'",
                                                      purpose: "jobs").map { try $0[0, as: String.self] }
            #expect(states == ["completed"])
            let listing = try pyramydal("snapshots")
            #expect(listing.contains("complete  full") && listing.contains("5000"), "\(listing)")

            try await f.saveReference()
            try await f.dropOriginal()
            #expect(try pyramydal("restore", "latest").contains("1 datasets, 1 versions, 5000 rows"))
            try await f.expectEqualToReference(restored: f.schemas)
        }
    }
}
