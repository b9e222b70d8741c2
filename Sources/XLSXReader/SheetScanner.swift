internal import Basics

/// The sheet XML scanner: walks `<sheetData>` with the byte tokenizer and
/// turns each `<row>` into a `RawRow` of sparse cells (values as bytes, no
/// `String` per cell; `scan(into:)` makes `Row`s of them).
///
/// - Cells: `t="s"` shared string, `inlineStr` (`<is><t>` and rich runs,
///   phonetic runs skipped), `str` (formula result), `b`, `e` (error),
///   `d` (ISO 8601 text, turned into a date serial so it reads like any
///   other date cell), `n` or none (number text kept exactly as written,
///   with the kind of the cell's number format). A formula's (`<f>`)
///   cached `<v>` is the value; the formula itself only counts towards the
///   row's ``RawRow/columnTotals`` when it totals its own column (a shared
///   formula's followers take their master's answer). A cell without a
///   value (style only) is skipped; a row without values is skipped.
/// - Positions: `r` when present, else the previous row / cell + 1. Rows
///   are reported in document order with their numbers — out-of-order rows
///   are not buffered or sorted (callers that need order must handle it);
///   cells within a row are sorted by column (the last of duplicates wins).
///   Consecutive `<row>` elements with the same `r` (some writers emit one
///   element per cell) are one row: their cells are merged, a repeated
///   cell reference taking the later value. A row is reported when the
///   next row with another number starts (or the sheet data ends), so
///   nothing is buffered beyond the one row. A row number that comes back
///   after another row is an out-of-order row like any other: reported
///   again, on its own.
///   A cell reference (letters in either case) must lie in A1 … XFD1048576
///   and name its own row; a `<row>` without `r` takes its number from its
///   first cell's reference, if that has one. Anything else is an error
///   naming the part and the row.
/// - Prefixes (`x:c`) and Strict namespaces are handled by matching local
///   names; `<dimension>` is ignored.
struct SheetScanner {
    private enum CellType { case number, shared, inline, string, boolean, error, date }

    let tok: XMLTokenizer
    let strings: SharedStrings
    let formats: NumberFormats
    let date1904: Bool

    /// Scans the sheet, calling `body` with each row holding a value as a
    /// `Row` of `String` values (made from the raw row).
    func scan(into row: inout Row, _ body: (Row) throws -> Void) throws {
        try scanRaw { raw in
            raw.materialize(into: &row)
            try body(row)
        }
    }

