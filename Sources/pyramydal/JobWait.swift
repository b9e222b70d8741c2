import Dispatching
import Foundation
import JobQueue
import PyramydalRuntime

/// Waits for one job (`pyramydal export`, `pyramydal snapshot --now --wait`), printing a line to stderr whenever its state or
/// progress changes (`[4.2s] running, attempt 1/5: rendered 100000 rows …`),
/// and optionally runs a dispatcher in this process meanwhile (when no other
/// dispatcher would launch the job). Returns the completed job; a discarded
/// or cancelled job, or the timeout, throws with the job's last error.
struct JobWait {
    let queue: JobQueue
    let jobID: Int64
    let timeout: Duration

    /// Waits for the job; when no dispatcher would launch it (see
    /// ``ProductionDispatcher/isUnattended(configuration:databaseURL:logger:)``),
    /// runs one in this process meanwhile.
    static func wait(for jobID: Int64, queue: JobQueue, databaseURL: String, timeout: Duration,
                     context: CommandContext) async throws -> Job {
        let wait = JobWait(queue: queue, jobID: jobID, timeout: timeout)
        let configuration = context.configuration
        guard try await ProductionDispatcher.isUnattended(configuration: configuration, databaseURL: databaseURL,
                                                          logger: context.logger) else {
            return try await wait.run(dispatchingHere: nil)
        }
        return try await wait.run {
            note("no dispatcher is running; launching the job from here")
            return try await ProductionDispatcher.make(configuration: configuration, databaseURL: databaseURL, intake: false,
                                                       shutdownTimeout: .seconds(30), quiet: true, logger: context.logger)
        }
    }

    static func note(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    func run(dispatchingHere makeDispatcher: (() async throws -> Dispatcher)?) async throws -> Job {
        guard let dispatcher = try await makeDispatcher?() else { return try await poll() }
        async let dispatching: Void = dispatcher.run()
        let outcome: Result<Job, any Error>
        do { outcome = .success(try await poll()) } catch { outcome = .failure(error) }
        dispatcher.shutdown()
        do {
            try await dispatching
        } catch {
            Self.note("the dispatcher in this process stopped with an error: \(error)")
        }
        return try outcome.get()
    }

    private func poll() async throws -> Job {
        let clock = ContinuousClock()
        let started = clock.now
        var last = ""
        while true {
            guard let job = try await queue.job(id: jobID) else {
                throw CLIError("job \(jobID) is gone (pruned or deleted)")
            }
            let line = Self.describe(job)
            if line != last {
                let elapsed = (clock.now - started).components
                Self.note(String(format: "[%.1fs] ", Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18) + line)
                last = line
            }
            switch job.state {
            case .completed:
                return job
            case .discarded, .cancelled:
                throw CLIError("job \(jobID) \(job.state.rawValue): \(job.lastError ?? "no error recorded")")
            default:
                break
            }
            guard clock.now - started < timeout else {
                throw CLIError("job \(jobID) is still \(job.state.rawValue) after \(timeout); it goes on "
                    + "(pyramydal jobs show \(jobID))")
            }
            try await Task.sleep(for: .milliseconds(250))
        }
    }

    static func describe(_ job: Job) -> String {
        var line = "\(job.state.rawValue)"
        if job.attempt > 0 { line += ", attempt \(job.attempt)/\(job.maxAttempts)" }
        switch job.state {
        case .retryable:
            line += ": failed (\(job.lastError ?? "no error recorded")); retrying"
        case .running:
            if let message = job.progressMessage {
                line += ": " + message
                if let progress = job.progress { line += String(format: " (%.0f%%)", progress * 100) }
            }
        default:
            break
        }
        return line
    }
}
