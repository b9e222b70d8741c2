import Logging
import Postgres
import ServiceLifecycle

/// Listens on the queue's channel on a connection of its own: an enqueue
/// wakes the dispatcher at once, a `cancel:<id>` payload stops that job's
/// task. Reconnects after a failure, polling meanwhile.
struct JobNotificationListener: Service {
    let url: String
    let channel: String
    let retryInterval: Duration
    let logger: Logger
    let onEnqueued: @Sendable () -> Void
    let onCancel: @Sendable (Int64) -> Void

    func run() async {
        await cancelWhenGracefulShutdown { await listen() }
    }

    private func listen() async {
        while !Task.isCancelled {
            do {
                let connection = try await PostgresConnection.connect(url: url, variable: "PYRAMYDAL_DATABASE_URL",
                                                                      applicationName: "pyramydal-dispatcher-listen", logger: logger)
                defer { connection.close() }
                try await connection.listen(channel)
                onEnqueued()  // anything enqueued while we weren't listening
                while !Task.isCancelled {
                    guard let notification = try await connection.waitForNotification(timeout: .seconds(30)) else { continue }
                    if notification.payload.hasPrefix("cancel:"), let id = Int64(notification.payload.dropFirst(7)) {
                        onCancel(id)
                    } else {
                        onEnqueued()
                    }
                }
            } catch is CancellationError {
                return
            } catch {
                if Task.isCancelled { return }
                logger.warning("listening for jobs failed; polling until it reconnects", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: retryInterval)
            }
        }
    }
}

/// The polling fallback: wakes the dispatcher every poll interval, in case
/// a notification was missed.
struct PollTicker: Service {
    let interval: Duration
    let onTick: @Sendable () -> Void

    func run() async {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                onTick()
            }
        }
    }
}
