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
    /// One entry per finished attempt, oldest first: the archived attempts
    /// (`jobs.attempts`) and, once it has ended, the current one (its
    /// columns `outcome`, `exit_code`, `signal`, `stop_reason`, `attempt_error`).
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

    /// A job just enqueued (never claimed): what the insert wrote and the
    /// server's id, state and times.
    init(id: Int64, kind: String, arguments: JSONValue, state: JobState, priority: Int, maxAttempts: Int,
         scheduledAt: Date, uniqueKey: String?, createdAt: Date) {
        self.id = id
        self.kind = kind
        self.arguments = arguments
        self.state = state
        self.priority = priority
        attempt = 0
        self.maxAttempts = maxAttempts
        self.scheduledAt = scheduledAt
        self.uniqueKey = uniqueKey
        self.createdAt = createdAt
        history = []
    }

    /// The columns ``init(row:)`` reads, for `RETURNING` and `SELECT`.
    static func columns(prefix p: String = "") -> String {
        """
        \(p)id, \(p)kind, \(p)arguments::text AS arguments, \(p)state, \(p)priority, \(p)attempt, \(p)max_attempts,
        \(p)scheduled_at, \(p)unique_key, \(p)created_at, \(p)claimed_at, \(p)started_at, \(p)finished_at,
        \(p)heartbeat_at, \(p)launch_token, \(p)task_id, \(p)dispatcher, \(p)progress, \(p)progress_message,
        \(p)result::text AS result, \(p)last_error, \(p)attempts::text AS attempts, \(p)outcome, \(p)exit_code,
        \(p)signal, \(p)stop_reason, \(p)attempt_error
        """
    }

    /// Reads the columns of ``columns(prefix:)``, in that order, starting at
    /// the result's `id` column (queries may select something before them).
    init(row: PostgresRow) throws {
        let c = try row.columnIndex(named: "id")
        id = try row[c, as: Int64.self]
        kind = try row[c + 1, as: String.self]
        let argumentsText = try row[c + 2, as: String.self]
        arguments = argumentsText == "{}" ? .object([:]) : try JSONValue.parse(argumentsText)
        let stateText = try row[c + 3, as: String.self]
        guard let state = JobState(rawValue: stateText) else {
            throw JobQueueError(code: .unexpectedResult, message: "unknown job state \"\(stateText)\"", jobID: id)
        }
        self.state = state
        priority = try row[c + 4, as: Int.self]
        attempt = try row[c + 5, as: Int.self]
        maxAttempts = try row[c + 6, as: Int.self]
        scheduledAt = try row[c + 7, as: Date.self]
        uniqueKey = try row[c + 8, as: String?.self]
        createdAt = try row[c + 9, as: Date.self]
        claimedAt = try row[c + 10, as: Date?.self]
        startedAt = try row[c + 11, as: Date?.self]
        finishedAt = try row[c + 12, as: Date?.self]
        heartbeatAt = try row[c + 13, as: Date?.self]
        launchToken = try row[c + 14, as: String?.self]
        taskID = try row[c + 15, as: String?.self]
        dispatcher = try row[c + 16, as: String?.self]
        progress = try row[c + 17, as: Double?.self]
        progressMessage = try row[c + 18, as: String?.self]
        result = try row[c + 19, as: String?.self].map { try JSONValue.parse($0) }
        lastError = try row[c + 20, as: String?.self]
        let historyText = try row[c + 21, as: String.self]
        // Most rows (every claimed job) have no archived attempt: skip the decoder.
        if historyText == "[]" {
            history = []
        } else {
            let decoder = JSONDecoder()
            // The archive stores times as epoch seconds (see JobQueue.archivedAttempt).
            decoder.dateDecodingStrategy = .secondsSince1970
            history = try decoder.decode([JobAttempt].self, from: Data(historyText.utf8))
        }
        // The current attempt, once it has ended, is in the row's own columns.
        if let outcome = try row[c + 22, as: String?.self] {
            history.append(JobAttempt(
                attempt: attempt, launchToken: launchToken, taskID: taskID, dispatcher: dispatcher, claimedAt: claimedAt,
                startedAt: startedAt, finishedAt: finishedAt, outcome: outcome,
                exitCode: try row[c + 23, as: Int?.self].map(Int32.init), signal: try row[c + 24, as: Int?.self].map(Int32.init),
                stopReason: try row[c + 25, as: String?.self], error: try row[c + 26, as: String?.self]))
        }
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