    /// Scans the sheet, calling `body` with each row holding a value; the
    /// `RawRow` is reused between calls. `dimension` is called with the
    /// last row number of the sheet's `<dimension ref>`, when it has one,
    /// before the first row: what the writer said the sheet spans (an
    /// estimate for progress, never trusted for the data).
    func scanRaw(dimension: ((Int) -> Void)? = nil, _ body: (RawRow) throws -> Void) throws {
        var row = RawRow(strings: strings)
        tok.wantText = false
        var depth = 0
        var sawRoot = false
        var inSheetData = false
        var rowOpen = false
        /// The open row has no `r`: its first cell's reference may number it.
        var rowImplied = false
        var lastRow = 0
        var lastColumn = -1
        var unsorted = false
        /// The row read last has ended but is not reported yet: the next
        /// `<row>` may repeat its number.
        var pending = false

        var inCell = false
        var cellColumn = 0
        var cellType = CellType.number
        var cellKind = NumberKind.plain
        var cellFormat: UInt16 = 0
        var hasValue = false
        var inInline = false
        var sawInline = false
        var phonetic = 0
        /// Where the current cell's value starts in `row.bytes`.
        var valueStart = 0
        /// The open `<f>`'s shared-formula index (`si`), if any.
        var formulaShared: Int?
        /// The shared formulas (by `si`) whose master totals its column.
        var sharedTotals = Set<Int>()

        loop: while true {
            // Whole cells in one loop (the usual case), then a cell's start
            // tag in one step, else a token.
            if inSheetData && rowOpen && !inCell && !rowImplied {
                simpleCells(&row, lastColumn: &lastColumn, unsorted: &unsorted)
            }
            let cellStart = inSheetData && rowOpen && !inCell ? tok.simpleCellStart() : nil
            let kind = cellStart != nil ? XMLTokenizer.Kind.start : try tok.next()
            switch kind {
            case .start, .empty:
                if kind == .start { depth += 1 }
                sawRoot = true
                if !inSheetData {
                    if kind == .start && tok.nameIs("sheetData") {
                        inSheetData = true
                    } else if let dimension, tok.nameIs("dimension") {
                        var lastRow: Int?
                        try tok.forEachAttribute { ns, ne, vs, ve in
                            guard ne - ns == 3 && tok.base[ns] == UInt8(ascii: "r") else { return }
                            var from = ve
                            while from > vs && tok.base[from - 1] >= UInt8(ascii: "0") && tok.base[from - 1] <= UInt8(ascii: "9") { from -= 1 }
                            lastRow = from < ve ? parseInt(from, ve) : nil
                        }
                        if let lastRow { dimension(lastRow) }
                    }
                    continue
                }
                if inCell {
                    if tok.nameIs("v") {
                        if kind == .start && !inInline { tok.wantText = true; hasValue = true; row.bytes.removeSubrange(valueStart...) }
                    } else if tok.nameIs("is") {
                        if kind == .start { inInline = true; sawInline = true; hasValue = true; row.bytes.removeSubrange(valueStart...) }
                    } else if tok.nameIs("t") {
                        if kind == .start && inInline && phonetic == 0 { tok.wantText = true }
                    } else if tok.nameIs("rPh") {
                        if kind == .start { phonetic += 1 }
                    } else if tok.nameIs("f") {
                        var shared: Int?
                        try tok.forEachAttribute { ns, ne, vs, ve in
                            if ne - ns == 2 && tok.base[ns] == UInt8(ascii: "s") && tok.base[ns + 1] == UInt8(ascii: "i") {
                                shared = parseInt(vs, ve)
                            }
                        }
                        if kind == .start {
                            // Its text is read into the row's bytes and dropped at `</f>`.
                            tok.wantText = true
                            formulaShared = shared
                            row.bytes.removeSubrange(valueStart...)
                        } else if let shared, sharedTotals.contains(shared) {
                            row.columnTotals += 1
                        }
                    }
                } else if tok.nameIs("c") {
                    if !rowOpen {
                        // A cell outside <row>: treat as its own row.
                        if pending {
                            pending = false
                            if unsorted { Self.sortCells(&row.cells) }
                            try body(row)
                        }
                        unsorted = false
                        row.number = lastRow + 1
                        row.columnTotals = 0
                        row.cells.removeAll(keepingCapacity: true)
                        row.bytes.removeAll(keepingCapacity: true)
                        rowOpen = true
                        rowImplied = true
                    }
                    var column = lastColumn + 1
                    var style = 0
                    var type = CellType.number
                    var reference: (column: Int, row: Int)? = nil
                    if let c = cellStart {
                        if c.rFrom >= 0 { reference = try parseReference(c.rFrom, c.rTo, row: row.number) }
                        if c.sFrom >= 0 { style = parseInt(c.sFrom, c.sTo) ?? 0 }
                        if c.tFrom >= 0 { type = parseCellType(c.tFrom, c.tTo) }
                    } else {
                        try tok.forEachAttribute { ns, ne, vs, ve in
                            guard ne - ns == 1 else { return }
                            switch tok.base[ns] {
                            case UInt8(ascii: "r"): reference = try parseReference(vs, ve, row: row.number)
                            case UInt8(ascii: "s"): style = parseInt(vs, ve) ?? 0
                            case UInt8(ascii: "t"): type = parseCellType(vs, ve)
                            default: break
                            }
                        }
                    }
                    if let reference {
                        column = reference.column
                        if reference.row != row.number {
                            guard rowImplied else { throw otherRow(reference, row: row.number) }
                            row.number = reference.row
                            lastRow = reference.row
                        }
                    }
                    rowImplied = false
                    if column <= lastColumn { unsorted = true }
                    lastColumn = column
                    if kind == .start {
                        inCell = true
                        cellColumn = column
                        cellType = type
                        cellKind = formats.kind(style)
                        cellFormat = formats.slot(style)
                        hasValue = false
                        inInline = false
                        sawInline = false
                        phonetic = 0
                        valueStart = row.bytes.count
                        if let (from, to) = tok.simpleCellValue() {
                            // `<v>…</v></c>` in one go: the usual cell.
                            inCell = false
                            depth -= 1
                            if type == .shared, let index = Self.plainIndex(tok.bytes(from, to)), index < strings.count {
                                // The usual shared string: just its number.
                                if !strings.isEmpty(at: index) { row.cells.append(RawCell(column: column, type: .shared, start: index, end: 0)) }
                            } else {
                                row.bytes.append(contentsOf: tok.bytes(from, to))
                                // Raw text (no entity in it): its line breaks normalised here.
                                if type == .string { XMLEscapes.normalizeLineBreaks(&row.bytes, from: valueStart) }
                                if let cell = try finishCell(type, cellKind, cellFormat, &row, from: valueStart, column: column) {
                                    row.cells.append(cell)
                                } else {
                                    row.bytes.removeSubrange(valueStart...)
                                }
                            }
                        }
                    }
                } else if tok.nameIs("row") {
                    var number = lastRow + 1
                    var implied = true
                    try tok.forEachAttribute { ns, ne, vs, ve in
                        if ne - ns == 1 && tok.base[ns] == UInt8(ascii: "r") {
                            guard let n = parseInt(vs, ve), n >= 1 else {
                                throw tok.error(.malformedXML, "a row number that is not a positive integer")
                            }
                            number = n
                            implied = false
                        }
                    }
                    lastRow = number
                    if pending && number == row.number && !implied {
                        // The same row again: its cells join the row's.
                        if kind == .start {
                            pending = false
                            rowOpen = true
                            rowImplied = false
                        }
                        continue
                    }
                    if pending {
                        pending = false
                        if unsorted { Self.sortCells(&row.cells) }
                        try body(row)
                    }
                    lastColumn = -1
                    unsorted = false
                    if kind == .start {
                        row.number = number
                        row.columnTotals = 0
                        row.cells.removeAll(keepingCapacity: true)
                        row.bytes.removeAll(keepingCapacity: true)
                        rowOpen = true
                        rowImplied = implied
                    }
                }
            case .end:
                depth -= 1
                if depth < 0 { throw tok.error(.malformedXML, "an end tag without a start tag") }
                guard inSheetData else { continue }
                if inCell {
                    if tok.nameIs("c") {
                        inCell = false
                        tok.wantText = false
                        if sawInline && cellType != .string { cellType = .inline }  // <is> decides, whatever t says
                        if hasValue, let cell = try finishCell(cellType, cellKind, cellFormat, &row, from: valueStart, column: cellColumn) {
                            row.cells.append(cell)
                        } else {
                            row.bytes.removeSubrange(valueStart...)
                        }
                    } else if tok.nameIs("v") || tok.nameIs("t") {
                        tok.wantText = false
                    } else if tok.nameIs("f") {
                        tok.wantText = false
                        if ColumnTotalFormula.isTotal(row.bytes[valueStart...], column: cellColumn) {
                            row.columnTotals += 1
                            if let formulaShared { sharedTotals.insert(formulaShared) }
                        }
                        row.bytes.removeSubrange(valueStart...)
                    } else if tok.nameIs("rPh") {
                        phonetic -= 1
                    } else if tok.nameIs("is") {
                        inInline = false
                    }
                } else if tok.nameIs("row") {
                    // Reported when the next row has another number.
                    pending = rowOpen && !row.cells.isEmpty
                    rowOpen = false
                } else if tok.nameIs("sheetData") {
                    if pending {
                        pending = false
                        if unsorted { Self.sortCells(&row.cells) }
                        try body(row)
                    }
                    inSheetData = false
                }
            case .text, .cdata:
                try tok.appendText(to: &row.bytes)
            case .eof:
                break loop
            }
        }
        if depth != 0 || !sawRoot {
            throw tok.error(.malformedXML, "the sheet XML ends before its elements are closed (truncated part?)",
                            cell: inCell ? CellReference.name(column: cellColumn, row: row.number) : nil)
        }
    }

