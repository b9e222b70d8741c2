import Logging
import ServiceLifecycle

/// Leader only: once a minute, deletes finished jobs older than the
/// retention, like River's `internal/maintenance` job cleaner.
struct JobPruner: Service {
    let elector: LeaderElector
    let connection: MaintenanceConnection
    let retention: Duration
    var interval: Duration = .seconds(60)
    let logger: Logger

    func run() async {
        await cancelWhenGracefulShutdown {
            await repeatWhileLeader(elector, connection: connection, every: interval, logger: logger,
                                    failure: "pruning finished jobs failed") { queue in
                let pruned = try await queue.prune(retention: retention)
                if pruned > 0 { logger.info("pruned finished jobs", metadata: ["jobs.pruned": "\(pruned)"]) }
            }
        }
    }
}
