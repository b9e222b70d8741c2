import Foundation
import Postgres

/// Compares two committed versions of a dataset on the server (see
/// ``DiffRequest`` and ``DiffPlan``): a FULL OUTER JOIN on the key, or
/// `EXCEPT ALL` both ways without one. Only counts and the first
/// `sampleSize` rows of each kind come back to the client.
///
/// Blocking: the `…Sync` methods run on the calling thread; the async
/// ones run on the connection's queue, off the cooperative pool.
public struct VersionDiffer: Sendable {
    public var sources: any ReportSourceResolver
    /// Rows of each kind returned for the terminal summary.
    public var sampleSize: Int

    public init(sources: any ReportSourceResolver, sampleSize: Int = 10) {
        self.sources = sources
        self.sampleSize = sampleSize
    }

    public func diff(_ request: DiffRequest, connection: PostgresConnection) async throws -> VersionDiff {
        try await connection.run { conn in try self.diffSync(request, connection: conn) }
    }

    public func diffSync(_ request: DiffRequest, connection: PostgresConnection) throws -> VersionDiff {
        let (plan, _) = try plan(request, connection: connection)
        return try Self.inSnapshot(connection) {
            try checkKeys(plan, connection: connection)
            return try summary(plan, request: request, connection: connection)
        }
    }

    /// Checks cheaply (catalog and column lookups, no scan) that both
    /// versions exist and have the key columns; the key's uniqueness is
    /// checked by the diff itself.
    public func validate(_ request: DiffRequest, connection: PostgresConnection) async throws {
        _ = try await connection.run { conn in try self.plan(request, connection: conn).newVersionID }
    }

    /// The two versions' sources and the comparison's SQL; the new version's id.
    func plan(_ request: DiffRequest, connection: PostgresConnection) throws -> (DiffPlan, newVersionID: Int64) {
        let old = try sources.resolve(dataset: request.dataset, version: request.from, on: connection)
        let new = try sources.resolve(dataset: request.dataset, version: request.to, on: connection)
        return (try DiffPlan(old: old.source, new: new.source, key: request.key), new.versionID)
    }

    /// Runs `body` in a read-only repeatable-read transaction with the
    /// session settings that make PostgreSQL's text output stable (ISO
    /// dates, shortest exact floats, UTC).
    static func inSnapshot<T>(_ connection: PostgresConnection, _ body: () throws -> T) throws -> T {
        try connection.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", purpose: "diff: begin")
        do {
            _ = try connection.execute(
                "SET LOCAL DateStyle = 'ISO, YMD'; SET LOCAL IntervalStyle = 'iso_8601'; "
                    + "SET LOCAL extra_float_digits = 1; SET LOCAL TimeZone = 'UTC'", purpose: "diff: session settings")
            let value = try body()
            try connection.execute("COMMIT", purpose: "diff: commit")
            return value
        } catch {
            _ = try? connection.execute("ROLLBACK", purpose: "diff: rollback")
            throw error
        }
    }

    /// With a key: no NULL in a key column and no key value twice, in
    /// either version; the error names the column, the version and an example.
    func checkKeys(_ plan: DiffPlan, connection: PostgresConnection) throws {
        guard plan.keyed else { return }
        let name = "\(plan.new.department)/\(plan.new.dataset)"
        for source in [plan.old, plan.new] {
            let relation = PostgresConnection.quoteQualified(source.schema, source.table)
            let nulls = try connection.query(plan.nullKeySQL(relation), purpose: "diff: NULL keys in v\(source.version)")[0]
            for (i, column) in plan.key.enumerated() {
                let count = try nulls[i, as: Int.self]
                if count > 0 {
                    throw ReportError(.badKey, "key column \"\(column)\" is empty (NULL) in \(count) row\(count == 1 ? "" : "s") "
                        + "of v\(source.version) of \(name); choose a key that every row has")
                }
            }
            if let row = try connection.query(plan.duplicateKeySQL(relation), purpose: "diff: duplicate keys in v\(source.version)").first {
                let n = plan.key.count
                let value = try (0..<n).map { try row[$0, as: String?.self] ?? "NULL" }.joined(separator: ", ")
                let times = try row[n, as: Int.self]
                let others = try row[n + 1, as: Int.self] - 1
                let columns = plan.key.map { "\"\($0)\"" }.joined(separator: ", ")
                throw ReportError(.badKey, "key \(n == 1 ? "column" : "columns") \(columns) \(n == 1 ? "is" : "are") not unique in "
                    + "v\(source.version) of \(name): (\(value)) occurs \(times) times"
                    + (others > 0 ? " and \(others) more value\(others == 1 ? "" : "s") repeat" : "")
                    + "; add columns to the key (--key a --key b) or compare without a key")
            }
        }
    }

