import Foundation
import Postgres
import Testing
@testable import JobQueue

@Suite struct QueueTests {
    @Test func enqueueWithUniqueKeyReturnsTheExistingJob() async throws {
        try await TestQueue.withQueue { queue in
            let first = try await queue.enqueue(kind: "ingest", arguments: ["key": "incoming/a.xlsx"], uniqueKey: "ingest:s:a:e1")
            let second = try await queue.enqueue(kind: "ingest", arguments: ["key": "other"], uniqueKey: "ingest:s:a:e1")
            #expect(second.id == first.id)
            #expect(second.arguments["key"]?.stringValue == "incoming/a.xlsx")
            #expect(first.state == .available)
            let third = try await queue.enqueue(kind: "ingest", uniqueKey: "ingest:s:a:e2")
            #expect(third.id != first.id)
            let later = try await queue.enqueue(kind: "export", scheduledAt: Date().addingTimeInterval(3600))
            #expect(later.state == .scheduled)
        }
    }

    @Test func concurrentEnqueuesWithOneKeyMakeOneJob() async throws {
        try await TestQueue.withQueue { queue in
            let queues = try await withThrowingTaskGroup(of: JobQueue.self) { group in
                for _ in 0..<4 { group.addTask { try await TestQueue.connectQueue(schema: queue.schema) } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            defer { queues.forEach { $0.connection.close() } }
            let ids = try await withThrowingTaskGroup(of: Int64.self) { group in
                for other in queues {
                    group.addTask { try await other.enqueue(kind: "ingest", uniqueKey: "same").id }
                }
                return try await group.reduce(into: Set<Int64>()) { $0.insert($1) }
            }
            #expect(ids.count == 1)
        }
    }

    @Test func claimTakesHighestPriorityThenOldestAndSkipsLocked() async throws {
        try await TestQueue.withQueue { queue in
            let low = try await queue.enqueue(kind: "export", priority: 0)
            let high = try await queue.enqueue(kind: "export", priority: 5)
            let low2 = try await queue.enqueue(kind: "export", priority: 0)
            _ = try await queue.enqueue(kind: "export", scheduledAt: Date().addingTimeInterval(3600))

            let claimed = try await queue.claim(limit: 2, dispatcher: "d1")
            #expect(claimed.map(\.id) == [high.id, low.id])
            #expect(claimed.allSatisfy { $0.state == .launching && $0.attempt == 1 && $0.dispatcher == "d1" })
            #expect(claimed.first?.launchToken == "\(high.id)-1")
            let rest = try await queue.claim(limit: 10, dispatcher: "d2")
            #expect(rest.map(\.id) == [low2.id], "the future job is not due")
        }
    }

    @Test func concurrentClaimsNeverShareAJob() async throws {
        try await TestQueue.withQueue { queue in
            try await queue.enqueueBatch(kind: "noop", arguments: Array(repeating: [:], count: 200))
            let claimers = try await withThrowingTaskGroup(of: JobQueue.self) { group in
                for _ in 0..<4 { group.addTask { try await TestQueue.connectQueue(schema: queue.schema) } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            defer { claimers.forEach { $0.connection.close() } }
            let all = try await withThrowingTaskGroup(of: [Int64].self) { group in
                for (index, claimer) in claimers.enumerated() {
                    group.addTask {
                        var mine: [Int64] = []
                        while true {
                            let jobs = try await claimer.claim(limit: 7, dispatcher: "d\(index)")
                            if jobs.isEmpty { return mine }
                            mine += jobs.map(\.id)
                            try await claimer.completeBatch(ids: jobs.map(\.id))
                        }
                    }
                }
                return try await group.reduce(into: [Int64]()) { $0 += $1 }
            }
            #expect(all.count == 200)
            #expect(Set(all).count == 200)
            #expect(try await queue.countsByState() == [.completed: 200])
        }
    }

    @Test func inProcessExecutorCompletesEveryDueJobOnce() async throws {
        try await TestQueue.withQueue { queue in
            try await queue.enqueueBatch(kind: "noop", arguments: (0..<250).map { ["n": .number(Double($0))] })
            _ = try await queue.enqueue(kind: "export", arguments: ["n": 999])
            let seen = Locked<[Int]>([])
            let completed = try await queue.runInProcess(batchSize: 16, dispatcher: "inline", kinds: .only(["noop"])) { job in
                seen.withLock { $0.append(job.arguments["n"]?.intValue ?? -1) }
            }
            #expect(completed == 250)
            #expect(seen.withLock { $0 } == Array(0..<250), "oldest first, each once")
            #expect(try await queue.countsByState() == [.completed: 250, .available: 1])
        }
    }

    @Test func workerLifecycleRecordsTimingsAndHistory() async throws {
        try await TestQueue.withQueue { queue in
            let job = try await queue.enqueue(kind: "export", arguments: ["dataset": "sales"])
            let claimed = try #require(try await queue.claim(limit: 1, dispatcher: "d").first)
            #expect(try await queue.recordLaunch(id: job.id, token: claimed.launchToken!, taskID: "pid:1@h"))
            let context = try await JobContext.load(id: job.id, token: claimed.launchToken, connection: queue.connection,
                                                    schema: queue.schema, logger: TestQueue.logger)
            #expect(context.attempt == 1)
            #expect(context.arguments["dataset"] == "sales")
            try await context.heartbeat()
            try await context.progress(0.5, message: "half way")
            #expect(try await queue.job(id: job.id)?.progressMessage == "half way")
            try await context.complete(result: ["rows": 10])
            let done = try #require(try await queue.job(id: job.id))
            #expect(done.state == .completed)
            #expect(done.result == ["rows": 10])
            #expect(done.history.count == 1)
            #expect(done.history.first?.outcome == "completed")
            #expect(done.history.first?.taskID == "pid:1@h")
            #expect(done.timings.waiting != nil && done.timings.starting != nil && done.timings.running != nil)
            // A second write from the same worker is refused: the attempt is over.
            await #expect(throws: JobQueueError.self) { try await context.complete() }
            // The launcher's exit annotates the history without changing the state.
            #expect(try await queue.recordExit(id: job.id, token: claimed.launchToken!, exit: TaskExit(exitCode: 0),
                                               backoff: Backoff()) == .completed)
            #expect(try await queue.job(id: job.id)?.history.first?.exitCode == 0)
        }
    }

    @Test func transientFailuresRetryWithBackoffUntilDiscarded() async throws {
        try await TestQueue.withQueue { queue in
            let job = try await queue.enqueue(kind: "export", maxAttempts: 2)
            let first = try #require(try await queue.claim(limit: 1, dispatcher: "d").first)
            let context = try await JobContext.load(id: job.id, token: first.launchToken, connection: queue.connection, schema: queue.schema)
            let state = try await context.fail(error: "S3 timed out", retryable: true,
                                               backoff: Backoff(base: .seconds(600), maximum: .seconds(1200), jitter: 0))
            #expect(state == .retryable)
            let waiting = try #require(try await queue.job(id: job.id))
            #expect(waiting.scheduledAt.timeIntervalSinceNow > 300, "backoff puts the retry 600 s out")
            #expect(try await queue.claim(limit: 1, dispatcher: "d").isEmpty)
            // Make it due; the second attempt is the last.
            try await queue.connection.execute("UPDATE \(queue.jobs) SET scheduled_at = now()", purpose: "test")
            let second = try #require(try await queue.claim(limit: 1, dispatcher: "d").first)
            #expect(second.attempt == 2 && second.launchToken == "\(job.id)-2")
            #expect(try await queue.recordExit(id: job.id, token: second.launchToken!, exit: TaskExit(signal: 9), backoff: Backoff()) == .discarded)
            let final = try #require(try await queue.job(id: job.id))
            #expect(final.lastError == "worker killed by signal 9")
            #expect(final.history.map(\.outcome) == ["retryable", "discarded"])
            #expect(final.history.last?.signal == 9)
        }
    }

    @Test func staleTokenCannotFinishANewerAttempt() async throws {
        try await TestQueue.withQueue { queue in
            let job = try await queue.enqueue(kind: "export")
            let first = try #require(try await queue.claim(limit: 1, dispatcher: "d").first)
            #expect(try await queue.finish(id: job.id, token: first.launchToken, outcome: .retry, error: "x") == .retryable)
            try await queue.connection.execute("UPDATE \(queue.jobs) SET scheduled_at = now()", purpose: "test")
            let second = try #require(try await queue.claim(limit: 1, dispatcher: "d").first)
            #expect(try await queue.finish(id: job.id, token: first.launchToken, outcome: .complete) == nil)
            #expect(try await queue.recordExit(id: job.id, token: first.launchToken!, exit: TaskExit(exitCode: 0), backoff: Backoff()) == nil)
            #expect(try await queue.job(id: job.id)?.state == .launching)
            #expect(try await queue.finish(id: job.id, token: second.launchToken, outcome: .complete) == .completed)
        }
    }

    @Test func cancelAndRetryByHand() async throws {
        try await TestQueue.withQueue { queue in
            let job = try await queue.enqueue(kind: "print", maxAttempts: 1)
            let cancelled = try await queue.cancel(id: job.id)
            #expect(cancelled.state == .cancelled)
            await #expect { try await queue.cancel(id: job.id) } throws: { error in
                "\(error)" == "job \(job.id): can't cancel a job that is cancelled"
            }
            let retried = try await queue.retry(id: job.id)
            #expect(retried.state == .available)
            let claimed = try #require(try await queue.claim(limit: 1, dispatcher: "d").first)
            #expect(try await queue.finish(id: job.id, token: claimed.launchToken, outcome: .retry, error: "boom") == .discarded)
            let again = try await queue.retry(id: job.id)
            #expect(again.state == .available && again.maxAttempts == 2, "one more attempt is allowed")
            await #expect { try await queue.retry(id: 999_999) } throws: { error in
                (error as? JobQueueError)?.code == .notFound
            }
        }
    }

