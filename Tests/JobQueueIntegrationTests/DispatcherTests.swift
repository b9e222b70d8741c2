import Foundation
import Testing
@testable import JobQueue

#if canImport(Glibc)
import Glibc
#endif

/// The dispatcher with the LocalProcessLauncher and the real
/// `pyramydal-test-worker` executable, against PostgreSQL.
@Suite struct DispatcherTests {
    @Test func runsJobsToCompletionAndFollowsExitCodes() async throws {
        try await TestQueue.withQueue { queue in
            let ok = try await queue.enqueue(kind: "test", arguments: ["sleepSeconds": 0.1])
            let bad = try await queue.enqueue(kind: "test", arguments: ["exitCode": 65])
            let transient = try await queue.enqueue(kind: "test", arguments: ["exitCode": 75], maxAttempts: 2)
            let failing = try await queue.enqueue(kind: "test", arguments: ["fail": "badInput"])
            let running = RunningDispatcher(Dispatcher(databaseURL: TestQueue.url, schema: queue.schema,
                                                       launcher: TestQueue.launcher(schema: queue.schema),
                                                       settings: TestQueue.settings(), logger: TestQueue.logger))
            try await TestQueue.waitUntil("every job to finish") {
                try await queue.jobs().allSatisfy(\.state.isFinal)
            }
            try await running.stop()

            let okJob = try #require(try await queue.job(id: ok.id))
            #expect(okJob.state == .completed)
            #expect(okJob.result?["attempt"]?.intValue == 1)
            #expect(okJob.history.first?.exitCode == 0)
            #expect(okJob.taskID?.hasPrefix("pid:") == true)
            let badJob = try #require(try await queue.job(id: bad.id))
            #expect(badJob.state == .discarded && badJob.attempt == 1)
            #expect(badJob.lastError == "worker exited with status 65 (badInput)")
            let transientJob = try #require(try await queue.job(id: transient.id))
            #expect(transientJob.state == .discarded && transientJob.attempt == 2, "75 retries until attempts run out")
            #expect(transientJob.history.map(\.exitCode) == [75, 75])
            let failingJob = try #require(try await queue.job(id: failing.id))
            #expect(failingJob.state == .discarded && failingJob.lastError == "asked to fail with bad input")
            #expect(failingJob.history.first?.exitCode == 65)
        }
    }

