import Foundation
import Logging
import Testing

@testable import PyramydalRuntime

/// The embedded cluster against the system's real PostgreSQL binaries, each
/// test in its own temporary `PYRAMYDAL_HOME`. As root (CI) this exercises
/// the `runuser -u postgres` path; as a normal user, the direct one.
@Suite("Embedded PostgreSQL stack")
struct EmbeddedStackTests {
    let logger = Logger(label: "test.embedded-stack")

    /// Runs `body` with a stack in a fresh home, then destroys the cluster
    /// (stopping the server) even when `body` fails.
    func withStack(
        _ name: String, parentMode: mode_t = 0o755,
        _ body: (EmbeddedStack, Configuration) async throws -> Void
    ) async throws {
        let parent = "/tmp/pyramydal-rt-\(name)-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
        chmod(parent, parentMode)
        let configuration = try Configuration(environment: ["PYRAMYDAL_HOME": parent + "/home"], currentDirectory: "/")
        let stack = try EmbeddedStack(configuration: configuration, logger: logger)
        let outcome: Result<Void, any Error>
        do {
            try await body(stack, configuration)
            outcome = .success(())
        } catch {
            outcome = .failure(error)
        }
        try? await stack.destroy()
        try? FileManager.default.removeItem(atPath: parent)
        try outcome.get()
    }

