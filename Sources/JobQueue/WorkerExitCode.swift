/// The exit-code convention every worker executable follows (sysexits.h).
public enum WorkerExitCode: Int32, Sendable, CaseIterable {
    /// The job is done.
    case success = 0
    /// EX_USAGE: bad command-line arguments or configuration (run by hand).
    case usage = 64
    /// EX_DATAERR: the input is bad; discard the job, don't retry.
    case badInput = 65
    /// EX_SOFTWARE: an unexpected failure (run by hand); as a job, retried.
    case internalError = 70
    /// EX_TEMPFAIL: try again later, with exponential backoff and jitter.
    case transient = 75
}

/// How a worker's task or process ended, as the launcher saw it.
public struct TaskExit: Sendable, Hashable, CustomStringConvertible {
    /// The process exit status, when it exited normally.
    public var exitCode: Int32?
    /// The signal that ended it (e.g. 9 for `kill -9`).
    public var signal: Int32?
    /// Why the platform stopped it (ECS `stoppedReason`, "dispatcher shutdown", …).
    public var stopReason: String?

    public init(exitCode: Int32? = nil, signal: Int32? = nil, stopReason: String? = nil) {
        self.exitCode = exitCode
        self.signal = signal
        self.stopReason = stopReason
    }

    public var description: String {
        if let signal { return "killed by signal \(signal)" + (stopReason.map { " (\($0))" } ?? "") }
        if let exitCode {
            let meaning = WorkerExitCode(rawValue: exitCode).map { " (\($0))" } ?? ""
            return "exited with status \(exitCode)\(meaning)" + (stopReason.map { ", \($0)" } ?? "")
        }
        return stopReason ?? "ended without an exit status"
    }
}

/// What the queue does with an attempt whose task ended while the job was
/// still in flight (the worker did not record an outcome itself).
public enum AttemptOutcome: Sendable, Hashable {
    case complete
    /// Don't retry (bad input).
    case discard
    /// Retry with backoff while attempts remain, else discard.
    case retry

    /// The decision from the exit: 0 → complete, 65 → discard, 75, any other
    /// status, a signal, or no status at all → retry.
    public init(_ exit: TaskExit) {
        if exit.signal == nil, let code = exit.exitCode {
            switch WorkerExitCode(rawValue: code) {
            case .success: self = .complete
            case .badInput: self = .discard
            case .transient, .usage, .internalError, nil: self = .retry
            }
        } else {
            self = .retry
        }
    }

    /// The state the job goes to after attempt `attempt` of `maxAttempts`.
    public func nextState(attempt: Int, maxAttempts: Int) -> JobState {
        switch self {
        case .complete: .completed
        case .discard: .discarded
        case .retry: attempt < maxAttempts ? .retryable : .discarded
        }
    }
}
