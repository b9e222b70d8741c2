import Postgres

/// The SQL of one comparison, built from the two versions' columns (pure:
/// no I/O). Every identifier is quoted; no value is ever spliced in.
///
/// Shared columns compare as they are when both versions have the same
/// type; a column whose type changed compares as `numeric` when both types
/// are numbers (`bigint` → `numeric`: 5 equals 5.0) and as text otherwise
/// (PostgreSQL's ISO output: `2024-01-31` is not `2024-01-31 00:00:00`).
struct DiffPlan: Sendable {
    struct Shared: Sendable, Hashable {
        var name: String
        var old: ReportColumnType
        var new: ReportColumnType

        /// The type both sides are compared (and, without a key, shown) as.
        var compared: ReportColumnType {
            if old == new { return new }
            return old.isNumber && new.isNumber ? .numeric(scale: nil) : .text
        }

        /// The comparable expression of this column on the side `alias`.
        func expression(_ alias: String) -> String {
            let column = "\(alias).\(PostgresConnection.quoteIdentifier(name))"
            if old == new { return column }
            return old.isNumber && new.isNumber ? "\(column)::numeric" : "\(column)::text"
        }
    }

    let old: ReportSource
    let new: ReportSource
    /// Key columns as named in the tables; empty: by content.
    let key: [String]
    /// Columns both versions have, in the new version's order.
    let shared: [Shared]
    let columnChanges: DiffColumnChanges

    /// Resolves `key` (exact names first, then a unique case-insensitive
    /// match) against both versions.
    init(old: ReportSource, new: ReportSource, key requested: [String]) throws(ReportError) {
        self.old = old
        self.new = new
        let oldTypes = Dictionary(old.columns.map { ($0.name, $0.type) }, uniquingKeysWith: { a, _ in a })
        let newNames = Set(new.columns.map(\.name))
        shared = new.columns.compactMap { c in oldTypes[c.name].map { Shared(name: c.name, old: $0, new: c.type) } }
        columnChanges = DiffColumnChanges(
            added: new.columns.map(\.name).filter { oldTypes[$0] == nil },
            removed: old.columns.map(\.name).filter { !newNames.contains($0) },
            typeChanged: shared.filter { $0.old != $0.new }.map {
                DiffTypeChange(column: $0.name, from: $0.old.description, to: $0.new.description)
            })
        var resolved: [String] = []
        for name in requested {
            let column = try Self.resolve(name, in: shared, old: old, new: new)
            guard !resolved.contains(column) else {
                throw ReportError(.badKey, "key column \"\(column)\" is given twice")
            }
            resolved.append(column)
        }
        key = resolved
        if key.isEmpty && shared.isEmpty {
            throw ReportError(.badKey, "v\(old.version) and v\(new.version) share no column, so their rows can't be compared")
        }
    }

    private static func resolve(_ name: String, in shared: [Shared], old: ReportSource, new: ReportSource) throws(ReportError) -> String {
        if shared.contains(where: { $0.name == name }) { return name }
        let folded = shared.filter { $0.name.lowercased() == name.lowercased() }
        if folded.count == 1 { return folded[0].name }
        let inOld = old.columns.contains { $0.name == name }
        let inNew = new.columns.contains { $0.name == name }
        let missing = inOld ? "v\(new.version)" : inNew ? "v\(old.version)" : "v\(old.version) or v\(new.version)"
        throw ReportError(.unknownColumn, "key column \"\(name)\" is not in \(missing) of \(new.department)/\(new.dataset)")
    }

    var keyed: Bool { !key.isEmpty }
    var oldRelation: String { PostgresConnection.quoteQualified(old.schema, old.table) }
    var newRelation: String { PostgresConnection.quoteQualified(new.schema, new.table) }
    var keyColumns: [Shared] { key.map { k in shared.first { $0.name == k }! } }
    /// Shared columns that are not part of the key: the ones whose cells can change.
    var valueColumns: [Shared] { shared.filter { !key.contains($0.name) } }

    static func q(_ name: String) -> String { PostgresConnection.quoteIdentifier(name) }

    // MARK: - key checks

    /// Per key column, the rows where it is NULL (one row, one count per key column).
    func nullKeySQL(_ relation: String) -> String {
        "SELECT " + key.map { "count(*) FILTER (WHERE \(Self.q($0)) IS NULL)" }.joined(separator: ", ") + " FROM \(relation)"
    }

    /// The most repeated key value (as text), its count and how many key
    /// values repeat; no row when the key is unique.
    func duplicateKeySQL(_ relation: String) -> String {
        let n = key.count
        let texts = key.map { "\(Self.q($0))::text" }.joined(separator: ", ")
        return """
            SELECT d.*, count(*) OVER () FROM (
                SELECT \(texts), count(*) FROM \(relation) GROUP BY \((1...n).map(String.init).joined(separator: ", "))
                HAVING count(*) > 1) d
            ORDER BY \(n + 1) DESC, \((1...n).map(String.init).joined(separator: ", ")) LIMIT 1
            """
    }

