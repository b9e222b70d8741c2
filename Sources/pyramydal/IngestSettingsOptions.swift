import ArgumentParser
import Basics
import Catalog

/// `--sheet S --header-row N --range A4:F1004 --keep-totals`: how to read
/// the table where detection gets it wrong. Given to `ingest` or `drop`,
/// they become the dataset's ingest settings and apply to every later drop
/// of it (`pyramydal dataset settings` shows and edits them).
struct IngestSettingsOptions: ParsableArguments {
    @Option(help: "Read only this sheet (its name as on its tab).") var sheet: String?
    @Option(help: "The header's row (1-based): rows above it are skipped.") var headerRow: Int?
    @Option(help: "The table's exact range, header row first (e.g. A4:F1004).") var range: String?
    @Flag(name: [.customLong("keep-totals"), .customLong("no-totals")],
          help: "The table has no total row: keep its last rows as data (a trailing total row and footnotes are left out by default).")
    var keepTotals = false

    func validate() throws {
        if let headerRow, headerRow < 1 { throw ValidationError("--header-row is a row number, 1 or more") }
        if let range, CellReference.parseRange(range) == nil {
            throw ValidationError("--range takes a cell range like A4:F1004 (got \"\(range)\")")
        }
        if headerRow != nil && range != nil { throw ValidationError("give --header-row or --range, not both (a range's first row is its header)") }
    }

    /// The settings given (nil: none).
    var settings: IngestSettings? {
        let s = IngestSettings(sheet: sheet, headerRow: headerRow, range: range?.uppercased(), keepTotals: keepTotals)
        return s.isEmpty ? nil : s
    }
}
