import Foundation
import TestSupport
import Testing

@testable import PyramydalRuntime

/// The built `pyramydal` binary end to end: exit statuses, messages, and no
/// password on the terminal. `swift build --build-tests` builds it beside the tests.
@Suite("pyramydal command", .enabled(if: BuiltBinary.pyramydal != nil, "pyramydal binary not built"))
struct PyramydalCommandTests {

    /// Runs the binary with only `environment` as its PYRAMYDAL_* settings.
    func pyramydal(_ arguments: [String], _ environment: [String: String] = [:]) throws -> Subprocess.Result {
        var base = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("PYRAMYDAL_") }
        base.merge(environment) { $1 }
        return try Subprocess(executable: try #require(BuiltBinary.pyramydal), arguments: arguments, environment: base).run()
    }

    @Test func badVariableExits64AndNamesIt() throws {
        let result = try pyramydal(["config"], ["PYRAMYDAL_STORE": "ftp://example/x"])
        #expect(result.status == 64)
        #expect(result.output.contains("pyramydal: PYRAMYDAL_STORE: expected s3://bucket[/prefix] or file:///abs/path (got \"ftp://example/x\")"))
    }

    @Test func badDatabaseURLIsReportedWithoutItsPassword() throws {
        let result = try pyramydal(["dev", "status"], ["PYRAMYDAL_DATABASE_URL": "mysql://root:hunter2@db/x"])
        #expect(result.status == 64)
        #expect(result.output.contains("pyramydal: PYRAMYDAL_DATABASE_URL: "))
        #expect(!result.output.contains("hunter2"))
    }

    @Test func usageErrorsExit64() throws {
        #expect(try pyramydal(["no-such-command"]).status == 64)
        #expect(try pyramydal(["dev", "destroy"]).status == 64)  // needs --yes
    }

    @Test func configPrintsRedactedSettings() throws {
        let result = try pyramydal(
            ["config"], ["PYRAMYDAL_DATABASE_URL": "postgresql://app:s3cret@db/p", "PYRAMYDAL_HOME": "/srv/pyr"])
        #expect(result.status == 0)
        #expect(result.output.contains("PYRAMYDAL_DATABASE_URL=postgresql://app:***@db/p\n"))
        #expect(result.output.contains("PYRAMYDAL_STORE=file:///srv/pyr/store  (default)"))
        #expect(!result.output.contains("s3cret"))
    }

    @Test func failureExits1AndSaysWhichStepFailed() throws {
        // A "bin directory" with a pg_ctl but no initdb.
        let root = "/tmp/pyramydal-rt-nobin-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(atPath: root + "/bin", withIntermediateDirectories: true)
        try SystemCalls.writeFile(root + "/bin/pg_ctl", "#!/bin/sh\nexit 1\n", mode: 0o755)
        chmod(root, 0o755)
        let result = try pyramydal(["dev", "start"], ["PYRAMYDAL_HOME": root + "/home", "PYRAMYDAL_PG_BIN": root + "/bin"])
        #expect(result.status == 1)
        #expect(result.output.contains("pyramydal: embedded PostgreSQL: initdb failed"), "\(result.output)")
    }

    /// The normal-user path (no runuser): as root, run the binary itself as
    /// the postgres account, when that account can reach it.
    @Test(.enabled(if: BuiltBinary.runnableAsPostgres, "not root, or the postgres account can't run the binary"))
    func devStartAsNormalUser() throws {
        let account = try #require(SystemCalls.account(named: "postgres"))
        let parent = "/tmp/pyramydal-rt-user-\(UUID().uuidString.prefix(8))"
        try SystemCalls.makeDirectory(parent, mode: 0o755)
        try SystemCalls.changeOwner(parent, to: account)
        let binary = try #require(BuiltBinary.pyramydal)
        func asPostgres(_ arguments: [String]) throws -> Subprocess.Result {
            let environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("PYRAMYDAL_") }
            return try Subprocess(
                executable: "/usr/sbin/runuser",
                arguments: ["-u", "postgres", "--", "env", "PYRAMYDAL_HOME=\(parent)/home", binary] + arguments,
                environment: environment
            ).run()
        }
        defer {
            _ = try? asPostgres(["dev", "destroy", "--yes"])
            try? FileManager.default.removeItem(atPath: parent)
        }
        let start = try asPostgres(["dev", "start"])
        #expect(start.status == 0, "\(start.output)")
        #expect(start.output.contains("(created and started)"))
        var info = stat()
        #expect(stat(parent + "/home/postgres/password", &info) == 0)
        #expect(info.st_uid == account.uid && info.st_mode & 0o777 == 0o600)
        #expect(!FileManager.default.fileExists(atPath: parent + "/home/postgres/location"))
        #expect(try asPostgres(["dev", "status"]).output.contains("state:     running"))
        #expect(try asPostgres(["dev", "stop"]).output.contains("stopped"))
    }

    @Test func devStartStatusStop() throws {
        let home = "/tmp/pyramydal-rt-cli-\(UUID().uuidString.prefix(8))"
        let environment = ["PYRAMYDAL_HOME": home]
        defer {
            _ = try? pyramydal(["dev", "destroy", "--yes"], environment)
            try? FileManager.default.removeItem(atPath: home)
        }
        let start = try pyramydal(["dev", "start"], environment)
        #expect(start.status == 0, "\(start.output)")
        let password = try #require(try SystemCalls.readFile(home + "/postgres/password"))
        let port = try #require(try SystemCalls.readFile(home + "/postgres/port"))
        #expect(start.output.contains("database: postgresql://pyramydal:***@127.0.0.1:\(port)/pyramydal  (created and started)"))
        #expect(start.output.contains("store:    file://\(home)/store  (drop workbooks into \(home)/store/incoming/)"))
        #expect(!start.output.contains(password))
        #expect(FileManager.default.fileExists(atPath: home + "/store/incoming"))

        let again = try pyramydal(["dev", "start"], environment)
        #expect(again.status == 0)
        #expect(again.output.contains("(already running)"))

        let status = try pyramydal(["dev", "status"], environment)
        #expect(status.status == 0)
        #expect(status.output.contains("state:     running"))
        #expect(status.output.contains("port:      \(port)"))

        let stop = try pyramydal(["dev", "stop"], environment)
        #expect(stop.status == 0)
        #expect(stop.output.contains("stopped"))
        #expect(try pyramydal(["dev", "status"], environment).output.contains("state:     stopped"))
    }
}

/// Where `swift build` put the executable, found from this file's path.
enum BuiltBinary {
    static let pyramydal: String? = {
        let path = BuiltProducts.path(of: "pyramydal")
        return FileManager.default.isExecutableFile(atPath: path) ? path : nil
    }()

    /// Root, a postgres account, runuser, and the binary reachable by that account.
    static let runnableAsPostgres: Bool = {
        guard getuid() == 0, let pyramydal, SystemCalls.account(named: "postgres") != nil,
            FileManager.default.isExecutableFile(atPath: "/usr/sbin/runuser")
        else { return false }
        let probe = try? Subprocess(
            executable: "/usr/sbin/runuser", arguments: ["-u", "postgres", "--", "test", "-x", pyramydal],
            environment: ProcessInfo.processInfo.environment
        ).run()
        return probe?.succeeded == true
    }()
}
