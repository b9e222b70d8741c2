import Logging
import ServiceLifecycle

/// Leader only: every housekeeping interval, sweeps each ``JobIntake``
/// (the store's `incoming/`, the S3 event queue) for new jobs; one failing
/// intake doesn't hold up the others.
struct IntakeSweeper: Service {
    let elector: LeaderElector
    let connection: MaintenanceConnection
    let intakes: [any JobIntake]
    let interval: Duration
    let logger: Logger

    func run() async {
        await cancelWhenGracefulShutdown {
            await repeatWhileLeader(elector, connection: connection, every: interval, logger: logger,
                                    failure: "intake failed") { queue in
                for intake in intakes {
                    do {
                        try await intake.sweep(queue: queue)
                    } catch {
                        logger.error("intake sweep failed", metadata: ["intake": "\(intake.name)", "error": "\(error)"])
                    }
                }
            }
        }
    }
}
