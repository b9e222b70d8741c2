import Foundation
import Logging
import Postgres

/// The PostgreSQL-backed job queue: enqueue, claim, the worker's writes,
/// retry, cancel, rescue and pruning, all against `<schema>.jobs`.
///
/// One ``PostgresConnection`` per queue value; the connection serialises
/// statements, and multi-statement steps run as one transaction on the
/// connection's own queue. Every write that ends an attempt is fenced by the
/// attempt's launch token, so a stale worker or a late process exit can't
/// overwrite a newer attempt.
public final class JobQueue: Sendable {
    public let connection: PostgresConnection
    /// The schema holding `jobs` and `schedules` (default `pyramydal`).
    public let schema: String
    public let logger: Logger
    /// `"schema"."jobs"`.
    let jobs: String
    let schedules: String
    /// The `LISTEN` channel: `<schema>.jobs`.
    public var channel: String { JobQueueMigrations.channel(schema: schema) }

    public static let defaultSchema = "pyramydal"

    public init(connection: PostgresConnection, schema: String = JobQueue.defaultSchema, logger: Logger = Logger(label: "pyramydal.jobs")) {
        self.connection = connection
        self.schema = schema
        self.logger = logger
        jobs = PostgresConnection.quoteQualified(schema, "jobs")
        schedules = PostgresConnection.quoteQualified(schema, "schedules")
    }

    /// Connects and returns a queue on the new connection.
    public static func connect(url: String, schema: String = JobQueue.defaultSchema, applicationName: String = "pyramydal-jobs",
                               logger: Logger = Logger(label: "pyramydal.jobs")) async throws -> JobQueue {
        let connection = try await PostgresConnection.connect(url: url, variable: "PYRAMYDAL_DATABASE_URL",
                                                              applicationName: applicationName, logger: logger)
        return JobQueue(connection: connection, schema: schema, logger: logger)
    }

    /// Applies the queue's migrations (component `jobqueue`); safe to run from many processes at once.
    @discardableResult
    public func migrate() async throws -> [Int] {
        try await PostgresMigrator(schema: schema, component: JobQueueMigrations.component,
                                   migrations: JobQueueMigrations.all(schema: schema)).migrate(connection)
    }

    // MARK: enqueue

    /// Enqueues one job. With a `uniqueKey` already in the table, returns the
    /// existing job instead (whatever its state). `scheduledAt` in the future
    /// makes it `scheduled`; otherwise it is `available` and dispatchers are
    /// woken at once (`NOTIFY`).
    @discardableResult
    public func enqueue(
        kind: String, arguments: JSONValue = [:], priority: Int = 0, scheduledAt: Date? = nil,
        uniqueKey: String? = nil, maxAttempts: Int = 5
    ) async throws -> Job {
        try await enqueueReportingNew(kind: kind, arguments: arguments, priority: priority, scheduledAt: scheduledAt,
                                      uniqueKey: uniqueKey, maxAttempts: maxAttempts).job
    }

    /// ``enqueue(kind:arguments:priority:scheduledAt:uniqueKey:maxAttempts:)`` with typed arguments.
    @discardableResult
    public func enqueue(
        kind: String, encoding arguments: some Encodable, priority: Int = 0, scheduledAt: Date? = nil,
        uniqueKey: String? = nil, maxAttempts: Int = 5
    ) async throws -> Job {
        try await enqueue(kind: kind, arguments: JSONValue(encoding: arguments), priority: priority,
                          scheduledAt: scheduledAt, uniqueKey: uniqueKey, maxAttempts: maxAttempts)
    }

