import Catalog
import ChildProcess
import Foundation
import Ingest
import ObjectStore
import Postgres
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Issue 17: rows too wide for PostgreSQL (defect 4) and the ingest's
/// temporary download (defect 8).
@Suite("Ingest: reliability")
struct IngestReliabilityTests {
    typealias S = IngestTestSupport
    typealias W = WorkerProcessTests

    /// 1,600 numeric columns: PostgreSQL's "row is too big" (SQLSTATE 54000)
    /// is bad input, said in words, and nothing is committed.
    @Test func rowsTooWideAreBadInput() async throws {
        let dir = try S.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let columns = 1_600
        var text = (1...columns).map { "c\($0)" }.joined(separator: ",") + "\n"
        for row in 0..<3 { text += (1...columns).map { "\(row * columns + $0).25" }.joined(separator: ",") + "\n" }
        let path = dir + "/wide.csv"
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        try await S.withCatalog(test: "wide") { connection, catalog in
            await #expect {
                _ = try await S.ingestFile(path, catalog: catalog)
            } throws: { error in
                guard let error = error as? IngestError else { return false }
                return error.kind == .badInput && error.detail.code == "tooWide"
                    && error.description.contains("rows are too wide for one table: 1600 columns")
            }
            #expect(try await S.dataRelations(catalog, on: connection) == [])
            let attempts = try await S.attempts(DatasetRef(name: "wide"), catalog: catalog, on: connection)
            #expect(attempts.allSatisfy { $0.status != "committed" })
        }
    }

    /// The same through the worker: exit 65 (bad input), not 75 (retry).
    @Test func rowsTooWideExit65() async throws {
        let root = try S.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(atPath: root + "/store/incoming", withIntermediateDirectories: true)
        let columns = 1_600
        var text = (1...columns).map { "n\($0)" }.joined(separator: ",") + "\n"
        text += (1...columns).map { "\($0).5" }.joined(separator: ",") + "\n"
        try Data(text.utf8).write(to: URL(fileURLWithPath: root + "/store/incoming/wide.csv"))
        try await S.withCatalog { _, catalog in
            let env = W.environment(catalog, store: "file://\(root)/store", home: root + "/home")
            let worker = try W.spawnWorker(["--key", "incoming/wide.csv"], environment: env, log: root + "/log")
            #expect(try W.wait(worker) == 65)
            let log = (try? String(contentsOfFile: root + "/log", encoding: .utf8)) ?? ""
            #expect(log.contains("too wide"), "\(log)")
        }
    }

    /// The download is nameless once complete: nothing in the scratch
    /// directory while it is read, and the bytes are all there.
    @Test func downloadIsUnlinkedOnceOpened() async throws {
        let root = try S.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let store = try DirectoryStore(root: root + "/store")
        let bytes = (0..<100_000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        _ = try await store.put("incoming/x.xlsx", bytes: bytes, options: PutOptions())
        try FileManager.default.createDirectory(atPath: root + "/tmp", withIntermediateDirectories: true)
        let (download, _) = try await TemporaryDownload.fetch("incoming/x.xlsx", from: store, into: root + "/tmp",
                                                              prefix: StoreIngest.downloadPrefix, suffix: ".xlsx")
        #expect(try FileManager.default.contentsOfDirectory(atPath: root + "/tmp") == [])
        #expect(download.size == Int64(bytes.count))
        #expect(Array(try Data(contentsOf: URL(fileURLWithPath: download.path))) == bytes)

        // A missing object leaves nothing behind either.
        await #expect(throws: ObjectStoreError.self) {
            _ = try await TemporaryDownload.fetch("incoming/none.xlsx", from: store, into: root + "/tmp",
                                                  prefix: StoreIngest.downloadPrefix, suffix: ".xlsx")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: root + "/tmp") == [])
    }

    /// A worker starting up removes downloads of killed workers (their pid is
    /// gone) and keeps those of live processes.
    @Test func workerSweepsStaleDownloads() async throws {
        let root = try S.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(atPath: root + "/store/incoming", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: root + "/tmp", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: S.fixture("xlsxwriter_inline.xlsx"), toPath: root + "/store/incoming/good.xlsx")
        // A pid that is gone: a child that has exited and been reaped.
        let gone = try ChildProcess.spawn("/bin/true", [])
        let deadPid = gone.pid
        _ = try gone.wait()
        let stale = "\(StoreIngest.downloadPrefix)-\(deadPid)-0000.xlsx"
        let live = "\(StoreIngest.downloadPrefix)-\(getpid())-1111.xlsx"
        for name in [stale, live] { try Data("partial".utf8).write(to: URL(fileURLWithPath: root + "/tmp/" + name)) }
        try await S.withCatalog { _, catalog in
            var env = W.environment(catalog, store: "file://\(root)/store", home: root + "/home")
            env["TMPDIR"] = root + "/tmp"
            let worker = try W.spawnWorker(["--key", "incoming/good.xlsx"], environment: env, log: root + "/log")
            #expect(try W.wait(worker) == 0)
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: root + "/tmp") == [live])
    }
}
