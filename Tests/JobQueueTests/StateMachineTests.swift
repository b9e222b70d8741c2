import Foundation
import Testing
import Dispatching
import JobContracts
@testable import JobQueue

@Suite struct StateMachineTests {
    @Test func stateNamesAreTheSQLNames() {
        #expect(JobState.allCases.map(\.rawValue) ==
                ["available", "scheduled", "launching", "running", "retryable", "completed", "discarded", "cancelled"])
        #expect(JobState.allCases.filter(\.isFinal) == [.completed, .discarded, .cancelled])
    }

    @Test func allowedTransitions() {
        #expect(JobState.available.canTransition(to: .launching))
        #expect(JobState.retryable.canTransition(to: .launching))
        #expect(JobState.launching.canTransition(to: .running))
        #expect(JobState.launching.canTransition(to: .available))  // failed start without using an attempt
        #expect(JobState.running.canTransition(to: .retryable))
        #expect(JobState.running.canTransition(to: .completed))
        #expect(JobState.discarded.canTransition(to: .available))  // retried by hand
        #expect(!JobState.completed.canTransition(to: .running))
        #expect(!JobState.available.canTransition(to: .running))
        #expect(!JobState.cancelled.canTransition(to: .launching))
        #expect(!JobState.running.canTransition(to: .launching))
    }

    @Test func exitCodesDecideTheOutcome() {
        #expect(AttemptOutcome(TaskExit(exitCode: 0)) == .complete)
        #expect(AttemptOutcome(TaskExit(exitCode: 65)) == .discard)
        #expect(AttemptOutcome(TaskExit(exitCode: 75)) == .retry)
        #expect(AttemptOutcome(TaskExit(exitCode: 1)) == .retry)
        #expect(AttemptOutcome(TaskExit(signal: 9)) == .retry)
        #expect(AttemptOutcome(TaskExit(stopReason: "task vanished")) == .retry)
        #expect(WorkerExitCode.success.rawValue == 0)
        #expect(WorkerExitCode.badInput.rawValue == 65)
        #expect(WorkerExitCode.transient.rawValue == 75)
    }

    @Test func retriesUntilAttemptsRunOut() {
        #expect(AttemptOutcome.retry.nextState(attempt: 1, maxAttempts: 3) == .retryable)
        #expect(AttemptOutcome.retry.nextState(attempt: 3, maxAttempts: 3) == .discarded)
        #expect(AttemptOutcome.discard.nextState(attempt: 1, maxAttempts: 3) == .discarded)
        #expect(AttemptOutcome.complete.nextState(attempt: 3, maxAttempts: 3) == .completed)
    }

    @Test func exitDescriptionsAreReadable() {
        #expect(TaskExit(exitCode: 65).description == "exited with status 65 (badInput)")
        #expect(TaskExit(signal: 9).description == "killed by signal 9")
        #expect(TaskExit(signal: 15, stopReason: "dispatcher shutdown").description == "killed by signal 15 (dispatcher shutdown)")
    }
}

@Suite struct BackoffTests {
    @Test func doublesPerAttemptWithoutJitter() {
        let backoff = Backoff(base: .seconds(2), maximum: .seconds(60), jitter: 0)
        #expect(backoff.delay(afterAttempt: 1) == .seconds(2))
        #expect(backoff.delay(afterAttempt: 2) == .seconds(4))
        #expect(backoff.delay(afterAttempt: 4) == .seconds(16))
        #expect(backoff.delay(afterAttempt: 10) == .seconds(60))
        #expect(backoff.delay(afterAttempt: 1000) == .seconds(60))
    }

    @Test func jitterStaysInItsBand() {
        let backoff = Backoff(base: .seconds(10), maximum: .seconds(3600), jitter: 0.25)
        #expect(backoff.delay(afterAttempt: 1, unit: 0) == .milliseconds(7500))
        #expect(backoff.delay(afterAttempt: 1, unit: 1) == .milliseconds(12500))
        #expect(backoff.delay(afterAttempt: 1, unit: 0.5) == .seconds(10))
        let delays = (0..<200).map { _ in backoff.delay(afterAttempt: 3) }
        #expect(delays.allSatisfy { $0 >= .seconds(30) && $0 <= .seconds(50) })
        #expect(Set(delays).count > 10, "jitter spreads retries")
    }
}

@Suite struct RateLimiterTests {
    @Test func burstThenSteadyRate() {
        var limiter = RateLimiter(rate: 20, burst: 2)
        let start = ContinuousClock.now
        #expect(limiter.acquire(now: start) == .zero)
        #expect(limiter.acquire(now: start) == .zero)
        #expect(limiter.acquire(now: start) == .milliseconds(50))
        #expect(limiter.acquire(now: start) == .milliseconds(100))
        // A second later the bucket is full again.
        #expect(limiter.acquire(now: start + .seconds(1)) == .zero)
    }
}

@Suite struct TaskDefinitionTests {
    @Test func readsCommandAndMemory() throws {
        let json = #"{"family":"pyramydal-ingest","memory":"2048","containerDefinitions":[{"name":"w","command":["IngestWorker","--x"]}]}"#
        let definition = try TaskDefinition.parse(Data(json.utf8), kind: "ingest", path: "tasks/ingest.json")
        #expect(definition.command == ["IngestWorker", "--x"])
        #expect(definition.memoryMiB == 2048)
        #expect(definition.family == "pyramydal-ingest")
    }

    @Test func missingCommandIsAClearError() {
        #expect {
            try TaskDefinition.parse(Data(#"{"containerDefinitions":[{}]}"#.utf8), kind: "x", path: "tasks/x.json")
        } throws: { error in
            "\(error)".contains("tasks/x.json has no containerDefinitions[0].command")
        }
    }
}

@Suite struct JSONValueTests {
    struct Arguments: Codable, Equatable { var store: String; var key: String; var count: Int }

    @Test func roundTripsAndDecodes() throws {
        let value: JSONValue = ["store": "file:///s", "key": "incoming/a.xlsx", "count": 3]
        #expect(value.jsonText == #"{"count":3,"key":"incoming/a.xlsx","store":"file:///s"}"#)
        #expect(try JSONValue.parse(value.jsonText) == value)
        #expect(try value.decode(Arguments.self) == Arguments(store: "file:///s", key: "incoming/a.xlsx", count: 3))
        #expect(try JSONValue(encoding: Arguments(store: "s", key: "k", count: 1))["count"]?.intValue == 1)
    }

    @Test func incomingCandidates() {
        #expect(IncomingWatcher.isCandidate("incoming/sales/q1.xlsx", prefix: "incoming/"))
        #expect(!IncomingWatcher.isCandidate("incoming/sales/", prefix: "incoming/"))
        #expect(!IncomingWatcher.isCandidate("incoming/~$q1.xlsx", prefix: "incoming/"))
        #expect(!IncomingWatcher.isCandidate("incoming/.q1.xlsx", prefix: "incoming/"))
        #expect(!IncomingWatcher.isCandidate("reports/q1.xlsx", prefix: "incoming/"))
        #expect(IngestArgs.uniqueKey(store: "s3://b", key: "incoming/a.xlsx", etag: "e1") == "ingest:s3://b:incoming/a.xlsx:e1")
    }
}
