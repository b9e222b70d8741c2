import Foundation
import JobContracts
import Postgres

/// One row of a paged diff: added (only in the new version), removed (only
/// in the old one) or changed (the key in both, some cell differs).
public struct DiffPageRow: Sendable {
    public enum Change: String, Sendable, Hashable {
        case added, removed, changed
    }

    public var change: Change
    /// The key's values as PostgreSQL prints them.
    public var key: [String?]
    /// Added: the new version's row; removed: the old version's; column → value (nil = NULL).
    public var values: [(column: String, value: String?)]
    /// Changed: the cells that changed.
    public var cells: [DiffCellChange]
}

/// One page of a keyed diff, ordered by the key.
public struct DiffPage: Sendable {
    public var key: [String]
    public var columns: DiffColumnChanges
    /// Only when asked for (the first page): added, removed, changed, unchanged.
    public var counts: (added: Int, removed: Int, changed: Int, unchanged: Int)?
    public var rows: [DiffPageRow]
    /// The key of the last row when more follow (the next page starts after it).
    public var nextAfter: [String?]?
}

extension VersionDiffer {
    /// One page of the differences between two versions, by key (a keyset
    /// page: the rows whose key comes after `after`, never OFFSET), in one
    /// read-only snapshot. The key is checked (no NULL, unique) and the
    /// rows counted only with `withCounts` (a first page): versions never
    /// change, so later pages need neither.
    public func pageSync(_ request: DiffRequest, after: [String?]?, limit: Int, withCounts: Bool,
                         connection: PostgresConnection) throws -> DiffPage {
        let (plan, _) = try plan(request, connection: connection)
        guard plan.keyed else { throw ReportError(.badKey, "a paged diff needs a key: name the column(s) that identify a row") }
        if let after, after.count != plan.key.count {
            throw ReportError(.badKey, "the cursor is of another key")
        }
        return try Self.inSnapshot(connection) {
            var page = DiffPage(key: plan.key, columns: plan.columnChanges, counts: nil, rows: [], nextAfter: nil)
            if withCounts {
                try checkKeys(plan, connection: connection)
                let counts = try connection.query(plan.keyedCountsSQL, purpose: "diff: count")[0]
                page.counts = (try counts[0, as: Int.self], try counts[1, as: Int.self], try counts[2, as: Int.self],
                               try counts[3, as: Int.self])
            }
            let rows = try connection.query(plan.pageSQL(after: after != nil, limit: limit + 1),
                                            (after ?? []).map { PostgresValue.text($0) }, purpose: "diff: a page of rows")
            let k = plan.key.count, values = plan.valueColumns.count
            let oldColumns = plan.old.columns.map(\.name), newColumns = plan.new.columns.map(\.name)
            for (index, row) in rows.enumerated() {
                if index == limit {
                    page.nextAfter = page.rows.last?.key
                    break
                }
                let key = try (0..<k).map { try row[$0, as: String?.self] }
                let base = k + 2 + 3 * values
                if try row[k, as: Bool.self] {
                    let start = base + oldColumns.count
                    page.rows.append(DiffPageRow(change: .added, key: key, values: try newColumns.enumerated().map {
                        (column: $1, value: try row[start + $0, as: String?.self])
                    }, cells: []))
                } else if try row[k + 1, as: Bool.self] {
                    page.rows.append(DiffPageRow(change: .removed, key: key, values: try oldColumns.enumerated().map {
                        (column: $1, value: try row[base + $0, as: String?.self])
                    }, cells: []))
                } else {
                    var cells: [DiffCellChange] = []
                    for (i, c) in plan.valueColumns.enumerated() {
                        guard try row[k + 2 + 3 * i, as: Bool.self] else { continue }
                        cells.append(DiffCellChange(column: c.name, old: try row[k + 3 + 3 * i, as: String?.self],
                                                    new: try row[k + 4 + 3 * i, as: String?.self]))
                    }
                    page.rows.append(DiffPageRow(change: .changed, key: key, values: [], cells: cells))
                }
            }
            return page
        }
    }
}

extension DiffPlan {
    /// The key as compared, from whichever side has the row.
    var pageKeys: [String] { keyColumns.map { "COALESCE(\($0.expression("b")), \($0.expression("a")))" } }

    /// A page of differences by key: the key, added?, removed?, per value
    /// column changed?/old/new, then every column of the old and of the
    /// new version. With `after`, only keys after parameters $1…$k.
    func pageSQL(after: Bool, limit: Int) -> String {
        let firstKey = Self.q(key[0])
        var items = pageKeys + ["a.\(firstKey) IS NULL", "b.\(firstKey) IS NULL"]
        for c in valueColumns {
            items += ["(\(differs(c)))", "a.\(Self.q(c.name))", "b.\(Self.q(c.name))"]
        }
        items += old.columns.map { "a.\(Self.q($0.name))" } + new.columns.map { "b.\(Self.q($0.name))" }
        var conditions = ["(a.\(firstKey) IS NULL OR b.\(firstKey) IS NULL OR \(anyDiffers))"]
        if after {
            let bounds = keyColumns.enumerated().map { i, c in "$\(i + 1)::\(c.compared.sqlCast)" }
            conditions.append("(\(pageKeys.joined(separator: ", "))) > (\(bounds.joined(separator: ", ")))")
        }
        return "SELECT \(items.joined(separator: ", ")) FROM \(oldRelation) a FULL JOIN \(newRelation) b ON \(joinCondition) "
            + "WHERE \(conditions.joined(separator: " AND ")) "
            + "ORDER BY \((1...key.count).map(String.init).joined(separator: ", ")) LIMIT \(limit)"
    }
}
