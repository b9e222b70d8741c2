import XLSXReader

/// Finds the table in a sheet's rows the way a person sees it, in one pass:
///
/// - **Two-row headers**: a row of group labels right above the header
///   (merged cells over several columns: at least two labels, all text,
///   fewer than the header's) names each column `Group · Label`, a group
///   running from its cell to the next group's.
/// - **The header** is the first row whose values are mostly distinct text
///   labels (at least two) and whose width matches the rows below it
///   (at least three quarters of the widest of the next three rows). Rows
///   above it — a title (a lone or merged cell), a "made by" line, notes —
///   are skipped and recorded. A first row without any text is data and
///   the columns get letter names; so is a sheet's single row of values.
///   When no row within the first ``lookahead`` rows qualifies, the first
///   row is the header, as before.
/// - **Trailing rows**: a total row (its first value a label such as Total,
///   Sum, Summe, Gesamt, Subtotal, with at least one number beside it, or
///   any row with a `SUM`/`SUBTOTAL`/`AGGREGATE` formula over its own
///   column, label or not, cached value or not) and
///   footnotes (a lone text cell in a table of three or more columns, after
///   a blank row or a total, or starting like a note: `*`, Note, Source,
///   Quelle, Hinweis) are held back. A later ordinary row releases them as
///   data (a subtotal inside the table stays); at the end of the sheet they
///   are left out and recorded.
///
/// Rows are held only while their part is unclear: up to ``lookahead``
/// rows at the top, and a run of at most ``maxTrailing`` candidates, so the
/// sheet is still read once.
struct TableShape {
    enum Placement { case data, held }

    static let lookahead = 32
    static let maxTrailing = 64

    private(set) var header: RawRow?
    /// The upper row of a two-row header: group labels (merged cells in
    /// Excel) over the header's labels.
    private(set) var groupRow: RawRow?
    private(set) var finished = false
    /// The header row named by the dataset's ingest settings (nil: found).
    let forcedHeaderRow: Int?
    /// Keep trailing totals and footnotes as data (the settings say so).
    let keepTotals: Bool
    /// The named header row held no value.
    private(set) var headerRowMissing = false
    private(set) var skippedAbove: [SkippedRow] = []
    private(set) var skippedBelow: [SkippedRow] = []
    private var seeking = true
    private var held: [RawRow] = []
    private var trailing: [(row: RawRow, reason: SkippedRow.Reason)] = []
    private var releasedRows: [RawRow] = []
    private var headerWidth = 0
    private var dataSeen = false
    private var previousRow = 0

    var hasReleased: Bool { !releasedRows.isEmpty }

    init(headerRow: Int? = nil, keepTotals: Bool = false) {
        forcedHeaderRow = headerRow
        self.keepTotals = keepTotals
    }

    /// Rows decided to be data since the last call, in sheet order; they
    /// come before the row `place` last answered `.data` for.
    mutating func takeReleased() -> [RawRow] {
        defer { releasedRows = [] }
        return releasedRows
    }

    /// A row holding values: `.data` when it is a data row now, `.held`
    /// when it is not (yet).
    mutating func place(_ row: RawRow) -> Placement {
        if let forced = forcedHeaderRow, seeking {
            // The settings name the header: rows above it are skipped.
            if row.number < forced {
                skippedAbove.append(SkippedRow(row: row, reason: .above))
                return .held
            }
            seeking = false
            if row.number == forced {
                header = row.kept()
                headerWidth = row.cells.count
                previousRow = row.number
                return .held
            }
            headerRowMissing = true
            previousRow = row.number - 1
        }
        if seeking {
            held.append(row.kept())
            decide(final: false)
            return .held
        }
        return classify(row)
    }

    /// The end of the sheet: decides what is still held.
    mutating func finish() {
        guard !finished else { return }
        if forcedHeaderRow != nil && seeking {
            headerRowMissing = true
            seeking = false
        }
        if seeking { decide(final: true) }
        skippedBelow = trailing.map { SkippedRow(row: $0.row, reason: $0.reason) }
        trailing = []
        finished = true
    }

    // MARK: The header

