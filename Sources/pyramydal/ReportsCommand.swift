import ArgumentParser
import Foundation
import Postgres
import Reports

/// `pyramydal reports [dataset]`: the stored reports (artifacts), newest first.
struct ReportsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reports",
        abstract: "List stored reports (artifacts), newest first.")

    @Argument(help: "Only this dataset, [department/]name.")
    var dataset: String?

    @Option(help: "At most this many.")
    var limit: Int = 50

    func run() async throws {
        try await CommandContext.run(label: "pyramydal.reports") { context in
            let support = ReportsCommandSupport(context: context)
            let connection = try await support.connect()
            defer { connection.close() }
            let c = PostgresConnection.quoteIdentifier(support.catalogSchema)
            let ref = dataset.map { ReportRequest(dataset: $0, format: .csv).datasetParts }
            let rows = try await connection.query(
                """
                SELECT a.id, a.kind, a.key, a.bytes, to_char(a.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI'),
                       coalesce(a.filters->>'filters', '[]')
                FROM \(c).artifacts a
                LEFT JOIN \(c).dataset_versions v ON v.id = a.version_id
                LEFT JOIN \(c).datasets d ON d.id = v.dataset_id
                WHERE a.kind IN ('csv', 'xlsx', 'pdf')
                  AND ($1::text IS NULL OR (d.department = $1 AND d.name = $2))
                ORDER BY a.created_at DESC, a.id DESC LIMIT $3
                """, [.text(ref?.department), .text(ref?.name), .int(limit)], purpose: "list reports")
            if rows.isEmpty {
                print(dataset.map { "no reports of \($0)" } ?? "no reports yet")
                return
            }
            print("id     kind  created (UTC)         bytes  key  filters")
            for row in rows {
                let id = try row[0, as: Int64.self], kind = try row[1, as: String.self], key = try row[2, as: String.self]
                let bytes = try row[3, as: Int64?.self].map(String.init) ?? "-"
                let created = try row[4, as: String.self], filters = try row[5, as: String.self]
                print("\(String(id).padding(toLength: 6, withPad: " ", startingAt: 0)) "
                    + "\(kind.padding(toLength: 5, withPad: " ", startingAt: 0)) \(created) "
                    + "\(String(repeating: " ", count: max(0, 10 - bytes.count)))\(bytes)  \(key)"
                    + (filters == "[]" ? "" : "  \(filters)"))
            }
        }
    }
}