    /// Enqueues and says whether the job is new (`false`: the unique key existed).
    public func enqueueReportingNew(
        kind: String, arguments: JSONValue = [:], priority: Int = 0, scheduledAt: Date? = nil,
        uniqueKey: String? = nil, maxAttempts: Int = 5
    ) async throws -> (job: Job, isNew: Bool) {
        let step = "enqueueing a \(kind) job"
        let parameters: [PostgresValue] = [
            .text(kind), .json(arguments.jsonText), .int(priority), .int(maxAttempts),
            scheduledAt.map { .date($0) } ?? .null, .text(uniqueKey),
        ]
        for _ in 0..<3 {
            let rows = try await connection.query("""
                INSERT INTO \(jobs) (kind, arguments, priority, max_attempts, scheduled_at, unique_key, state)
                VALUES ($1, $2::jsonb, $3, $4, COALESCE($5::timestamptz, now()), $6,
                        CASE WHEN $5::timestamptz > now() THEN 'scheduled' ELSE 'available' END)
                ON CONFLICT (unique_key) WHERE unique_key IS NOT NULL DO NOTHING
                RETURNING \(Job.columns())
                """, parameters, purpose: step)
            if let row = rows.first {
                let job = try Job(row: row)
                logger.debug("job enqueued", metadata: ["job.id": "\(job.id)", "job.kind": "\(kind)", "job.state": "\(job.state)"])
                return (job, true)
            }
            guard let uniqueKey else { break }
            if let existing = try await connection.query(
                "SELECT \(Job.columns()) FROM \(jobs) WHERE unique_key = $1", [.text(uniqueKey)], purpose: step).first {
                return (try Job(row: existing), false)
            }
            // The conflicting row was pruned in between: insert again.
        }
        throw JobQueueError(code: .unexpectedResult, message: "the insert returned no row", step: step)
    }

    /// Enqueues `arguments.count` jobs of one kind in one statement (bulk
    /// intake, benchmarks). No unique keys.
    @discardableResult
    public func enqueueBatch(kind: String, arguments: [JSONValue], priority: Int = 0, maxAttempts: Int = 5) async throws -> Int {
        guard !arguments.isEmpty else { return 0 }
        return try await connection.query("""
            INSERT INTO \(jobs) (kind, arguments, priority, max_attempts)
            SELECT $1, value, $3, $4 FROM jsonb_array_elements($2::jsonb)
            """, [.text(kind), .json(JSONValue.array(arguments).jsonText), .int(priority), .int(maxAttempts)],
            purpose: "enqueueing \(arguments.count) \(kind) jobs").affectedRows
    }

    // MARK: claiming

    /// Which kinds a claim may take.
    public enum KindFilter: Sendable, Hashable {
        case any
        case only([String])
        case excluding([String])
    }

    /// Claims up to `limit` due jobs (highest priority, then oldest) with one
    /// `FOR UPDATE SKIP LOCKED` statement and moves them to `launching` with
    /// the next attempt number and its launch token (`<id>-<attempt>`).
    public func claim(limit: Int, dispatcher: String, kinds: KindFilter = .any) async throws -> [Job] {
        guard limit > 0 else { return [] }
        let (sql, parameters) = claimStatement(limit: limit, dispatcher: dispatcher, kinds: kinds)
        return try await connection.query(sql, parameters, purpose: "claiming jobs").map(Job.init(row:))
    }

    func claimStatement(limit: Int, dispatcher: String, kinds: KindFilter) -> (String, [PostgresValue]) {
        let (filter, parameters) = claimFilter(limit: limit, dispatcher: dispatcher, kinds: kinds)
        return (claimCTE(filter: filter) + """
            UPDATE \(jobs) AS j SET \(Self.claimAssignments)
            FROM claimable WHERE j.id = claimable.id
            RETURNING \(Job.columns(prefix: "j."))
            """, parameters)
    }

    /// Parameters $1 limit, $2 dispatcher, $3 kinds (if filtered).
    private func claimFilter(limit: Int, dispatcher: String, kinds: KindFilter) -> (String, [PostgresValue]) {
        var parameters: [PostgresValue] = [.int(limit), .text(dispatcher)]
        switch kinds {
        case .any: return ("", parameters)
        case .only(let list):
            parameters.append(.text(Self.arrayLiteral(list)))
            return ("AND kind = ANY($3::text[])", parameters)
        case .excluding(let list) where list.isEmpty: return ("", parameters)
        case .excluding(let list):
            parameters.append(.text(Self.arrayLiteral(list)))
            return ("AND NOT (kind = ANY($3::text[]))", parameters)
        }
    }

    private func claimCTE(filter: String) -> String {
        """
        WITH claimable AS (
            SELECT id FROM \(jobs)
            WHERE state IN ('available', 'scheduled', 'retryable') AND scheduled_at <= now() \(filter)
            ORDER BY priority DESC, scheduled_at, id
            LIMIT $1
            FOR UPDATE SKIP LOCKED
        )

        """
    }

    /// The `SET` of a claim: the next attempt, its launch token, fresh attempt fields.
    static let claimAssignments = """
        state = 'launching', attempt = j.attempt + 1, claimed_at = now(), started_at = NULL,
        finished_at = NULL, heartbeat_at = NULL, launch_token = j.id::text || '-' || (j.attempt + 1)::text,
        task_id = NULL, dispatcher = $2, progress = NULL, progress_message = NULL
        """

