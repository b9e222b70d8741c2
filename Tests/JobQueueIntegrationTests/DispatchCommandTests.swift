import Foundation
import Testing
@testable import JobQueue

#if canImport(Glibc)
import Glibc
#endif

/// The built `pyramydal dispatch` end to end: SIGTERM while workers run.
@Suite struct DispatchCommandTests {
    @Test func sigtermShutsTheDispatchCommandDownGracefully() async throws {
        let binary = LocalProcessLauncher.runningExecutableDirectory() + "/pyramydal"
        try #require(FileManager.default.isExecutableFile(atPath: binary), "build pyramydal first (swift build --build-tests)")
        try await TestQueue.withQueue { queue in
            try await queue.enqueueBatch(kind: "test", arguments: [["hangOnAttempts": [1]], ["hangOnAttempts": [1]]])
            let finished = try await queue.enqueue(kind: "test", arguments: ["sleepSeconds": 0])
            var environment = ProcessInfo.processInfo.environment
            environment["PYRAMYDAL_DATABASE_URL"] = TestQueue.url
            environment["PYRAMYDAL_JOBS_SCHEMA"] = queue.schema
            environment["PYRAMYDAL_TASKS_DIR"] = TestQueue.tasksDirectory
            environment["PYRAMYDAL_LOG_LEVEL"] = "error"
            environment["PYRAMYDAL_HOME"] = FileManager.default.temporaryDirectory.appendingPathComponent("jq-cli-\(queue.schema)").path
            let process = try LocalProcessLauncher.spawn(executable: binary, arguments: ["dispatch", "--no-intake", "--shutdown-timeout", "1"],
                                                         environment: environment, logger: TestQueue.logger)
            try await TestQueue.waitUntil("two workers to run and one job to complete") {
                let counts = try await queue.countsByState()
                return counts[.running] == 2 && counts[.completed] == 1
            }
            #expect(kill(process.pid, SIGTERM) == 0)
            let exit = try await process.waitForExit()
            #expect(exit.exitCode == 0, "dispatch exits 0 after a graceful shutdown, got \(exit)")
            let counts = try await queue.countsByState()
            #expect(counts[.launching] == nil && counts[.running] == nil, "got \(counts)")
            #expect(counts[.retryable] == 2)
            #expect(try await queue.job(id: finished.id)?.state == .completed)
            let stopped = try await queue.jobs(states: [.retryable])
            // The workers got SIGTERM (not SIGKILL): the signal reached them despite the dispatcher ignoring it.
            #expect(stopped.allSatisfy { $0.history.first?.signal == 15 }, "\(stopped.map(\.history))")
        }
    }
}