    @Test func cancellingARunningJobNotifiesDispatchers() async throws {
        try await TestQueue.withQueue { queue in
            let listener = try await PostgresConnection.connect(url: TestQueue.url)
            defer { listener.close() }
            try await listener.listen(queue.channel)
            let job = try await queue.enqueue(kind: "print")
            #expect(try await listener.waitForNotification(timeout: .seconds(60))?.payload == "enqueued")
            _ = try await queue.claim(limit: 1, dispatcher: "d")
            _ = try await queue.cancel(id: job.id)
            #expect(try await listener.waitForNotification(timeout: .seconds(60))?.payload == "cancel:\(job.id)")
            #expect(try await queue.job(id: job.id)?.history.first?.stopReason == "cancelled by request")
        }
    }

    @Test func rescueLostWorkersAndStaleLaunches() async throws {
        try await TestQueue.withQueue { queue in
            let lost = try await queue.enqueue(kind: "ingest")
            let stale = try await queue.enqueue(kind: "ingest")
            let healthy = try await queue.enqueue(kind: "ingest")
            let claimed = try await queue.claim(limit: 3, dispatcher: "dead")
            let tokens = Dictionary(uniqueKeysWithValues: claimed.map { ($0.id, $0.launchToken!) })
            _ = try await queue.start(id: lost.id, token: tokens[lost.id], taskID: "pid:1@h")
            _ = try await queue.start(id: healthy.id, token: tokens[healthy.id], taskID: "pid:2@h")
            // The lost worker's last heartbeat and the stale claim are an hour
            // old; the lease and launch timeout (10 minutes) are far longer
            // than a loaded machine takes to get here, so the healthy job stays.
            try await queue.connection.query("UPDATE \(queue.jobs) SET heartbeat_at = now() - interval '1 hour' WHERE id = $1",
                                             [.int64(lost.id)], purpose: "test")
            try await queue.connection.query("UPDATE \(queue.jobs) SET claimed_at = now() - interval '1 hour' WHERE id = $1",
                                             [.int64(stale.id)], purpose: "test")
            let rescued = try await queue.rescue(lease: .seconds(600), launchTimeout: .seconds(600), startTimeout: .seconds(7200),
                                                 backoff: Backoff(base: .zero, maximum: .zero, jitter: 0))
            #expect(Set(rescued) == [lost.id, stale.id])
            let lostJob = try #require(try await queue.job(id: lost.id))
            #expect(lostJob.state == .retryable)
            #expect(lostJob.history.first?.stopReason == "heartbeat lost")
            let staleJob = try #require(try await queue.job(id: stale.id))
            #expect(staleJob.state == .available && staleJob.attempt == 0)
            #expect(try await queue.job(id: healthy.id)?.state == .running)
            // The relaunch of the stale claim reuses its launch token (ECS clientToken).
            let relaunched = try await queue.claim(limit: 5, dispatcher: "d2")
            #expect(relaunched.first { $0.id == stale.id }?.launchToken == tokens[stale.id])
        }
    }