    /// One statement that completes the previous batch (ids in the last
    /// parameter) and claims the next: one round trip per batch.
    func completeAndClaimStatement(limit: Int, dispatcher: String, kinds: KindFilter) -> (String, [PostgresValue], Int) {
        let (filter, parameters) = claimFilter(limit: limit, dispatcher: dispatcher, kinds: kinds)
        let ids = parameters.count + 1
        let sql = claimCTE(filter: filter) + """
            , done AS (
                UPDATE \(jobs) SET state = 'completed', finished_at = now(), progress = 1,
                    attempts = attempts || \(Self.historyEntry(outcome: "'completed'"))
                WHERE id = ANY($\(ids)::bigint[]) AND state IN ('launching', 'running')
                RETURNING 1
            ), claimed AS (
                UPDATE \(jobs) AS j SET \(Self.claimAssignments)
                FROM claimable WHERE j.id = claimable.id
                RETURNING j.*
            )
            SELECT d.completed_count, \(Job.columns(prefix: "c."))
            FROM (SELECT count(*) AS completed_count FROM done) AS d LEFT JOIN claimed AS c ON true
            """
        return (sql, parameters, ids)
    }

    /// The in-process executor: claims batches of up to `batchSize` due jobs
    /// of `kinds`, calls `handler` for each on the connection's own thread
    /// (no hop to the cooperative pool per statement) and completes each
    /// batch in the same statement that claims the next (one round trip per
    /// batch), until nothing is due. A handler error stops the loop; the
    /// jobs of that batch stay `launching` until rescued. For no-op and very
    /// short jobs (and the benchmark); real work runs as tasks through the
    /// dispatcher. Returns how many jobs it completed.
    public func runInProcess(batchSize: Int, dispatcher: String, kinds: KindFilter = .any,
                             handler: @escaping @Sendable (Job) throws -> Void) async throws -> Int {
        let (sql, parameters, _) = completeAndClaimStatement(limit: batchSize, dispatcher: dispatcher, kinds: kinds)
        return try await connection.run { conn in
            var completed = 0
            var previous: [Int64] = []
            while true {
                let rows = try conn.query(sql, parameters + [Self.idArray(previous)], purpose: "completing and claiming jobs")
                completed += try rows.first?["completed_count", as: Int.self] ?? 0
                let jobs = try rows.filter { !$0.isNull(1) }.map(Job.init(row:))
                if jobs.isEmpty { return completed }
                for job in jobs { try handler(job) }
                previous = jobs.map(\.id)
            }
        }
    }

    /// Records the task (ECS ARN or `pid:…`) started for an attempt.
    @discardableResult
    public func recordLaunch(id: Int64, token: String, taskID: String) async throws -> Bool {
        try await connection.query("""
            UPDATE \(jobs) SET task_id = $3
            WHERE id = $1 AND launch_token = $2 AND state IN ('launching', 'running')
            """, [.int64(id), .text(token), .text(taskID)], purpose: "recording the launch of job \(id)").affectedRows == 1
    }

    /// A start that failed without running anything (ECS capacity, no
    /// executable): back to `available` after `delay`, without using up an attempt.
    @discardableResult
    public func releaseLaunch(id: Int64, token: String, reason: String, delay: Duration = .zero) async throws -> Bool {
        try await connection.query("""
            UPDATE \(jobs) SET state = 'available', attempt = attempt - 1, launch_token = NULL, task_id = NULL,
                claimed_at = NULL, scheduled_at = now() + make_interval(secs => $4::double precision), last_error = $3
            WHERE id = $1 AND launch_token = $2 AND state = 'launching'
            """, [.int64(id), .text(token), .text(reason), .double(delay.inSeconds)],
            purpose: "releasing job \(id)").affectedRows == 1
    }

    // MARK: the worker's writes

    /// The worker loaded the job: `launching → running`. `nil` when the
    /// attempt is no longer in flight under `token` (cancelled, finished, or
    /// taken over by a newer attempt).
    public func start(id: Int64, token: String?, taskID: String?) async throws -> Job? {
        let rows = try await connection.query("""
            UPDATE \(jobs) SET state = 'running', started_at = COALESCE(started_at, now()), heartbeat_at = now(),
                task_id = COALESCE(task_id, $3)
            WHERE id = $1 AND state IN ('launching', 'running') AND ($2::text IS NULL OR launch_token = $2)
            RETURNING \(Job.columns())
            """, [.int64(id), .text(token), .text(taskID)], purpose: "starting job \(id)")
        return try rows.first.map(Job.init(row:))
    }

