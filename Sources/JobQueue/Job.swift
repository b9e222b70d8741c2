import Foundation
import Postgres

/// One row of `jobs`: what to run, where it stands, and how long it took.
public struct Job: Sendable, Hashable, Identifiable {
    public var id: Int64
    /// `ingest`, `export`, `print`, `snapshot`, … (selects `tasks/<kind>.json`).
    public var kind: String
    public var arguments: JSONValue
    public var state: JobState
    /// Higher runs first.
    public var priority: Int
    /// The current (or last) attempt, 1-based; 0 before the first claim.
    public var attempt: Int
    public var maxAttempts: Int
    public var scheduledAt: Date
    public var uniqueKey: String?
    public var createdAt: Date
    /// When the current attempt was claimed (start of `launching`).
    public var claimedAt: Date?
    /// When the worker loaded the job (start of `running`).
    public var startedAt: Date?
    public var finishedAt: Date?
    public var heartbeatAt: Date?
    /// Deterministic per attempt (`<id>-<attempt>`): ECS `clientToken`, and the
    /// fence a worker's writes must match.
    public var launchToken: String?
    /// ECS task ARN or `pid:<pid>@<host>`.
    public var taskID: String?
    /// The dispatcher that claimed the current attempt.
    public var dispatcher: String?
    public var progress: Double?
    public var progressMessage: String?
    public var result: JSONValue?
    public var lastError: String?
    /// One entry per finished attempt, oldest first.
    public var history: [JobAttempt]

    /// Waiting (due → claimed), starting (claimed → worker running) and
    /// running (running → finished); `nil` for phases not reached.
    public var timings: JobTimings {
        let due = max(scheduledAt, createdAt)
        return JobTimings(
            waiting: claimedAt.map { max(0, $0.timeIntervalSince(due)) },
            starting: claimedAt.flatMap { claimed in startedAt.map { $0.timeIntervalSince(claimed) } },
            running: startedAt.flatMap { started in finishedAt.map { $0.timeIntervalSince(started) } })
    }

    /// Decodes ``arguments`` into `T`.
    public func decodeArguments<T: Decodable>(_ type: T.Type = T.self) throws -> T {
        try arguments.decode(type)
    }

    /// The columns ``init(row:)`` reads, for `RETURNING` and `SELECT`.
    static func columns(prefix p: String = "") -> String {
        """
        \(p)id, \(p)kind, \(p)arguments::text AS arguments, \(p)state, \(p)priority, \(p)attempt, \(p)max_attempts,
        \(p)scheduled_at, \(p)unique_key, \(p)created_at, \(p)claimed_at, \(p)started_at, \(p)finished_at,
        \(p)heartbeat_at, \(p)launch_token, \(p)task_id, \(p)dispatcher, \(p)progress, \(p)progress_message,
        \(p)result::text AS result, \(p)last_error, \(p)attempts::text AS attempts
        """
    }

    init(row: PostgresRow) throws {
        id = try row["id", as: Int64.self]
        kind = try row["kind", as: String.self]
        let stateText = try row["state", as: String.self]
        guard let state = JobState(rawValue: stateText) else {
            throw JobQueueError(code: .unexpectedResult, message: "unknown job state \"\(stateText)\"", jobID: id)
        }
        self.state = state
        let argumentsText = try row["arguments", as: String.self]
        arguments = argumentsText == "{}" ? .object([:]) : try JSONValue.parse(argumentsText)
        priority = try row["priority", as: Int.self]
        attempt = try row["attempt", as: Int.self]
        maxAttempts = try row["max_attempts", as: Int.self]
        scheduledAt = try row["scheduled_at", as: Date.self]
        uniqueKey = try row["unique_key", as: String?.self]
        createdAt = try row["created_at", as: Date.self]
        claimedAt = try row["claimed_at", as: Date?.self]
        startedAt = try row["started_at", as: Date?.self]
        finishedAt = try row["finished_at", as: Date?.self]
        heartbeatAt = try row["heartbeat_at", as: Date?.self]
        launchToken = try row["launch_token", as: String?.self]
        taskID = try row["task_id", as: String?.self]
        dispatcher = try row["dispatcher", as: String?.self]
        progress = try row["progress", as: Double?.self]
        progressMessage = try row["progress_message", as: String?.self]
        result = try row["result", as: String?.self].map { try JSONValue.parse($0) }
        lastError = try row["last_error", as: String?.self]
        // Most rows (every claimed job) have no history yet: skip the decoder.
        let historyText = try row["attempts", as: String.self]
        if historyText == "[]" {
            history = []
            return
        }
        let decoder = JSONDecoder()
        // The history stores times as epoch seconds (see JobQueue.historyEntry).
        decoder.dateDecodingStrategy = .secondsSince1970
        history = try decoder.decode([JobAttempt].self, from: Data(historyText.utf8))
    }
}

/// One finished attempt in a job's history.
public struct JobAttempt: Sendable, Hashable, Codable {
    public var attempt: Int
    public var launchToken: String?
    public var taskID: String?
    public var dispatcher: String?
    public var claimedAt: Date?
    public var startedAt: Date?
    public var finishedAt: Date?
    /// The state the attempt ended the job in.
    public var outcome: String
    public var exitCode: Int32?
    public var signal: Int32?
    public var stopReason: String?
    public var error: String?

    enum CodingKeys: String, CodingKey {
        case attempt, outcome, error, signal, dispatcher
        case launchToken = "launch_token", taskID = "task_id", claimedAt = "claimed_at", startedAt = "started_at"
        case finishedAt = "finished_at", exitCode = "exit_code", stopReason = "stop_reason"
    }
}

/// How long a job spent in each phase, in seconds.
public struct JobTimings: Sendable, Hashable {
    public var waiting: Double?
    public var starting: Double?
    public var running: Double?
}