    @Test func pruneDeletesOnlyOldFinishedJobs() async throws {
        try await TestQueue.withQueue { queue in
            let old = try await queue.enqueue(kind: "export")
            let recent = try await queue.enqueue(kind: "export")
            let waiting = try await queue.enqueue(kind: "export")
            _ = try await queue.claim(limit: 2, dispatcher: "d")
            try await queue.completeBatch(ids: [old.id, recent.id])
            try await queue.connection.query("UPDATE \(queue.jobs) SET finished_at = now() - interval '8 days' WHERE id = $1",
                                             [.int64(old.id)], purpose: "test")
            #expect(try await queue.prune(retention: .seconds(7 * 86_400)) == 1)
            #expect(try await queue.job(id: old.id) == nil)
            #expect(try await queue.job(id: recent.id)?.state == .completed)
            #expect(try await queue.job(id: waiting.id)?.state == .available)
        }
    }

    @Test func onlyOneLeader() async throws {
        try await TestQueue.withQueue { queue in
            let other = try await TestQueue.connectQueue(schema: queue.schema)
            #expect(try await queue.tryLeadership())
            #expect(try await !other.tryLeadership())
            queue.connection.close()
            try await TestQueue.waitUntil(timeout: .seconds(60), "the lock to be released") { try await other.tryLeadership() }
            other.connection.close()
        }
    }
}
