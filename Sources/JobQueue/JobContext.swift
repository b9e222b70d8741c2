import Foundation
import Logging
import Postgres

/// A worker's handle on the job it runs: load it by id, heartbeat, record
/// progress, then finish with a result or an error. Every write is fenced by
/// the attempt's launch token (when the launcher gave one), so a worker whose
/// attempt was rescued or cancelled can't overwrite the newer state.
public final class JobContext: Sendable {
    public let job: Job
    public let queue: JobQueue
    /// The launch token this worker was started with (`PYRAMYDAL_JOB_TOKEN`).
    public let token: String?
    public var id: Int64 { job.id }
    public var kind: String { job.kind }
    public var attempt: Int { job.attempt }
    public var arguments: [String: JSONValue] { job.arguments.objectValue ?? [:] }
    public var logger: Logger { queue.logger }

    init(job: Job, queue: JobQueue, token: String?) {
        self.job = job
        self.queue = queue
        self.token = token
    }

    /// Loads job `id` and marks it `running` (`launching → running`). Throws
    /// `.leaseLost` if the attempt is no longer in flight under `token`.
    public static func load(id: Int64, token: String? = nil, taskID: String? = nil, connection: PostgresConnection,
                            schema: String = JobQueue.defaultSchema, logger: Logger = Logger(label: "pyramydal.worker")) async throws -> JobContext {
        let queue = JobQueue(connection: connection, schema: schema, logger: logger)
        guard let job = try await queue.start(id: id, token: token, taskID: taskID) else {
            let current = try await queue.job(id: id)
            throw JobQueueError(
                code: current == nil ? .notFound : .leaseLost,
                message: current.map { "the job is \($0.state) (attempt \($0.attempt)), not this worker's to run" } ?? "no such job",
                jobID: id, step: "loading the job")
        }
        return JobContext(job: job, queue: queue, token: token)
    }

    /// Decodes the arguments into `T`; a mismatch is bad input (the job is discarded).
    public func decodeArguments<T: Decodable>(_ type: T.Type = T.self) throws -> T {
        do {
            return try job.decodeArguments(type)
        } catch let error as DecodingError {
            throw WorkerError.badInput("the arguments of this \(kind) job don't fit: \(Self.describe(error))")
        }
    }

    /// Extends the lease. Throws `.leaseLost` when the job was cancelled or
    /// taken over, so the worker can stop.
    public func heartbeat() async throws {
        guard try await queue.heartbeat(id: id, token: token) else { throw leaseLost("heartbeat") }
    }

    /// Records progress (0 … 1, or nil: not known) with a message; also a heartbeat.
    public func progress(_ fraction: Double?, message: String? = nil) async throws {
        guard try await queue.progress(id: id, token: token, fraction: fraction, message: message) else { throw leaseLost("progress") }
    }

    /// Finishes the attempt successfully with `result`.
    public func complete(result: JSONValue? = nil) async throws {
        guard try await queue.finish(id: id, token: token, outcome: .complete, result: result) != nil else {
            throw leaseLost("completing")
        }
    }

    /// Finishes the attempt with an error: retryable (with backoff, while
    /// attempts remain) or not (discarded). Returns the job's new state.
    @discardableResult
    public func fail(error: String, retryable: Bool, backoff: Backoff = Backoff()) async throws -> JobState {
        guard let state = try await queue.finish(id: id, token: token, outcome: retryable ? .retry : .discard, error: error,
                                                 retryDelay: backoff.delay(afterAttempt: attempt)) else {
            throw leaseLost("failing")
        }
        return state
    }

    private func leaseLost(_ step: String) -> JobQueueError {
        JobQueueError(code: .leaseLost, message: "the attempt is no longer in flight (cancelled, rescued or finished)",
                      jobID: id, step: step)
    }

    static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            let keys = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
            return keys.isEmpty ? "" : " at \(keys)"
        }
        switch error {
        case .keyNotFound(let key, let context): return "missing \"\(key.stringValue)\"\(path(context))"
        case .typeMismatch(let type, let context): return "expected \(type)\(path(context)): \(context.debugDescription)"
        case .valueNotFound(let type, let context): return "expected \(type)\(path(context)), got null"
        case .dataCorrupted(let context): return "\(context.debugDescription)\(path(context))"
        @unknown default: return "\(error)"
        }
    }
}

/// Errors a worker's body throws to pick its exit code.
public enum WorkerError: Error, Sendable, CustomStringConvertible {
    /// The input is bad: discard the job (exit 65).
    case badInput(String)
    /// Try again later (exit 75).
    case transient(String)

    public var description: String {
        switch self {
        case .badInput(let message), .transient(let message): message
        }
    }
}
