internal import CLibPQ
import Foundation

/// Cancels the running statement of an async call whose task is cancelled,
/// with `PQcancel`, which libpq documents as safe to call from another thread
/// while the connection's own thread waits for the statement.
///
/// Each async call takes a token; the connection's queue marks it running
/// while the call's libpq work runs, and `cancel` sends a cancel request only
/// while that token is running (so a finished call never cancels a later
/// statement). A call cancelled before it started does not start.
///
/// `@unchecked Sendable`: every stored property is guarded by `lock`.
final class StatementCanceller: @unchecked Sendable {
    private let lock = NSLock()
    /// `PGcancel*`; `nil` after `invalidate()`.
    private var handle: OpaquePointer?
    private var nextToken: UInt64 = 0
    private var running: UInt64?
    private var highestStarted: UInt64 = 0
    private var cancelledBeforeStart: Set<UInt64> = []

    init(connection: OpaquePointer) {
        handle = PQgetCancel(connection)
    }

    deinit {
        if let handle { PQfreeCancel(handle) }
    }

    /// Frees the cancel object; called when the connection closes.
    func invalidate() {
        lock.withLock {
            if let handle { PQfreeCancel(handle) }
            handle = nil
        }
    }

    func makeToken() -> UInt64 {
        lock.withLock {
            nextToken += 1
            return nextToken
        }
    }

    /// Marks `token` running; false if its task was cancelled before it started.
    func start(_ token: UInt64) -> Bool {
        lock.withLock {
            if cancelledBeforeStart.remove(token) != nil { return false }
            running = token
            highestStarted = max(highestStarted, token)
            return true
        }
    }

    func end(_ token: UInt64) {
        lock.withLock {
            if running == token { running = nil }
        }
    }

    func cancel(_ token: UInt64) {
        lock.withLock {
            if running == token {
                guard let handle else { return }
                var errorBuffer = [CChar](repeating: 0, count: 256)
                _ = PQcancel(handle, &errorBuffer, Int32(errorBuffer.count))
            } else if token > highestStarted {
                cancelledBeforeStart.insert(token)
            }
        }
    }
}
