import Logging
import ServiceLifecycle

/// Leader election: every housekeeping interval, a dispatcher that isn't
/// the leader tries to take the queue's advisory lock on the shared
/// housekeeping session. Exactly one dispatcher per queue schema holds it;
/// the leader-only services (rescue, pruning, intake) wait for
/// ``leadership()``. Like River's `internal/leadership` elector.
final class LeaderElector: Service, Sendable {
    let connection: MaintenanceConnection
    let interval: Duration
    let logger: Logger
    private struct State {
        /// The session generation leadership was won on.
        var generation: Int?
        var waiters: [Int: CheckedContinuation<Int?, Never>] = [:]
        var nextWaiter = 0
        var stopped = false
    }
    private let state = Locked(State())

    init(connection: MaintenanceConnection, interval: Duration, logger: Logger) {
        self.connection = connection
        self.interval = interval
        self.logger = logger
    }

    func run() async {
        await cancelWhenGracefulShutdown {
            await repeatEvery(self.interval) { await self.elect() }
        }
        let waiters = state.withLock { state in
            state.stopped = true
            defer { state.waiters = [:] }
            return state.waiters.values
        }
        for waiter in waiters { waiter.resume(returning: nil) }
    }

    private func elect() async {
        do {
            let session = try await connection.session()
            if state.withLock({ $0.generation }) == session.generation { return }
            guard try await session.queue.tryLeadership() else { return }
            logger.info("this dispatcher is the leader (rescue, pruning, intake)")
            let waiters = state.withLock { state in
                state.generation = session.generation
                defer { state.waiters = [:] }
                return state.waiters.values
            }
            for waiter in waiters { waiter.resume(returning: session.generation) }
        } catch {
            if Task.isCancelled { return }
            logger.error("leader election failed", metadata: ["error": "\(error)"])
        }
    }

    /// Whether leadership is held on the session of this generation.
    func leads(on generation: Int) -> Bool {
        state.withLock { $0.generation == generation }
    }

    /// Waits until this dispatcher leads and returns the session generation
    /// it leads on; nil once the elector has stopped or the task is cancelled.
    func leadership() async -> Int? {
        let id = state.withLock { state in
            state.nextWaiter += 1
            return state.nextWaiter
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let now: Int?? = state.withLock { state in
                    if let generation = state.generation { return .some(generation) }
                    if state.stopped || Task.isCancelled { return .some(nil) }
                    state.waiters[id] = continuation
                    return nil
                }
                if let now { continuation.resume(returning: now) }
            }
        } onCancel: {
            state.withLock { $0.waiters.removeValue(forKey: id) }?.resume(returning: nil)
        }
    }
}

/// A leader-only maintenance step: waits for leadership, then runs `body`
/// on the leader's session every `interval`; after a reconnect it waits
/// for leadership again.
func repeatWhileLeader(_ elector: LeaderElector, connection: MaintenanceConnection, every interval: Duration,
                       logger: Logger, failure: String, _ body: (JobQueue) async throws -> Void) async {
    await repeatEvery(interval) {
        guard await elector.leadership() != nil, !Task.isCancelled else { return }
        do {
            let session = try await connection.session()
            guard elector.leads(on: session.generation) else { return }
            try await body(session.queue)
        } catch {
            if Task.isCancelled { return }
            logger.error("\(failure)", metadata: ["error": "\(error)"])
        }
    }
}
