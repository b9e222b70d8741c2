import Testing
@testable import Reports

/// The diff's SQL and column changes from two versions' columns, without a server.
@Suite struct DiffPlanTests {
    static func source(_ version: Int, _ columns: [(String, ReportColumnType)]) -> ReportSource {
        ReportSource(department: "sales", dataset: "orders", version: version, schema: "da\"ta", table: "orders@v\(version)",
                     columns: columns.map { ReportColumn(name: $0.0, type: $0.1) })
    }

    @Test func columnChangesAndHowRetypedColumnsCompare() throws {
        let plan = try DiffPlan(
            old: Self.source(1, [("id", .integer), ("amount", .numeric(scale: 2)), ("day", .date), ("gone", .text)]),
            new: Self.source(2, [("id", .integer), ("amount", .double), ("day", .text), ("new", .boolean)]),
            key: ["id"])
        #expect(plan.columnChanges.added == ["new"] && plan.columnChanges.removed == ["gone"])
        #expect(plan.columnChanges.typeChanged.map(\.column) == ["amount", "day"])
        #expect(plan.shared.map { $0.expression("a") } == ["a.\"id\"", "a.\"amount\"::numeric", "a.\"day\"::text"])
        #expect(plan.valueColumns.map(\.name) == ["amount", "day"])
        #expect(plan.joinCondition == "a.\"id\" = b.\"id\"")
        #expect(plan.oldRelation == "\"da\"\"ta\".\"orders@v1\"")
        #expect(plan.changedSQL(limit: 5).hasSuffix("ORDER BY b.\"id\" LIMIT 5"))
    }

    @Test func keysAreResolvedOrRefused() throws {
        let old = Self.source(1, [("Order ID", .integer), ("a\"b", .text), ("only old", .text)])
        let new = Self.source(2, [("Order ID", .integer), ("a\"b", .text)])
        #expect(try DiffPlan(old: old, new: new, key: ["order id"]).key == ["Order ID"])
        #expect(try DiffPlan(old: old, new: new, key: ["a\"b"]).nullKeySQL("t") == "SELECT count(*) FILTER (WHERE \"a\"\"b\" IS NULL) FROM t")
        #expect { try DiffPlan(old: old, new: new, key: ["only old"]) } throws: {
            ($0 as? ReportError)?.code == .unknownColumn && ($0 as? ReportError)?.message.contains("not in v2") == true
        }
        #expect { try DiffPlan(old: old, new: new, key: ["Order ID", "order id"]) } throws: { ($0 as? ReportError)?.code == .badKey }
        #expect { try DiffPlan(old: Self.source(1, [("x", .text)]), new: Self.source(2, [("y", .text)]), key: []) } throws: {
            ($0 as? ReportError)?.code == .badKey
        }
    }
}
