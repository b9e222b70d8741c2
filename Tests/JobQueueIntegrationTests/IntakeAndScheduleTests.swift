import Foundation
import ObjectStore
import Testing
import Dispatching
import JobContracts
@testable import JobQueue

@Suite struct IntakeAndScheduleTests {
    @Test func incomingWatcherEnqueuesEachObjectVersionOnce() async throws {
        try await TestQueue.withQueue { queue in
            let root = FileManager.default.temporaryDirectory.appendingPathComponent("jq-intake-\(UInt32.random(in: 0...UInt32.max))").path
            defer { try? FileManager.default.removeItem(atPath: root) }
            let store = try DirectoryStore(root: root)
            _ = try await store.put("incoming/sales/q1.xlsx", bytes: Array("one".utf8))
            _ = try await store.put("incoming/~$q1.xlsx", bytes: Array("lock".utf8))
            _ = try await store.put("reports/r.csv", bytes: Array("r".utf8))
            let watcher = IncomingWatcher(store: store)
            #expect(try await watcher.sweep(queue: queue) == 1)
            // A second sweep, and a second watcher (another dispatcher), add nothing.
            #expect(try await watcher.sweep(queue: queue) == 0)
            #expect(try await IncomingWatcher(store: store).sweep(queue: queue) == 0)
            let job = try #require(try await queue.jobs(kind: "ingest").first)
            #expect(job.arguments["key"] == "incoming/sales/q1.xlsx")
            #expect(job.arguments["store"]?.stringValue == store.location)
            let etag = try #require(job.arguments["etag"]?.stringValue)
            #expect(job.uniqueKey == "ingest:\(store.location):incoming/sales/q1.xlsx:\(etag)")
            // A new version of the object (new etag) is a new job.
            try await Task.sleep(for: .milliseconds(20))
            _ = try await store.put("incoming/sales/q1.xlsx", bytes: Array("two, longer".utf8))
            #expect(try await watcher.sweep(queue: queue) == 1)
            #expect(try await queue.jobs(kind: "ingest").count == 2)
        }
    }

    @Test func eachSlotIsEnqueuedOnceAcrossConcurrentDispatchers() async throws {
        try await TestQueue.withQueue { queue in
            try await queue.saveSchedule(Schedule(name: "hourly-export", cron: "0 * * * *", timeZone: "Europe/Berlin", kind: "export",
                                                  arguments: ["format": "csv"]))
            let start = try #require(ISO8601DateFormatter().date(from: "2026-11-23T01:10:00Z"))
            // First sight: the next slot is set, nothing enqueued.
            #expect(try await queue.enqueueDueSchedules(now: start).isEmpty)
            let schedule = try #require(try await queue.schedules().first { $0.name == "hourly-export" })
            #expect(schedule.nextSlot == ISO8601DateFormatter().date(from: "2026-11-23T02:00:00Z"))

            let others = try await withThrowingTaskGroup(of: JobQueue.self) { group in
                for _ in 0..<3 { group.addTask { try await TestQueue.connectQueue(schema: queue.schema) } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            defer { others.forEach { $0.connection.close() } }
            // Three dispatchers tick at the same instants across three slots.
            for minutes in [50, 51, 110, 111, 170] {
                let now = start.addingTimeInterval(Double(minutes) * 60)
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for other in others { group.addTask { try await other.enqueueDueSchedules(now: now) } }
                    try await group.waitForAll()
                }
            }
            let jobs = try await queue.jobs(kind: "export")
            #expect(jobs.count == 3, "02:00, 03:00 and 04:00 UTC, once each")
            #expect(Set(jobs.compactMap(\.uniqueKey)) == [
                "schedule:hourly-export:2026-11-23T02:00:00Z", "schedule:hourly-export:2026-11-23T03:00:00Z",
                "schedule:hourly-export:2026-11-23T04:00:00Z",
            ])
            #expect(jobs.allSatisfy { $0.arguments["format"] == "csv" && $0.arguments["schedule"] == "hourly-export" })
        }
    }

    @Test func theNightlySnapshotIsTheFirstSchedule() async throws {
        try await TestQueue.withQueue { queue in
            let nightly = try #require(try await queue.schedules().first)
            #expect(nightly.name == "nightly-snapshot" && nightly.cron == "0 2 * * *" && nightly.timeZone == "UTC" && nightly.kind == "snapshot")
            await #expect { try await queue.saveSchedule(Schedule(name: "bad", cron: "0 2 * *", kind: "x")) } throws: { error in
                "\(error)".contains("expected 5 fields")
            }
            await #expect { try await queue.saveSchedule(Schedule(name: "bad", cron: "0 2 * * *", timeZone: "Mars/Olympus", kind: "x")) } throws: { error in
                "\(error)".contains("unknown time zone \"Mars/Olympus\"")
            }
        }
    }
}
