import ChildProcess
import Foundation
import Testing
import TestSupport

extension WebIntegration {
    /// The upload form in a real browser (headless Chromium driven by
    /// `Scripts/upload_pages.py`, as ``BrowserTests``), with the built
    /// `pyramydal dispatch` running beside the service so the job page
    /// shows the ingest as it happens. Writes `docs/images/web-upload.png`
    /// and `docs/images/web-upload-error.png`.
    @Suite struct UploadBrowserTests {
        static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Scripts/upload_pages.py").path

        @Test(.enabled(if: BrowserTests.ready, "needs chromium, chromium-driver and selenium in .venv (scripts/setup.sh --test)"))
        func uploadThroughTheFormAndWatchTheJob() async throws {
            try await WebFixture.run { fixture, client in
                let port = try #require(client.port)
                let folder = FileManager.default.temporaryDirectory.appendingPathComponent("wt-upload-\(UUID().uuidString)")
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
                defer { try? FileManager.default.removeItem(at: folder) }
                let good = folder.appendingPathComponent("orders.xlsx"), bad = folder.appendingPathComponent("orders-broken.xlsx")
                try Data(try TransferTests.workbook(rows: 2500)).write(to: good)
                try Data("this is not a workbook".utf8).write(to: bad)

                let output = try await Self.runWithDispatcher(
                    fixture, home: folder.appendingPathComponent("home").path,
                    script: Self.script, ["http://127.0.0.1:\(port)", "eddie", WebFixture.password, good.path, bad.path, Self.images])
                #expect(output.status == 0, "\(output.stdoutText)\n\(output.stderrText)")
                #expect(output.stdoutText.contains("ok: the jobs page lists them"), "\(output.stdoutText)")
            }
        }

        static let images = BuiltProducts.packageRoot + "/docs/images"

        /// Runs a browser script (with `arguments`) while the built `pyramydal
        /// dispatch` runs beside the fixture's service on its schemas and
        /// store (its home at `home`), and stops the dispatcher after; the
        /// script's output, also printed.
        static func runWithDispatcher(_ fixture: WebFixture, home: String, script: String,
                                      _ arguments: [String]) async throws -> ChildProcess.Output {
            let dispatcher = try ChildProcess.spawn(
                TransferTests.dispatcher, ["dispatch"],
                environment: TransferTests.dispatchEnvironment(fixture, store: TransferTests.folderEnvironment(fixture), home: home),
                standardOutput: .null, processGroup: true)
            defer {
                dispatcher.signal(SIGTERM)
                _ = try? dispatcher.wait()
            }
            let output = try await offPool {
                try ChildProcess.run(BrowserTests.python, [script] + arguments,
                                     environment: ProcessInfo.processInfo.environment.merging(["SE_OFFLINE": "true"]) { $1 },
                                     currentDirectory: NSTemporaryDirectory())
            }
            print(output.stdoutText, terminator: "")
            return output
        }
    }
}
