import Catalog
import ChildProcess
import Foundation
import Postgres
import Testing
import TestSupport

extension WebIntegration {
    /// The admin area in headless Chromium, through `Scripts/browse_admin.py`
    /// (the pattern of ``BrowserTests``). Writes `docs/images/web-admin.png` (1400×900).
    @Suite struct AdminBrowserTests {
        static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Scripts/browse_admin.py").path

        @Test(.enabled(if: BrowserTests.ready, "needs chromium, chromium-driver and selenium in .venv (scripts/setup.sh --test)"))
        func addAUserInABrowser() async throws {
            try await WebFixture.run { fixture, client in
                let port = try #require(client.port)
                // Some users have signed in, so the list shows when.
                for user in ["vera", "ada", "bob"] { _ = try await client.login(user) }
                let images = BuiltProducts.packageRoot + "/docs/images"
                let output = try await offPool {
                    try ChildProcess.run(BrowserTests.python, [Self.script, "http://127.0.0.1:\(port)", "root", WebFixture.password, images],
                                         environment: ProcessInfo.processInfo.environment.merging(["SE_OFFLINE": "true"]) { $1 },
                                         currentDirectory: NSTemporaryDirectory())
                }
                #expect(output.status == 0, "\(output.stdoutText)\n\(output.stderrText)")
                #expect(output.stdoutText.contains("ok: opened Disable on nina"), "\(output.stdoutText)")
                let audit = try await fixture.connection.query(
                    "SELECT who || ' ' || what FROM \(fixture.catalog.schemas.catalogTable("audit_log")) WHERE what LIKE 'users %'",
                    purpose: "audit").map { try $0[0, as: String.self] }
                #expect(audit == ["root users add nina"])
            }
        }
    }
}
