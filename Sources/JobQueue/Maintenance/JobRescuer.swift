import Logging
import ServiceLifecycle

/// Leader only: puts lost jobs back (a running job without a heartbeat for
/// the lease, a launching one without a task after the launch timeout or
/// never started), like River's `internal/maintenance` job rescuer.
struct JobRescuer: Service {
    let elector: LeaderElector
    let connection: MaintenanceConnection
    let settings: DispatcherSettings
    let logger: Logger

    func run() async {
        await cancelWhenGracefulShutdown {
            await repeatWhileLeader(elector, connection: connection, every: settings.housekeepingInterval, logger: logger,
                                    failure: "rescuing lost jobs failed") { queue in
                _ = try await queue.rescue(lease: settings.lease, launchTimeout: settings.launchTimeout,
                                           startTimeout: settings.startTimeout, backoff: settings.backoff)
            }
        }
    }
}
