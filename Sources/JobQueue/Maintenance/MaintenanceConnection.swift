import Logging

/// The dispatcher's housekeeping session, shared by its maintenance
/// services (``LeaderElector``, ``JobRescuer``, ``JobPruner``,
/// ``IntakeSweeper``, ``CronEnqueuer``): one connection, whose statements
/// the connection serialises, reopened when it is lost.
///
/// Leadership is a session-level advisory lock, so it dies with the
/// session; each reopened session has a new ``Session/generation`` and the
/// elector only counts leadership won on the current one.
final class MaintenanceConnection: Sendable {
    struct Session: Sendable {
        var queue: JobQueue
        var generation: Int
    }

    let url: String
    let schema: String
    let logger: Logger
    private let state = Locked<(session: Session?, generations: Int)>((nil, 0))

    init(url: String, schema: String, logger: Logger) {
        self.url = url
        self.schema = schema
        self.logger = logger
    }

    /// The open session, reconnecting first if there is none or it was lost.
    func session() async throws -> Session {
        if let session = state.withLock({ $0.session }), session.queue.connection.isAlive { return session }
        let queue = try await JobQueue.connect(url: url, schema: schema, applicationName: "pyramydal-dispatcher-housekeeping",
                                               logger: logger)
        let (session, stale) = state.withLock { state -> (Session, JobQueue?) in
            // Another service may have reconnected meanwhile: keep the first.
            if let current = state.session, current.queue.connection.isAlive { return (current, queue) }
            let old = state.session?.queue
            state.generations += 1
            state.session = Session(queue: queue, generation: state.generations)
            return (state.session!, old)
        }
        stale?.connection.close()
        return session
    }

    func close() {
        state.withLock { state in
            state.session?.queue.connection.close()
            state.session = nil
        }
    }
}

/// Runs `body` every `interval` until the task is cancelled; the loop of
/// each maintenance service.
func repeatEvery(_ interval: Duration, _ body: () async -> Void) async {
    while !Task.isCancelled {
        await body()
        if Task.isCancelled { return }
        try? await Task.sleep(for: interval)
    }
}
