import ArgumentParser
import Catalog
import Foundation

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
            let catalog = support.catalog
            let ref = dataset.map(DatasetRef.init(parsing:))
            let limit = self.limit
            let rows = try await connection.run { conn in try catalog.reports(dataset: ref, limit: limit, on: conn) }
            if rows.isEmpty {
                print(dataset.map { "no reports of \($0)" } ?? "no reports yet")
                return
            }
            print("id     kind  created (UTC)         bytes  key  filters")
            for row in rows {
                let bytes = row.bytes.map(String.init) ?? "-"
                print("\(String(row.id).padding(toLength: 6, withPad: " ", startingAt: 0)) "
                    + "\(row.kind.padding(toLength: 5, withPad: " ", startingAt: 0)) \(Self.minute(row.createdAt)) "
                    + "\(String(repeating: " ", count: max(0, 10 - bytes.count)))\(bytes)  \(row.key)"
                    + (row.filters == "[]" ? "" : "  \(row.filters)"))
            }
        }
    }

    /// `2024-05-01 13:07` in UTC.
    static func minute(_ date: Date) -> String {
        String(date.formatted(Date.ISO8601FormatStyle(dateTimeSeparator: .space, timeZone: .gmt)).prefix(16))
    }
}
