/// One sheet row as the scanner sees it, without a `String` per cell: the
/// ingest's hot path. Values are byte ranges in the row's own `bytes`
/// (reused between rows) or indices into the shared-strings table; the
/// public ``Row`` is made from it by ``materialized()``.
///
/// Cells are sparse and sorted by column, as in ``Row``; `bytes` holds the
/// values' UTF-8 exactly as ``CellValue`` would hold them (numbers as
/// written, escapes decoded), so reading a `RawRow` and reading its `Row`
/// always agree.
@usableFromInline package struct RawRow {
    /// 1-based row number.
    package var number: Int
    package internal(set) var cells: [RawCell]
    /// The values of the cells that are not shared strings.
    @usableFromInline package var bytes: [UInt8]
    /// The table `.shared` cells point into.
    @usableFromInline package let strings: SharedStrings
    /// How many of the row's cells hold a formula totalling their own
    /// column (``ColumnTotalFormula``), counted whether or not the formula
    /// has a cached value: a table's total row.
    package internal(set) var columnTotals = 0

    init(strings: SharedStrings) {
        number = 0
        cells = []
        cells.reserveCapacity(64)
        bytes = []
        bytes.reserveCapacity(4096)
        self.strings = strings
    }

    /// A copy to keep past the reader's callback, in storage of its own
    /// sized to fit (a plain copy would share the reader's buffers, which
    /// the reader then copies, at full capacity, on its next row).
    package func kept() -> RawRow {
        var copy = self
        copy.cells = []
        copy.cells.reserveCapacity(cells.count)
        copy.cells.append(contentsOf: cells)
        copy.bytes = []
        copy.bytes.reserveCapacity(bytes.count)
        copy.bytes.append(contentsOf: bytes)
        return copy
    }

    /// This row with only its cells in `columns` (an Excel Table's); the
    /// values' storage is shared until either row changes.
    package func restricted(to columns: ClosedRange<Int>) -> RawRow {
        var copy = self
        copy.cells = cells.filter { columns.contains($0.column) }
        return copy
    }

    /// A row of values (the CSV reader's rows go down the same path).
    package init(_ row: Row) {
        self.init(strings: SharedStrings())
        set(row)
    }

    /// Replaces this row's number and cells with `row`'s.
    package mutating func set(_ row: Row) {
        number = row.number
        columnTotals = 0
        cells.removeAll(keepingCapacity: true)
        bytes.removeAll(keepingCapacity: true)
        for (column, value) in row.cells {
            let start = bytes.count
            switch value {
            case .empty:
                continue
            case .number(let t, let kind):
                bytes.append(contentsOf: t.utf8)
                cells.append(RawCell(column: column, type: .number, numberKind: kind, start: start, end: bytes.count))
            case .text(let t):
                bytes.append(contentsOf: t.utf8)
                cells.append(RawCell(column: column, type: .text, start: start, end: bytes.count))
            case .error(let t):
                bytes.append(contentsOf: t.utf8)
                cells.append(RawCell(column: column, type: .error, start: start, end: bytes.count))
            case .boolean(let v):
                cells.append(RawCell(column: column, type: .boolean, start: v ? 1 : 0, end: 0))
            }
        }
    }

    /// The value of `cell` (one of this row's cells).
    package func value(_ cell: RawCell) -> CellValue {
        switch cell.type {
        case .number: return .number(string(cell), cell.numberKind)
        case .text: return .text(string(cell))
        case .shared: return strings.string(at: Int(cell.start)).map { .text($0) } ?? .empty
        case .error: return .error(string(cell))
        case .boolean: return .boolean(cell.start != 0)
        }
    }

    /// The row with `String` values (header rows, the public API).
    package func materialized() -> Row {
        var row = Row(number: number, cells: [])
        row.cells.reserveCapacity(cells.count)
        materialize(into: &row)
        return row
    }

    /// Fills `row` (its cells' capacity kept) with this row's values.
    func materialize(into row: inout Row) {
        row.number = number
        row.cells.removeAll(keepingCapacity: true)
        for cell in cells { row.cells.append((Int(cell.column), value(cell))) }
    }

    private func string(_ cell: RawCell) -> String {
        bytes.withUnsafeBufferPointer { String(decoding: UnsafeBufferPointer(rebasing: $0[Int(cell.start)..<Int(cell.end)]), as: UTF8.self) }
    }

    /// Calls `body` with the UTF-8 bytes of a number, text or error cell
    /// (no bytes for a boolean).
    @inlinable @inline(__always)
    package func withBytes<R>(_ cell: RawCell, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        switch cell.type {
        case .shared: return strings.withBytes(at: Int(cell.start), body)
        case .boolean: return body(UnsafeBufferPointer(start: nil, count: 0))
        default: break
        }
        return bytes.withUnsafeBufferPointer { body(UnsafeBufferPointer(rebasing: $0[Int(cell.start)..<Int(cell.end)])) }
    }
}

/// One cell of a ``RawRow``.
@usableFromInline package struct RawCell: Sendable {
    @usableFromInline package enum Kind: UInt8, Sendable {
        /// Number text as written in `bytes[start..<end]`, read as `numberKind`.
        case number
        /// Inline or formula-result text in `bytes[start..<end]`.
        case text
        /// Shared string number `start` (never empty).
        case shared
        /// Error text (`#N/A`) in `bytes[start..<end]`.
        case error
        /// A boolean: `start` is 1 or 0.
        case boolean
    }

    /// 0-based column.
    package var column: Int
    @usableFromInline package var type: Kind
    package var numberKind: NumberKind
    /// The cell's number format: a slot of ``WorkbookReader/numberFormatCodes``
    /// (0: General).
    package var format: UInt16
    @usableFromInline package var start: Int32
    @usableFromInline package var end: Int32

    init(column: Int, type: Kind, numberKind: NumberKind = .plain, format: UInt16 = 0, start: Int, end: Int) {
        self.column = column
        self.type = type
        self.numberKind = numberKind
        self.format = format
        self.start = Int32(truncatingIfNeeded: start)
        self.end = Int32(truncatingIfNeeded: end)
    }
}
