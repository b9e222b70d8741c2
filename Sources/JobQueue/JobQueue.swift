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
        // Without a unique key nothing can conflict: a plain INSERT (no
        // speculative insertion), and only what the server chose comes back.
        let onConflict = uniqueKey == nil ? "" : "ON CONFLICT (unique_key) WHERE unique_key IS NOT NULL DO NOTHING"
        for _ in 0..<3 {
            // Prepared once per connection: a service enqueues the same statement again and again.
            let rows = try await connection.queryPrepared("""
                INSERT INTO \(jobs) (kind, arguments, priority, max_attempts, scheduled_at, unique_key, state)
                VALUES ($1, $2::jsonb, $3, $4, COALESCE($5::timestamptz, now()), $6,
                        CASE WHEN $5::timestamptz > now() THEN 'scheduled' ELSE 'available' END)
                \(onConflict)
                RETURNING id, state, scheduled_at, created_at
                """, parameters, purpose: step)
            if let row = rows.first {
                let stateText = try row[1, as: String.self]
                let job = try Job(id: row[0, as: Int64.self], kind: kind, arguments: arguments,
                                  state: JobState(rawValue: stateText) ?? .available, priority: priority, maxAttempts: maxAttempts,
                                  scheduledAt: row[2, as: Date.self], uniqueKey: uniqueKey, createdAt: row[3, as: Date.self])
                logger.debug("job enqueued", metadata: ["job.id": "\(job.id)", "job.kind": "\(kind)", "job.state": "\(stateText)"])
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
            UPDATE \(jobs) AS j SET \(Self.claimAssignments(dispatcher: "$2"))
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

    private func claimCTE(filter: String, limit: String = "$1") -> String {
        """
        WITH claimable AS (
            SELECT id FROM \(jobs)
            WHERE state IN ('available', 'scheduled', 'retryable') AND scheduled_at <= now() \(filter)
            ORDER BY priority DESC, scheduled_at, id
            LIMIT \(limit)
            FOR UPDATE SKIP LOCKED
        )

        """
    }

    /// The `SET` of a claim: the next attempt, its launch token, fresh
    /// attempt fields; the previous attempt, if it ended (a retry), moves
    /// from the row's columns to `attempts` first.
    static func claimAssignments(dispatcher: String) -> String {
        """
        state = 'launching', attempt = j.attempt + 1, claimed_at = now(), started_at = NULL,
        finished_at = NULL, heartbeat_at = NULL, launch_token = j.id::text || '-' || (j.attempt + 1)::text,
        task_id = NULL, dispatcher = \(dispatcher), progress = NULL, progress_message = NULL,
        \(archiveAssignments(prefix: "j."))
        """
    }

    /// The in-process executor's two statements, run as prepared statements
    /// of the connection (``PostgresConnection/queryPrepared(_:_:purpose:)``)
    /// with generic plans: `complete` (`$1` the ids of the previous batch,
    /// `$2` always `{launching,running}`) and `claim` (`$1` the dispatcher,
    /// `$2` the kinds when filtered; the limit, an `Int`, is part of the
    /// text so the plan knows it; returns ``ClaimedJob/columns``).
    ///
    /// Written so that the generic plans stay on the primary key whatever the
    /// statistics say: the in-flight states come as a parameter, so the
    /// planner can't prove the `jobs_in_flight` predicate and scan every
    /// in-flight job instead of looking up the ids; and the claimed ids are
    /// updated through `id = ANY(ARRAY(…))`, not a join, which a plan for a
    /// large batch would make a hash join over a sequential scan of the table.
    func inProcessStatements(limit: Int, dispatcher: String, kinds: KindFilter)
        -> (complete: String, claim: String, claimParameters: [PostgresValue]) {
        var parameters: [PostgresValue] = [.text(dispatcher)]
        let filter: String
        switch kinds {
        case .any, .excluding([]):
            filter = ""
        case .only(let list):
            parameters.append(.text(Self.arrayLiteral(list)))
            filter = "AND kind = ANY($2::text[])"
        case .excluding(let list):
            parameters.append(.text(Self.arrayLiteral(list)))
            filter = "AND NOT (kind = ANY($2::text[]))"
        }
        let claim = claimCTE(filter: filter, limit: String(max(limit, 1))) + """
            UPDATE \(jobs) AS j SET \(Self.claimAssignments(dispatcher: "$1::text"))
            WHERE j.id = ANY(ARRAY(SELECT id FROM claimable))
            RETURNING \(ClaimedJob.columns.map { $0 == "arguments" ? "j.arguments::text AS arguments" : "j.\($0)" }.joined(separator: ", "))
            """
        return (completeSQL, claim, parameters)
    }

    /// The in-process executor: claims batches of up to `batchSize` due jobs
    /// of `kinds`, calls `handler` for each (a batch highest priority first,
    /// then by id) on the connection's own thread (no hop to the cooperative
    /// pool per statement), completes the batch in one statement and claims
    /// the next, until nothing is due. A handler error stops the loop; the
    /// jobs of that batch stay `launching` until rescued. For no-op and very
    /// short jobs (and the benchmark); real work runs as tasks through the
    /// dispatcher. Returns how many jobs it completed.
    ///
    /// Both statements are prepared statements of the connection, planned
    /// generically (`plan_cache_mode = force_generic_plan` for the call's
    /// duration, set back when it returns), so the server plans them once
    /// instead of once per batch. Completing and claiming are two
    /// statements, not one: a claim's snapshot taken before another
    /// executor's claim committed makes PostgreSQL lock that claim's newer
    /// row versions while it rechecks them (`FOR UPDATE` follows the
    /// update), and the other executor's completion of those jobs then
    /// waits for it. In one statement the snapshot is taken before the
    /// completion runs, so that window was long (4 executors spent ~20 % of
    /// their time waiting); as a statement of its own the claim takes its
    /// snapshot just before it scans.
    public func runInProcess(batchSize: Int, dispatcher: String, kinds: KindFilter = .any,
                             handler: @escaping @Sendable (ClaimedJob) throws -> Void) async throws -> Int {
        let statements = inProcessStatements(limit: batchSize, dispatcher: dispatcher, kinds: kinds)
        return try await connection.run { conn in
            let purpose = "completing and claiming jobs"
            try conn.execute("SET plan_cache_mode = force_generic_plan", purpose: purpose)
            defer { _ = try? conn.execute("RESET plan_cache_mode", purpose: purpose) }
            var completed = 0
            while true {
                // The rows come in id order: run the batch highest priority first.
                let jobs = try conn.queryPrepared(statements.claim, statements.claimParameters, purpose: purpose)
                    .map { try ClaimedJob(row: $0, at: 0) }
                    .sorted { ($0.priority, $1.id) > ($1.priority, $0.id) }
                if jobs.isEmpty { return completed }
                for job in jobs { try handler(job) }
                completed += try conn.queryPrepared(statements.complete, Self.completeParameters(jobs.map(\.id)),
                                                    purpose: purpose).affectedRows
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

    /// Records progress (0 … 1, or nil: not known) and a message; also a heartbeat.
    public func progress(id: Int64, token: String?, fraction: Double?, message: String?) async throws -> Bool {
        try await connection.query("""
            UPDATE \(jobs) SET progress = $3, progress_message = $4, heartbeat_at = now()
            WHERE id = $1 AND state = 'running' AND ($2::text IS NULL OR launch_token = $2)
            """, [.int64(id), .text(token), .double(fraction.map { min(max($0, 0), 1) }), .text(message)],
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
        return try await connection.query(completeSQL, Self.completeParameters(ids), purpose: "completing \(ids.count) jobs")
            .affectedRows
    }

    /// Completes the in-flight jobs among `$1` (ids); `$2` is always
    /// `{launching,running}` (``completeParameters(_:)``): a parameter, not
    /// a literal, so that a generic plan can't use the `jobs_in_flight`
    /// predicate and scan every in-flight job instead of the primary key.
    var completeSQL: String {
        """
        UPDATE \(jobs) SET \(Self.completedAssignments)
        WHERE id = ANY($1::bigint[]) AND state = ANY($2::text[])
        """
    }

    static func completeParameters(_ ids: [Int64]) -> [PostgresValue] {
        [idArray(ids), .text("{launching,running}")]
    }

    /// The `SET` completing an in-flight attempt that a no-op handler ran:
    /// the attempt's record stays in the row's columns (`outcome`, …) until
    /// the job is claimed again, so nothing is appended to `attempts` here.
    static let completedAssignments = "state = 'completed', finished_at = now(), progress = 1, outcome = 'completed'"

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
                // The worker finished the attempt itself: add the exit to the attempt's record.
                try conn.query("""
                    UPDATE \(jobs) SET exit_code = COALESCE($3::int, exit_code), signal = COALESCE($4::int, signal),
                        stop_reason = COALESCE($5::text, stop_reason)
                    WHERE id = $1 AND launch_token = $2 AND outcome IS NOT NULL
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
                outcome = \(newState), exit_code = $7::int, signal = $8::int, stop_reason = $9::text, attempt_error = $6::text
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

    /// The current attempt's record while it is in the row's columns: set
    /// when the attempt ends (`outcome` not null), moved to `attempts` when
    /// the job is claimed again (``archiveAssignments(prefix:)``).
    static let attemptColumns = ["outcome", "exit_code", "signal", "stop_reason", "attempt_error"]

    /// `SET` items that append the ended attempt held in the row's columns
    /// (if any) to `attempts` and clear those columns. Right-hand sides see
    /// the old row, so the entry has the ended attempt's times and token.
    static func archiveAssignments(prefix p: String = "") -> String {
        """
        attempts = CASE WHEN \(p)outcome IS NULL THEN \(p)attempts ELSE \(p)attempts || \(archivedAttempt(prefix: p)) END,
        \(attemptColumns.map { "\($0) = NULL" }.joined(separator: ", "))
        """
    }

    /// A one-element JSON array with the record of the ended attempt held in
    /// the row's columns; times as epoch seconds (what ``JobAttempt`` decodes).
    static func archivedAttempt(prefix p: String = "") -> String {
        """
        jsonb_build_array(jsonb_strip_nulls(jsonb_build_object(
            'attempt', \(p)attempt, 'launch_token', \(p)launch_token, 'task_id', \(p)task_id, 'dispatcher', \(p)dispatcher,
            'claimed_at', extract(epoch FROM \(p)claimed_at), 'started_at', extract(epoch FROM \(p)started_at),
            'finished_at', extract(epoch FROM \(p)finished_at), 'outcome', \(p)outcome, 'exit_code', \(p)exit_code,
            'signal', \(p)signal, 'stop_reason', \(p)stop_reason, 'error', \(p)attempt_error)))
        """
    }

    /// A PostgreSQL array literal of text values: `{"a","b"}`.
    static func arrayLiteral(_ values: [String]) -> String {
        "{" + values.map { "\"" + $0.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\"" }
            .joined(separator: ",") + "}"
    }
}