    func summary(_ plan: DiffPlan, request: DiffRequest, connection: PostgresConnection) throws -> VersionDiff {
        var diff = VersionDiff(
            dataset: "\(plan.new.department)/\(plan.new.dataset)", from: plan.old.version, to: plan.new.version,
            key: plan.key, columns: plan.columnChanges,
            comparedColumns: plan.shared.map(\.name), added: 0, removed: 0, changed: 0, unchanged: 0,
            changedCells: [], sampleAdded: [], sampleRemoved: [], sampleChanged: [])
        func texts(_ row: PostgresRow, _ count: Int) throws -> [String?] {
            try (0..<count).map { try row[$0, as: String?.self] }
        }
        if plan.keyed {
            let counts = try connection.query(plan.keyedCountsSQL, purpose: "diff: count")[0]
            diff.added = try counts[0, as: Int.self]
            diff.removed = try counts[1, as: Int.self]
            diff.changed = try counts[2, as: Int.self]
            diff.unchanged = try counts[3, as: Int.self]
            diff.changedCells = try plan.valueColumns.enumerated().compactMap { i, c in
                let n = try counts[4 + i, as: Int.self]
                return n > 0 ? DiffCellCount(column: c.name, count: n) : nil
            }
            guard sampleSize > 0 else { return diff }
            diff.sampleAdded = try connection.query(plan.onlyInSQL(added: true, keyOnly: true, limit: sampleSize),
                                                    purpose: "diff: added rows").map { try texts($0, plan.key.count) }
            diff.sampleRemoved = try connection.query(plan.onlyInSQL(added: false, keyOnly: true, limit: sampleSize),
                                                      purpose: "diff: removed rows").map { try texts($0, plan.key.count) }
            let k = plan.key.count
            diff.sampleChanged = try connection.query(plan.changedSQL(limit: sampleSize), purpose: "diff: changed rows").map { row in
                var cells: [DiffCellChange] = []
                for (i, c) in plan.valueColumns.enumerated() {
                    guard try row[k + 3 * i, as: Bool.self] else { continue }
                    cells.append(DiffCellChange(column: c.name, old: try row[k + 3 * i + 1, as: String?.self],
                                                new: try row[k + 3 * i + 2, as: String?.self]))
                }
                return DiffChangedRow(key: try texts(row, k), cells: cells)
            }
        } else {
            let counts = try connection.query(plan.contentCountsSQL, purpose: "diff: count")[0]
            diff.added = try counts[0, as: Int.self]
            diff.removed = try counts[1, as: Int.self]
            diff.unchanged = try counts[2, as: Int.self] - diff.removed
            guard sampleSize > 0 else { return diff }
            let n = plan.shared.count
            diff.sampleAdded = try connection.query(plan.exceptSQL(added: true, limit: sampleSize), purpose: "diff: added rows")
                .map { try texts($0, n) }
            diff.sampleRemoved = try connection.query(plan.exceptSQL(added: false, limit: sampleSize), purpose: "diff: removed rows")
                .map { try texts($0, n) }
        }
        return diff
    }
}
