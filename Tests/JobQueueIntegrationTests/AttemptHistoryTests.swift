import Foundation
import Postgres
import Testing
@testable import JobQueue

/// The history layout of migration 2: an ended attempt stays in the row's
/// own columns (`outcome`, `exit_code`, …) until the job is claimed again
/// (or retried or cancelled by hand), which moves it to `attempts`;
/// `Job.history` is both, oldest first.
@Suite struct AttemptHistoryTests {
    /// How many attempts the `attempts` array holds (the archived ones).
    private func archived(_ queue: JobQueue, _ id: Int64) async throws -> Int {
        try await queue.connection.query("SELECT jsonb_array_length(attempts) FROM \(queue.jobs) WHERE id = $1", [.int64(id)],
                                         purpose: "test").first?[0, as: Int.self] ?? -1
    }

    @Test func historyAcrossRetriesKeepsEveryAttempt() async throws {
        try await TestQueue.withQueue { queue in
            let job = try await queue.enqueue(kind: "export", maxAttempts: 3)
            let first = try #require(try await queue.claim(limit: 1, dispatcher: "d1").first)
            _ = try await queue.start(id: job.id, token: first.launchToken, taskID: "pid:1@h")
            #expect(try await queue.finish(id: job.id, token: first.launchToken, outcome: .retry, error: "S3 timed out",
                                           exit: TaskExit(exitCode: 75)) == .retryable)
            let waiting = try #require(try await queue.job(id: job.id))
            #expect(waiting.history.map(\.outcome) == ["retryable"])
            #expect(waiting.history.first?.error == "S3 timed out" && waiting.history.first?.exitCode == 75)
            #expect(try await archived(queue, job.id) == 0, "the ended attempt is still in the row's columns")

            try await queue.connection.execute("UPDATE \(queue.jobs) SET scheduled_at = now()", purpose: "test")
            let second = try #require(try await queue.claim(limit: 1, dispatcher: "d2").first)
            #expect(try await archived(queue, job.id) == 1, "the claim archived attempt 1")
            let firstRecord = try #require(second.history.first)
            #expect(second.history.count == 1 && firstRecord.attempt == 1 && firstRecord.outcome == "retryable")
            #expect(firstRecord.launchToken == "\(job.id)-1" && firstRecord.taskID == "pid:1@h" && firstRecord.dispatcher == "d1")
            #expect(firstRecord.claimedAt != nil && firstRecord.startedAt != nil && firstRecord.finishedAt != nil)
            #expect(firstRecord.exitCode == 75 && firstRecord.error == "S3 timed out")

