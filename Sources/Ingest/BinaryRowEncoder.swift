import Postgres
import XLSXReader

/// Writes raw rows as COPY BINARY tuples for a table whose columns are the
/// sheet columns `firstColumn ..< firstColumn + types.count`: one field
/// per column, NULL where the row has no cell. The ingest's hot path: the
/// cells' bytes go straight into the COPY buffer, and with
/// ``observeAndEncode(_:into:to:)`` each number is parsed once for both
/// the whole-column inference and its field.
package struct BinaryRowEncoder: Sendable {
    package let firstColumn: Int
    package let types: [ColumnType]
    package let encoder: CopyEncoder

    package init(firstColumn: Int, types: [ColumnType], encoder: CopyEncoder) {
        self.firstColumn = firstColumn
        self.types = types
        self.encoder = encoder
    }

    /// A cell that can't be written as its column's type.
    package struct CellError: Error {
        /// Index of the table column (0 = `firstColumn`).
        package var index: Int
        package var error: CopyEncodingError
    }

    /// Whether every cell of `row` lies in the table's columns.
    @inline(__always)
    package func fits(_ row: RawRow) -> Bool {
        guard let low = row.cells.first?.column, let high = row.cells.last?.column else { return true }
        return low >= firstColumn && high < firstColumn + types.count
    }

    /// Appends `row` (which must ``fits(_:)``) as one tuple. Throws for the
    /// first cell that does not fit its column; then nothing is appended.
    package func encode(_ row: RawRow, to out: inout [UInt8]) throws(CellError) {
        precondition(fits(row), "a row with cells outside the table's columns")
        let mark = out.count
        PostgresBinaryCopy.appendTupleStart(fieldCount: types.count, to: &out)
        let cells = row.cells
        var next = 0
        for i in 0..<types.count {
            if next < cells.count && cells[next].column == firstColumn + i {
                do {
                    try encoder.appendBinary(cells[next], in: row, as: types[i], to: &out)
                } catch {
                    out.removeSubrange(mark...)
                    throw CellError(index: i, error: error)
                }
                next += 1
            } else {
                PostgresBinaryCopy.appendNull(to: &out)
            }
        }
    }

    /// Records every cell of `row` in `inference[column]` (indexed by sheet
    /// column; it must cover the row) and appends the row as one tuple.
    /// Returns false when the row does not fit the types: every cell is
    /// still recorded, and nothing is appended.
    package func observeAndEncode(_ row: RawRow, into inference: inout [ColumnTypeInference], to out: inout [UInt8]) -> Bool {
        let cells = row.cells
        guard fits(row) else {
            for cell in cells { inference[cell.column].observe(cell, in: row) }
            return false
        }
        let mark = out.count
        PostgresBinaryCopy.appendTupleStart(fieldCount: types.count, to: &out)
        var next = 0
        for i in 0..<types.count {
            if next < cells.count && cells[next].column == firstColumn + i {
                do {
                    try inference[firstColumn + i].observe(cells[next], in: row, appendingBinaryAs: types[i], with: encoder, to: &out)
                } catch {
                    out.removeSubrange(mark...)
                    for cell in cells[(next + 1)...] { inference[cell.column].observe(cell, in: row) }
                    return false
                }
                next += 1
            } else {
                PostgresBinaryCopy.appendNull(to: &out)
            }
        }
        return true
    }

    /// Records every cell of `row` in `inference[column]`, nothing encoded.
    package static func observe(_ row: RawRow, into inference: inout [ColumnTypeInference]) {
        for cell in row.cells { inference[cell.column].observe(cell, in: row) }
    }
}