    /// `psql <url> -c <sql>` (a real client over TCP with the URL's password).
    func query(_ url: String, _ sql: String, bin: String) throws -> String {
        let result = try Subprocess(
            executable: bin + "/psql", arguments: [url, "-XAtq", "-c", sql],
            environment: Subprocess.cleanEnvironment()
        ).run()
        #expect(result.succeeded, "psql failed: \(result.output)")
        return result.output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test func startReuseStopRestart() async throws {
        try await withStack("lifecycle") { stack, configuration in
            let bin = stack.binDirectory
            let first = try await stack.start()
            #expect(first.initialized)
            #expect(first.started)
            #expect(first.url == "postgresql://pyramydal:\(try #require(try SystemCalls.readFile(stack.passwordPath)))@127.0.0.1:\(first.port)/pyramydal")
            #expect(!first.redactedURL.contains(try #require(try SystemCalls.readFile(stack.passwordPath))))
            #expect(try query(first.url, "select 1", bin: bin) == "1")
            let identity = try query(first.url, "select system_identifier from pg_control_system()", bin: bin)
            #expect(try query(first.url, "show server_encoding", bin: bin) == "UTF8")
            #expect(try query(first.url, "show lc_collate", bin: bin) == "C.UTF-8")

            // Password file is private; port file records the port.
            var info = stat()
            #expect(stat(stack.passwordPath, &info) == 0)
            #expect(info.st_mode & 0o777 == 0o600)
            #expect(try stack.readPort() == first.port)

            // A wrong password is refused: scram-sha-256, not trust.
            let wrong = try Subprocess(
                executable: bin + "/psql",
                arguments: ["postgresql://pyramydal:wrong@127.0.0.1:\(first.port)/pyramydal", "-XAtqc", "select 1"],
                environment: Subprocess.cleanEnvironment()
            ).run()
            #expect(!wrong.succeeded)
            #expect(wrong.output.contains("password authentication failed"))

            // Second start: same cluster, nothing initialised or started.
            let second = try await stack.start()
            #expect(second == EmbeddedStack.StartResult(
                url: first.url, port: first.port, dataDirectory: first.dataDirectory, initialized: false, started: false))
            #expect(try await EmbeddedStack.databaseURL(for: configuration, logger: logger) == first.url)

            let running = try await stack.status()
            #expect(running.initialized && running.running)
            #expect(running.port == first.port)
            #expect(running.version?.hasPrefix(String(try #require(try SystemCalls.readFile(first.dataDirectory + "/PG_VERSION")))) == true)
            #expect(running.sizeBytes > 1_000_000)

            #expect(try await stack.stop())
            #expect(try await !stack.stop())
            let stopped = try await stack.status()
            #expect(stopped.initialized && !stopped.running)

            // Start again: the same cluster (same system identifier), started, not re-initialised.
            let third = try await stack.start()
            #expect(!third.initialized && third.started)
            #expect(third.url == first.url)
            #expect(try query(third.url, "select system_identifier from pg_control_system()", bin: bin) == identity)
            #expect(try await stack.stop())
        }
    }

    @Test func concurrentStartsMakeOneCluster() async throws {
        try await withStack("concurrent") { stack, configuration in
            // Two independent stacks on one home, as two CLI processes would be:
            // each takes its own flock on <home>/postgres.lock.
            let other = try EmbeddedStack(configuration: configuration, logger: logger)
            async let a = stack.start()
            async let b = other.start()
            let results = try await [a, b]
            #expect(results.filter(\.initialized).count == 1)
            #expect(results[0].url == results[1].url)
            #expect(try query(results[0].url, "select 1", bin: stack.binDirectory) == "1")
            #expect(try await stack.stop())
        }
    }

    @Test func stalePidFileIsIgnored() async throws {
        try await withStack("stale") { stack, _ in
            let first = try await stack.start()
            #expect(try await stack.stop())
            // postmaster.pid left by a crash, naming a process that is gone (999999)
            // or, after a container restart, a live process that isn't PostgreSQL (us).
            for pid in [999_999, Int(getpid())] {
                let pidFile = first.dataDirectory + "/postmaster.pid"
                try SystemCalls.writeFile(pidFile, "\(pid)\n\(first.dataDirectory)\n", mode: 0o600)
                if let account = try stack.serverAccount() { try SystemCalls.changeOwner(pidFile, to: account) }
                #expect(try await !stack.status().running)
                let again = try await stack.start()
                #expect(again.started && !again.initialized)
                #expect(try query(again.url, "select 1", bin: stack.binDirectory) == "1")
                #expect(try await stack.stop())
            }
        }
    }

    @Test func takenPortMovesTheCluster() async throws {
        try await withStack("port") { stack, _ in
            let first = try await stack.start()
            #expect(try await stack.stop())
            // Something else now listens on the cluster's port.
            let squatter = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            defer { close(squatter) }
            // The cluster's old connections may leave the port in TIME_WAIT.
            var reuse: Int32 = 1
            setsockopt(squatter, SOL_SOCKET, SO_REUSEADDR, &reuse, socklen_t(MemoryLayout<Int32>.size))
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = UInt16(first.port).bigEndian
            address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(squatter, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            try #require(bound == 0 && listen(squatter, 1) == 0)
            let moved = try await stack.start()
            #expect(moved.port != first.port)
            #expect(try stack.readPort() == moved.port)
            #expect(try query(moved.url, "select 1", bin: stack.binDirectory) == "1")
            #expect(try await stack.stop())
        }
    }

    /// As root with a home the postgres account can't reach (like /root, 0700),
    /// the data directory moves to /var/lib/pyramydal/<hash> and nothing of
    /// the user's is chmod-ed.
    @Test(.enabled(if: getuid() == 0, "only root runs the cluster as another account"))
    func unreachableHomeMovesTheDataDirectory() async throws {
        try await withStack("private", parentMode: 0o700) { stack, _ in
            let result = try await stack.start()
            #expect(result.dataDirectory == stack.relocatedRoot + "/data")
            #expect(result.dataDirectory.hasPrefix("/var/lib/pyramydal/"))
            #expect(try SystemCalls.readFile(stack.locationPath) == stack.relocatedRoot)
            #expect(try query(result.url, "select 1", bin: stack.binDirectory) == "1")
            let status = try await stack.status()
            #expect(status.relocated && status.running)
            #expect(status.description.contains("moved here"))
            var info = stat()
            #expect(stat(URL(fileURLWithPath: stack.home).deletingLastPathComponent().path, &info) == 0)
            #expect(info.st_mode & 0o777 == 0o700)
            try await stack.destroy()
            #expect(!FileManager.default.fileExists(atPath: stack.relocatedRoot))
        }
    }

    @Test func localStoreGetsAnIncomingFolder() throws {
        let home = "/tmp/pyramydal-rt-store-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: home) }
        let configuration = try Configuration(environment: ["PYRAMYDAL_HOME": home], currentDirectory: "/")
        let incoming = try EmbeddedStack.prepareLocalStore(configuration)
        #expect(incoming == home + "/store/incoming")
        var isDirectory: ObjCBool = false
        #expect(FileManager.default.fileExists(atPath: home + "/store/incoming", isDirectory: &isDirectory) && isDirectory.boolValue)
        let s3 = try Configuration(environment: ["PYRAMYDAL_STORE": "s3://bucket"], currentDirectory: "/")
        #expect(try EmbeddedStack.prepareLocalStore(s3) == nil)
    }

    @Test func configuredDatabaseURLSkipsTheEmbeddedCluster() async throws {
        let url = "postgresql://someone:pw@127.0.0.1:1/x"
        let configuration = try Configuration(
            environment: ["PYRAMYDAL_DATABASE_URL": url, "PYRAMYDAL_HOME": "/nonexistent/pyramydal"], currentDirectory: "/")
        #expect(try await EmbeddedStack.databaseURL(for: configuration, logger: logger) == url)
        #expect(!FileManager.default.fileExists(atPath: "/nonexistent/pyramydal"))
    }
}
