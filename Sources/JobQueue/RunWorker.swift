import ChildProcess
import Foundation
import Logging
import Postgres

/// The whole life of a worker process, so each worker executable stays thin:
/// reads `PYRAMYDAL_JOB_ID` (and the token, memory limit, schema), connects
/// with `PYRAMYDAL_DATABASE_URL`, loads the job (`running`), heartbeats in the
/// background, runs `body`, records the outcome and returns the exit code
/// (``WorkerExitCode``): `body` returning → complete, 0; ``WorkerError/badInput(_:)``
/// or a `DecodingError` → discarded, 65; anything else → retryable, 75.
///
/// ```swift
/// @main struct IngestWorker {
///     static func main() async { exit(await runWorker(kind: "ingest") { job in …; return ["rows": 12] }) }
/// }
/// ```
public func runWorker(
    kind: String,
    environment: [String: String] = ProcessInfo.processInfo.environment,
    logger: Logger = Logger(label: "pyramydal.worker"),
    body: @escaping @Sendable (JobContext) async throws -> JSONValue?
) async -> Int32 {
    var logger = logger
    guard let idText = environment[WorkerEnvironment.jobID], let id = Int64(idText) else {
        logger.error("\(WorkerEnvironment.jobID) is not set to a job id; a worker runs one job, started by the dispatcher")
        return WorkerExitCode.badInput.rawValue
    }
    logger[metadataKey: "job.id"] = "\(id)"
    guard let url = environment["PYRAMYDAL_DATABASE_URL"], !url.isEmpty else {
        logger.error("PYRAMYDAL_DATABASE_URL is not set")
        return WorkerExitCode.transient.rawValue
    }
    if let memory = environment[WorkerEnvironment.memoryMiB].flatMap(Int.init), memory > 0 {
        do {
            try ChildProcess.limitDataSize(mebibytes: memory)
        } catch {
            logger.warning("could not apply the memory limit", metadata: ["limit.mib": "\(memory)", "error": "\(error.reason)"])
        }
    }
    let schema = environment[WorkerEnvironment.schema].flatMap { $0.isEmpty ? nil : $0 } ?? JobQueue.defaultSchema
    let token = environment[WorkerEnvironment.token].flatMap { $0.isEmpty ? nil : $0 }
    let interval = environment[WorkerEnvironment.heartbeatSeconds].flatMap(Double.init) ?? 5

    let context: JobContext
    do {
        let connection = try await PostgresConnection.connect(url: url, variable: "PYRAMYDAL_DATABASE_URL",
                                                              applicationName: "pyramydal-\(kind)-worker", logger: logger)
        context = try await JobContext.load(id: id, token: token, taskID: "pid:\(ProcessInfo.processInfo.processIdentifier)@\(ProcessInfo.processInfo.hostName)",
                                            connection: connection, schema: schema, logger: logger)
    } catch let error as JobQueueError where error.code == .leaseLost || error.code == .notFound {
        logger.warning("not running the job", metadata: ["error": "\(error)"])
        return WorkerExitCode.success.rawValue
    } catch {
        logger.error("could not load the job", metadata: ["error": "\(error)"])
        return WorkerExitCode.transient.rawValue
    }
    guard context.kind == kind else {
        _ = try? await context.fail(error: "this is a \(context.kind) job, but the \(kind) worker was started for it", retryable: false)
        return WorkerExitCode.badInput.rawValue
    }
    logger[metadataKey: "job.kind"] = "\(kind)"
    logger[metadataKey: "job.attempt"] = "\(context.attempt)"
    logger.info("job started")

    let heartbeat = Task {
        while !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(Int64(interval * 1000)))
            if Task.isCancelled { break }
            do {
                try await context.heartbeat()
            } catch let error as JobQueueError where error.code == .leaseLost {
                logger.warning("the job was cancelled or taken over; stopping")
                exit(WorkerExitCode.transient.rawValue)
            } catch {
                logger.warning("heartbeat failed", metadata: ["error": "\(error)"])
            }
        }
    }
    defer { heartbeat.cancel() }

    do {
        let result = try await body(context)
        heartbeat.cancel()
        try await context.complete(result: result)
        logger.info("job completed")
        return WorkerExitCode.success.rawValue
    } catch {
        heartbeat.cancel()
        let (message, retryable): (String, Bool) = switch error {
        case WorkerError.badInput(let message): (message, false)
        case let error as DecodingError: ("bad arguments: \(JobContext.describe(error))", false)
        case let error as PostgresError where error.isBadInput: ("\(error)", false)
        default: ("\(error)", true)
        }
        logger.error("job failed", metadata: ["error": "\(message)", "job.retryable": "\(retryable)"])
        do {
            try await context.fail(error: message, retryable: retryable)
        } catch {
            logger.error("could not record the failure", metadata: ["error": "\(error)"])
        }
        return retryable ? WorkerExitCode.transient.rawValue : WorkerExitCode.badInput.rawValue
    }
}
