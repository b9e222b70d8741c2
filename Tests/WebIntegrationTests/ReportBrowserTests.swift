import ChildProcess
import Foundation
import Testing
import TestSupport

extension WebIntegration {
    /// Reports and the print view in a real browser (headless Chromium
    /// driven by `Scripts/report_pages.py`, as ``UploadBrowserTests``), with
    /// the built `pyramydal dispatch` running beside the service so the job
    /// page turns into a download link. Writes `docs/images/web-print.png`
    /// and `docs/images/web-reports.png`.
    @Suite struct ReportBrowserTests {
        static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Scripts/report_pages.py").path

        @Test(.enabled(if: BrowserTests.ready, "needs chromium, chromium-driver and selenium in .venv (scripts/setup.sh --test)"))
        func filteredXLSXAndThePrintedView() async throws {
            try await WebFixture.run { fixture, client in
                let port = try #require(client.port)
                let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("wt-reports-\(UUID().uuidString)")
                try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
                defer { try? FileManager.default.removeItem(at: scratch) }
                let output = try await UploadBrowserTests.runWithDispatcher(
                    fixture, home: scratch.appendingPathComponent("home").path, script: Self.script,
                    ["http://127.0.0.1:\(port)", "eddie", WebFixture.password, String(WebFixture.rowCount), UploadBrowserTests.images,
                     scratch.path])
                #expect(output.status == 0, "\(output.stdoutText)\n\(output.stderrText)")
                #expect(output.stdoutText.contains("ok: printed to PDF"), "\(output.stdoutText)")
                // Kept for a person to look at (not part of the docs): the editor's table, the job page, a printed
                // page, in .build/report-browser/ (ignored by git).
                let kept = URL(fileURLWithPath: BuiltProducts.packageRoot + "/.build/report-browser")
                try? FileManager.default.createDirectory(at: kept, withIntermediateDirectories: true)
                for name in ["table.png", "job.png", "print-page-2.png"] {
                    try? FileManager.default.removeItem(at: kept.appendingPathComponent(name))
                    try? FileManager.default.copyItem(at: scratch.appendingPathComponent(name), to: kept.appendingPathComponent(name))
                }
            }
        }
    }
}