    private mutating func decide(final: Bool) {
        guard let first = held.first else {
            if final { seeking = false }
            return
        }
        if !Self.hasText(first) {
            // A first row of numbers or dates: data, under letter names.
            noHeader()
            return
        }
        let waiting = !final && held.count < Self.lookahead
        for i in held.indices where Self.isLabels(held[i]) {
            let below = held[(i + 1)...].prefix(3)
            if below.count < 3 && waiting { return }
            guard let widest = below.map(\.cells.count).max() else { continue }
            if held[i].cells.count * 4 >= widest * 3 {
                choose(i)
                return
            }
        }
        if waiting { return }
        if final && held.count == 1 {
            noHeader()   // a single row of values and no table
        } else {
            choose(held.firstIndex(where: Self.isLabels) ?? 0)
        }
    }

    private mutating func choose(_ index: Int) {
        let rows = held
        held = []
        seeking = false
        header = rows[index]
        headerWidth = rows[index].cells.count
        var above = index
        if index > 0, Self.isGroupRow(rows[index - 1], over: rows[index]) {
            groupRow = rows[index - 1]
            above -= 1
        }
        skippedAbove = rows[..<above].map { SkippedRow(row: $0, reason: .above) }
        previousRow = rows[index].number
        for row in rows[(index + 1)...] where classify(row) == .data { releasedRows.append(row) }
    }

    private mutating func noHeader() {
        let rows = held
        held = []
        seeking = false
        for row in rows where classify(row) == .data { releasedRows.append(row) }
    }

    /// Whether `row`, right above `header`, holds group labels over it: at
    /// least two, all text, fewer than the header's labels, none outside
    /// the header's columns (a lone title is not a group row).
    static func isGroupRow(_ row: RawRow, over header: RawRow) -> Bool {
        guard row.number == header.number - 1, row.cells.count >= 2, row.cells.count < header.cells.count,
              let low = header.cells.first?.column, let high = header.cells.last?.column else { return false }
        return row.cells.allSatisfy { isText($0) && $0.column >= low && $0.column <= high }
    }

    // MARK: Trailing rows

    private mutating func classify(_ row: RawRow) -> Placement {
        let gap = row.number > previousRow + 1
        previousRow = row.number
        if header != nil && dataSeen && !keepTotals, let reason = trailingReason(row, gap: gap) {
            trailing.append((row.kept(), reason))
            if trailing.count > Self.maxTrailing { releaseTrailing() }
            return .held
        }
        releaseTrailing()
        dataSeen = true
        return .data
    }

    private mutating func releaseTrailing() {
        guard !trailing.isEmpty else { return }
        releasedRows.append(contentsOf: trailing.map(\.row))
        trailing = []
    }

    private func trailingReason(_ row: RawRow, gap: Bool) -> SkippedRow.Reason? {
        if row.columnTotals > 0 { return .total }
        guard let first = row.cells.first, Self.isText(first) else { return nil }
        if row.cells.count > 1 {
            // The label first: it fails on its first byte for almost every data row.
            guard row.withBytes(first, { Self.startsWithWord(of: Self.totalWords, $0) }) else { return nil }
            return row.cells.dropFirst().contains { $0.type == .number } ? .total : nil
        }
        guard headerWidth >= 3 else { return nil }
        if gap || !trailing.isEmpty || row.withBytes(first, { Self.startsLikeNote($0) }) { return .footnote }
        return nil
    }

    // MARK: What a row looks like

    private static func isText(_ cell: RawCell) -> Bool { cell.type == .text || cell.type == .shared }

    private static func hasText(_ row: RawRow) -> Bool { row.cells.contains(where: isText) }

    /// At least two values, at least half of them text, mostly distinct
    /// (a two-row header's labels repeat under each group: `units`,
    /// `revenue`, `units`, `revenue`).
    static func isLabels(_ row: RawRow) -> Bool {
        guard row.cells.count >= 2 else { return false }
        var texts = Set<String>()
        var count = 0
        for cell in row.cells where isText(cell) {
            guard case .text(let t) = row.value(cell) else { continue }
            count += 1
            texts.insert(t.lowercased())
        }
        return count * 2 >= row.cells.count && texts.count * 2 > count
    }

