import Testing
@testable import Ingest
@testable import XLSXReader

@Suite("Column names")
struct ColumnNamesTests {
    @Test func keepsTheTextTrimmed() throws {
        let names = try ColumnNames.make(header: [.text("  Order ID "), .text("Größe\n(cm)"), .text("東京 📦")])
        #expect(names == ["Order ID", "Größe (cm)", "東京 📦"])
    }

    @Test func blanksBecomeColumnLetters() throws {
        let names = try ColumnNames.make(header: [.text("a"), .empty, .text("   "), .text("d")], columnCount: 6)
        #expect(names == ["a", "column_B", "column_C", "d", "column_E", "column_F"])
        // A table starting in column C.
        #expect(try ColumnNames.make(header: [.text("x"), .empty], firstColumn: 2) == ["x", "column_D"])
    }

    @Test func duplicatesGetSuffixesCaseInsensitively() throws {
        #expect(try ColumnNames.make(header: [.text("x"), .text("x"), .text("X"), .text("y")]) == ["x", "x_2", "X_3", "y"])
        // A suffix never takes a name that appears literally in the header.
        #expect(try ColumnNames.make(header: [.text("a"), .text("a"), .text("a_2")]) == ["a", "a_3", "a_2"])
        #expect(try ColumnNames.make(header: [.text("column_B"), .empty]) == ["column_B", "column_B_2"])
    }

    @Test func nonTextHeaders() throws {
        let names = try ColumnNames.make(header: [
            .number("2024", .plain), .number("1.5", .plain), .number("43831", .date), .boolean(true), .error("#N/A"),
        ])
        #expect(names == ["2024", "1.5", "2020-01-01", "TRUE", "#N/A"])
    }

    @Test func longNamesAreCutOnCharacterBoundaries() throws {
        let long = String(repeating: "a", count: 100)
        let names = try ColumnNames.make(header: [.text(long)])
        #expect(names == [String(repeating: "a", count: 63)])

        let accented = String(repeating: "é", count: 40)  // 80 bytes, 2 per character
        let cut = try ColumnNames.make(header: [.text(accented)])[0]
        #expect(cut.utf8.count == 62)
        #expect(cut == String(repeating: "é", count: 31))

        // Two names equal after the cut stay unique and within 63 bytes.
        let twins = try ColumnNames.make(header: [.text(long + "1"), .text(long + "2"), .text(accented), .text(accented)])
        #expect(Set(twins.map { $0.lowercased() }).count == 4)
        #expect(twins.allSatisfy { $0.utf8.count <= 63 })
        #expect(twins[1] == String(repeating: "a", count: 61) + "_2")
        #expect(twins[3] == String(repeating: "é", count: 30) + "_2")
    }

    @Test func limitOf1600Columns() throws {
        let ok = try ColumnNames.make(header: Array(repeating: .empty, count: 1600))
        #expect(ok.count == 1600)
        #expect(ok.last == "column_BIN")
        #expect(Set(ok).count == 1600)
        let error = #expect(throws: ColumnNamesError.self) {
            try ColumnNames.make(header: Array(repeating: .text("c"), count: 1601))
        }
        #expect(error?.code == .tooManyColumns)
        #expect(error?.columnCount == 1601)
        #expect(error?.description.contains("1601") == true)
        #expect(throws: ColumnNamesError.self) { try ColumnNames.make(header: [], columnCount: 2000) }
    }

    @Test func columnLetters() {
        #expect(ColumnNames.columnLetters(0) == "A")
        #expect(ColumnNames.columnLetters(25) == "Z")
        #expect(ColumnNames.columnLetters(26) == "AA")
        #expect(ColumnNames.columnLetters(701) == "ZZ")
        #expect(ColumnNames.columnLetters(702) == "AAA")
        #expect(ColumnNames.columnLetters(16383) == "XFD")
    }
}
