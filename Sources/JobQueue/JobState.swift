/// The one set of job-state names, used as-is in SQL (`jobs.state`), in
/// Swift and in logs (`job.state`). See docs/jobs.md for the diagram.
public enum JobState: String, Sendable, Hashable, CaseIterable, Codable, CustomStringConvertible {
    /// Ready to be claimed now.
    case available
    /// Enqueued for a later `scheduled_at`; claimable once that time passes.
    case scheduled
    /// Claimed by a dispatcher; its task/process is being started.
    case launching
    /// The worker loaded the job and heartbeats while working.
    case running
    /// The last attempt failed transiently; claimable again at `scheduled_at` (backoff).
    case retryable
    /// Finished successfully (final).
    case completed
    /// Failed for good: bad input, or out of attempts (final).
    case discarded
    /// Cancelled by a person (final).
    case cancelled

    public var description: String { rawValue }

    /// A final state: the job never runs again unless retried by hand.
    public var isFinal: Bool { self == .completed || self == .discarded || self == .cancelled }

    /// States a dispatcher claims from (when `scheduled_at` has passed).
    public static let claimable: [JobState] = [.available, .scheduled, .retryable]
    /// States in which an attempt is in flight.
    public static let inFlight: [JobState] = [.launching, .running]

    /// Whether the state machine allows `self → next`.
    public func canTransition(to next: JobState) -> Bool {
        switch (self, next) {
        case (.available, .launching), (.scheduled, .launching), (.retryable, .launching): true
        case (.launching, .running): true
        // A failed start that does not use up an attempt, or a dispatcher shut down before launching.
        case (.launching, .available): true
        case (.launching, .completed), (.launching, .retryable), (.launching, .discarded): true
        case (.running, .completed), (.running, .retryable), (.running, .discarded): true
        case (.available, .cancelled), (.scheduled, .cancelled), (.retryable, .cancelled),
             (.launching, .cancelled), (.running, .cancelled): true
        // `pyramydal jobs retry`: a finished or waiting job runs again.
        case (.retryable, .available), (.discarded, .available), (.cancelled, .available), (.completed, .available): true
        default: false
        }
    }
}