    /// Extends the lease; `false` if the attempt is no longer ours (e.g. cancelled).
    public func heartbeat(id: Int64, token: String?) async throws -> Bool {
        try await connection.query("""
            UPDATE \(jobs) SET heartbeat_at = now()
            WHERE id = $1 AND state = 'running' AND ($2::text IS NULL OR launch_token = $2)
            """, [.int64(id), .text(token)], purpose: "heartbeat of job \(id)").affectedRows == 1
    }

    /// Records progress (0 … 1) and a message; also a heartbeat.
    public func progress(id: Int64, token: String?, fraction: Double, message: String?) async throws -> Bool {
        try await connection.query("""
            UPDATE \(jobs) SET progress = $3, progress_message = $4, heartbeat_at = now()
            WHERE id = $1 AND state = 'running' AND ($2::text IS NULL OR launch_token = $2)
            """, [.int64(id), .text(token), .double(min(max(fraction, 0), 1)), .text(message)],
            purpose: "progress of job \(id)").affectedRows == 1
    }

    /// Ends the attempt under `token` (any token if `nil`) as `outcome`.
    /// Returns the job's new state, or `nil` if the attempt was no longer in
    /// flight. A retry waits `retryDelay`; out of attempts, it is discarded.
    @discardableResult
    public func finish(
        id: Int64, token: String?, outcome: AttemptOutcome, result: JSONValue? = nil, error: String? = nil,
        exit: TaskExit? = nil, retryDelay: Duration = .zero
    ) async throws -> JobState? {
        let rows = try await connection.query(Self.finishSQL(jobs: jobs, fence: "id = $1 AND ($2::text IS NULL OR launch_token = $2)"),
                                              Self.finishParameters(id: id, token: token, outcome: outcome, result: result,
                                                                    error: error, exit: exit, retryDelay: retryDelay),
                                              purpose: "finishing job \(id)")
        guard let row = rows.first else { return nil }
        let state = try JobState(rawValue: row[0, as: String.self])
        logger.info("job attempt ended", metadata: [
            "job.id": "\(id)", "job.state": "\(state.map(\.rawValue) ?? "?")",
            "job.error": "\(error ?? "")", "job.exit": "\(exit.map(\.description) ?? "")",
        ])
        return state
    }

    /// Completes many jobs in one statement (the in-process executor's
    /// batched completions). Returns how many were still in flight.
    @discardableResult
    public func completeBatch(ids: [Int64]) async throws -> Int {
        guard !ids.isEmpty else { return 0 }
        return try await connection.query(completeBatchSQL, [Self.idArray(ids)], purpose: "completing \(ids.count) jobs").affectedRows
    }

    var completeBatchSQL: String {
        """
        UPDATE \(jobs) SET state = 'completed', finished_at = now(), progress = 1,
            attempts = attempts || \(Self.historyEntry(outcome: "'completed'"))
        WHERE id = ANY($1::bigint[]) AND state IN ('launching', 'running')
        """
    }

    static func idArray(_ ids: [Int64]) -> PostgresValue {
        .text("{" + ids.map(String.init).joined(separator: ",") + "}")
    }

