import ChildProcess
import Foundation
import Postgres
import TestSupport
import Testing

extension WebIntegration {
    /// The whole-version CSV of a 1,000,000-row version, through the built
    /// `pyramydal serve`: every row arrives, and the server's memory stays
    /// flat (it streams COPY out; it never holds the table).
    @Suite struct LargeCSVDownloadTests {
        static let rows = 1_000_000

        @Test func millionRowCSVWithFlatServerMemory() async throws {
            let run = String(UInt32.random(in: 0 ... .max), radix: 36)
            let schema = "wt_bigcsv_\(run)"
            let directory = NSTemporaryDirectory() + "web-bigcsv-\(run)"
            try FileManager.default.createDirectory(atPath: directory + "/store", withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: directory) }
            var environment = ChildProcess.currentEnvironment()
            environment["PYRAMYDAL_DATABASE_URL"] = WebFixture.url
            environment["PYRAMYDAL_STORE"] = "file://" + directory + "/store"
            environment["PYRAMYDAL_HOME"] = directory + "/home"
            environment["PYRAMYDAL_CATALOG_SCHEMA"] = schema
            environment["PYRAMYDAL_DATA_SCHEMA"] = schema + "_data"
            environment["PYRAMYDAL_JOBS_SCHEMA"] = schema
            environment["PYRAMYDAL_HTTP_ADDRESS"] = "127.0.0.1:0"
            environment["PYRAMYDAL_LOG_LEVEL"] = "warning"
            let pyramydal = BuiltProducts.path(of: "pyramydal")
            let connection = try await PostgresConnection.connect(url: WebFixture.url)
            defer { connection.close() }
            let cleanup = "DROP SCHEMA IF EXISTS \(PostgresConnection.quoteIdentifier(schema)) CASCADE; "
                + "DROP SCHEMA IF EXISTS \(PostgresConnection.quoteIdentifier(schema + "_data")) CASCADE"
            do {
                try await Self.check(pyramydal: pyramydal, environment: environment, directory: directory)
            } catch {
                _ = try? await connection.execute(cleanup, purpose: "cleanup")
                throw error
            }
            _ = try? await connection.execute(cleanup, purpose: "cleanup")
        }

