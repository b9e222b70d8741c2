import Catalog
import ChildProcess
import Foundation
import Postgres
import Testing
import TestSupport

extension WebIntegration {
    /// The pages in a real browser: headless Chromium (Debian's `chromium`
    /// and `chromium-driver`) driven by selenium (pinned in `.venv`) through
    /// `Scripts/browse_pages.py`, against the service on loopback, over a
    /// 100,000-row dataset. Writes `docs/images/web-table.png` and
    /// `docs/images/web-versions.png` (1400×900).
    @Suite struct BrowserTests {
        static let python = BuiltProducts.packageRoot + "/.venv/bin/python3"
        static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Scripts/browse_pages.py").path
        /// Chromium, its driver and selenium in the project's venv are there.
        static var ready: Bool {
            let files = FileManager.default, lib = BuiltProducts.packageRoot + "/.venv/lib"
            let selenium = ((try? files.contentsOfDirectory(atPath: lib)) ?? []).contains {
                files.fileExists(atPath: "\(lib)/\($0)/site-packages/selenium")
            }
            return selenium && files.isExecutableFile(atPath: python) && files.isExecutableFile(atPath: "/usr/bin/chromium")
                && files.isExecutableFile(atPath: "/usr/bin/chromedriver")
        }

        /// `orders` in dept-a: v1 (1,000 rows, with an ingest note), a failed
        /// attempt, then v2 with 100,000 rows of nine types: NULLs, long
        /// text with line breaks, numbers, dates, booleans, timestamps.
        static func makeOrders(_ fixture: WebFixture) async throws -> (dataset: Int64, version: Int64) {
            let catalog = fixture.catalog
            return try await fixture.connection.run { conn in
                let ref = DatasetRef(department: "dept-a", name: "orders")
                let columns: [(name: String, type: String)] = [
                    ("id", "bigint"), ("customer", "text"), ("city", "text"), ("amount", "double precision"),
                    ("quantity", "bigint"), ("ordered", "date"), ("shipped", "boolean"), ("notes", "text"),
                    ("updated", "timestamp"),
                ]
                func fill(_ rows: Int) -> (String) -> String {
                    { relation in
                        """
                        INSERT INTO \(relation)
                        SELECT g, 'Customer ' || (g % 997), CASE WHEN g % 13 = 0 THEN NULL
                                   ELSE (ARRAY['Berlin', 'Köln', 'Paris', 'Lyon', 'Oslo'])[1 + g % 5] END,
                               ((g::bigint * 7919) % 100000) / 100.0, g % 50, date '2024-01-01' + (g % 365), g % 3 = 0,
                               CASE WHEN g % 7 = 0 THEN 'Urgent: ' || repeat('call the customer before the delivery leaves; ', 8)
                                        || E'\\nsecond line of the note'
                                    WHEN g % 11 = 0 THEN NULL ELSE 'ok' END,
                               timestamp '2024-01-01 08:00' + g * interval '1 minute'
                        FROM generate_series(1, \(rows)) g
                        """
                    }
                }
                _ = try WebFixture.makeVersion(catalog, ref, columns: columns, rowCount: 1000, version: 1,
                                               notes: ["sheet \"Chart1\" skipped: a chart sheet has no table"], on: conn,
                                               fill: fill(1000))
                try catalog.recordFailure(
                    ref, source: SourceIdentity(uri: "file:///dept-a/orders-broken.xlsx"), sheet: "Orders",
                    error: VersionError(kind: "badInput", code: "duplicateHeader", file: "orders-broken.xlsx", sheet: "Orders",
                                        cell: "D1", message: "two columns are called \"amount\""),
                    timings: VersionTimings(), createdBy: "eddie", on: conn)
                let (dataset, version, _) = try WebFixture.makeVersion(catalog, ref, columns: columns, rowCount: 100_000, version: 2,
                                                                       on: conn, fill: fill(100_000))
                // Fixed times, so the versions page's screenshot only changes when the page does.
                _ = try conn.query("""
                    UPDATE \(catalog.schemas.catalogTable("dataset_versions")) SET
                        created_at = CASE WHEN version = 1 THEN timestamptz '2026-11-02 08:30:00+00'
                                          WHEN version = 2 THEN timestamptz '2026-11-30 09:12:00+00'
                                          ELSE timestamptz '2026-11-16 14:05:00+00' END,
                        committed_at = CASE WHEN version = 1 THEN timestamptz '2026-11-02 08:30:41+00'
                                            WHEN version = 2 THEN timestamptz '2026-11-30 09:12:47+00' END
                    WHERE dataset_id = $1
                    """, [.int64(dataset)], purpose: "fix the versions' times")
                return (dataset, version)
            }
        }

        @Test(.enabled(if: ready, "needs chromium, chromium-driver and selenium in .venv (scripts/setup.sh --test)"))
        func browseAHundredThousandRows() async throws {
            try await WebFixture.run { fixture, client in
                let (dataset, version) = try await Self.makeOrders(fixture)
                let port = try #require(client.port)

                // Without JavaScript: links for sort and next work as plain GETs.
                let cookie = try await client.login("vera").cookie
                let sorted = try await client.send(.get, "/versions/\(version)?sort=amount%20desc", cookie: cookie)
                #expect(sorted.text.contains("100,000 rows"))
                let next = try #require(sorted.text.firstMatch(of: /<a href="([^"]+)" hx-get="[^"]+" rel="next">/)?.1)
                let second = try await client.send(.get, String(next).replacingOccurrences(of: "&amp;", with: "&"), cookie: cookie)
                #expect(second.text.contains(#"<td class="rownum">101</td>"#))
                #expect(second.text.contains("999.99") == false)

                let images = BuiltProducts.packageRoot + "/docs/images"
                let output = try await offPool {
                    try ChildProcess.run(Self.python, [Self.script, "http://127.0.0.1:\(port)", String(version), String(dataset),
                                                       String(fixture.versionB), "vera", WebFixture.password, images],
                                         environment: ProcessInfo.processInfo.environment.merging(["SE_OFFLINE": "true"]) { $1 },
                                         currentDirectory: NSTemporaryDirectory())
                }
                #expect(output.status == 0, "\(output.stdoutText)\n\(output.stderrText)")
                #expect(output.stdoutText.contains("ok: signed out; the console holds no CSP violation"), "\(output.stdoutText)")
            }
        }
    }
}
