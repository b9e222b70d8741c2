import ChildProcess
import Foundation
import Testing
import TestSupport

extension WebIntegration {
    /// schemathesis (pinned in scripts/setup.sh, in the project's `.venv`)
    /// against `/api/openapi.json` of the live server, signed in with a write
    /// token of a global admin: no 5xx, and every response matching the
    /// document's schema.
    @Suite struct SchemathesisTests {
        static let executable = BuiltProducts.packageRoot + "/.venv/bin/schemathesis"

        @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: executable),
                       "needs schemathesis in .venv (scripts/setup.sh --test)"))
        func apiMatchesItsDocument() async throws {
            try await WebFixture.run { fixture, client in
                let port = try #require(client.port)
                let token = fixture.adminToken
                let output = try await offPool { try ChildProcess.run(Self.executable, [
                    "run", "http://127.0.0.1:\(port)/api/openapi.json",
                    "--header", "Authorization: Bearer \(token)",
                    "--checks", "not_a_server_error,response_schema_conformance",
                    "--max-examples", "25", "--seed", "1", "--no-color",
                ], currentDirectory: NSTemporaryDirectory()) }  // its .schemathesis/ cache goes there, not into the tree
                #expect(output.status == 0, "\(output.stdoutText)\n\(output.stderrText)")
            }
        }
    }
}