    /// The run of usual cells at the read position, read in one loop over
    /// the buffer: `<c r="B7" s="2" t="s"><v>42</v></c>` (attributes `r`,
    /// `s`, `t` in any order, others skipped) holding a number, a shared
    /// string's plain index in range, or a boolean `0`/`1`. It stops,
    /// consuming nothing of it, at anything else: another element (`</row>`),
    /// a cell of another type, with an entity, without a value, with a
    /// reference that is invalid or names another row, or cut by the end
    /// of the buffer; the general path then reads that cell, and reports
    /// any error at it. What it reads lands exactly as the general path
    /// would have it.
    @inline(__always)
    private func simpleCells(_ row: inout RawRow, lastColumn: inout Int, unsorted: inout Bool) {
        let b = tok.base
        let end = tok.readEnd
        var p = tok.readPosition
        defer { tok.advance(to: p) }
        cells: while end &- p >= 15, b[p] == UInt8(ascii: "<"), b[p &+ 1] == UInt8(ascii: "c"), b[p &+ 2] == 0x20 {
            // The start tag's attributes.
            var q = p &+ 3
            var rFrom = -1, rTo = -1, sFrom = -1, sTo = -1, tFrom = -1, tTo = -1
            attributes: while true {
                guard q < end else { return }
                let c = b[q]
                if c == 0x20 { q &+= 1; continue }
                if c == UInt8(ascii: ">") { q &+= 1; break attributes }
                // The usual attribute, a one-letter name and a value of at
                // most 7 bytes (`r="AB12"`, `s="3"`, `t="s"`): its end found
                // eight bytes at a time, without a branch per byte.
                if c == UInt8(ascii: "r") || c == UInt8(ascii: "s") || c == UInt8(ascii: "t"),
                   end &- q >= 11, b[q &+ 1] == UInt8(ascii: "="), b[q &+ 2] == 0x22 {
                    let value = q &+ 3
                    let n = ByteWord.firstOf(0x22, UInt8(ascii: "<"), in: ByteWord.load8(b, value))
                    if n < 8 && b[value &+ n] == 0x22 {
                        if c == UInt8(ascii: "r") {
                            rFrom = value; rTo = value &+ n
                        } else if c == UInt8(ascii: "s") {
                            sFrom = value; sTo = value &+ n
                        } else {
                            tFrom = value; tTo = value &+ n
                        }
                        q = value &+ n &+ 1
                        continue
                    }
                }
                let name = q
                while q < end && b[q] != UInt8(ascii: "=") {
                    let n = b[q]
                    guard n > 0x20, n != UInt8(ascii: ">"), n != UInt8(ascii: "/"), n != UInt8(ascii: "<"), n != 0x22, n != 0x27 else { return }
                    q &+= 1
                }
                guard q &+ 1 < end, b[q &+ 1] == 0x22 else { return }
                let single = q &- name == 1 ? b[name] : 0
                q &+= 2
                let value = q
                while q < end && b[q] != 0x22 {
                    guard b[q] != UInt8(ascii: "<") else { return }
                    q &+= 1
                }
                guard q < end else { return }
                switch single {
                case UInt8(ascii: "r"): rFrom = value; rTo = q
                case UInt8(ascii: "s"): sFrom = value; sTo = q
                case UInt8(ascii: "t"): tFrom = value; tTo = q
                default: break
                }
                q &+= 1
            }
            // `<v>text</v></c>`, the text without markup or entity.
            guard end &- q >= 11, b[q] == UInt8(ascii: "<"), b[q &+ 1] == UInt8(ascii: "v"), b[q &+ 2] == UInt8(ascii: ">") else { return }
            let from = q &+ 3
            var to = from
            // The value's end (`<`; an `&` is left to the general path),
            // eight bytes at a time while they are there.
            while end &- to >= 8 {
                let n = ByteWord.firstOf(UInt8(ascii: "<"), UInt8(ascii: "&"), in: ByteWord.load8(b, to))
                to &+= n
                if n < 8 { break }
            }
            while to < end && b[to] != UInt8(ascii: "<") {
                guard b[to] != UInt8(ascii: "&") else { return }
                to &+= 1
            }
            guard end &- to >= 8, ByteWord.load8(b, to) == Self.endOfValueAndCell else { return }
            let next = to &+ 8

            // The cell: checked as the general path checks it, or left to it.
            var column = lastColumn &+ 1
            if rFrom >= 0 {
                guard let reference = referenceIfValid(rFrom, rTo), reference.row == row.number else { return }
                column = reference.column
            }
            let type = tFrom >= 0 ? parseCellType(tFrom, tTo) : .number
            let text = tok.bytes(from, to)
            switch type {
            case .shared:
                guard let index = Self.plainIndex(text), index < strings.count else { return }
                if !strings.isEmpty(at: index) { row.cells.append(RawCell(column: column, type: .shared, start: index, end: 0)) }
            case .number:
                let style = sFrom >= 0 ? parseInt(sFrom, sTo) ?? 0 : 0
                let start = row.bytes.count
                row.bytes.append(contentsOf: text)
                if let (s, e) = Self.trimmed(row.bytes, from: start) {
                    row.cells.append(RawCell(column: column, type: .number, numberKind: formats.kind(style), format: formats.slot(style), start: s, end: e))
                } else {
                    row.bytes.removeSubrange(start...)
                }
            case .boolean:
                guard text.count == 1, text[0] == UInt8(ascii: "0") || text[0] == UInt8(ascii: "1") else { return }
                row.cells.append(RawCell(column: column, type: .boolean, start: text[0] == UInt8(ascii: "1") ? 1 : 0, end: 0))
            default:
                return
            }
            if column <= lastColumn { unsorted = true }
            lastColumn = column
            p = next
        }
    }