    /// The words as lower-case ASCII bytes (compared on every data row
    /// whose first value is text).
    static let totalWords: [[UInt8]] = ["total", "totals", "grand total", "sum", "summe", "gesamt", "gesamtsumme", "insgesamt",
                                        "subtotal", "sub-total", "sub total", "zwischensumme", "somme", "totale", "totaal"]
        .map { Array($0.utf8) }
    static let noteWords: [[UInt8]] = ["note", "notes", "source", "sources", "quelle", "hinweis", "anmerkung"].map { Array($0.utf8) }

    static func startsLikeNote(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        let text = bytes.drop { $0 == 0x20 }
        if text.first == UInt8(ascii: "*") || text.starts(with: "¹".utf8) { return true }
        return startsWithWord(of: noteWords, bytes)
    }

    /// Whether the text, after leading spaces, starts with one of `words`
    /// (ASCII, any case) followed by its end or a character that is not a
    /// letter.
    static func startsWithWord(of words: [[UInt8]], _ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        let text = bytes.drop { $0 == 0x20 }
        for word in words {
            guard text.count >= word.count else { continue }
            var i = text.startIndex
            var matched = true
            for w in word {
                let b = text[i]
                let lower = b >= 0x41 && b <= 0x5A ? b | 0x20 : b
                if lower != w { matched = false; break }
                i += 1
            }
            guard matched else { continue }
            if i == text.endIndex { return true }
            let next = text[i]
            let isLetter = (next | 0x20) >= 0x61 && (next | 0x20) <= 0x7A || next >= 0x80
            if !isLetter { return true }
        }
        return false
    }
}

/// A row left out of a sheet's table, as its version records it.
struct SkippedRow: Sendable, Equatable {
    enum Reason: Sendable { case above, total, footnote }

    var row: Int
    var reason: Reason
    /// The row's values joined with ` | `, at most ``maxText`` characters.
    var text: String

    static let maxText = 160
    static let listed = 5

    init(row: Int, reason: Reason, text: String) {
        self.row = row
        self.reason = reason
        self.text = text
    }

    init(row: RawRow, reason: Reason) {
        let values = row.materialized().cells.map { cell -> String in
            switch cell.value {
            case .empty: ""
            case .number(let t, _), .text(let t), .error(let t): t
            case .boolean(let b): b ? "TRUE" : "FALSE"
            }
        }
        var text = values.joined(separator: " | ")
        if text.count > Self.maxText { text = String(text.prefix(Self.maxText - 1)) + "…" }
        self.init(row: row.number, reason: reason, text: text)
    }

    /// The version's notes for a sheet's skipped rows: one line that sums
    /// them up ("header at row 4; skipped 3 rows above, 1 total row
    /// below"), then the first few rows with their text.
    static func notes(sheet: String, header: Int?, above: [SkippedRow], below: [SkippedRow]) -> [String] {
        guard !above.isEmpty || !below.isEmpty else { return [] }
        var parts: [String] = []
        if let header { parts.append("header at row \(header)") }
        var skipped: [String] = []
        if !above.isEmpty { skipped.append("\(counted(above.count, "row")) above") }
        let totals = below.filter { $0.reason == .total }.count
        let footnotes = below.count - totals
        var under: [String] = []
        if totals > 0 { under.append(counted(totals, "total row")) }
        if footnotes > 0 { under.append(counted(footnotes, "footnote row")) }
        if !under.isEmpty { skipped.append(under.joined(separator: " and ") + " below") }
        parts.append("skipped " + skipped.joined(separator: ", "))
        var notes = ["sheet \"\(sheet)\": " + parts.joined(separator: "; ")]
        let rows = above + below
        for row in rows.prefix(listed) {
            let place = switch row.reason {
            case .above: "above the header"
            case .total: "total"
            case .footnote: "footnote"
            }
            notes.append("sheet \"\(sheet)\" row \(row.row) skipped (\(place)): \(row.text)")
        }
        if rows.count > listed { notes.append("sheet \"\(sheet)\": \(rows.count - listed) more skipped rows not listed") }
        return notes
    }

    private static func counted(_ n: Int, _ noun: String) -> String { "\(n) \(noun)\(n == 1 ? "" : "s")" }
}
