public import XLSXReader

/// Fixture workbooks of the reader's tests (`Tests/XLSXReaderTests/Fixtures`,
/// made by `make_fixtures.py` there), shared with the ingest's tests.
public enum WorkbookFixtures {
    public static func path(_ name: String) -> String {
        BuiltProducts.packageRoot + "/Tests/XLSXReaderTests/Fixtures/" + name
    }

    /// Opens a fixture.
    public static func open(_ name: String, limits: ReaderLimits = .default) throws -> WorkbookReader {
        try WorkbookReader(path: path(name), limits: limits)
    }

    /// Every row of every sheet, by sheet name.
    public static func readAll(_ name: String) throws -> (reader: WorkbookReader, rows: [String: [Row]]) {
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
    public static func error(_ body: () throws -> Void) -> WorkbookError? {
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
    public func row(_ number: Int) -> Row? { first { $0.number == number } }

    /// The value at an A1 reference (`.empty` when the row or cell is absent).
    public subscript(_ reference: String) -> CellValue {
        let letters = reference.prefix { $0.isLetter }
        let number = Int(reference.dropFirst(letters.count)) ?? 0
        var column = 0
        for c in letters.uppercased().unicodeScalars { column = column * 26 + Int(c.value) - 64 }
        return row(number)?[column - 1] ?? .empty
    }
}
