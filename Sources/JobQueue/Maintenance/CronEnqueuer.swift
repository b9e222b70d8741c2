import Logging
import ServiceLifecycle

/// Every dispatcher, every housekeeping interval: enqueues the due slots of
/// the cron schedules. Not leader-only; each slot's unique key makes it
/// one job however many dispatchers see it, like River's periodic job
/// enqueuer.
struct CronEnqueuer: Service {
    let connection: MaintenanceConnection
    let interval: Duration
    let logger: Logger

    func run() async {
        await cancelWhenGracefulShutdown {
            await repeatEvery(interval) {
                do {
                    _ = try await connection.session().queue.enqueueDueSchedules()
                } catch {
                    if Task.isCancelled { return }
                    logger.error("enqueueing due schedules failed", metadata: ["error": "\(error)"])
                }
            }
        }
    }
}
