import Catalog
import ChildProcess
import Foundation
import Ingest
import Postgres
import TestSupport
import Testing
import XLSXWriter

#if canImport(Glibc)
import Glibc
#endif

/// Issue 17, faults the suite injects into a real ingest worker: the
/// database connection killed mid-COPY, and a full disk for the download.
@Suite("Ingest: injected faults")
struct IngestFaultTests {
    typealias S = IngestTestSupport
    typealias W = WorkerProcessTests

    /// The worker's connection is terminated by the server while its COPY
    /// runs: the attempt is transient (exit 75, so the dispatcher retries
    /// it), no partial version or table is left, and the retry commits.
    @Test func connectionKilledMidCopyIsRetriedWithNoPartialVersion() async throws {
        let root = try S.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(atPath: root + "/store/incoming", withIntermediateDirectories: true)
        let rows = 60_000
        try await SampleWorkbook.writeDetached(rows: rows, to: root + "/store/incoming/big.xlsx", seed: 9)
        try await S.withCatalog { connection, catalog in
            let env = W.environment(catalog, store: "file://\(root)/store", home: root + "/home")
            let worker = try W.spawnWorker(["--key", "incoming/big.xlsx"], environment: env, log: root + "/log")
            try #require(try await S.awaitCopy(into: catalog.schemas.data, on: connection, terminate: true), "never saw the COPY")
            #expect(try W.wait(worker) == 75)
            #expect(try await S.dataRelations(catalog, on: connection) == [])
            #expect(try await S.attempts(DatasetRef(name: "big"), catalog: catalog, on: connection).allSatisfy { $0.status != "committed" })

            let retry = try W.spawnWorker(["--key", "incoming/big.xlsx"], environment: env, log: root + "/log")
            #expect(try W.wait(retry) == 0)
            let attempts = try await S.attempts(DatasetRef(name: "big"), catalog: catalog, on: connection)
            #expect(attempts.filter { $0.status == "committed" }.map(\.rowCount) == [Int64(rows)])
        }
    }

    /// The download hits a full disk (the file size limit stands in for a
    /// small tmpfs): a clear transient error (exit 75), nothing left in the
    /// scratch directory, no version.
    @Test func fullDiskForTheDownloadIsTransientAndLeavesNothing() async throws {
        let root = try S.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(atPath: root + "/store/incoming", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: root + "/tmp", withIntermediateDirectories: true)
        try await SampleWorkbook.writeDetached(rows: 20_000, to: root + "/store/incoming/big.xlsx", seed: 3)
        try await S.withCatalog { connection, catalog in
            var env = W.environment(catalog, store: "file://\(root)/store", home: root + "/home")
            env["TMPDIR"] = root + "/tmp"
            var childEnv = ChildProcess.currentEnvironment().filter { !$0.key.hasPrefix("PYRAMYDAL_") && !$0.key.hasPrefix("PG") }
            childEnv.merge(env) { $1 }
            // 256 KiB: the log (written to a pipe, not a file) is unaffected.
            let result = try ChildProcess.run("/usr/bin/prlimit", ["--fsize=262144", "--", W.workerPath, "--key", "incoming/big.xlsx"],
                                              environment: childEnv)
            let output = result.stdoutText + result.stderrText
            #expect(result.status == 75, "\(output)")
            #expect(output.contains("File too large") || output.contains("No space left"), "\(output)")
            #expect(try FileManager.default.contentsOfDirectory(atPath: root + "/tmp") == [])
            #expect(try await S.dataRelations(catalog, on: connection) == [])
        }
    }
}
