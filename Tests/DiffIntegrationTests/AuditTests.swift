import Catalog
import ChildProcess
import Foundation
import JobQueue
import Postgres
import Reports
import Testing

/// The audit log: the Catalog's reading and filtering, and the built
/// `pyramydal` writing rows for exports (ExportWorker), diff reports,
/// retries and give-ups (the dispatcher's hook) and cancels (the CLI).
@Suite struct AuditTests {
    @Test func entriesAreNewestFirstAndFilteredByDataset() async throws {
        try await DiffFixture.with { fixture in
            let catalog = fixture.catalog
            try await fixture.connection.run { conn in
                try catalog.audit(who: "ann", what: "ingest sales/orders", outcome: "committed", detail: "{\"version\": 1}", on: conn)
                try catalog.audit(who: "bob", what: "export sales/orders", outcome: "done", dataset: DatasetRef(department: "sales", name: "orders"),
                                  details: ["job": 3], on: conn)
                try catalog.audit(who: "cy", what: "ingest plain", outcome: "committed", detail: nil, on: conn)
                try catalog.audit(who: "dee", what: "cancel job 9", outcome: "cancelled", dataset: DatasetRef(name: "plain"), on: conn)
            }
            let all = try await fixture.connection.run { conn in try catalog.auditEntries(on: conn) }
            #expect(all.map(\.who) == ["dee", "cy", "bob", "ann"])
            let orders = try await fixture.connection.run { conn in
                try catalog.auditEntries(dataset: DatasetRef(parsing: "sales/orders"), on: conn)
            }
            #expect(orders.map(\.who) == ["bob", "ann"])
            #expect(orders[0].detail == "{\"job\": 3, \"dataset\": \"sales/orders\"}")
            let plain = try await fixture.connection.run { conn in try catalog.auditEntries(dataset: DatasetRef(parsing: "plain"), limit: 1, on: conn) }
            #expect(plain.map(\.who) == ["dee"])
            #expect(AuditActor.current(environment: ["PYRAMYDAL_ACTOR": "arn:aws:iam::1:role/x", "USER": "u"]) == "arn:aws:iam::1:role/x")
            #expect(AuditActor.current(environment: ["USER": "u"]) == "u")
        }
    }

    /// Export, diff report, retry, give-up and cancel, through the binaries.
    @Test func theBinariesAuditExportsRetriesAndCancels() async throws {
        try await DiffFixture.with { fixture in
            _ = try await fixture.makeOrders()
            // tasks/: the real export task and the trivial test worker.
            let tasks = fixture.directory + "/tasks"
            try FileManager.default.createDirectory(atPath: tasks, withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: DiffFixture.root + "/tasks/export.json", toPath: tasks + "/export.json")
            try FileManager.default.copyItem(atPath: DiffFixture.root + "/Tests/JobQueueIntegrationTests/Fixtures/tasks/test.json",
                                             toPath: tasks + "/test.json")
            let queue = try await JobQueue.connect(url: DiffFixture.databaseURL, schema: fixture.jobsSchema, applicationName: "diff-tests")
            defer { queue.connection.close() }
            try await queue.migrate()

            let export = try await queue.enqueue(kind: "export", encoding: ExportJobArguments(
                request: ReportRequest(dataset: "sales/orders", format: .csv), requestedBy: "requester@example"))
            let report = try fixture.pyramydal(["diff", "sales/orders", "1", "2", "--key", "id", "--report"], tasksDirectory: tasks)
            #expect(report.succeeded, "\(report.stderrText)")
            let failing = try await queue.enqueue(kind: "test", arguments: ["fail": "transient", "dataset": "sales/orders"], maxAttempts: 2)
            let later = try await queue.enqueue(kind: "export", encoding: ExportJobArguments(request: ReportRequest(dataset: "sales/orders", format: .csv)),
                                                scheduledAt: Date().addingTimeInterval(3600))
            let cancel = try fixture.pyramydal(["jobs", "cancel", String(later.id)], tasksDirectory: tasks)
            #expect(cancel.succeeded, "\(cancel.stderrText)")

            let dispatch = try fixture.pyramydal(["dispatch", "--no-intake", "--until-idle", "--idle-timeout", "300"], tasksDirectory: tasks)
            #expect(dispatch.succeeded, "\(dispatch.stderrText)")
            #expect(try await queue.job(id: export.id)?.state == .completed)
            #expect(try await queue.job(id: failing.id)?.state == .discarded)

            let audit = try fixture.pyramydal(["audit", "--dataset", "sales/orders", "--json"])
            #expect(audit.succeeded, "\(audit.stderrText)")
            struct Entry: Decodable { var who: String; var what: String; var outcome: String; var detail: String? }
            let entries = try audit.stdoutText.split(separator: "\n").map { try JSONDecoder().decode(Entry.self, from: Data($0.utf8)) }
            let seen = Set(entries.map { "\($0.what) → \($0.outcome)" })
            #expect(seen == ["export sales/orders → done", "diff sales/orders → done", "retry job \(failing.id) → scheduled",
                             "discard job \(failing.id) → discarded", "cancel job \(later.id) → cancelled"], "\(audit.stdoutText)")
            #expect(entries.first { $0.what == "export sales/orders" }?.who == "requester@example")
            #expect(entries.first { $0.what.hasPrefix("cancel") }?.who == "tester@example")
            #expect(entries.first { $0.what == "diff sales/orders" }?.detail?.contains("\"report\": \"reports/sales/orders/v2/diff-v1-v2-job-") == true)

            let other = try fixture.pyramydal(["audit", "--dataset", "sales/other", "--json"])
            #expect(other.succeeded && other.stdoutText.isEmpty, "\(other.stdoutText)")
            let table = try fixture.pyramydal(["audit", "--limit", "2"])
            #expect(table.stdoutText.split(separator: "\n").count == 3, "a header and two entries: \(table.stdoutText)")

            let summary = try fixture.pyramydal(["diff", "sales/orders", "1", "2", "--key", "id"])
            #expect(summary.succeeded, "\(summary.stderrText)")
            #expect(summary.stdoutText.contains("rows: 2 added, 1 removed, 2 changed, 2 unchanged"), "\(summary.stdoutText)")
            #expect(summary.stdoutText.contains("(4): name NULL → d; amount 10 → 10.5"), "\(summary.stdoutText)")
            let missing = try fixture.pyramydal(["diff", "sales/orders", "1", "3", "--report"])
            #expect(!missing.succeeded && missing.stderrText.contains("no committed version 3 of dataset sales/orders"), "\(missing.stderrText)")
            let duplicate = try fixture.pyramydal(["diff", "sales/orders", "1", "2", "--key", "name"])
            #expect(!duplicate.succeeded && duplicate.stderrText.contains("key column \"name\" is empty (NULL) in 1 row of v1"),
                    "\(duplicate.stderrText)")
        }
    }
}
