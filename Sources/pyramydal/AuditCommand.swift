import ArgumentParser
import Catalog
import Foundation
import JobQueue
import Postgres

/// `pyramydal audit [--dataset …] [--limit N] [--json]`: the audit log,
/// newest first.
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Show who ingested, exported, printed, snapshotted, restored, retried or cancelled what, and when.")

    @Option(name: .long, help: "Only entries about this dataset, [department/]name.")
    var dataset: String?
    @Option(name: .long, help: "At most this many entries.")
    var limit: Int = 50
    @Flag(name: .long, help: "One JSON object per line.")
    var json = false

    func validate() throws {
        guard limit > 0 else { throw ValidationError("--limit must be at least 1") }
    }

    func run() async throws {
        try await CommandContext.run(label: "pyramydal.audit") { context in
            let support = ReportsCommandSupport(context: context)
            let connection = try await support.connect()
            defer { connection.close() }
            let catalog = context.catalog
            let ref = dataset.map(DatasetRef.init(parsing:))
            let limit = self.limit
            let entries = try await connection.run { conn in
                try catalog.migrate(conn)
                return try catalog.auditEntries(dataset: ref, limit: limit, on: conn)
            }
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
                encoder.dateEncodingStrategy = .iso8601
                for entry in entries { print(String(decoding: try encoder.encode(entry), as: UTF8.self)) }
                return
            }
            if entries.isEmpty {
                print(ref.map { "No audit entries about \($0)." } ?? "The audit log is empty.")
                return
            }
            var rows: [[String]] = []
            for e in entries {
                var detail = e.detail ?? ""
                if detail.count > 80 { detail = String(detail.prefix(77)) + "..." }
                rows.append([JobsSupport.timestamp(e.at), e.who, e.what, e.outcome, detail])
            }
            print(TextTable.render(header: ["WHEN", "WHO", "WHAT", "OUTCOME", "DETAIL"], rows: rows))
        }
    }
}
