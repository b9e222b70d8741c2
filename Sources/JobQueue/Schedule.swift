import Foundation
import Postgres

/// A cron schedule stored in `schedules`: every slot enqueues one job of
/// `kind`, exactly once however many dispatchers run.
public struct Schedule: Sendable, Hashable {
    public var name: String
    public var cron: String
    /// An IANA time zone name (`UTC`, `Europe/Berlin`).
    public var timeZone: String
    public var kind: String
    public var arguments: JSONValue
    public var priority: Int
    public var maxAttempts: Int
    public var enabled: Bool
    /// The next slot to enqueue (`nil` until a dispatcher first sees the schedule).
    public var nextSlot: Date?
    public var lastSlot: Date?
    public var lastJobID: Int64?

    public init(name: String, cron: String, timeZone: String = "UTC", kind: String, arguments: JSONValue = [:],
                priority: Int = 0, maxAttempts: Int = 3, enabled: Bool = true) {
        self.name = name
        self.cron = cron
        self.timeZone = timeZone
        self.kind = kind
        self.arguments = arguments
        self.priority = priority
        self.maxAttempts = maxAttempts
        self.enabled = enabled
    }

    /// The unique key of the job for one slot: `schedule:<name>:<slot in UTC>`.
    public static func uniqueKey(name: String, slot: Date) -> String {
        "schedule:\(name):\(slot.formatted(.iso8601))"
    }

    /// The parsed expression and zone, or a clear error.
    public func parsed() throws -> (CronExpression, TimeZone) {
        let expression: CronExpression
        do {
            expression = try CronExpression(cron)
        } catch {
            throw JobQueueError(code: .invalidSchedule, message: "schedule \(name): \(error)")
        }
        guard let zone = TimeZone(identifier: timeZone) else {
            throw JobQueueError(code: .invalidSchedule, message: "schedule \(name): unknown time zone \"\(timeZone)\"")
        }
        return (expression, zone)
    }

    init(row: PostgresRow) throws {
        name = try row["name", as: String.self]
        cron = try row["cron", as: String.self]
        timeZone = try row["time_zone", as: String.self]
        kind = try row["kind", as: String.self]
        arguments = try JSONValue.parse(row["arguments", as: String.self])
        priority = try row["priority", as: Int.self]
        maxAttempts = try row["max_attempts", as: Int.self]
        enabled = try row["enabled", as: Bool.self]
        nextSlot = try row["next_slot", as: Date?.self]
        lastSlot = try row["last_slot", as: Date?.self]
        lastJobID = try row["last_job_id", as: Int64?.self]
    }

    static let columns = """
        name, cron, time_zone, kind, arguments::text AS arguments, priority, max_attempts, enabled, next_slot, last_slot, last_job_id
        """
}

extension JobQueue {
    /// Creates or replaces a schedule. Changing its cron or time zone
    /// recomputes the next slot.
    public func saveSchedule(_ schedule: Schedule) async throws {
        _ = try schedule.parsed()
        try await connection.query("""
            INSERT INTO \(schedules) (name, cron, time_zone, kind, arguments, priority, max_attempts, enabled)
            VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7, $8)
            ON CONFLICT (name) DO UPDATE SET cron = EXCLUDED.cron, time_zone = EXCLUDED.time_zone, kind = EXCLUDED.kind,
                arguments = EXCLUDED.arguments, priority = EXCLUDED.priority, max_attempts = EXCLUDED.max_attempts,
                enabled = EXCLUDED.enabled, updated_at = now(),
                next_slot = CASE WHEN \(schedules).cron = EXCLUDED.cron AND \(schedules).time_zone = EXCLUDED.time_zone
                                 THEN \(schedules).next_slot END
            """, [.text(schedule.name), .text(schedule.cron), .text(schedule.timeZone), .text(schedule.kind),
                  .json(schedule.arguments.jsonText), .int(schedule.priority), .int(schedule.maxAttempts), .bool(schedule.enabled)],
            purpose: "saving schedule \(schedule.name)")
    }

    public func schedules() async throws -> [Schedule] {
        try await connection.query("SELECT \(Schedule.columns) FROM \(schedules) ORDER BY name", purpose: "listing schedules")
            .map(Schedule.init(row:))
    }

    /// Enqueues the due slot of every enabled schedule, at most once per slot
    /// across all dispatchers: the slot is taken with a compare-and-set on
    /// `next_slot` and the job carries the unique key `schedule:<name>:<slot>`,
    /// in one transaction. A schedule seen for the first time gets its next
    /// slot after `now`; after downtime only the oldest missed slot runs, then
    /// the schedule moves past `now`. Returns the jobs enqueued.
    @discardableResult
    public func enqueueDueSchedules(now: Date = Date()) async throws -> [Job] {
        var enqueued: [Job] = []
        for schedule in try await schedules() where schedule.enabled {
            let expression: CronExpression
            let zone: TimeZone
            do {
                (expression, zone) = try schedule.parsed()
            } catch {
                logger.error("skipping an invalid schedule", metadata: ["schedule.name": "\(schedule.name)", "error": "\(error)"])
                continue
            }
            guard let slot = schedule.nextSlot else {
                if let next = expression.nextSlot(after: now, in: zone) {
                    try await connection.query("UPDATE \(schedules) SET next_slot = $2 WHERE name = $1 AND next_slot IS NULL",
                                               [.text(schedule.name), .date(next)], purpose: "initialising schedule \(schedule.name)")
                }
                continue
            }
            guard slot <= now else { continue }
            let next = expression.nextSlot(after: max(now, slot), in: zone)
            if let job = try await takeSlot(schedule, slot: slot, next: next) { enqueued.append(job) }
        }
        return enqueued
    }

    private func takeSlot(_ schedule: Schedule, slot: Date, next: Date?) async throws -> Job? {
        let (jobs, schedules, logger) = (self.jobs, self.schedules, self.logger)
        return try await connection.run { conn in
            try conn.transaction(purpose: "enqueueing slot of schedule \(schedule.name)") { conn -> Job? in
                let taken = try conn.query("""
                    UPDATE \(schedules) SET next_slot = $3, last_slot = $2, updated_at = now()
                    WHERE name = $1 AND next_slot = $2
                    """, [.text(schedule.name), .date(slot), next.map { .date($0) } ?? .null], purpose: "taking the slot").affectedRows
                guard taken == 1 else { return nil }  // another dispatcher took it
                let key = Schedule.uniqueKey(name: schedule.name, slot: slot)
                guard let row = try conn.query("""
                    INSERT INTO \(jobs) (kind, arguments, priority, max_attempts, unique_key)
                    VALUES ($1, $2::jsonb || jsonb_build_object('schedule', $5::text, 'slot', $6::text), $3, $4, $7)
                    ON CONFLICT (unique_key) WHERE unique_key IS NOT NULL DO NOTHING
                    RETURNING \(Job.columns())
                    """, [.text(schedule.kind), .json(schedule.arguments.jsonText), .int(schedule.priority), .int(schedule.maxAttempts),
                          .text(schedule.name), .text(slot.formatted(.iso8601)), .text(key)],
                    purpose: "enqueueing the slot's job").first else { return nil }
                let job = try Job(row: row)
                try conn.query("UPDATE \(schedules) SET last_job_id = $2 WHERE name = $1", [.text(schedule.name), .int64(job.id)],
                               purpose: "recording the slot's job")
                logger.info("schedule enqueued a job", metadata: [
                    "schedule.name": "\(schedule.name)", "schedule.slot": "\(key)", "job.id": "\(job.id)", "job.kind": "\(job.kind)",
                ])
                return job
            }
        }
    }
}
