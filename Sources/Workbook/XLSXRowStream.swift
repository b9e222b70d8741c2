#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes the data rows of one worksheet as sheet XML straight into a
/// deflate stream (level 1, on a second thread), bypassing libxlsxwriter's
/// per-cell path: numbers are copied from their text, strings are stored
/// inline, XML-escaped, with control characters as `_xHHHH_`.
///
/// Made by ``XLSXWorksheet/streamRows()`` after the worksheet's own cells
/// (the header) are written; libxlsxwriter still writes everything else
/// (styles, column widths, panes, autofilter, defined names), and
/// ``XLSXWriter/close()`` puts the streamed rows into the sheet's
/// `<sheetData>`. Rows go in order, cells within a row by increasing
/// column; empty cells are simply not written. Rows and columns are
/// zero-based, as in ``XLSXWorksheet``.
///
/// Not `Sendable`: belongs to the writer's thread.
public final class XLSXRowStream {
    public let sheet: XLSXWorksheet
    let state: XLSXWorksheet.State
    private let part: XLSXDeflatedPart
    /// Zero-based index of the current row (-1 before the first).
    public private(set) var row: Int
    private var lastColumn = -1
    /// The current row's number (one-based) in ASCII.
    private var rowDigits: [UInt8] = []
    /// `<c r="` + column letters, per column.
    private var cellOpeners: [[UInt8]] = []
    /// ` s="N"` per format index.
    private var styleAttributes: [[UInt8]?] = []

    /// Excel's limit on a cell's text (libxlsxwriter counts bytes).
    public static let maxStringBytes = 32_767

    init(sheet: XLSXWorksheet, state: XLSXWorksheet.State, part: XLSXDeflatedPart, firstRow: Int) {
        self.sheet = sheet
        self.state = state
        self.part = part
        row = firstRow - 1
    }

    /// Starts the next row (closing the previous one).
    public func nextRow() throws(XLSXWriterError) {
        try checkOpen()
        if state.rowOpen { try endRow() }
        guard row + 1 < XLSXWorksheet.maxRows else {
            throw XLSXWriterError(code: .writingCell, message: "more than \(XLSXWorksheet.maxRows) rows",
                                  path: sheet.writer.path, sheet: sheet.name, row: row + 1, column: 0)
        }
        row += 1
        state.lastRow = row
        rowDigits.removeAll(keepingCapacity: true)
        var n = row + 1
        repeat {
            rowDigits.append(UInt8(0x30 + n % 10))
            n /= 10
        } while n > 0
        rowDigits.reverse()
        try part.ensure(32)
        put("<row r=\"")
        put(rowDigits)
        put("\">")
        state.rowOpen = true
        lastColumn = -1
    }

    /// A number given as its decimal text (`-12.50`, `1e-05`), copied as
    /// is; only digits, sign, point and exponent are accepted.
    public func writeNumber(column: Int, text: UnsafeRawBufferPointer, format: XLSXWriter.Format? = nil) throws(XLSXWriterError) {
        guard !text.isEmpty, text.count <= 64, text.allSatisfy(Self.isNumberByte) else {
            throw cellError(column, "not a decimal number: \(String(decoding: text.prefix(64), as: UTF8.self))")
        }
        try openCell(column, format: format, type: nil, room: text.count + 16)
        put("<v>")
        put(text)
        put("</v></c>")
    }

    public func writeNumber(column: Int, _ value: Double, format: XLSXWriter.Format? = nil) throws(XLSXWriterError) {
        guard value.isFinite else { throw cellError(column, "not a finite number: \(value)") }
        var text = value.description
        if text.hasSuffix(".0") { text.removeLast(2) }
        try openCell(column, format: format, type: nil, room: text.utf8.count + 16)
        put("<v>")
        var t = text
        t.withUTF8 { put(UnsafeRawBufferPointer($0)) }
        put("</v></c>")
    }