    private static func sortCells(_ cells: inout [RawCell]) {
        // Stable sort by column, then keep the last of duplicate columns.
        let sorted = cells.enumerated().sorted { a, b in
            a.element.column != b.element.column ? a.element.column < b.element.column : a.offset < b.offset
        }.map(\.element)
        cells.removeAll(keepingCapacity: true)
        for cell in sorted {
            if let last = cells.last, last.column == cell.column { cells[cells.count - 1] = cell } else { cells.append(cell) }
        }
    }

    @inline(__always)
    private func parseCellType(_ from: Int, _ to: Int) -> CellType {
        let b = tok.base
        switch to - from {
        case 1:
            switch b[from] {
            case UInt8(ascii: "s"): return .shared
            case UInt8(ascii: "b"): return .boolean
            case UInt8(ascii: "e"): return .error
            case UInt8(ascii: "d"): return .date
            default: return .number
            }
        case 3 where b[from] == UInt8(ascii: "s"): return .string       // str
        case 9 where b[from] == UInt8(ascii: "i"): return .inline       // inlineStr
        default: return .number
        }
    }

    @inline(__always)
    private func parseInt(_ from: Int, _ to: Int) -> Int? {
        guard to > from, to - from <= 18 else { return nil }
        var n = 0
        for i in from..<to {
            let d = tok.base[i] &- 48
            guard d < 10 else { return nil }
            n = n * 10 + Int(d)
        }
        return n
    }

