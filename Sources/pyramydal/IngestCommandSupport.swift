import Catalog
import Foundation
import Ingest
import Postgres
import PyramydalRuntime

/// Shared by the ingest, datasets and versions commands: a migrated
/// catalog connection, and aligned tables for people.
extension CommandContext {
    func catalogConnection() async throws -> (PostgresConnection, Catalog) {
        let url = try await EmbeddedStack.databaseURL(for: configuration, logger: logger)
        let connection = try await PostgresConnection.connect(url: url, variable: Configuration.Variable.databaseURL,
                                                              logger: logger)
        let catalog = self.catalog
        _ = try await connection.run { try catalog.migrate($0) }
        return (connection, catalog)
    }
}

enum TextTable {
    /// Left-aligned columns separated by two spaces; numbers right-aligned.
    static func render(header: [String], rows: [[String]], numeric: Set<Int> = []) -> String {
        let all = [header] + rows
        let widths = header.indices.map { i in all.map { $0[i].count }.max() ?? 0 }
        return all.map { row in
            row.enumerated().map { i, cell in
                let pad = String(repeating: " ", count: widths[i] - cell.count)
                return numeric.contains(i) ? pad + cell : cell + pad
            }.joined(separator: "  ").replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression)
        }.joined(separator: "\n")
    }

    static func when(_ date: Date?) -> String {
        guard let date else { return "" }
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
        formatter.timeZone = TimeZone.current
        return formatter.string(from: date)
    }
}

/// A progress bar on stderr: `[#####-----]  52%  52,000/100,000 rows  180,000 rows/s`.
final class ProgressBar: @unchecked Sendable {
    // @unchecked: only `lock`-guarded state.
    private let lock = NSLock()
    private var lastDraw = 0.0

    func update(_ p: IngestProgress) {
        lock.lock()
        defer { lock.unlock() }
        let done = p.totalRows > 0 && p.rowsCopied >= p.totalRows
        guard done || p.elapsedSeconds - lastDraw >= 0.1 else { return }
        lastDraw = p.elapsedSeconds
        let rate = p.elapsedSeconds > 0 ? Int(Double(p.rowsCopied) / p.elapsedSeconds) : 0
        let line: String
        if let fraction = p.fraction {
            // One-pass ingest: the total is the sheet's <dimension>, "~", until the end.
            let total = p.totalRows > 0 ? "\(p.totalRows)" : "~\(p.expectedRows ?? 0)"
            let filled = min(30, Int(fraction * 30))
            line = "\r\(p.dataset) [\(String(repeating: "#", count: filled))\(String(repeating: "-", count: 30 - filled))] "
                + "\(Int(fraction * 100))%  \(p.rowsCopied)/\(total) rows  \(rate) rows/s   " + (done ? "\n" : "")
        } else {
            // One-pass ingest of a CSV: the row count is known only at the end.
            line = "\r\(p.dataset) \(p.rowsCopied) rows  \(rate) rows/s"
        }
        FileHandle.standardError.write(Data(line.utf8))
    }
}