    @Test func badArgumentsAreDiscardedWithAClearError() async throws {
        try await TestQueue.withQueue { queue in
            let job = try await queue.enqueue(kind: "test", arguments: ["sleepSeconds": "soon"])
            let running = RunningDispatcher(Dispatcher(databaseURL: TestQueue.url, schema: queue.schema,
                                                       launcher: TestQueue.launcher(schema: queue.schema),
                                                       settings: TestQueue.settings(), logger: TestQueue.logger))
            try await TestQueue.waitUntil("the job to be discarded") { try await queue.job(id: job.id)?.state == .discarded }
            try await running.stop()
            let discarded = try #require(try await queue.job(id: job.id))
            #expect(discarded.attempt == 1, "bad input is not retried")
            #expect(discarded.lastError?.hasPrefix("the arguments of this test job don't fit: expected Double at sleepSeconds") == true,
                    "got \(discarded.lastError ?? "nil")")
        }
    }

    @Test func killMinusNineRetriesAndCompletesOnce() async throws {
        try await TestQueue.withQueue { queue in
            let job = try await queue.enqueue(kind: "test", arguments: ["hangOnAttempts": [1]], maxAttempts: 3)
            let running = RunningDispatcher(Dispatcher(databaseURL: TestQueue.url, schema: queue.schema,
                                                       launcher: TestQueue.launcher(schema: queue.schema),
                                                       settings: TestQueue.settings(), logger: TestQueue.logger))
            try await TestQueue.waitUntil("the worker to run") { try await queue.job(id: job.id)?.state == .running }
            let first = try #require(try await queue.job(id: job.id))
            let pid = try #require(first.taskID.flatMap { Int32($0.dropFirst(4).prefix { $0 != "@" }) })
            #expect(kill(pid, SIGKILL) == 0)
            try await TestQueue.waitUntil("the retry to complete") { try await queue.job(id: job.id)?.state == .completed }
            try await running.stop()
            let done = try #require(try await queue.job(id: job.id))
            #expect(done.attempt == 2)
            #expect(done.history.map(\.outcome) == ["retryable", "completed"])
            #expect(done.history.first?.signal == 9)
            #expect(done.result?["attempt"]?.intValue == 2)
            #expect(running.dispatcher.launchedCount == 2, "one launch per attempt")
        }
    }

    @Test func gracefulShutdownLeavesNothingLaunching() async throws {
        try await TestQueue.withQueue { queue in
            // More jobs than slots; the running ones hang until stopped.
            try await queue.enqueueBatch(kind: "test", arguments: Array(repeating: ["hangOnAttempts": [1]], count: 6))
            let running = RunningDispatcher(Dispatcher(databaseURL: TestQueue.url, schema: queue.schema,
                                                       launcher: TestQueue.launcher(schema: queue.schema),
                                                       settings: TestQueue.settings(maxConcurrent: 3), logger: TestQueue.logger))
            try await TestQueue.waitUntil("three workers to run") { try await queue.countsByState()[.running] == 3 }
            try await running.stop()
            let counts = try await queue.countsByState()
            #expect(counts[.launching] == nil && counts[.running] == nil, "got \(counts)")
            #expect(counts[.retryable] == 3, "stopped workers are retried later")
            #expect(counts[.available] == 3, "unclaimed jobs stay available")
            let stopped = try await queue.jobs(states: [.retryable])
            #expect(stopped.allSatisfy { $0.history.first?.stopReason == "dispatcher shutdown" && $0.history.first?.signal == 15 })
        }
    }

    @Test func cancellingARunningJobStopsItsProcess() async throws {
        try await TestQueue.withQueue { queue in
            let job = try await queue.enqueue(kind: "test", arguments: ["hangOnAttempts": [1]])
            let running = RunningDispatcher(Dispatcher(databaseURL: TestQueue.url, schema: queue.schema,
                                                       launcher: TestQueue.launcher(schema: queue.schema),
                                                       settings: TestQueue.settings(), logger: TestQueue.logger))
            try await TestQueue.waitUntil("the worker to run") { try await queue.job(id: job.id)?.state == .running }
            _ = try await queue.cancel(id: job.id)
            try await TestQueue.waitUntil("the process to be stopped") { running.dispatcher.activeCount == 0 }
            try await running.stop()
            let cancelled = try #require(try await queue.job(id: job.id))
            #expect(cancelled.state == .cancelled)
            let attempt = try #require(cancelled.history.first)
            #expect(attempt.stopReason == "cancelled by request")
            // Either the dispatcher's SIGTERM ended it, or the worker's next heartbeat saw the cancel and it exited 75 itself.
            #expect(attempt.signal == 15 || attempt.exitCode == 75, "got \(attempt)")
        }
    }

    @Test func threeDispatchersLaunchEveryJobOnceAndEachCronSlotOnce() async throws {
        try await TestQueue.withQueue { queue in
            // A cron slot that is already due, raced by all three (yearly, so no second slot comes due during the test).
            try await queue.saveSchedule(Schedule(name: "yearly", cron: "0 0 1 1 *", kind: "test", arguments: ["sleepSeconds": 0]))
            try await queue.connection.execute(
                "UPDATE \(queue.schedules) SET next_slot = date_trunc('minute', now()) - interval '1 minute' WHERE name = 'yearly'",
                purpose: "test")
            try await queue.enqueueBatch(kind: "test", arguments: Array(repeating: [:], count: 40))
            let dispatchers = (1...3).map { index in
                RunningDispatcher(Dispatcher(databaseURL: TestQueue.url, schema: queue.schema,
                                             launcher: TestQueue.launcher(schema: queue.schema),
                                             settings: TestQueue.settings(name: "d\(index)", maxConcurrent: 4), logger: TestQueue.logger))
            }
            try await TestQueue.waitUntil(timeout: .seconds(90), "41 jobs to complete") {
                try await queue.countsByState() == [.completed: 41]
            }
            for dispatcher in dispatchers { try await dispatcher.stop() }
            let jobs = try await queue.jobs(limit: 1000)
            #expect(jobs.count == 41)
            #expect(jobs.allSatisfy { $0.attempt == 1 && $0.history.count == 1 }, "every job launched once")
            #expect(dispatchers.map(\.dispatcher.launchedCount).reduce(0, +) == 41)
            #expect(Set(jobs.compactMap(\.dispatcher)).count > 1, "the work was shared")
            let slotJobs = jobs.filter { $0.uniqueKey?.hasPrefix("schedule:yearly:") == true }
            #expect(slotJobs.count == 1, "the due slot was enqueued once")
            #expect(try await queue.schedules().first { $0.name == "yearly" }?.lastJobID == slotJobs.first?.id)
        }
    }

    @Test func capacityFailureRelaunchesWithoutUsingAnAttempt() async throws {
        try await TestQueue.withQueue { queue in
            let job = try await queue.enqueue(kind: "test", maxAttempts: 1)
            let launcher = FlakyLauncher(wrapped: TestQueue.launcher(schema: queue.schema), failures: 2)
            let running = RunningDispatcher(Dispatcher(databaseURL: TestQueue.url, schema: queue.schema, launcher: launcher,
                                                       settings: TestQueue.settings(), logger: TestQueue.logger))
            try await TestQueue.waitUntil("the job to complete") { try await queue.job(id: job.id)?.state == .completed }
            try await running.stop()
            let done = try #require(try await queue.job(id: job.id))
            #expect(done.attempt == 1, "capacity failures used no attempt (max 1)")
            #expect(launcher.calls == 3)
        }
    }

    @Test func missingWorkerExecutableUsesUpAttempts() async throws {
        try await TestQueue.withQueue { queue in
            let job = try await queue.enqueue(kind: "missing", maxAttempts: 2)
            let running = RunningDispatcher(Dispatcher(databaseURL: TestQueue.url, schema: queue.schema,
                                                       launcher: TestQueue.launcher(schema: queue.schema),
                                                       settings: TestQueue.settings(), logger: TestQueue.logger))
            try await TestQueue.waitUntil("the job to be discarded") { try await queue.job(id: job.id)?.state == .discarded }
            try await running.stop()
            let discarded = try #require(try await queue.job(id: job.id))
            #expect(discarded.lastError?.contains("worker executable \"pyramydal-no-such-worker\" for kind missing not found") == true)
        }
    }
}

/// Answers like ECS RunTask with a capacity failure `failures` times, then launches for real.
final class FlakyLauncher: Launcher {
    let wrapped: LocalProcessLauncher
    private let state: Locked<(failures: Int, calls: Int)>
    var stopsTasksOnShutdown: Bool { true }
    var calls: Int { state.withLock { $0.calls } }

    init(wrapped: LocalProcessLauncher, failures: Int) {
        self.wrapped = wrapped
        state = Locked((failures, 0))
    }

    func launch(_ job: Job) async throws -> any LaunchedTask {
        let fail = state.withLock { state -> Bool in
            state.calls += 1
            guard state.failures > 0 else { return false }
            state.failures -= 1
            return true
        }
        if fail { throw LaunchFailure(reason: "RESOURCE:FARGATE capacity unavailable", consumesAttempt: false) }
        return try await wrapped.launch(job)
    }
}