    /// The last row of a sheet (the first is 1).
    private static let maxRow = 1_048_576

    /// The 0-based column and the row of a reference like `AB12` or `ab12`
    /// in row `row` (for the error), checked to lie in A1 … XFD1048576.
    @inline(__always)
    private func parseReference(_ from: Int, _ to: Int, row: Int) throws -> (column: Int, row: Int) {
        guard let reference = referenceIfValid(from, to) else {
            let text = String(decoding: tok.bytes(from, to), as: UTF8.self)
            throw tok.error(.malformedXML, "the cell reference \"\(text)\" in row \(row) is not a valid reference (A1 … XFD1048576)")
        }
        return reference
    }

    /// The 0-based column and the row of a reference like `AB12` or
    /// `ab12`, or nil unless it lies in A1 … XFD1048576.
    @inline(__always)
    private func referenceIfValid(_ from: Int, _ to: Int) -> (column: Int, row: Int)? {
        // At most 3 letters (XFD) and 7 digits (1048576): the loops need no
        // overflow checks, and the range is checked once at the end.
        let base = tok.base
        let end = min(to, from &+ 10)
        var column = 0
        var i = from
        while i < end {
            let c = (base[i] | 0x20) &- 97  // a…z, either case
            guard c < 26 else { break }
            column = column &* 26 &+ Int(c) &+ 1
            i &+= 1
        }
        let digits = i
        var number = 0
        while i < end {
            let d = base[i] &- 48
            guard d < 10 else { break }
            number = number &* 10 &+ Int(d)
            i &+= 1
        }
        guard i == to, digits &- from <= 3, i > digits, column >= 1, column <= CellReference.maxColumn + 1,
              number >= 1, number <= Self.maxRow else { return nil }
        return (column &- 1, number)
    }

