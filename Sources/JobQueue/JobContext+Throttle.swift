import Foundation
import Synchronization

extension JobContext {
    /// A progress reporter for work that runs on a thread of its own (an
    /// ingest's COPY loop); see ``ThrottledProgress``.
    public func throttledProgress(every interval: Double = 0.5) -> ThrottledProgress {
        ThrottledProgress(job: self, interval: interval)
    }
}

/// Records a job's progress from any thread without making it wait: at
/// most one write every `interval` seconds and never two at once, each in
/// a task of its own; reports in between are dropped (the next one carries
/// the newer figures), and so is a failed write (the heartbeat notices a
/// lost lease). ``finish(_:message:)`` writes the last word after any write
/// still running, so an older figure never overwrites it.
public final class ThrottledProgress: Sendable {
    private struct State {
        var last: UInt64 = 0
        var running: Task<Void, Never>?
        var finished = false
    }

    private let job: JobContext
    private let interval: UInt64
    private let state = Mutex(State())

    init(job: JobContext, interval: Double) {
        self.job = job
        self.interval = UInt64(max(0, interval) * 1e9)
    }

    /// Records `fraction` (0 … 1, nil: not known) and `message`, unless a
    /// write is running or the last one started less than `interval` ago.
    public func report(_ fraction: Double?, _ message: String) {
        let now = DispatchTime.now().uptimeNanoseconds
        let job = job
        state.withLock { s in
            guard !s.finished, s.running == nil, s.last == 0 || now - s.last >= interval else { return }
            s.last = now
            s.running = Task { [weak self] in
                try? await job.progress(fraction, message: message)
                self?.state.withLock { $0.running = nil }
            }
        }
    }

    /// Stops the reports and records the last progress, after the write
    /// still running (if any).
    public func finish(_ fraction: Double?, message: String) async {
        let pending = state.withLock { s in
            s.finished = true
            return s.running
        }
        await pending?.value
        try? await job.progress(fraction, message: message)
    }
}
