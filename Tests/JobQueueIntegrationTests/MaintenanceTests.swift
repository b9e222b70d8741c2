import Foundation
import Logging
import Testing
@testable import JobQueue

/// The dispatcher's maintenance services on their own: leader election
/// across two housekeeping sessions, and the leader-only work that waits
/// for it.
@Suite struct MaintenanceTests {
    @Test func leadershipPassesOnWhenTheLeadersSessionCloses() async throws {
        try await TestQueue.withQueue { queue in
            let first = MaintenanceConnection(url: TestQueue.url, schema: queue.schema, logger: TestQueue.logger)
            let second = MaintenanceConnection(url: TestQueue.url, schema: queue.schema, logger: TestQueue.logger)
            defer { second.close() }
            let electors = [first, second].map {
                LeaderElector(connection: $0, interval: .milliseconds(100), logger: TestQueue.logger)
            }
            let firstRun = Task { await electors[0].run() }
            #expect(await electors[0].leadership() != nil)
            let secondRun = Task { await electors[1].run() }
            // The lock is taken: the second keeps trying, and doesn't lead.
            try await Task.sleep(for: .milliseconds(500))
            #expect(!electors[1].leads(on: try await second.session().generation))
            // The first dispatcher dies with its session: the second takes over.
            firstRun.cancel()
            await firstRun.value
            first.close()
            try await TestQueue.waitUntil(timeout: .seconds(30), "the second elector to lead") {
                electors[1].leads(on: try await second.session().generation)
            }
            secondRun.cancel()
            await secondRun.value
        }
    }

    @Test func leaderOnlyWorkWaitsForLeadershipAndStopsOnCancellation() async throws {
        try await TestQueue.withQueue { queue in
            let connection = MaintenanceConnection(url: TestQueue.url, schema: queue.schema, logger: TestQueue.logger)
            defer { connection.close() }
            // Another session holds the lock, so this elector never leads.
            let holder = try await TestQueue.connectQueue(schema: queue.schema)
            defer { holder.connection.close() }
            #expect(try await holder.tryLeadership())
            let elector = LeaderElector(connection: connection, interval: .milliseconds(100), logger: TestQueue.logger)
            let runs = Locked(0)
            let work = Task {
                await repeatWhileLeader(elector, connection: connection, every: .milliseconds(50), logger: TestQueue.logger,
                                        failure: "test step failed") { _ in runs.withLock { $0 += 1 } }
            }
            let electing = Task { await elector.run() }
            try await Task.sleep(for: .milliseconds(600))
            #expect(runs.withLock { $0 } == 0)
            work.cancel()
            await work.value  // a waiter for leadership returns on cancellation
            electing.cancel()
            await electing.value
        }
    }
}
