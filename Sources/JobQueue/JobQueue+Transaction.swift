import Postgres

extension JobQueue {
    /// Enqueues a job with a blocking statement on `connection`, so the job
    /// joins whatever transaction that connection is in: e.g. the report
    /// jobs an ingest enqueues exist if and only if the version commits.
    /// A `uniqueKey` already present returns the existing job. Dispatchers
    /// are woken by the insert trigger's `NOTIFY`, which PostgreSQL delivers
    /// at commit.
    @discardableResult
    public static func enqueue(
        on connection: PostgresConnection, schema: String = JobQueue.defaultSchema,
        kind: String, arguments: JSONValue = [:], priority: Int = 0, uniqueKey: String? = nil, maxAttempts: Int = 5
    ) throws -> Job {
        let jobs = PostgresConnection.quoteQualified(schema, "jobs")
        let step = "enqueueing a \(kind) job in the current transaction"
        let rows = try connection.query("""
            INSERT INTO \(jobs) (kind, arguments, priority, max_attempts, scheduled_at, unique_key, state)
            VALUES ($1, $2::jsonb, $3, $4, now(), $5, 'available')
            ON CONFLICT (unique_key) WHERE unique_key IS NOT NULL DO NOTHING
            RETURNING \(Job.columns())
            """, [.text(kind), .json(arguments.jsonText), .int(priority), .int(maxAttempts), .text(uniqueKey)], purpose: step)
        if let row = rows.first { return try Job(row: row) }
        guard let uniqueKey, let existing = try connection.query(
            "SELECT \(Job.columns()) FROM \(jobs) WHERE unique_key = $1", [.text(uniqueKey)], purpose: step).first
        else {
            throw JobQueueError(code: .unexpectedResult, message: "the insert returned no row", step: step)
        }
        return try Job(row: existing)
    }
}
