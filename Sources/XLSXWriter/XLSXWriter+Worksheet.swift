internal import CXlsxWriter
internal import Basics

/// One worksheet of an ``XLSXWriter``; rows and columns are zero-based.
/// Keeps its writer alive; unusable once the writer is closed.
public final class XLSXWorksheet {
    public let name: String
    let writer: XLSXWriter
    let handle: UnsafeMutablePointer<lxw_worksheet>
    let state: State

    init(writer: XLSXWriter, handle: UnsafeMutablePointer<lxw_worksheet>, name: String, state: State) {
        self.writer = writer
        self.handle = handle
        self.name = name
        self.state = state
    }

    /// From here on the rows of this sheet are written through the returned
    /// stream (much faster than the cell-by-cell calls, which then refuse:
    /// write the header first). The stream starts below the last row
    /// written so far. One stream per sheet.
    public func streamRows() throws(XLSXWriterError) -> XLSXRowStream {
        guard writer.isOpen else { throw writer.closedError(sheet: name) }
        guard state.part == nil else {
            throw XLSXWriterError(code: .writingCell, message: "the rows of this sheet are already streamed",
                                  path: writer.path, sheet: name)
        }
        let part = try XLSXDeflatedPart(directory: writer.temporaryDirectoryPath)
        state.part = part
        return XLSXRowStream(sheet: self, state: state, part: part, firstRow: state.lastRow + 1)
    }

    /// Excel's limits: 1,048,576 rows and 16,384 columns.
    public static let maxRows = 1_048_576
    public static let maxColumns = 16_384

    public func writeNumber(row: Int, column: Int, _ value: Double, format: XLSXWriter.Format? = nil) throws(XLSXWriterError) {
        let (r, c) = try writeCell(row, column)
        try check(worksheet_write_number(handle, r, c, value, writer.formatPointer(format)), row, column)
    }

    public func writeString(row: Int, column: Int, _ value: String, format: XLSXWriter.Format? = nil) throws(XLSXWriterError) {
        let (r, c) = try writeCell(row, column)
        let err = value.withCString { worksheet_write_string(handle, r, c, $0, writer.formatPointer(format)) }
        try check(err, row, column)
    }

    public func writeBoolean(row: Int, column: Int, _ value: Bool, format: XLSXWriter.Format? = nil) throws(XLSXWriterError) {
        let (r, c) = try writeCell(row, column)
        try check(worksheet_write_boolean(handle, r, c, value ? 1 : 0, writer.formatPointer(format)), row, column)
    }

    /// A date and time as a serial number under `format` (give a date or
    /// date-time number format, or Excel shows the bare serial).
    public func writeDateTime(row: Int, column: Int, _ value: XLSXDateTime, format: XLSXWriter.Format?) throws(XLSXWriterError) {
        let (r, c) = try writeCell(row, column)
        var dt = lxw_datetime(
            year: Int32(value.year), month: Int32(value.month), day: Int32(value.day),
            hour: Int32(value.hour), min: Int32(value.minute), sec: value.second)
        try check(worksheet_write_datetime(handle, r, c, &dt, writer.formatPointer(format)), row, column)
    }

    /// A formatted empty cell (libxlsxwriter ignores blanks without a format).
    public func writeBlank(row: Int, column: Int, format: XLSXWriter.Format? = nil) throws(XLSXWriterError) {
        let (r, c) = try writeCell(row, column)
        try check(worksheet_write_blank(handle, r, c, writer.formatPointer(format)), row, column)
    }

    /// Sets the width (in characters) and default format of columns
    /// `first...last`.
    public func setColumnWidth(first: Int, last: Int, width: Double, format: XLSXWriter.Format? = nil) throws(XLSXWriterError) {
        let (_, c1) = try cell(0, first)
        let (_, c2) = try cell(0, last)
        let err = worksheet_set_column(handle, c1, c2, width, writer.formatPointer(format))
        if err != LXW_NO_ERROR { throw layoutError(err) }
    }

    /// Freezes the rows above `row` and the columns left of `column`
    /// (`freezePanes(row: 1, column: 0)` keeps the header visible).
    public func freezePanes(row: Int, column: Int) throws(XLSXWriterError) {
        let (r, c) = try cell(row, column)
        worksheet_freeze_panes(handle, r, c)
    }

    /// An autofilter over the given range (usually the header row down to
    /// the last data row).
    public func autofilter(firstRow: Int, firstColumn: Int, lastRow: Int, lastColumn: Int) throws(XLSXWriterError) {
        let (r1, c1) = try cell(firstRow, firstColumn)
        let (r2, c2) = try cell(lastRow, lastColumn)
        let err = worksheet_autofilter(handle, r1, c1, r2, c2)
        if err != LXW_NO_ERROR { throw layoutError(err) }
        state.autofilter = CellReference.columnName(firstColumn) + String(firstRow + 1) + ":"
            + CellReference.columnName(lastColumn) + String(lastRow + 1)
    }

    // MARK: - checks

    @inline(__always)
    private func cell(_ row: Int, _ column: Int) throws(XLSXWriterError) -> (lxw_row_t, lxw_col_t) {
        guard writer.isOpen else { throw writer.closedError(sheet: name) }
        guard row >= 0, row < Self.maxRows, column >= 0, column < Self.maxColumns else {
            throw XLSXWriterError(
                code: .writingCell, message: "cell outside the worksheet (row \(row), column \(column))",
                path: writer.path, sheet: name)
        }
        return (lxw_row_t(row), lxw_col_t(column))
    }

    /// `cell` for a write: refused once the rows are streamed.
    @inline(__always)
    private func writeCell(_ row: Int, _ column: Int) throws(XLSXWriterError) -> (lxw_row_t, lxw_col_t) {
        let rc = try cell(row, column)
        guard state.part == nil else {
            throw XLSXWriterError(code: .writingCell, message: "the rows of this sheet are streamed (XLSXRowStream)",
                                  path: writer.path, sheet: name, row: row, column: column)
        }
        state.lastRow = max(state.lastRow, row)
        state.lastColumn = max(state.lastColumn, column)
        return rc
    }

    @inline(__always)
    private func check(_ err: lxw_error, _ row: Int, _ column: Int) throws(XLSXWriterError) {
        if err != LXW_NO_ERROR {
            throw XLSXWriterError(
                code: .writingCell, message: XLSXWriter.message(err), path: writer.path, sheet: name, row: row, column: column)
        }
    }

    private func layoutError(_ err: lxw_error) -> XLSXWriterError {
        XLSXWriterError(code: .settingLayout, message: XLSXWriter.message(err), path: writer.path, sheet: name)
    }
}
