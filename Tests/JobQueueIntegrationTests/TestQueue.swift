import Foundation
import Logging
import Postgres
@testable import JobQueue
import TestSupport

/// The test server (`PYRAMYDAL_TEST_DATABASE_URL`, loopback default) and a
/// queue schema of its own per test, dropped afterwards.
enum TestQueue {
    static let url = TestDatabaseURL.value

    /// `Tests/JobQueueIntegrationTests/Fixtures/tasks`.
    static let tasksDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/tasks").path

    static var logger: Logger {
        var logger = Logger(label: "test.jobqueue")
        logger.logLevel = ProcessInfo.processInfo.environment["PYRAMYDAL_TEST_LOG"] != nil ? .debug : .critical
        return logger
    }

    static func connectQueue(schema: String) async throws -> JobQueue {
        try await JobQueue.connect(url: url, schema: schema, applicationName: "pyramydal-tests", logger: logger)
    }

    /// Runs `body` with a migrated queue in schema `jq_<test>_<random>`.
    static func withQueue<T>(_ test: String = #function, _ body: (JobQueue) async throws -> T) async throws -> T {
        let base = test.lowercased().filter { $0.isLetter || $0.isNumber }.prefix(30)
        let schema = "jq_\(base)_\(UInt32.random(in: 0...UInt32.max))"
        let queue = try await connectQueue(schema: schema)
        do {
            try await queue.migrate()
            let result = try await body(queue)
            try await drop(schema)
            queue.connection.close()
            return result
        } catch {
            try? await drop(schema)
            queue.connection.close()
            throw error
        }
    }

    private static func drop(_ schema: String) async throws {
        let connection = try await PostgresConnection.connect(url: url, applicationName: "pyramydal-tests")
        defer { connection.close() }
        try await connection.execute("DROP SCHEMA IF EXISTS \(PostgresConnection.quoteIdentifier(schema)) CASCADE",
                                     purpose: "dropping the test schema")
    }

    /// A local launcher running `pyramydal-test-worker` (built next to the test bundle).
    static func launcher(schema: String) -> LocalProcessLauncher {
        LocalProcessLauncher(tasksDirectory: tasksDirectory, environment: [
            "PYRAMYDAL_DATABASE_URL": url,
            WorkerEnvironment.schema: schema,
            WorkerEnvironment.heartbeatSeconds: "0.5",
            "PYRAMYDAL_LOG_LEVEL": "error",
        ], logger: logger)
    }

    /// Settings with short polling for tests; the lease and launch timeout stay
    /// generous so a busy CI machine does not trigger a rescue in tests that are
    /// not about rescue (the kill -9 test is caught by waitpid, not the lease).
    static func settings(name: String = DispatcherSettings.defaultName(), maxConcurrent: Int = 8) -> DispatcherSettings {
        DispatcherSettings(
            name: name, maxConcurrent: maxConcurrent, launchRate: 200, pollInterval: .milliseconds(200),
            housekeepingInterval: .milliseconds(300), lease: .seconds(30), launchTimeout: .seconds(60), startTimeout: .seconds(120),
            stopGrace: .seconds(2), shutdownTimeout: .seconds(1),
            backoff: Backoff(base: .milliseconds(100), maximum: .seconds(1), jitter: 0.1), launchRetryDelay: .milliseconds(100))
    }

    /// Polls `condition` every 50 ms until it holds or `timeout` passes.
    static func waitUntil(timeout: Duration = .seconds(120), _ what: String,
                          _ condition: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw TimedOut(what: what)
    }

    struct TimedOut: Error, CustomStringConvertible {
        var what: String
        var description: String { "timed out waiting for \(what)" }
    }
}

/// Runs a dispatcher in a task; `stop()` shuts it down gracefully and waits.
final class RunningDispatcher: Sendable {
    let dispatcher: Dispatcher
    let task: Task<Void, any Error>

    init(_ dispatcher: Dispatcher) {
        self.dispatcher = dispatcher
        task = Task { try await dispatcher.run() }
    }

    func stop() async throws {
        dispatcher.shutdown()
        try await task.value
    }
}