    /// A cell whose reference names another row than the one it is in.
    private func otherRow(_ reference: (column: Int, row: Int), row: Int) -> WorkbookError {
        let name = CellReference.name(column: reference.column, row: reference.row)
        return tok.error(.malformedXML, "the cell reference \"\(name)\" names row \(reference.row), but the cell is in row \(row)")
    }

    /// The cell whose value text is `row.bytes[from...]`, or nil for a cell
    /// without a value (the caller then drops those bytes). Leaves
    /// `row.bytes` ending with the cell's value (or its replacement).
    private func finishCell(_ type: CellType, _ kind: NumberKind, _ format: UInt16, _ row: inout RawRow, from: Int, column: Int) throws -> RawCell? {
        switch type {
        case .number:
            guard let (start, end) = Self.trimmed(row.bytes, from: from) else { return nil }
            return RawCell(column: column, type: .number, numberKind: kind, format: format, start: start, end: end)
        case .shared:
            guard let (start, end) = Self.trimmed(row.bytes, from: from) else { return nil }
            var index = 0
            for i in start..<end {
                let d = row.bytes[i] &- 48
                guard d < 10, index < Int32.max else { index = -1; break }
                index = index * 10 + Int(d)
            }
            guard index >= 0 && index < strings.count else {
                throw tok.error(.malformedXML, "the shared string index \(String(decoding: row.bytes[from...], as: UTF8.self)) is out of range (the table has \(strings.count))",
                                cell: CellReference.name(column: column, row: row.number))
            }
            row.bytes.removeSubrange(from...)
            guard !strings.isEmpty(at: index) else { return nil }
            // The index only, spilled or not: its bytes are read where they
            // are used (a spilled table's through its block cache).
            return RawCell(column: column, type: .shared, start: index, end: 0)
        case .inline, .string:
            XMLEscapes.decodeUnderscoreEscapes(&row.bytes, from: from)
            return row.bytes.count == from ? nil : RawCell(column: column, type: .text, start: from, end: row.bytes.count)
        case .boolean:
            guard let (start, end) = Self.trimmed(row.bytes, from: from) else { return nil }
            let value: Bool
            switch String(decoding: row.bytes[start..<end], as: UTF8.self) {
            case "1", "true": value = true
            case "0", "false": value = false
            default:
                throw tok.error(.malformedXML, "a boolean cell whose value is neither 0 nor 1", cell: CellReference.name(column: column, row: row.number))
            }
            row.bytes.removeSubrange(from...)
            return RawCell(column: column, type: .boolean, start: value ? 1 : 0, end: 0)
        case .error:
            guard let (start, end) = Self.trimmed(row.bytes, from: from) else {
                row.bytes.append(contentsOf: "#N/A".utf8)
                return RawCell(column: column, type: .error, start: from, end: row.bytes.count)
            }
            return RawCell(column: column, type: .error, start: start, end: end)
        case .date:
            guard let (start, end) = Self.trimmed(row.bytes, from: from) else { return nil }
            let text = String(decoding: row.bytes[start..<end], as: UTF8.self)
            guard let (serial, dateKind) = ISODate.serial(text, date1904: date1904) else {
                throw tok.error(.malformedXML, "a date cell (t=\"d\") whose value \"\(text)\" is not an ISO 8601 date",
                                cell: CellReference.name(column: column, row: row.number))
            }
            row.bytes.removeSubrange(from...)
            row.bytes.append(contentsOf: serial.utf8)
            return RawCell(column: column, type: .number, numberKind: kind == .plain ? dateKind : kind, format: format,
                           start: from, end: row.bytes.count)
        }
    }

