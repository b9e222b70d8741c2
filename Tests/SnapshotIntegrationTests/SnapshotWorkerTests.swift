import Catalog
import ChildProcess
import Foundation
import JobQueue
import Postgres
import Snapshots
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The built `SnapshotWorker` binary, run as a child process.
@Suite("SnapshotWorker process")
struct SnapshotWorkerTests {
    typealias F = SnapshotFixture

    /// `.build/<config>/SnapshotWorker`, beside the test bundle.
    static var workerPath: String { BuiltProducts.path(of: "SnapshotWorker") }

    static func spawn(_ f: F, _ arguments: [String], extra: [String: String] = [:]) throws -> RunningChild {
        var env = ChildProcess.currentEnvironment().filter { !$0.key.hasPrefix("PYRAMYDAL_") && !$0.key.hasPrefix("PG") }
        env.merge([
            "PYRAMYDAL_DATABASE_URL": F.databaseURL, "PYRAMYDAL_STORE": "file://\(f.storeRoot!)", "PYRAMYDAL_HOME": f.directory + "/home",
            CatalogSchemas.catalogVariable: f.schemas.catalog, CatalogSchemas.dataVariable: f.schemas.data,
            "PYRAMYDAL_LOG_LEVEL": "warning", "PYRAMYDAL_ACTOR": "worker-test",
        ]) { $1 }
        env.merge(extra) { $1 }
        return try ChildProcess.spawn(workerPath, arguments, environment: env,
                                      standardOutput: .file(f.directory + "/log"), standardError: .file(f.directory + "/log"))
    }

    @Test func killedMidwayLeavesNoManifestAndTheNextRunCompletes() async throws {
        try await F.with { f in
            try #require(FileManager.default.isExecutableFile(atPath: Self.workerPath), "build SnapshotWorker first")
            try await f.addVersion("a", "SELECT g AS id FROM generate_series(1, 2000) AS g")
            try await f.addVersion("b", "SELECT g AS id FROM generate_series(1, 20) AS g")
            let pause = f.directory + "/paused"
            let child = try Self.spawn(f, ["snapshot"], extra: ["PYRAMYDAL_SNAPSHOT_TEST_PAUSE_FILE": pause])
            // The handshake: the worker creates the file after its first upload, then waits to be killed.
            var waited = 0
            while !FileManager.default.fileExists(atPath: pause) && waited < 120_000 {
                try await Task.sleep(for: .milliseconds(20))
                waited += 20
            }
            try #require(FileManager.default.fileExists(atPath: pause), "the worker never reached its first upload")
            child.signal(SIGKILL)
            #expect(try child.wait() == 128 + SIGKILL)

            let repository = SnapshotRepository(store: f.store)
            let dead = try await repository.entries()
            #expect(dead.count == 1 && dead[0].state == .incomplete && dead[0].objectCount == 1)
            #expect(try await repository.latestComplete() == nil)
            await #expect { _ = try await repository.manifest(dead[0].id) } throws: { ($0 as? SnapshotError)?.code == .notFound }

            // The next run completes (the killed session's lock is gone) and its prune removes the leftovers.
            let again = try Self.spawn(f, ["snapshot"])
            #expect(try again.wait() == 0)
            let after = try await repository.entries()
            #expect(after.count == 1 && after[0].state == .complete && after[0].id > dead[0].id)
            let manifest = try await repository.manifest(after[0].id).manifest
            #expect(manifest.kind == .full && manifest.objects.count == 2)
            let audit = try await f.connection.query(
                "SELECT who, outcome FROM \(f.schemas.catalogTable("audit_log")) WHERE what = $1",
                [.text("snapshot \(manifest.id)")], purpose: "audit")
            #expect(try audit.map { try $0[0, as: String.self] + " " + $0[1, as: String.self] } == ["worker-test completed"])
        }
    }

    @Test func runsASnapshotJob() async throws {
        try await F.with { f in
            try #require(FileManager.default.isExecutableFile(atPath: Self.workerPath), "build SnapshotWorker first")
            try await f.addVersion("a", "SELECT 1 AS id")
            let queueSchema = f.schemas.catalog + "_jobs"
            let queue = try await JobQueue.connect(url: F.databaseURL, schema: queueSchema)
            defer { queue.connection.close() }
            do {
                try await queue.migrate()
                let job = try await queue.enqueue(kind: "snapshot")
                let claimed = try await queue.claim(limit: 1, dispatcher: "test", kinds: .only(["snapshot"]))
                #expect(claimed.map(\.id) == [job.id])
                let child = try Self.spawn(f, [], extra: [WorkerEnvironment.jobID: "\(job.id)", WorkerEnvironment.schema: queueSchema,
                                                         WorkerEnvironment.token: claimed[0].launchToken ?? ""])
                #expect(try child.wait() == 0)
                let done = try #require(try await queue.job(id: job.id))
                #expect(done.state == .completed)
                let id = try #require(done.result?.objectValue?["snapshot"]?.stringValue)
                #expect(try await SnapshotRepository(store: f.store).manifest(id).manifest.objects.count == 1)
            } catch {
                _ = try? await f.connection.execute("DROP SCHEMA IF EXISTS \(PostgresConnection.quoteIdentifier(queueSchema)) CASCADE", purpose: "drop")
                throw error
            }
            try await f.connection.execute("DROP SCHEMA IF EXISTS \(PostgresConnection.quoteIdentifier(queueSchema)) CASCADE", purpose: "drop")
        }
    }
}
