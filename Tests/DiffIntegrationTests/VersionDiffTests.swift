import Catalog
import Foundation
import Postgres
import Reports
import Testing

/// `VersionDiffer` against real PostgreSQL: versions with known added,
/// removed and changed rows and column changes report exactly them.
@Suite struct VersionDiffTests {
    static func differ(_ fixture: DiffFixture, sampleSize: Int = 10) -> VersionDiffer {
        VersionDiffer(sources: CatalogReportSources(catalog: fixture.catalog),
                      sampleSize: sampleSize)
    }

    @Test func withAKeyReportsAddedRemovedAndChangedCells() async throws {
        try await DiffFixture.with { fixture in
            _ = try await fixture.makeOrders()
            let diff = try await Self.differ(fixture).diff(DiffRequest(dataset: "sales/orders", from: 1, to: 2, key: ["id"]),
                                                           connection: fixture.connection)
            #expect(diff.dataset == "sales/orders")
            #expect((diff.added, diff.removed, diff.changed, diff.unchanged) == (2, 1, 2, 2))
            #expect(diff.columns.added == ["due"])
            #expect(diff.columns.removed == ["region"])
            #expect(diff.columns.typeChanged == [DiffTypeChange(column: "amount", from: "numeric", to: "double precision")])
            #expect(diff.comparedColumns == ["id", "name", "amount"])
            #expect(diff.changedCells == [DiffCellCount(column: "name", count: 2), DiffCellCount(column: "amount", count: 1)])
            #expect(diff.sampleAdded == [["6"], ["7"]])
            #expect(diff.sampleRemoved == [["2"]])
            #expect(diff.sampleChanged == [
                DiffChangedRow(key: ["3"], cells: [DiffCellChange(column: "name", old: "c", new: "C")]),
                DiffChangedRow(key: ["4"], cells: [DiffCellChange(column: "name", old: nil, new: "d"),
                                                   DiffCellChange(column: "amount", old: "10", new: "10.5")]),
            ])
            // The sample is bounded; the counts are not.
            let small = try await Self.differ(fixture, sampleSize: 1).diff(
                DiffRequest(dataset: "sales/orders", from: 1, to: 2, key: ["ID"]), connection: fixture.connection)
            #expect(small.key == ["id"], "a key matches its column case-insensitively when unambiguous")
            #expect(small.sampleAdded == [["6"]] && small.sampleChanged.count == 1 && small.changed == 2)
        }
    }

    @Test func withoutAKeyComparesRowsByContentAsMultisets() async throws {
        try await DiffFixture.with { fixture in
            let ref = DatasetRef(name: "tally")
            try await fixture.addVersion(ref, version: 1, columns: [("item", "text"), ("n", "bigint")],
                                         values: "('a', 1), ('a', 1), ('b', 2), ('c', 3)")
            try await fixture.addVersion(ref, version: 2, columns: [("item", "text"), ("n", "bigint")],
                                         values: "('a', 1), ('b', 2), ('b', 2), ('d', 4)")
            let diff = try await Self.differ(fixture).diff(DiffRequest(dataset: "tally", from: 1, to: 2), connection: fixture.connection)
            #expect((diff.added, diff.removed, diff.changed, diff.unchanged) == (2, 2, 0, 2))
            #expect(diff.sampleAdded == [["b", "2"], ["d", "4"]])
            #expect(diff.sampleRemoved == [["a", "1"], ["c", "3"]])
            #expect(diff.columns.isEmpty)
            #expect(diff.dataset == "default/tally")

            // Column changes without a key: rows compare on the shared columns;
            // a type change compares as numbers (5 = 5.0), text otherwise.
            let orders = try await fixture.makeOrders()
            let byContent = try await Self.differ(fixture).diff(
                DiffRequest(dataset: orders.description, from: 1, to: 2), connection: fixture.connection)
            #expect(byContent.comparedColumns == ["id", "name", "amount"])
            #expect((byContent.added, byContent.removed, byContent.unchanged) == (4, 3, 2))
            #expect(byContent.sampleRemoved == [["2", "b", "2"], ["3", "c", "3"], ["4", nil, "10"]])
            #expect(byContent.columns.typeChanged.map(\.column) == ["amount"])
        }
    }

    @Test func aKeyWithDuplicatesOrNullsOrMissingIsRefusedNamingTheColumn() async throws {
        try await DiffFixture.with { fixture in
            let ref = DatasetRef(name: "people")
            try await fixture.addVersion(ref, version: 1, columns: [("id", "bigint"), ("name", "text"), ("team", "text")],
                                         values: "(1, 'ann', 'x'), (2, 'bob', NULL), (2, 'bea', 'y'), (3, 'cy', 'y')")
            try await fixture.addVersion(ref, version: 2, columns: [("id", "bigint"), ("name", "text"), ("team", "text")],
                                         values: "(1, 'ann', 'x'), (2, 'bob', 'z'), (3, 'cy', 'y')")
            let differ = Self.differ(fixture)
            func refusal(_ key: [String]) async -> ReportError? {
                do {
                    _ = try await differ.diff(DiffRequest(dataset: "people", from: 1, to: 2, key: key), connection: fixture.connection)
                    return nil
                } catch {
                    return error as? ReportError
                }
            }
            let duplicate = await refusal(["id"])
            #expect(duplicate?.code == .badKey)
            #expect(duplicate?.message.contains("\"id\"") == true && duplicate?.message.contains("v1") == true
                    && duplicate?.message.contains("(2) occurs 2 times") == true, "\(String(describing: duplicate))")
            let null = await refusal(["team"])
            #expect(null?.code == .badKey)
            #expect(null?.message.contains("key column \"team\" is empty (NULL) in 1 row of v1") == true, "\(String(describing: null))")
            let missing = await refusal(["nope"])
            #expect(missing?.code == .unknownColumn && missing?.message.contains("\"nope\"") == true)
            #expect(await refusal(["id", "id"])?.code == .badKey)
            // A compound key that is unique works, and the connection is usable after the refusals.
            let ok = try await differ.diff(DiffRequest(dataset: "people", from: 1, to: 2, key: ["id", "name"]), connection: fixture.connection)
            #expect((ok.added, ok.removed, ok.changed, ok.unchanged) == (0, 1, 1, 2))
            #expect(ok.sampleChanged == [DiffChangedRow(key: ["2", "bob"], cells: [DiffCellChange(column: "team", old: nil, new: "z")])])
            await #expect { _ = try await differ.diff(DiffRequest(dataset: "people", from: 1, to: 9), connection: fixture.connection) }
                throws: { ($0 as? ReportError)?.code == .unknownDataset }
        }
    }
}