            // The worker completes attempt 2; the launcher's exit is added to its record.
            #expect(try await queue.finish(id: job.id, token: second.launchToken, outcome: .complete) == .completed)
            #expect(try await queue.recordExit(id: job.id, token: second.launchToken!, exit: TaskExit(exitCode: 0),
                                               backoff: Backoff()) == .completed)
            let done = try #require(try await queue.job(id: job.id))
            #expect(done.history.map(\.outcome) == ["retryable", "completed"])
            #expect(done.history.map(\.exitCode) == [75, 0])
            #expect(done.history.map(\.dispatcher) == ["d1", "d2"])
            // A late exit of attempt 1 touches nothing.
            #expect(try await queue.recordExit(id: job.id, token: first.launchToken!, exit: TaskExit(signal: 9), backoff: Backoff()) == nil)

            // Retried by hand: the completed attempt is archived and attempt 3 follows it.
            _ = try await queue.retry(id: job.id)
            #expect(try await archived(queue, job.id) == 2)
            let third = try #require(try await queue.claim(limit: 1, dispatcher: "d3").first)
            #expect(try await queue.finish(id: job.id, token: third.launchToken, outcome: .discard, error: "bad input") == .discarded)
            let final = try #require(try await queue.job(id: job.id))
            #expect(final.history.map(\.attempt) == [1, 2, 3])
            #expect(final.history.map(\.outcome) == ["retryable", "completed", "discarded"])
            #expect(final.history.map(\.error) == ["S3 timed out", nil, "bad input"])
            #expect(final.history.map(\.signal) == [nil, nil, nil])
        }
    }

    @Test func cancellingAWaitingRetryKeepsTheFailedAttemptAsItWas() async throws {
        try await TestQueue.withQueue { queue in
            let job = try await queue.enqueue(kind: "print")
            let claimed = try #require(try await queue.claim(limit: 1, dispatcher: "d").first)
            #expect(try await queue.finish(id: job.id, token: claimed.launchToken, outcome: .retry, error: "boom",
                                           retryDelay: .seconds(3600)) == .retryable)
            let failedAt = try #require(try await queue.job(id: job.id)?.history.first?.finishedAt)
            let cancelled = try await queue.cancel(id: job.id)
            #expect(cancelled.state == .cancelled)
            #expect(cancelled.history.map(\.outcome) == ["retryable"], "no attempt was running: nothing is added")
            #expect(cancelled.history.first?.finishedAt == failedAt, "the cancel does not rewrite the attempt's end")
            #expect(cancelled.history.first?.error == "boom")
            #expect(try await archived(queue, job.id) == 1)
        }
    }

    @Test func historyWrittenBeforeMigration2IsKept() async throws {
        try await TestQueue.withQueue { queue in
            // Up to migration 1 an ended attempt went straight to `attempts` and the columns stayed empty.
            let job = try await queue.enqueue(kind: "export")
            let claimed = try #require(try await queue.claim(limit: 1, dispatcher: "old").first)
            try await queue.connection.query("""
                UPDATE \(queue.jobs) SET state = 'completed', finished_at = now(),
                    attempts = jsonb_build_array(jsonb_build_object('attempt', 1, 'launch_token', launch_token,
                        'dispatcher', 'old', 'finished_at', extract(epoch FROM now()), 'outcome', 'completed', 'exit_code', 0))
                WHERE id = $1
                """, [.int64(job.id)], purpose: "test")
            let old = try #require(try await queue.job(id: job.id))
            #expect(old.history.map(\.outcome) == ["completed"] && old.history.first?.launchToken == claimed.launchToken)
            // Retried and run again: the old entry is not archived twice.
            _ = try await queue.retry(id: job.id)
            let again = try #require(try await queue.claim(limit: 1, dispatcher: "new").first)
            #expect(try await queue.finish(id: job.id, token: again.launchToken, outcome: .complete) == .completed)
            let done = try #require(try await queue.job(id: job.id))
            #expect(done.history.map(\.dispatcher) == ["old", "new"])
            #expect(done.history.map(\.exitCode) == [0, nil])
        }
    }

    @Test func inProcessExecutorLeavesOneCompletedAttempt() async throws {
        try await TestQueue.withQueue { queue in
            let job = try await queue.enqueue(kind: "noop", arguments: ["n": 1])
            let seen = Locked<[ClaimedJob]>([])
            #expect(try await queue.runInProcess(batchSize: 4, dispatcher: "inline") { claimed in seen.withLock { $0.append(claimed) } } == 1)
            let claimed = try #require(seen.withLock { $0 }.first)
            #expect(claimed.id == job.id && claimed.attempt == 1 && claimed.launchToken == "\(job.id)-1")
            #expect(claimed.arguments == ["n": 1] && claimed.kind == "noop" && claimed.maxAttempts == 5)
            let done = try #require(try await queue.job(id: job.id))
            #expect(done.state == .completed && done.progress == 1)
            #expect(done.history.count == 1)
            #expect(done.history.first?.outcome == "completed" && done.history.first?.dispatcher == "inline")
            #expect(done.history.first?.launchToken == "\(job.id)-1" && done.history.first?.finishedAt == done.finishedAt)
            // The executor sets the plan cache mode back; its two statements
            // stay prepared on the connection, for the next run.
            #expect(try await queue.connection.query("SELECT current_setting('plan_cache_mode')", purpose: "test")
                .first?[0, as: String.self] == "auto")
            #expect(try await queue.connection.query("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE '%claimable%'",
                                                     purpose: "test").first?[0, as: Int.self] == 1)
            // A second run on the same connection reuses them.
            _ = try await queue.enqueue(kind: "noop")
            #expect(try await queue.runInProcess(batchSize: 4, dispatcher: "inline") { _ in } == 1)
        }
    }
}
