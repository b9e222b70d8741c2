import Foundation
import Postgres

extension JobQueue {
    // MARK: reading

    public func job(id: Int64) async throws -> Job? {
        try await connection.query("SELECT \(Job.columns()) FROM \(jobs) WHERE id = $1", [.int64(id)],
                                   purpose: "reading job \(id)").first.map(Job.init(row:))
    }

    /// Jobs in `states` (all when empty), newest first; with `beforeID`, those older than it (keyset paging).
    public func jobs(states: [JobState] = [], kind: String? = nil, beforeID: Int64? = nil, limit: Int = 100) async throws -> [Job] {
        try await connection.query("""
            SELECT \(Job.columns()) FROM \(jobs)
            WHERE (cardinality($1::text[]) = 0 OR state = ANY($1::text[])) AND ($2::text IS NULL OR kind = $2)
              AND ($4::bigint IS NULL OR id < $4)
            ORDER BY id DESC LIMIT $3
            """, [.text(Self.arrayLiteral(states.map(\.rawValue))), .text(kind), .int(limit), .int64(beforeID)],
            purpose: "listing jobs").map(Job.init(row:))
    }

    /// How many jobs are in each state.
    public func countsByState() async throws -> [JobState: Int] {
        var counts: [JobState: Int] = [:]
        for row in try await connection.query("SELECT state, count(*) FROM \(jobs) GROUP BY state", purpose: "counting jobs") {
            if let state = JobState(rawValue: try row[0, as: String.self]) { counts[state] = try row[1, as: Int.self] }
        }
        return counts
    }

    // MARK: people's actions

    /// Cancels a job that hasn't finished. A launched task is stopped by its
    /// dispatcher (notified on the channel as `cancel:<id>`); the worker's
    /// next heartbeat also sees it.
    @discardableResult
    public func cancel(id: Int64) async throws -> Job {
        let rows = try await connection.query("""
            WITH cancelled AS (
                UPDATE \(jobs) SET state = 'cancelled', finished_at = now(),
                    -- In flight, the attempt ends as cancelled (in the row's columns);
                    -- otherwise an attempt that ended earlier (retryable) is archived first.
                    attempts = CASE WHEN state IN ('launching', 'running') OR outcome IS NULL THEN attempts
                        ELSE attempts || \(Self.archivedAttempt()) END,
                    outcome = CASE WHEN state IN ('launching', 'running') THEN 'cancelled' END,
                    stop_reason = CASE WHEN state IN ('launching', 'running') THEN 'cancelled by request' END,
                    exit_code = NULL, signal = NULL, attempt_error = NULL
                WHERE id = $1 AND state NOT IN ('completed', 'discarded', 'cancelled')
                RETURNING *
            )
            SELECT \(Job.columns()), pg_notify($2, 'cancel:' || id::text) FROM cancelled
            """, [.int64(id), .text(channel)], purpose: "cancelling job \(id)")
        if let row = rows.first { return try Job(row: row) }
        throw try await stateError(id: id, action: "cancel")
    }

    /// Runs a waiting, failed, cancelled or completed job again now (one
    /// more attempt is allowed if it had used them all).
    @discardableResult
    public func retry(id: Int64) async throws -> Job {
        let rows = try await connection.query("""
            WITH retried AS (
                UPDATE \(jobs) SET state = 'available', scheduled_at = now(), finished_at = NULL,
                    max_attempts = GREATEST(max_attempts, attempt + 1), \(Self.archiveAssignments())
                WHERE id = $1 AND state IN ('scheduled', 'retryable', 'discarded', 'cancelled', 'completed')
                RETURNING *
            )
            SELECT \(Job.columns()), pg_notify($2, 'enqueued') FROM retried
            """, [.int64(id), .text(channel)], purpose: "retrying job \(id)")
        if let row = rows.first { return try Job(row: row) }
        throw try await stateError(id: id, action: "retry")
    }

