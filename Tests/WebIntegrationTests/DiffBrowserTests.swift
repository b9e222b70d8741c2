import Catalog
import ChildProcess
import Foundation
import Postgres
import Testing
import TestSupport

extension WebIntegration {
    /// The diff page and a revert confirmation in headless Chromium, through
    /// `Scripts/browse_diff.py` (the pattern of ``BrowserTests``). Writes
    /// `docs/images/web-diff.png` and `web-confirm.png` (1400×900).
    @Suite struct DiffBrowserTests {
        static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Scripts/browse_diff.py").path

        /// `orders` in dept-a: v1 with the ids 1-2,000 but those ending in 5;
        /// v2 with those (added) but the ids ending in 03 (removed), and
        /// every 7th row's city, amount and (long) notes changed.
        static func makeOrders(_ fixture: WebFixture) async throws -> Int64 {
            let catalog = fixture.catalog
            return try await fixture.connection.run { conn in
                let ref = DatasetRef(department: "dept-a", name: "orders")
                let columns: [(name: String, type: String)] = [
                    ("id", "bigint"), ("customer", "text"), ("city", "text"), ("amount", "double precision"),
                    ("ordered", "date"), ("notes", "text"),
                ]
                func fill(_ ids: String, changed: Bool) -> (String) -> String {
                    { relation in
                        let touched = changed ? "g % 7 = 0" : "false"
                        return """
                            INSERT INTO \(relation)
                            SELECT g, 'Customer ' || (g % 97),
                                   CASE WHEN \(touched) THEN 'Lyon' WHEN g % 13 = 0 THEN NULL
                                        ELSE (ARRAY['Berlin', 'Köln', 'Paris', 'Oslo'])[1 + g % 4] END,
                                   ((g::bigint * 7919) % 100000) / 100.0 + CASE WHEN \(touched) THEN 10 ELSE 0 END,
                                   date '2024-01-01' + (g % 365),
                                   CASE WHEN \(touched) THEN 'Rescheduled: ' || repeat('the customer asked for a later delivery; ', 6)
                                        WHEN g % 5 = 0 THEN 'Urgent: ' || repeat('call before the delivery leaves; ', 8) || E'\\nsecond line'
                                        ELSE 'ok' END
                            FROM generate_series(1, 2000) g WHERE \(ids)
                            """
                    }
                }
                let (dataset, _, _) = try WebFixture.makeVersion(catalog, ref, columns: columns, rowCount: 1800, version: 1, on: conn,
                                                                 fill: fill("g % 10 <> 5", changed: false))
                _ = try WebFixture.makeVersion(catalog, ref, columns: columns, rowCount: 1980, version: 2, on: conn,
                                               fill: fill("g % 100 <> 3", changed: true))
                // Fixed times, so the screenshots only change when the pages do.
                _ = try conn.query("""
                    UPDATE \(catalog.schemas.catalogTable("dataset_versions")) SET
                        created_at = timestamptz '2026-11-02 08:30:00+00' + (version - 1) * interval '28 days',
                        committed_at = timestamptz '2026-11-02 08:30:41+00' + (version - 1) * interval '28 days'
                    WHERE dataset_id = $1
                    """, [.int64(dataset)], purpose: "fix the versions' times")
                return dataset
            }
        }

        @Test(.enabled(if: BrowserTests.ready, "needs chromium, chromium-driver and selenium in .venv (scripts/setup.sh --test)"))
        func compareAndRevertInABrowser() async throws {
            try await WebFixture.run { fixture, client in
                let dataset = try await Self.makeOrders(fixture)
                let port = try #require(client.port)
                let images = BuiltProducts.packageRoot + "/docs/images"
                let output = try await offPool {
                    try ChildProcess.run(BrowserTests.python, [Self.script, "http://127.0.0.1:\(port)", String(dataset), "eddie",
                                                               WebFixture.password, images],
                                         environment: ProcessInfo.processInfo.environment.merging(["SE_OFFLINE": "true"]) { $1 },
                                         currentDirectory: NSTemporaryDirectory())
                }
                #expect(output.status == 0, "\(output.stdoutText)\n\(output.stderrText)")
                #expect(output.stdoutText.contains("ok: opened the revert dialog"), "\(output.stdoutText)")
                let c = fixture.catalog.schemas
                let audit = try await fixture.connection.query(
                    "SELECT who || ' ' || what FROM \(c.catalogTable("audit_log")) WHERE what LIKE 'revert %'", purpose: "audit")
                    .map { try $0[0, as: String.self] }
                #expect(audit == ["eddie revert dept-a/orders"])
            }
        }
    }
}
