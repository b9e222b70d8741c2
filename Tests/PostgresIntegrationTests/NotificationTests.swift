import Foundation
import Postgres
import Testing

@Suite("LISTEN/NOTIFY")
struct NotificationTests {
    private func channel(_ name: String) -> String { "\(name) \(UInt32.random(in: 0...UInt32.max))" }

    @Test("a waiter wakes when a second connection notifies, well before the timeout")
    func wakeUp() async throws {
        let listener = try await TestDatabase.connect()
        let notifier = try await TestDatabase.connect()
        defer { listener.close(); notifier.close() }
        let channel = channel("jobs ready")
        try await listener.listen(channel)

        let start = ContinuousClock.now
        async let received = listener.waitForNotification(timeout: .seconds(120))
        // Give the waiter time to block in poll(), so the wake-up is tested.
        try await Task.sleep(for: .milliseconds(200))
        try await notifier.notify(channel, payload: "job 42")
        let notification = try #require(try await received)
        let elapsed = ContinuousClock.now - start
        #expect(notification.channel == channel)
        #expect(notification.payload == "job 42")
        #expect(notification.pid == notifier.processID)
        // Woken by the notification, not by the timeout (generous: CI machines are busy).
        #expect(elapsed < .seconds(60))
    }

    @Test("without a notify the wait returns nil after the timeout")
    func timeout() async throws {
        let listener = try await TestDatabase.connect()
        defer { listener.close() }
        try await listener.listen(channel("quiet"))
        let start = ContinuousClock.now
        let notification = try await listener.waitForNotification(timeout: .milliseconds(300))
        let elapsed = ContinuousClock.now - start
        #expect(notification == nil)
        #expect(elapsed >= .milliseconds(300))
        // It returns rather than blocking on (generous: CI machines are busy).
        #expect(elapsed < .seconds(30))
    }

    @Test("queued notifications come one per call, in order; the sync wait works too")
    func queued() async throws {
        let listener = try await TestDatabase.connect()
        let notifier = try await TestDatabase.connect()
        defer { listener.close(); notifier.close() }
        let channel = channel("batch")
        try await listener.listen(channel)
        try await notifier.execute("""
            BEGIN; SELECT pg_notify(\(PostgresConnection.quoteLiteral(channel)), 'one');
            SELECT pg_notify(\(PostgresConnection.quoteLiteral(channel)), 'two');
            SELECT pg_notify(\(PostgresConnection.quoteLiteral(channel)), 'three'); COMMIT
            """, purpose: "notifying three times")
        // A statement on the listener reads them into libpq's queue first.
        try await listener.query("SELECT 1", purpose: "a statement in between")
        var payloads: [String] = []
        for _ in 0..<3 {
            if let notification = try await listener.waitForNotification(timeout: .seconds(60)) {
                payloads.append(notification.payload)
            }
        }
        #expect(payloads == ["one", "two", "three"])

        let own = try notifySelfSync(listener, channel: channel)
        #expect(own?.payload == "to myself")
        #expect(own?.pid == listener.processID)
        try await listener.unlisten(channel)
        try await notifier.notify(channel, payload: "after unlisten")
        #expect(try await listener.waitForNotification(timeout: .milliseconds(100)) == nil)
    }

    /// The blocking API: a connection notifies itself and waits on this thread.
    private func notifySelfSync(_ connection: PostgresConnection, channel: String) throws -> PostgresNotification? {
        try connection.notify(channel, payload: "to myself")
        return try connection.waitForNotification(timeout: .seconds(60))
    }

    @Test("cancelling the waiting task ends the wait")
    func cancellation() async throws {
        let listener = try await TestDatabase.connect()
        defer { listener.close() }
        try await listener.listen(channel("never"))
        let start = ContinuousClock.now
        let task = Task { try await listener.waitForNotification(timeout: .seconds(600)) }
        try await Task.sleep(for: .milliseconds(100))
        task.cancel()
        await #expect(throws: CancellationError.self) { try await task.value }
        // Ended by the cancellation, not the 600 s timeout (generous: CI machines are busy).
        #expect(ContinuousClock.now - start < .seconds(120))
        // The connection is still usable.
        let rows = try await listener.query("SELECT 1 AS one", purpose: "after cancel")
        #expect(try rows[0]["one", as: Int.self] == 1)
    }
}