    // MARK: - keyed

    var joinCondition: String {
        keyColumns.map { "\($0.expression("a")) = \($0.expression("b"))" }.joined(separator: " AND ")
    }

    func differs(_ c: Shared) -> String { "\(c.expression("a")) IS DISTINCT FROM \(c.expression("b"))" }

    var anyDiffers: String {
        valueColumns.isEmpty ? "false" : "(" + valueColumns.map(differs).joined(separator: " OR ") + ")"
    }

    var keyOrder: String { keyColumns.map { $0.expression("b") }.joined(separator: ", ") }

    /// added, removed, changed, unchanged, then changed cells per value column.
    var keyedCountsSQL: String {
        let firstKey = Self.q(key[0])
        let both = "a.\(firstKey) IS NOT NULL AND b.\(firstKey) IS NOT NULL"
        var items = [
            "count(*) FILTER (WHERE a.\(firstKey) IS NULL)",
            "count(*) FILTER (WHERE b.\(firstKey) IS NULL)",
            "count(*) FILTER (WHERE \(both) AND \(anyDiffers))",
            "count(*) FILTER (WHERE \(both) AND NOT \(anyDiffers))",
        ]
        items += valueColumns.map { "count(*) FILTER (WHERE \(both) AND \(differs($0)))" }
        return "SELECT \(items.joined(separator: ", ")) FROM \(oldRelation) a FULL JOIN \(newRelation) b ON \(joinCondition)"
    }

    /// Changed rows: the key (new values), then per value column: changed?, old, new.
    func changedSQL(limit: Int?) -> String {
        var items = keyColumns.map { "b.\(Self.q($0.name))" }
        for c in valueColumns {
            items += ["(\(differs(c)))", "a.\(Self.q(c.name))", "b.\(Self.q(c.name))"]
        }
        return "SELECT \(items.joined(separator: ", ")) FROM \(oldRelation) a JOIN \(newRelation) b ON \(joinCondition) "
            + "WHERE \(anyDiffers) ORDER BY \(keyOrder)" + (limit.map { " LIMIT \($0)" } ?? "")
    }

    /// Rows whose key is only in the new version (`added`) or only in the old
    /// one; every column of that version, or only the key for a sample.
    func onlyInSQL(added: Bool, keyOnly: Bool, limit: Int?) -> String {
        let (mine, other, me, them) = added ? (newRelation, oldRelation, "b", "a") : (oldRelation, newRelation, "a", "b")
        let columns = keyOnly ? key : (added ? new : old).columns.map(\.name)
        let order = keyColumns.map { $0.expression(me) }.joined(separator: ", ")
        return "SELECT \(columns.map { "\(me).\(Self.q($0))" }.joined(separator: ", ")) FROM \(mine) \(me) "
            + "WHERE NOT EXISTS (SELECT 1 FROM \(other) \(them) WHERE \(joinCondition)) ORDER BY \(order)"
            + (limit.map { " LIMIT \($0)" } ?? "")
    }

    // MARK: - by content

    private func contentList(_ alias: String) -> String {
        shared.map { "\($0.expression(alias)) AS \(Self.q($0.name))" }.joined(separator: ", ")
    }

    /// Rows of the new version not in the old (`added`) or the other way,
    /// as multisets, on the shared columns, ordered by every column.
    func exceptSQL(added: Bool, limit: Int?) -> String {
        let (first, second) = added ? ("SELECT \(contentList("b")) FROM \(newRelation) b", "SELECT \(contentList("a")) FROM \(oldRelation) a")
                                    : ("SELECT \(contentList("a")) FROM \(oldRelation) a", "SELECT \(contentList("b")) FROM \(newRelation) b")
        return "SELECT * FROM (\(first) EXCEPT ALL \(second)) x ORDER BY \((1...shared.count).map(String.init).joined(separator: ", "))"
            + (limit.map { " LIMIT \($0)" } ?? "")
    }

    /// added, removed, rows of the old version.
    var contentCountsSQL: String {
        let added = "SELECT \(contentList("b")) FROM \(newRelation) b EXCEPT ALL SELECT \(contentList("a")) FROM \(oldRelation) a"
        let removed = "SELECT \(contentList("a")) FROM \(oldRelation) a EXCEPT ALL SELECT \(contentList("b")) FROM \(newRelation) b"
        return "SELECT (SELECT count(*) FROM (\(added)) x), (SELECT count(*) FROM (\(removed)) y), (SELECT count(*) FROM \(oldRelation))"
    }

    /// The columns of a by-content sheet, typed as compared.
    var contentColumns: [ReportColumn] { shared.map { ReportColumn(name: $0.name, type: $0.compared) } }
}
