internal import CLibPQ
import Dispatch
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A `NOTIFY` received on a channel this connection listens to.
public struct PostgresNotification: Sendable, Hashable {
    public var channel: String
    public var payload: String
    /// Process ID of the notifying backend.
    public var pid: Int32

    public init(channel: String, payload: String, pid: Int32) {
        self.channel = channel
        self.payload = payload
        self.pid = pid
    }
}

extension PostgresConnection {
    /// `LISTEN` on `channel` (quoted, so any name works).
    public func listen(_ channel: String) throws {
        try execute("LISTEN \(Self.quoteIdentifier(channel))", purpose: "listening on channel \(channel)")
    }

    public func listen(_ channel: String) async throws {
        try await onQueue { try self.listen(channel) }
    }

    public func unlisten(_ channel: String) throws {
        try execute("UNLISTEN \(Self.quoteIdentifier(channel))", purpose: "unlistening channel \(channel)")
    }

    public func unlisten(_ channel: String) async throws {
        try await onQueue { try self.unlisten(channel) }
    }

    /// `SELECT pg_notify($1, $2)`: delivered when the current transaction commits.
    public func notify(_ channel: String, payload: String = "") throws {
        try query("SELECT pg_notify($1, $2)", [.text(channel), .text(payload)], purpose: "notifying channel \(channel)")
    }

    public func notify(_ channel: String, payload: String = "") async throws {
        try await onQueue { try self.notify(channel, payload: payload) }
    }

    /// Waits up to `timeout` for a notification on a channel this connection
    /// listens to; `nil` if none came. Notifications already received (also
    /// during earlier statements) are returned first, one per call, oldest
    /// first. Blocks in `poll()` on the connection's socket, on the
    /// connection's queue; task cancellation wakes the poll and throws
    /// `CancellationError`. A connection that broke throws `.connectionLost`.
    /// Other statements on this connection wait until the wait ends, so a
    /// listener normally has a connection of its own.
    public func waitForNotification(timeout: Duration) async throws -> PostgresNotification? {
        let wakeup = try WakeupPipe()
        return try await withTaskCancellationHandler {
            try await onQueue { try self.waitForNotification(timeout: timeout, wakeup: wakeup) }
        } onCancel: {
            wakeup.signal()
        }
    }

    /// Blocking ``waitForNotification(timeout:)`` on the caller's thread.
    public func waitForNotification(timeout: Duration) throws -> PostgresNotification? {
        try waitForNotification(timeout: timeout, wakeup: nil)
    }

    private func waitForNotification(timeout: Duration, wakeup: WakeupPipe?) throws -> PostgresNotification? {
        let purpose = "waiting for a notification"
        let deadline = ContinuousClock.now + timeout
        return try withHandle(purpose: purpose) { handle in
            while true {
                if wakeup?.isSignalled == true { throw CancellationError() }
                try readNotifications(handle: handle, purpose: purpose)
                if !pendingNotifications.isEmpty { return pendingNotifications.removeFirst() }

                let remaining = ContinuousClock.now.duration(to: deadline)
                if remaining <= .zero { return nil }
                let components = remaining.components
                let milliseconds = components.seconds * 1000 + (components.attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
                let socket = PQsocket(handle)
                guard socket >= 0 else {
                    throw connectionError(handle: handle, purpose: purpose, fallback: .connectionLost)
                }
                var fds = [pollfd(fd: socket, events: Int16(POLLIN), revents: 0)]
                if let wakeup { fds.append(pollfd(fd: wakeup.readEnd, events: Int16(POLLIN), revents: 0)) }
                let ready = poll(&fds, nfds_t(fds.count), Int32(clamping: milliseconds))
                if ready < 0 && errno != EINTR {
                    throw PostgresError(code: .unexpectedResult, message: "poll() failed: \(String(cString: strerror(errno)))",
                                        purpose: purpose)
                }
            }
        }
    }

    /// `PQconsumeInput` then every queued `PQnotifies` into `pendingNotifications`.
    private func readNotifications(handle: OpaquePointer, purpose: String) throws {
        if PQconsumeInput(handle) == 0 {
            throw connectionError(handle: handle, purpose: purpose, fallback: .connectionLost)
        }
        while let notify = PQnotifies(handle) {
            pendingNotifications.append(PostgresNotification(
                channel: String(cString: notify.pointee.relname),
                payload: notify.pointee.extra.map { String(cString: $0) } ?? "",
                pid: notify.pointee.be_pid))
            PQfreemem(notify)
        }
        if PQstatus(handle) == CONNECTION_BAD {
            throw connectionError(handle: handle, purpose: purpose, fallback: .connectionLost)
        }
    }
}

/// A pipe whose read end joins the `poll()` so cancellation can wake it.
private final class WakeupPipe: Sendable {
    let readEnd: Int32
    let writeEnd: Int32

    init() throws {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else {
            throw PostgresError(code: .unexpectedResult, message: "pipe() failed: \(String(cString: strerror(errno)))",
                                purpose: "waiting for a notification")
        }
        readEnd = fds[0]
        writeEnd = fds[1]
    }

    deinit {
        close(readEnd)
        close(writeEnd)
    }

    func signal() {
        var byte: UInt8 = 1
        _ = write(writeEnd, &byte, 1)
    }

    var isSignalled: Bool {
        var fd = pollfd(fd: readEnd, events: Int16(POLLIN), revents: 0)
        return poll(&fd, 1, 0) > 0
    }
}
