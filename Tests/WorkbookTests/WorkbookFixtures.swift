import Testing
@testable import Workbook

/// Fixture workbooks beside the tests (made by `Fixtures/make_fixtures.py`).
enum WorkbookFixtures {
    static func path(_ name: String, filePath: String = #filePath) -> String {
        let dir = filePath.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
        return dir + "/Fixtures/" + name
    }

    /// Opens a fixture.
    static func open(_ name: String, limits: ReaderLimits = .default) throws -> WorkbookReader {
        try WorkbookReader(path: path(name), limits: limits)
    }

    /// Every row of every sheet, by sheet name.
    static func readAll(_ name: String) throws -> (reader: WorkbookReader, rows: [String: [Row]]) {
        let reader = try open(name)
        var result: [String: [Row]] = [:]
        for sheet in reader.sheets {
            var rows: [Row] = []
            try reader.readRows(of: sheet) { rows.append($0) }
            result[sheet.name] = rows
        }
        return (reader, result)
    }

    /// The error `body` throws (nil when it throws none or another type).
    static func error(_ body: () throws -> Void) -> WorkbookError? {
        do {
            try body()
            return nil
        } catch let error as WorkbookError {
            return error
        } catch {
            return nil
        }
    }
}

extension [Row] {
    /// The row numbered `number` (1-based), if reported.
    func row(_ number: Int) -> Row? { first { $0.number == number } }

    /// The value at an A1 reference (`.empty` when the row or cell is absent).
    subscript(_ reference: String) -> CellValue {
        let letters = reference.prefix { $0.isLetter }
        let number = Int(reference.dropFirst(letters.count)) ?? 0
        var column = 0
        for c in letters.uppercased().unicodeScalars { column = column * 26 + Int(c.value) - 64 }
        return row(number)?[column - 1] ?? .empty
    }
}
