import Foundation
import JobContracts
import Postgres

/// Enqueueing typed job arguments: the kind and the unique key come from
/// the ``JobArgs`` value.
extension JobQueue {
    /// Enqueues `arguments` under their kind; a unique key already in the
    /// table returns the existing job.
    @discardableResult
    public func enqueue(_ arguments: some JobArgs, priority: Int = 0, scheduledAt: Date? = nil,
                        maxAttempts: Int = 5) async throws -> Job {
        try await enqueueReportingNew(arguments, priority: priority, scheduledAt: scheduledAt, maxAttempts: maxAttempts).job
    }

    /// ``enqueue(_:priority:scheduledAt:maxAttempts:)``, saying whether the job is new.
    public func enqueueReportingNew(_ arguments: some JobArgs, priority: Int = 0, scheduledAt: Date? = nil,
                                    maxAttempts: Int = 5) async throws -> (job: Job, isNew: Bool) {
        try await enqueueReportingNew(kind: arguments.kind, arguments: JSONValue(encoding: arguments), priority: priority,
                                      scheduledAt: scheduledAt, uniqueKey: arguments.uniqueKey, maxAttempts: maxAttempts)
    }

    /// Enqueues `arguments` in the transaction `connection` is in (see
    /// ``enqueue(on:schema:kind:arguments:priority:uniqueKey:maxAttempts:)``);
    /// `uniqueKey` replaces the arguments' own.
    @discardableResult
    public static func enqueue(on connection: PostgresConnection, schema: String = JobQueue.defaultSchema,
                               _ arguments: some JobArgs, uniqueKey: String? = nil) throws -> Job {
        try enqueue(on: connection, schema: schema, kind: arguments.kind, arguments: JSONValue(encoding: arguments),
                    uniqueKey: uniqueKey ?? arguments.uniqueKey)
    }
}

extension JobContext {
    /// Records the job as completed with a typed result.
    public func complete(encoding result: some Encodable & Sendable) async throws {
        try await complete(result: JSONValue(encoding: result))
    }
}