    private func stateError(id: Int64, action: String) async throws -> JobQueueError {
        guard let job = try await job(id: id) else {
            return JobQueueError(code: .notFound, message: "no such job", jobID: id)
        }
        return JobQueueError(code: .invalidState, message: "can't \(action) a job that is \(job.state)", jobID: id)
    }

    // MARK: housekeeping

    /// Puts jobs whose task died without finishing back to work:
    /// - `running` without a heartbeat for `lease` → retryable (or discarded
    ///   when out of attempts), with backoff;
    /// - `launching` that never recorded a task for `launchTimeout` (the
    ///   dispatcher died before or right after starting it) → available again
    ///   with the same attempt number, so the relaunch reuses the same launch
    ///   token (ECS `clientToken`: no second task);
    /// - `launching` with a task that never started within `startTimeout` → retry.
    /// Returns the ids it moved.
    @discardableResult
    public func rescue(lease: Duration, launchTimeout: Duration, startTimeout: Duration, backoff: Backoff) async throws -> [Int64] {
        let retryDelay = "LEAST($2::double precision * power(2, GREATEST(attempt - 1, 0)), $3::double precision) * (1 - $4::double precision + 2 * $4::double precision * random())"
        let newState = "(CASE WHEN attempt < max_attempts THEN 'retryable' ELSE 'discarded' END)"
        let rows = try await connection.query("""
            WITH lost AS (
                UPDATE \(jobs) SET state = \(newState),
                    scheduled_at = now() + make_interval(secs => \(retryDelay)),
                    finished_at = now(),
                    last_error = CASE WHEN state = 'running'
                        THEN 'no heartbeat for ' || $1::text || ' s: the worker is gone'
                        ELSE 'the task never started' END,
                    outcome = \(newState),
                    stop_reason = CASE WHEN state = 'running' THEN 'heartbeat lost' ELSE 'task never started' END
                WHERE (state = 'running' AND heartbeat_at < now() - make_interval(secs => $1::double precision))
                   OR (state = 'launching' AND task_id IS NOT NULL AND claimed_at < now() - make_interval(secs => $6::double precision))
                RETURNING id
            ), relaunch AS (
                UPDATE \(jobs) SET state = 'available', attempt = attempt - 1, claimed_at = NULL, scheduled_at = now(),
                    last_error = 'the dispatcher stopped while launching; relaunching the same attempt'
                WHERE state = 'launching' AND task_id IS NULL AND claimed_at < now() - make_interval(secs => $5::double precision)
                RETURNING id
            )
            SELECT id FROM lost UNION ALL SELECT id FROM relaunch
            """, [.double(lease.inSeconds), .double(backoff.base.inSeconds), .double(backoff.maximum.inSeconds),
                  .double(backoff.jitter), .double(launchTimeout.inSeconds), .double(startTimeout.inSeconds)],
            purpose: "rescuing lost jobs")
        let ids = try rows.map { try $0[0, as: Int64.self] }
        if !ids.isEmpty {
            logger.warning("rescued jobs whose task was lost", metadata: ["job.ids": "\(ids)"])
        }
        return ids
    }

    /// Deletes finished jobs older than `retention`; returns how many.
    @discardableResult
    public func prune(retention: Duration) async throws -> Int {
        try await connection.query("""
            DELETE FROM \(jobs)
            WHERE state IN ('completed', 'discarded', 'cancelled') AND finished_at < now() - make_interval(secs => $1::double precision)
            """, [.double(retention.inSeconds)], purpose: "pruning finished jobs").affectedRows
    }

    /// Tries to become (or stay) the leader: a session advisory lock held by
    /// this queue's connection for as long as it lives.
    public func tryLeadership() async throws -> Bool {
        try await connection.query("SELECT pg_try_advisory_lock(hashtext($1))", [.text("pyramydal.jobqueue.leader:" + schema)],
                                   purpose: "electing the leader").first?[0, as: Bool.self] ?? false
    }
}
