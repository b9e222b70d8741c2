import Catalog
import ChildProcess
import Foundation
import Ingest
import Postgres
import TestSupport
import Testing
import XLSXReader
import XLSXWriter

#if canImport(Glibc)
import Glibc
#endif

/// The built `IngestWorker` binary, run as a child process.
@Suite("IngestWorker process")
struct WorkerProcessTests {
    typealias S = IngestTestSupport

    /// `.build/<config>/IngestWorker`, beside the test bundle.
    static var workerPath: String { BuiltProducts.path(of: "IngestWorker") }

    /// Spawns the worker (``ChildProcess``; stdout and stderr appended to `log`).
    static func spawnWorker(_ arguments: [String], environment: [String: String], log: String) throws -> RunningChild {
        var env = ChildProcess.currentEnvironment().filter { !$0.key.hasPrefix("PYRAMYDAL_") && !$0.key.hasPrefix("PG") }
        env.merge(environment) { $1 }
        return try ChildProcess.spawn(workerPath, arguments, environment: env,
                                      standardOutput: .file(log), standardError: .file(log))
    }

    /// Waits for the child; its exit status (128 + signal when killed).
    static func wait(_ child: RunningChild) throws -> Int32 {
        try child.wait()
    }

    static func environment(_ catalog: Catalog, store: String, home: String) -> [String: String] {
        [
            "PYRAMYDAL_DATABASE_URL": S.databaseURL, "PYRAMYDAL_STORE": store, "PYRAMYDAL_HOME": home,
            CatalogSchemas.catalogVariable: catalog.schemas.catalog, CatalogSchemas.dataVariable: catalog.schemas.data,
            "PYRAMYDAL_LOG_LEVEL": "warning",
        ]
    }

    @Test func exitCodes() async throws {
        let root = try S.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(atPath: root + "/store/incoming", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: S.fixture("xlsxwriter_inline.xlsx"), toPath: root + "/store/incoming/good.xlsx")
        try FileManager.default.copyItem(atPath: S.fixture("encrypted.xlsx"), toPath: root + "/store/incoming/locked.xlsx")
        try await S.withCatalog { connection, catalog in
            let env = Self.environment(catalog, store: "file://\(root)/store", home: root + "/home")
            let good = try Self.spawnWorker(["--key", "incoming/good.xlsx"], environment: env, log: root + "/log")
            #expect(try Self.wait(good) == 0)
            let again = try Self.spawnWorker(["--key", "incoming/good.xlsx"], environment: env, log: root + "/log")
            #expect(try Self.wait(again) == 0)
            let bad = try Self.spawnWorker(["--key", "incoming/locked.xlsx"], environment: env, log: root + "/log")
            #expect(try Self.wait(bad) == 65)
            #expect(FileManager.default.fileExists(atPath: root + "/store/errors/incoming/locked.xlsx.json"))
            let missing = try Self.spawnWorker(["--key", "incoming/nothing.xlsx"], environment: env, log: root + "/log")
            #expect(try Self.wait(missing) == 65)
            var unreachable = env
            unreachable["PYRAMYDAL_DATABASE_URL"] = "postgresql://nobody@127.0.0.1:1/none?connect_timeout=2"
            let down = try Self.spawnWorker(["--key", "incoming/good.xlsx"], environment: unreachable, log: root + "/log")
            #expect(try Self.wait(down) == 75)
            let attempts = try await S.attempts(DatasetRef(name: "good"), catalog: catalog, on: connection)
            #expect(attempts.map(\.version) == [1])
        }
    }

    /// SIGKILL once the COPY has started: no partial version, no leftover
    /// table, and a rerun succeeds.
    @Test func killMidCopy() async throws {
        let root = try S.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(atPath: root + "/store/incoming", withIntermediateDirectories: true)
        let rows = 60_000
        try await SampleWorkbook.writeDetached(rows: rows, to: root + "/store/incoming/big.xlsx", seed: 5)
        try await S.withCatalog { connection, catalog in
            // The gate: a second session holds the audit log in SHARE mode, so the
            // worker's transaction, once its COPY is done, waits at its audit row
            // and can't commit before the kill, however late this test gets the
            // CPU (a 60k-row ingest takes a quarter of a second).
            let gate = try await S.connect()
            defer { gate.close() }
            try await gate.execute("BEGIN; LOCK TABLE \(catalog.schemas.catalogTable("audit_log")) IN SHARE MODE",
                                   purpose: "hold the audit log")
            let gatePID = try await gate.query("SELECT pg_backend_pid()", purpose: "gate pid")[0][0, as: Int32.self]
            let env = Self.environment(catalog, store: "file://\(root)/store", home: root + "/home")
            let worker = try Self.spawnWorker(["--key", "incoming/big.xlsx"], environment: env, log: root + "/log")
            // Wait for the event (rows arriving in a COPY into our data schema, or
            // the finished COPY waiting at the gate), not a fixed sleep.
            #expect(try await S.awaitCopy(into: catalog.schemas.data, on: connection, orBlockedBy: gatePID))
            worker.signal(SIGKILL)
            #expect(try Self.wait(worker) == 128 + SIGKILL)
            try await gate.execute("ROLLBACK", purpose: "open the gate")

            #expect(try await S.dataRelations(catalog, on: connection) == [])
            #expect(try await S.attempts(DatasetRef(name: "big"), catalog: catalog, on: connection).allSatisfy { $0.status != "committed" })

            let rerun = try Self.spawnWorker(["--key", "incoming/big.xlsx"], environment: env, log: root + "/log")
            #expect(try Self.wait(rerun) == 0)
            let attempts = try await S.attempts(DatasetRef(name: "big"), catalog: catalog, on: connection)
            #expect(attempts.map(\.version) == [1])
            #expect(attempts.first?.rowCount == Int64(rows))
            #expect(try await S.dataRelations(catalog, on: connection) == ["big", "big@v1"])
        }
    }
}