    public func writeNumber(column: Int, _ value: Int, format: XLSXWriter.Format? = nil) throws(XLSXWriterError) {
        try openCell(column, format: format, type: nil, room: 40)
        put("<v>")
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0) // 24 bytes of room
        withUnsafeMutableBytes(of: &digits) { buffer in
            var n = value.magnitude
            var i = buffer.count
            repeat {
                i -= 1
                buffer[i] = UInt8(0x30 + n % 10)
                n /= 10
            } while n > 0
            if value < 0 { i -= 1; buffer[i] = 0x2D }
            put(UnsafeRawBufferPointer(rebasing: buffer[i...]))
        }
        put("</v></c>")
    }

    public func writeBoolean(column: Int, _ value: Bool, format: XLSXWriter.Format? = nil) throws(XLSXWriterError) {
        try openCell(column, format: format, type: " t=\"b\"", room: 16)
        put(value ? "<v>1</v></c>" : "<v>0</v></c>")
    }

    /// UTF-8 text as an inline string; at most ``maxStringBytes`` bytes
    /// (Excel's limit), empty text writes nothing.
    public func writeString(column: Int, utf8 text: UnsafeRawBufferPointer, format: XLSXWriter.Format? = nil) throws(XLSXWriterError) {
        guard text.count <= Self.maxStringBytes else {
            throw cellError(column, "text of \(text.count) bytes exceeds Excel's limit of \(Self.maxStringBytes)")
        }
        guard !text.isEmpty else { return }
        try openCell(column, format: format, type: " t=\"inlineStr\"", room: text.count * 7 + 48)
        let preserve = Self.isSpace(text[0]) || Self.isSpace(text[text.count - 1])
        put(preserve ? "<is><t xml:space=\"preserve\">" : "<is><t>")
        var o = part.out + part.used
        for b in text {
            switch b {
            case 0x26: o = copy("&amp;", to: o)
            case 0x3C: o = copy("&lt;", to: o)
            case 0x3E: o = copy("&gt;", to: o)
            case 0x09, 0x0A: o.pointee = b; o += 1
            case 0x00...0x1F:
                o = copy("_x00", to: o)
                o[0] = Self.hexDigit(b >> 4)
                o[1] = Self.hexDigit(b & 0xF)
                o[2] = 0x5F // _
                o += 3
            default: o.pointee = b; o += 1
            }
        }
        part.used = o - part.out
        put("</t></is></c>")
    }

    public func writeString(column: Int, _ text: String, format: XLSXWriter.Format? = nil) throws(XLSXWriterError) {
        var t = text
        try t.withUTF8 { buffer in
            Result { () throws(XLSXWriterError) in
                try writeString(column: column, utf8: UnsafeRawBufferPointer(buffer), format: format)
            }
        }.get()
    }

    /// Closes the last row and hands the part to the compressor; the sheet
    /// is complete once the writer closes. Called by ``XLSXWriter/close()``
    /// if not before.
    public func finish() throws(XLSXWriterError) {
        try state.finish()
    }

    // MARK: - XML

    private func endRow() throws(XLSXWriterError) {
        try part.ensure(8)
        put("</row>")
        state.rowOpen = false
    }

    @inline(__always)
    private func openCell(_ column: Int, format: XLSXWriter.Format?, type: StaticString?, room: Int) throws(XLSXWriterError) {
        guard state.rowOpen, column > lastColumn, column < XLSXWorksheet.maxColumns, !state.isFinished else {
            if state.isFinished { throw sheet.writer.closedError(sheet: sheet.name) }
            throw cellError(column, state.rowOpen ? "cells must be written by increasing column" : "no row started (call nextRow)")
        }
        lastColumn = column
        if column > state.lastColumn { state.lastColumn = column }
        try part.ensure(room + 64)
        while cellOpeners.count <= column {
            cellOpeners.append(Array("<c r=\"\(ColumnNames.columnLetters(cellOpeners.count))".utf8))
        }
        put(cellOpeners[column])
        put(rowDigits)
        put("\"")
        if let format { put(style(format)) }
        if let type { put(type) }
        put(">")
    }

    private func style(_ format: XLSXWriter.Format) -> [UInt8] {
        while styleAttributes.count <= format.index { styleAttributes.append(nil) }
        if let s = styleAttributes[format.index] { return s }
        let index = sheet.writer.styleIndex(format)
        let s: [UInt8] = index == 0 ? [] : Array(" s=\"\(index)\"".utf8)
        styleAttributes[format.index] = s
        return s
    }

    private func checkOpen() throws(XLSXWriterError) {
        if state.isFinished || !sheet.writer.isOpen { throw sheet.writer.closedError(sheet: sheet.name) }
    }

    private func cellError(_ column: Int, _ message: String) -> XLSXWriterError {
        XLSXWriterError(code: .writingCell, message: message, path: sheet.writer.path, sheet: sheet.name,
                        row: max(row, 0), column: column)
    }

    @inline(__always)
    private func put(_ s: StaticString) {
        (part.out + part.used).update(from: s.utf8Start, count: s.utf8CodeUnitCount)
        part.used += s.utf8CodeUnitCount
    }

    @inline(__always)
    private func put(_ bytes: [UInt8]) {
        bytes.withUnsafeBufferPointer { b in
            (part.out + part.used).update(from: b.baseAddress!, count: b.count)
        }
        part.used += bytes.count
    }

    @inline(__always)
    private func put(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress else { return }
        UnsafeMutableRawPointer(part.out + part.used).copyMemory(from: base, byteCount: bytes.count)
        part.used += bytes.count
    }

    @inline(__always)
    private func copy(_ s: StaticString, to o: UnsafeMutablePointer<UInt8>) -> UnsafeMutablePointer<UInt8> {
        o.update(from: s.utf8Start, count: s.utf8CodeUnitCount)
        return o + s.utf8CodeUnitCount
    }

    @inline(__always)
    static func isNumberByte(_ b: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x39) || b == 0x2E || b == 0x2D || b == 0x2B || b == 0x65 || b == 0x45
    }

    @inline(__always)
    static func isSpace(_ b: UInt8) -> Bool { b == 0x20 || (b >= 0x09 && b <= 0x0D) }

    @inline(__always)
    static func hexDigit(_ v: UInt8) -> UInt8 { v < 10 ? 0x30 + v : 0x41 + v - 10 }
}