        static func check(pyramydal: String, environment env: [String: String], directory: String) async throws {
            func cli(_ arguments: String...) async throws -> ChildProcess.Output {
                try await offPool { try ChildProcess.run(pyramydal, arguments, environment: env) }
            }

            // 1,000,000 rows × 6 columns (integer, decimal, date, text, boolean, text with a comma and quote).
            let source = directory + "/big.csv"
            try Self.writeCSV(to: source, rows: Self.rows)
            let ingested = try await cli("ingest", source, "--department", "big", "--name", "orders")
            try #require(ingested.succeeded, "\(ingested.stderrText)")
            let added = try await cli("users", "add", "reader")
            try #require(added.succeeded, "\(added.stderrText)")
            #expect(try await cli("users", "grant", "reader", "big", "viewer").succeeded)
            let token = try await cli("users", "tokens", "add", "reader", "download").stdoutText
                .trimmingCharacters(in: .whitespacesAndNewlines)

            let server = ServerProcess(child: try ChildProcess.spawn(pyramydal, ["serve"], environment: env,
                                                                     standardOutput: .pipe, standardError: .null))
            defer { server.child.signal(SIGTERM); _ = try? server.child.wait() }
            let base: String? = try await offPool {
                while let line = server.child.readLine() {
                    if let range = line.range(of: "listening on ") { return String(line[range.upperBound...]) }
                }
                return nil
            }
            let api = try #require(base) + "/api/v1"
            func get(_ path: String, to file: String = "-") async throws -> ChildProcess.Output {
                try await offPool {
                    try ChildProcess.run("curl", ["-sS", "--fail-with-body", "-H", "Authorization: Bearer \(token)", "-o", file, api + path])
                }
            }
            let datasets = try JSONSerialization.jsonObject(with: Data(try await get("/datasets?department=big").standardOutput)) as? [String: Any]
            let dataset = try #require((datasets?["items"] as? [[String: Any]])?.first)
            let datasetID = try #require(dataset["id"] as? Int)
            let versions = try JSONSerialization.jsonObject(with: Data(try await get("/datasets/\(datasetID)/versions").standardOutput)) as? [String: Any]
            let version = try #require((versions?["items"] as? [[String: Any]])?.first { $0["status"] as? String == "committed" })
            let versionID = try #require(version["id"] as? Int)
            #expect(version["row_count"] as? Int == Self.rows)

            // Warm up (the pool, the route, the COPY path) on a filtered download, then read the high-water mark.
            let warm = try await get("/versions/\(versionID)/rows.csv?where=id%20%3C%3D%201000")
            #expect(warm.succeeded)
            #expect(warm.stdoutText.split(separator: "\n").count == 1001)
            let before = try Self.highWaterMiB(of: server.child.pid)

            let output = directory + "/download.csv"
            let download = try await get("/versions/\(versionID)/rows.csv", to: output)
            #expect(download.succeeded, "\(download.stderrText)")
            let after = try Self.highWaterMiB(of: server.child.pid)
            print("1M-row CSV download: server peak RSS \(before) MiB before, \(after) MiB after")

            // Every row, once, in load order, with the quoted text intact.
            let text = try String(contentsOfFile: output, encoding: .utf8)
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
            #expect(lines.first == "id,amount,day,name,flag,note")
            for (index, line) in lines.dropFirst().enumerated() where !line.hasPrefix("\(index + 1),") {
                Issue.record("line \(index + 2): \(line.prefix(80))")
                break
            }
            #expect(lines.last.map(String.init) == Self.line(Self.rows - 1))
            #expect(lines.count == Self.rows + 1)
            // Flat: the whole table (about 60 MB of CSV) adds next to nothing to the peak.
            #expect(after - before < 24, "server peak RSS grew from \(before) MiB to \(after) MiB")
            #expect(after < 128, "server peak RSS \(after) MiB")
        }

        /// Ten years of ISO dates from 2020-01-01, made once.
        static let days: [String] = {
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = TimeZone(identifier: "UTC")!
            let start = calendar.date(from: DateComponents(year: 2020, month: 1, day: 1))!
            return (0..<3650).map { offset in
                let parts = calendar.dateComponents([.year, .month, .day], from: calendar.date(byAdding: .day, value: offset, to: start)!)
                return String(format: "%04d-%02d-%02d", parts.year!, parts.month!, parts.day!)
            }
        }()

        /// Row `i` (0-based) as a CSV line, booleans spelled `yes`/`no` (the
        /// source says true/false; COPY's CSV gives t/f back).
        static func line(_ i: Int, yes: String = "t", no: String = "f") -> String {
            let f = i % 2 == 0 ? yes : no
            let cents = i % 100 < 10 ? "0\(i % 100)" : "\(i % 100)"
            return "\(i + 1),\(i % 100_000).\(cents),\(days[i % days.count]),name \(i % 977),\(f),\"a, \"\"quoted\"\" note \(i % 13)\""
        }

        static func writeCSV(to path: String, rows: Int) throws {
            guard let file = fopen(path, "w") else { throw POSIXError(.EIO) }
            defer { fclose(file) }
            fputs("id,amount,day,name,flag,note\n", file)
            for i in 0..<rows { fputs(line(i, yes: "true", no: "false") + "\n", file) }
        }

        static func highWaterMiB(of pid: pid_t) throws -> Int {
            let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
            let line = try #require(status.split(separator: "\n").first { $0.hasPrefix("VmHWM:") })
            let kib = try #require(Int(line.split(separator: " ", omittingEmptySubsequences: true)[1]))
            return kib / 1024
        }
    }
}