    /// The number written as 1–9 plain digits (nil for anything else).
    @inline(__always)
    private static func plainIndex(_ b: UnsafeBufferPointer<UInt8>) -> Int? {
        guard b.count > 0 && b.count <= 9 else { return nil }
        var n = 0
        for c in b {
            let d = c &- 48
            guard d < 10 else { return nil }
            n = n * 10 + Int(d)
        }
        return n
    }

    /// `</v></c>` as ``ByteWord/load8(_:_:)`` reads it (3C 2F 76 3E 3C 2F 63 3E).
    static let endOfValueAndCell: UInt64 = 0x3E63_2F3C_3E76_2F3C

    /// The range of `value[from...]` without surrounding XML whitespace;
    /// nil when empty.
    @inline(__always)
    private static func trimmed(_ value: [UInt8], from start: Int) -> (Int, Int)? {
        var from = start, to = value.count
        while from < to && (value[from] == 0x20 || value[from] == 0x0A || value[from] == 0x0D || value[from] == 0x09) { from += 1 }
        while to > from && (value[to - 1] == 0x20 || value[to - 1] == 0x0A || value[to - 1] == 0x0D || value[to - 1] == 0x09) { to -= 1 }
        return from < to ? (from, to) : nil
    }
}

/// ISO 8601 text of `t="d"` cells → an Excel serial (as number text).
enum ISODate {
    /// `2024-01-15`, `2024-01-15T10:30:00(.5)(Z|+01:00)`, `10:30:00` → the
    /// serial in the workbook's date system and whether it has a date, a
    /// time or both. The 1900 system counts the fictitious 1900-02-29.
    static func serial(_ text: String, date1904: Bool) -> (String, NumberKind)? {
        let b = Array(text.utf8)
        var i = 0
        func number(_ digits: Int) -> Int? {
            guard i + digits <= b.count else { return nil }
            var n = 0
            for k in i..<(i + digits) {
                let d = b[k] &- 48
                guard d < 10 else { return nil }
                n = n * 10 + Int(d)
            }
            i += digits
            return n
        }
        func expect(_ c: Character) -> Bool {
            guard i < b.count, b[i] == c.asciiValue! else { return false }
            i += 1
            return true
        }
        var days: Int? = nil
        var seconds: Double? = nil
        if b.count >= 10 && b[4] == UInt8(ascii: "-") {
            guard let y = number(4), expect("-"), let m = number(2), expect("-"), let d = number(2),
                  (1...12).contains(m), (1...31).contains(d) else { return nil }
            let civil = daysFromCivil(y, m, d)
            if date1904 {
                days = civil - daysFromCivil(1904, 1, 1)
            } else {
                let sinceEpoch = civil - daysFromCivil(1899, 12, 31)
                days = sinceEpoch >= 60 ? sinceEpoch + 1 : sinceEpoch  // 1900-02-29 does not exist but counts
            }
            if i < b.count && (b[i] == UInt8(ascii: "T") || b[i] == UInt8(ascii: " ")) { i += 1 } else if i == b.count {
                return (String(days!), .date)
            }
        }
        if i < b.count {
            guard let h = number(2), expect(":"), let mi = number(2) else { return nil }
            var s = 0.0
            if expect(":") {
                guard let whole = number(2) else { return nil }
                s = Double(whole)
                if i < b.count && b[i] == UInt8(ascii: ".") {
                    let start = i
                    i += 1
                    while i < b.count && b[i] >= 48 && b[i] <= 57 { i += 1 }
                    s += Double(String(decoding: b[start..<i], as: UTF8.self)) ?? 0
                }
            }
            // A zone designator (Z, +hh:mm) is ignored: Excel times have none.
            guard h <= 24, mi < 60 else { return nil }
            seconds = Double(h * 3600 + mi * 60) + s
        }
        switch (days, seconds) {
        case let (d?, s?): return (format(Double(d) + s / 86400), .dateTime)
        case let (nil, s?): return (format(s / 86400), .time)
        case let (d?, nil): return (String(d), .date)
        default: return nil
        }
    }

    private static func format(_ v: Double) -> String {
        v == v.rounded() ? String(Int(v)) : "\(v)"
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date.
    static func daysFromCivil(_ y: Int, _ m: Int, _ d: Int) -> Int {
        Int(CivilDate.daysSince1970(year: y, month: m, day: d))
    }
}
