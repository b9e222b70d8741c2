import ChildProcess
import Foundation
import Postgres
import TestSupport
import Testing

extension WebIntegration {
    /// `pyramydal users …` and `pyramydal serve`, run as the built binary
    /// against the test PostgreSQL (a configured database: no `admin` is made).
    @Suite struct CommandLineTests {
        @Test func usersTokensAndServe() async throws {
            let run = String(UInt32.random(in: 0 ... .max), radix: 36)
            let schema = "wt_cli_\(run)"
            var environment = ChildProcess.currentEnvironment()
            environment["PYRAMYDAL_DATABASE_URL"] = WebFixture.url
            environment["PYRAMYDAL_CATALOG_SCHEMA"] = schema
            environment["PYRAMYDAL_DATA_SCHEMA"] = schema + "_data"
            environment["PYRAMYDAL_JOBS_SCHEMA"] = schema
            environment["PYRAMYDAL_HTTP_ADDRESS"] = "127.0.0.1:0"
            environment["PYRAMYDAL_HOME"] = NSTemporaryDirectory() + "web-cli-\(run)"
            environment["PYRAMYDAL_ACTOR"] = "cli-tester"
            let pyramydal = BuiltProducts.path(of: "pyramydal")
            func cli(_ arguments: String..., input: String? = nil) async throws -> ChildProcess.Output {
                let environment = environment
                return try await offPool {
                    try ChildProcess.run(pyramydal, arguments, environment: environment, input: input.map { Array($0.utf8) })
                }
            }
            let connection = try await PostgresConnection.connect(url: WebFixture.url)
            defer { connection.close() }
            do {
                let added = try await cli("users", "add", "carol", "--password-stdin", input: WebFixture.password + "\n")
                #expect(added.succeeded, "\(added.stderrText)")
                let generated = try await cli("users", "add", "dave")
                #expect(generated.stdoutText.contains("password (shown once): "))
                #expect(try await cli("users", "add", "carol", "--password-stdin", input: WebFixture.password + "\n").status == 64)
                #expect(try await cli("users", "add", "erin", "--password-stdin", input: "short\n").status == 64)
                #expect(try await cli("users", "grant", "carol", "sales", "viewer").succeeded)
                #expect(try await cli("users", "grant", "carol", "sales", "boss").status == 64)
                let list = try await cli("users", "list").stdoutText
                #expect(list.contains("carol"))
                #expect(list.contains("sales: viewer"))
                #expect(!list.split(separator: "\n").contains { $0.hasPrefix("admin ") })
                let token = try await cli("users", "tokens", "add", "carol", "ci", "--scope", "read").stdoutText
                    .trimmingCharacters(in: .whitespacesAndNewlines)
                #expect(token.hasPrefix("pyr_"))
                #expect(try await cli("users", "tokens", "list", "carol").stdoutText.contains("ci"))

                let server = ServerProcess(child: try ChildProcess.spawn(pyramydal, ["serve"], environment: environment,
                                                                         standardOutput: .pipe, standardError: .null))
                let url: String? = try await offPool {
                    while let line = server.child.readLine() {
                        if let range = line.range(of: "listening on ") { return String(line[range.upperBound...]) }
                    }
                    return nil
                }
                let base = try #require(url)
                func curl(_ path: String, token: String) async throws -> String {
                    try await offPool {
                        try ChildProcess.run("curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "-H", "Authorization: Bearer \(token)",
                                                      base + path]).stdoutText
                    }
                }
                #expect(try await offPool { try ChildProcess.run("curl", ["-s", base + "/healthz"]).stdoutText } == "ok\n")
                #expect(try await curl("/api/v1/session", token: token) == "200")
                #expect(try await cli("users", "tokens", "revoke", "carol", "ci").succeeded)
                #expect(try await curl("/api/v1/session", token: token) == "401")
                #expect(try await cli("users", "disable", "carol").succeeded)
                #expect(try await cli("users", "list").stdoutText.contains("disabled"))
                server.child.signal(SIGTERM)
                #expect(try await offPool { try server.child.wait() } == 0)

                let audit = try await connection.query(
                    "SELECT who, what FROM \(PostgresConnection.quoteQualified(schema, "audit_log")) ORDER BY id", purpose: "audit")
                    .map { "\(try $0[0, as: String.self]) \(try $0[1, as: String.self])" }
                #expect(audit.contains("cli-tester users tokens revoke carol"))
                #expect(audit.contains("cli-tester users grant carol"))

                environment["PYRAMYDAL_HTTP_ADDRESS"] = "nowhere"
                let badEnvironment = environment
                let bad = try await offPool { try ChildProcess.run(pyramydal, ["serve"], environment: badEnvironment) }
                #expect(bad.status == 64)
                #expect(bad.stderrText.contains("PYRAMYDAL_HTTP_ADDRESS"))
            } catch {
                _ = try? await connection.execute("DROP SCHEMA IF EXISTS \(PostgresConnection.quoteIdentifier(schema)) CASCADE; "
                    + "DROP SCHEMA IF EXISTS \(PostgresConnection.quoteIdentifier(schema + "_data")) CASCADE", purpose: "cleanup")
                throw error
            }
            _ = try? await connection.execute("DROP SCHEMA IF EXISTS \(PostgresConnection.quoteIdentifier(schema)) CASCADE; "
                + "DROP SCHEMA IF EXISTS \(PostgresConnection.quoteIdentifier(schema + "_data")) CASCADE", purpose: "cleanup")
        }
    }

    /// The `pyramydal serve` child, handed to one Dispatch thread at a time
    /// (read its first lines, later wait for it): never used concurrently.
    struct ServerProcess: @unchecked Sendable {
        let child: RunningChild
    }
}