    /// What a launcher saw when the attempt's task ended. If the worker
    /// already recorded the outcome, only the exit is added to the attempt's
    /// history; otherwise the exit decides (see ``AttemptOutcome``).
    @discardableResult
    public func recordExit(id: Int64, token: String, exit: TaskExit, backoff: Backoff) async throws -> JobState? {
        let jobs = self.jobs
        return try await connection.run { conn in
            try conn.transaction(purpose: "recording the exit of job \(id)") { conn in
                guard let row = try conn.query("SELECT state, attempt, max_attempts FROM \(jobs) WHERE id = $1 AND launch_token = $2 FOR UPDATE",
                                               [.int64(id), .text(token)], purpose: "locking job \(id)").first else { return nil }
                let state = JobState(rawValue: try row[0, as: String.self])
                let attempt = try row[1, as: Int.self]
                if let state, JobState.inFlight.contains(state) {
                    let outcome = AttemptOutcome(exit)
                    let error = outcome == .complete ? nil : "worker \(exit)"
                    let rows = try conn.query(Self.finishSQL(jobs: jobs, fence: "id = $1 AND launch_token = $2"),
                                              Self.finishParameters(id: id, token: token, outcome: outcome, result: nil, error: error,
                                                                    exit: exit, retryDelay: backoff.delay(afterAttempt: attempt)),
                                              purpose: "finishing job \(id)")
                    return try rows.first.flatMap { JobState(rawValue: try $0[0, as: String.self]) }
                }
                // The worker finished the attempt itself: annotate its history entry.
                try conn.query("""
                    UPDATE \(jobs) SET attempts = jsonb_set(attempts, ARRAY[(jsonb_array_length(attempts) - 1)::text],
                        (attempts -> -1) || jsonb_strip_nulls(jsonb_build_object('exit_code', $3::int, 'signal', $4::int, 'stop_reason', $5::text)))
                    WHERE id = $1 AND launch_token = $2 AND jsonb_array_length(attempts) > 0
                      AND (attempts -> -1 ->> 'attempt')::int = attempt
                    """, [.int64(id), .text(token), exit.exitCode.map { .int(Int($0)) } ?? .null,
                          exit.signal.map { .int(Int($0)) } ?? .null, .text(exit.stopReason)],
                    purpose: "recording the exit status of job \(id)")
                return state
            }
        }
    }

    // MARK: shared SQL

    /// `UPDATE … RETURNING state` ending an in-flight attempt. Parameters:
    /// $1 id, $2 token, $3 outcome (`complete`/`discard`/`retry`), $4 retry
    /// delay seconds, $5 result JSON, $6 error, $7 exit code, $8 signal, $9 stop reason.
    static func finishSQL(jobs: String, fence: String) -> String {
        let newState = """
            (CASE $3::text WHEN 'complete' THEN 'completed' WHEN 'discard' THEN 'discarded'
                 ELSE CASE WHEN attempt < max_attempts THEN 'retryable' ELSE 'discarded' END END)
            """
        return """
            UPDATE \(jobs) SET
                state = \(newState),
                scheduled_at = CASE WHEN \(newState) = 'retryable'
                    THEN now() + make_interval(secs => $4::double precision) ELSE scheduled_at END,
                finished_at = now(),
                result = COALESCE($5::jsonb, result),
                last_error = COALESCE($6::text, last_error),
                progress = CASE WHEN $3::text = 'complete' THEN 1 ELSE progress END,
                attempts = attempts || \(historyEntry(outcome: newState, exitCode: "$7::int", signal: "$8::int",
                                                      stopReason: "$9::text", error: "$6::text"))
            WHERE \(fence) AND state IN ('launching', 'running')
            RETURNING state
            """
    }

    static func finishParameters(
        id: Int64, token: String?, outcome: AttemptOutcome, result: JSONValue?, error: String?, exit: TaskExit?, retryDelay: Duration
    ) -> [PostgresValue] {
        let outcomeText = switch outcome {
        case .complete: "complete"
        case .discard: "discard"
        case .retry: "retry"
        }
        return [
            .int64(id), .text(token), .text(outcomeText), .double(retryDelay.inSeconds), .json(result?.jsonText),
            .text(error), exit?.exitCode.map { .int(Int($0)) } ?? .null, exit?.signal.map { .int(Int($0)) } ?? .null,
            .text(exit?.stopReason),
        ]
    }

    /// A one-element JSON array describing the attempt ending now (old column
    /// values, as seen by the `UPDATE`'s `SET`); times as epoch seconds.
    static func historyEntry(outcome: String, exitCode: String = "NULL::int", signal: String = "NULL::int",
                             stopReason: String = "NULL::text", error: String = "NULL::text") -> String {
        """
        jsonb_build_array(jsonb_strip_nulls(jsonb_build_object(
            'attempt', attempt, 'launch_token', launch_token, 'task_id', task_id, 'dispatcher', dispatcher,
            'claimed_at', extract(epoch FROM claimed_at), 'started_at', extract(epoch FROM started_at),
            'finished_at', extract(epoch FROM now()), 'outcome', \(outcome), 'exit_code', \(exitCode),
            'signal', \(signal), 'stop_reason', \(stopReason), 'error', \(error))))
        """
    }

    /// A PostgreSQL array literal of text values: `{"a","b"}`.
    static func arrayLiteral(_ values: [String]) -> String {
        "{" + values.map { "\"" + $0.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\"" }
            .joined(separator: ",") + "}"
    }
}
