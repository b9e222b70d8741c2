import Foundation
import Synchronization
import Testing
@testable import JobQueue

/// Issue 17, faults: two dispatchers at once over 10,000 jobs and a due
/// cron slot. Every job is launched exactly once and the slot is enqueued
/// exactly once. The launcher starts nothing (its task "exits 0" at once),
/// so the test measures the queue's claim fencing, not process start-up.
@Suite struct TwoDispatchersFaultTests {
    /// Counts launches per job id; each task ends at once with exit status 0.
    final class InstantLauncher: Launcher {
        let launches = Mutex<[Int64: Int]>([:])
        var stopsTasksOnShutdown: Bool { true }

        struct Task: LaunchedTask {
            var taskID: String
            func waitForExit() async throws -> TaskExit { TaskExit(exitCode: 0) }
            func stop(reason: String, grace: Duration) async {}
        }

        func launch(_ job: Job) async throws -> any LaunchedTask {
            launches.withLock { $0[job.id, default: 0] += 1 }
            return Task(taskID: "instant:\(job.id)")
        }
    }

    @Test func twoDispatchersLaunchTenThousandJobsOnceAndTheSlotOnce() async throws {
        try await TestQueue.withQueue { queue in
            try await queue.saveSchedule(Schedule(name: "yearly", cron: "0 0 1 1 *", kind: "test", arguments: [:]))
            try await queue.connection.execute(
                "UPDATE \(queue.schedules) SET next_slot = date_trunc('minute', now()) - interval '1 minute' WHERE name = 'yearly'",
                purpose: "test")
            let total = 10_000
            for _ in 0..<(total / 1000) {
                try await queue.enqueueBatch(kind: "test", arguments: Array(repeating: [:], count: 1000))
            }
            let launchers = [InstantLauncher(), InstantLauncher()]
            let dispatchers = launchers.enumerated().map { index, launcher in
                RunningDispatcher(Dispatcher(databaseURL: TestQueue.url, schema: queue.schema, launcher: launcher,
                                             settings: TestQueue.settings(name: "two-\(index)", maxConcurrent: 64),
                                             logger: TestQueue.logger))
            }
            try await TestQueue.waitUntil(timeout: .seconds(600), "\(total + 1) jobs to complete") {
                try await queue.countsByState() == [.completed: total + 1]
            }
            for dispatcher in dispatchers { try await dispatcher.stop() }

            var launches: [Int64: Int] = [:]
            for launcher in launchers {
                launcher.launches.withLock { launches.merge($0) { $0 + $1 } }
            }
            #expect(launches.count == total + 1)
            #expect(launches.values.allSatisfy { $0 == 1 }, "a job launched twice")
            #expect(launchers.allSatisfy { launcher in launcher.launches.withLock { !$0.isEmpty } }, "the work was shared")
            let jobs = try await queue.jobs(limit: total + 10)
            #expect(jobs.count == total + 1)
            #expect(jobs.allSatisfy { $0.attempt == 1 })
            #expect(jobs.filter { $0.uniqueKey?.hasPrefix("schedule:yearly:") == true }.count == 1, "the due slot was enqueued once")
        }
    }
}
