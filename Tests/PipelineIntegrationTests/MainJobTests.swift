import ChildProcess
import Foundation
import Postgres
import TestSupport
import Testing

/// The main job end to end with the built binaries: `pyramydal sample`,
/// `pyramydal drop --reports xlsx,pdf` into a local store, `pyramydal
/// dispatch --until-idle` launching the real `IngestWorker` and
/// `ExportWorker` processes from `tasks/<kind>.json`, then the catalog, the
/// jobs and the report files checked. Its own catalog, data and jobs schemas
/// and its own store folder keep it apart from other tests.
@Suite("The main job, end to end")
struct MainJobTests {
    static let databaseURL = TestDatabaseURL.value

    /// The repository root.
    static let root = BuiltProducts.packageRoot

    /// `.build/<config>/`, where the test bundle and the executables live.
    static var binDirectory: String { BuiltProducts.directory(containing: "pyramydal") }

    @Test func sampleDropDispatchMakesAVersionAndItsReports() async throws {
        let suffix = String(UInt32.random(in: 0...UInt32.max))
        let (catalog, data, jobs) = ("main_cat_\(suffix)", "main_data_\(suffix)", "main_jobs_\(suffix)")
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("pyramydal-main-\(suffix)").path
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
        let connection = try await PostgresConnection.connect(url: Self.databaseURL, variable: "PYRAMYDAL_TEST_DATABASE_URL")
        defer {
            try? FileManager.default.removeItem(atPath: home)
            _ = try? connection.execute("DROP SCHEMA IF EXISTS \(catalog), \(data), \(jobs) CASCADE", purpose: "cleanup")
            connection.close()
        }
        var environment = ChildProcess.currentEnvironment().filter { !$0.key.hasPrefix("PYRAMYDAL_") && !$0.key.hasPrefix("PG") }
        environment.merge([
            "PYRAMYDAL_DATABASE_URL": Self.databaseURL, "PYRAMYDAL_HOME": home, "PYRAMYDAL_STORE": "file://\(home)/store",
            "PYRAMYDAL_CATALOG_SCHEMA": catalog, "PYRAMYDAL_DATA_SCHEMA": data, "PYRAMYDAL_JOBS_SCHEMA": jobs,
            "PYRAMYDAL_TASKS_DIR": Self.root + "/tasks", "PYRAMYDAL_LOG_LEVEL": "warning",
        ]) { $1 }
        func pyramydal(_ arguments: String...) throws -> String {
            let result = try ChildProcess.run(Self.binDirectory + "/pyramydal", arguments, environment: environment)
            #expect(result.succeeded, "pyramydal \(arguments.joined(separator: " ")) exited \(result.status): \(result.stderrText)")
            return result.stdoutText
        }

        _ = try pyramydal("sample", "--rows", "2000", "--out", home + "/sales.xlsx")
        _ = try pyramydal("drop", home + "/sales.xlsx", "--department", "demo", "--name", "sales", "--reports", "xlsx,pdf")
        _ = try pyramydal("dispatch", "--until-idle", "--idle-timeout", "300")

        // One committed version with every row, typed.
        let versions = try await connection.query("""
            SELECT v.version, v.row_count, v.status FROM \(catalog).dataset_versions v
            JOIN \(catalog).datasets d ON d.id = v.dataset_id WHERE d.department = 'demo' AND d.name = 'sales'
            """, purpose: "versions")
        #expect(versions.count == 1)
        #expect(try versions.first?["row_count", as: Int.self] == 2000)
        #expect(try versions.first?["status", as: String.self] == "committed")
        // The ingest and both report jobs completed, each once.
        let states = try await connection.query(
            "SELECT kind, state, attempt FROM \(jobs).jobs WHERE kind <> 'snapshot' ORDER BY id", purpose: "jobs"
        ).map { "\(try $0[0, as: String.self]):\(try $0[1, as: String.self]):\(try $0[2, as: Int.self])" }
        #expect(states.sorted() == ["export:completed:1", "ingest:completed:1", "print:completed:1"])
        // Two artifacts whose files are in the store's reports/ with the recorded size.
        let artifacts = try await connection.query("SELECT key, bytes FROM \(catalog).artifacts ORDER BY key", purpose: "artifacts")
        #expect(artifacts.count == 2)
        for artifact in artifacts {
            let key = try artifact["key", as: String.self]
            #expect(key.hasPrefix("reports/demo/sales/v1/"))
            let attributes = try FileManager.default.attributesOfItem(atPath: "\(home)/store/\(key)")
            #expect((attributes[.size] as? Int) == (try artifact["bytes", as: Int.self]))
        }
        #expect(Set(try artifacts.map { (try $0["key", as: String.self] as NSString).pathExtension }) == ["xlsx", "pdf"])

        // `pyramydal export` with no dispatcher running: it enqueues an export
        // job, launches it from an in-process dispatcher, waits and prints the
        // report's path in the store.
        let exported = try pyramydal("export", "demo/sales", "--format", "csv", "--columns", "row_id,quantity",
                                     "--where", "row_id <= 10", "--sort=-row_id", "--name", "first-ten")
        let path = exported.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(path == "\(home)/store/reports/demo/sales/v1/first-ten.csv")
        let csv = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\r\n").map(String.init)
        #expect(csv.first == "row_id,quantity")
        #expect(csv.dropFirst().map { String($0.split(separator: ",")[0]) } == (1...10).reversed().map { "\($0)" })
        let exportJob = try await connection.query(
            "SELECT state, result->>'key' FROM \(jobs).jobs WHERE kind = 'export' ORDER BY id DESC LIMIT 1", purpose: "export job")
        #expect(try exportJob.first?[0, as: String.self] == "completed")
        #expect(try exportJob.first?[1, as: String.self] == "reports/demo/sales/v1/first-ten.csv")
        // An unknown column fails the job with a clear error, and the command says so.
        let bad = try ChildProcess.run(Self.binDirectory + "/pyramydal",
                                       ["export", "demo/sales", "--format", "csv", "--columns", "nope"], environment: environment)
        #expect(!bad.succeeded)
        #expect(bad.stderrText.contains("discarded") && bad.stderrText.contains("nope"), "\(bad.stderrText)")

        // Run again with the same workbook: no new version, no new reports.
        _ = try pyramydal("drop", home + "/sales.xlsx", "--department", "demo", "--name", "sales")
        _ = try pyramydal("dispatch", "--until-idle", "--idle-timeout", "300")
        let after = try await connection.query("SELECT count(*) FROM \(catalog).dataset_versions WHERE status = 'committed'",
                                               purpose: "versions after the rerun")
        #expect(try after[0][0, as: Int.self] == 1)
        #expect(try await connection.query("SELECT count(*) FROM \(catalog).artifacts", purpose: "artifacts after")[0][0, as: Int.self] == 3)

        // A deeper key: incoming/a/b/c.xlsx is dataset b/c of department a, and
        // `export a/b/c` (and its audit row) mean that same dataset.
        _ = try pyramydal("drop", home + "/sales.xlsx", "--department", "a", "--name", "b/c")
        _ = try pyramydal("dispatch", "--until-idle", "--idle-timeout", "300")
        let deep = try await connection.query("""
            SELECT v.version FROM \(catalog).dataset_versions v JOIN \(catalog).datasets d ON d.id = v.dataset_id
            WHERE d.department = 'a' AND d.name = 'b/c' AND v.status = 'committed'
            """, purpose: "the a/b/c version")
        #expect(try deep.map { try $0[0, as: Int.self] } == [1])
        let deepExport = try pyramydal("export", "a/b/c", "--format", "csv", "--name", "deep")
        #expect(deepExport.trimmingCharacters(in: .whitespacesAndNewlines) == "\(home)/store/reports/a/b/c/v1/deep.csv")
        let audit = try pyramydal("audit", "--dataset", "a/b/c", "--json")
        struct Entry: Decodable { var what: String; var outcome: String; var detail: String? }
        let entries = try audit.split(separator: "\n").map { try JSONDecoder().decode(Entry.self, from: Data($0.utf8)) }
        let exportEntry = entries.first { $0.what == "export a/b/c" }
        #expect(exportEntry?.outcome == "done", "\(audit)")
        #expect(exportEntry?.detail?.contains("\"dataset\": \"a/b/c\"") == true, "\(audit)")
        // `reports a/b/c` lists that report (and only it); `download <id> --url` gives its path.
        let listed = try pyramydal("reports", "a/b/c").split(separator: "\n").map(String.init)
        #expect(listed.count == 2 && listed[0].hasPrefix("id     kind  created (UTC)"), "\(listed)")
        let columns = listed.last?.split(separator: " ", omittingEmptySubsequences: true).map(String.init) ?? []
        #expect(columns.count == 6 && columns[1] == "csv" && columns[5] == "reports/a/b/c/v1/deep.csv", "\(listed)")
        #expect(columns.count == 6 && columns[2].count == 10 && columns[3].count == 5, "yyyy-MM-dd HH:mm: \(listed)")
        let location = try pyramydal("download", columns.first ?? "0", "--url")
        #expect(location.trimmingCharacters(in: .whitespacesAndNewlines) == "\(home)/store/reports/a/b/c/v1/deep.csv")
    }
}
