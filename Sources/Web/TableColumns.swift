import Postgres
import Reports
import Synchronization

/// The columns of versions' tables, remembered: a committed version's
/// table never changes (a new version is a new table), so its columns are
/// read once per version, not on every page. Keyed by the version's id
/// (never reused) as well as the table, so a table name used again later
/// (after retention dropped the first) is read anew.
final class TableColumns: Sendable {
    /// Tables remembered at most; past it the memory starts over.
    static let capacity = 512
    private let known = Mutex<[String: [ReportColumn]]>([:])

    /// The columns of version `version`'s table `schema.table`, read on `connection` the first time.
    func columns(version: Int64, schema: String, table: String, connection: PostgresConnection) throws -> [ReportColumn] {
        let key = "\(version) \(schema).\(table)"
        if let columns = known.withLock({ $0[key] }) { return columns }
        let columns = try ReportSource.describe(schema: schema, table: table, connection: connection).columns
        known.withLock { known in
            if known.count >= Self.capacity { known.removeAll(keepingCapacity: true) }
            known[key] = columns
        }
        return columns
    }
}
