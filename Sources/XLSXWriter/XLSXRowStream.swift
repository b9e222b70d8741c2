#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
internal import Basics

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
    private let cursor: UnsafeMutablePointer<XLSXDeflatedPart.Cursor>
    /// Zero-based index of the current row (-1 before the first).
    public private(set) var row: Int
    private var lastColumn = -1
    /// Short byte strings in slots of 16 (length byte, then up to 15
    /// bytes): slot 0 the current row's number (one-based) in ASCII,
    /// slots 1… `<c r="` + the letters of column `slot - 1`, then ` s="N"`
    /// per format index from `styleBase` (length 255: not looked up yet).
    private var strings: UnsafeMutablePointer<UInt8>
    private var columnSlots = 0
    private var styleSlots = 0
    private static let slot = 16

    /// Excel's limit on a cell's text (libxlsxwriter counts bytes).
    public static let maxStringBytes = 32_767

    init(sheet: XLSXWorksheet, state: XLSXWorksheet.State, part: XLSXDeflatedPart, firstRow: Int) {
        self.sheet = sheet
        self.state = state
        self.part = part
        cursor = part.cursor
        row = firstRow - 1
        strings = .allocate(capacity: Self.slot)
        strings[0] = 0
    }

    deinit {
        strings.deallocate()
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
        var n = row + 1
        var count = 0
        repeat {
            count += 1
            n /= 10
        } while n > 0
        n = row + 1
        strings[0] = UInt8(count)
        for i in stride(from: count, to: 0, by: -1) {
            strings[i] = UInt8(0x30 + n % 10)
            n /= 10
        }
        try part.ensure(32)
        put("<row r=\"")
        putSlot(0)
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
        var o = cursor.pointee.next
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
        cursor.pointee.next = o
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
    /// if not before. The sheet's autofilter must be set before: the end of
    /// the sheet XML is written now (a later change makes `close()` throw).
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
        // A cell right after the previous one (or in column A) needs no `r`:
        // readers place it there (ECMA-376 makes `r` optional), and the
        // sheet XML is a quarter smaller, so there is less to deflate.
        let follows = column == lastColumn + 1
        lastColumn = column
        if column > state.lastColumn { state.lastColumn = column }
        try part.ensure(room + 64)
        if follows {
            put("<c")
        } else {
            if column >= columnSlots { growColumns(to: column + 1) }
            putSlot(1 + column)
            putSlot(0)
            put("\"")
        }
        if let format { putStyle(format) }
        if let type { put(type) }
        put(">")
    }

    /// Adds the `<c r="XY` slots of new columns (the style slots move up).
    private func growColumns(to count: Int) {
        let grown = max(count, columnSlots * 2, 32)
        let new = UnsafeMutablePointer<UInt8>.allocate(capacity: (1 + grown + styleSlots) * Self.slot)
        new.update(from: strings, count: (1 + columnSlots) * Self.slot)
        for c in columnSlots..<grown {
            let bytes = Array("<c r=\"\(CellReference.columnName(c))".utf8)
            let at = new + (1 + c) * Self.slot
            at[0] = UInt8(bytes.count)
            at.advanced(by: 1).update(from: bytes, count: bytes.count)
        }
        (new + (1 + grown) * Self.slot).update(from: strings + (1 + columnSlots) * Self.slot, count: styleSlots * Self.slot)
        strings.deallocate()
        strings = new
        columnSlots = grown
    }

    @inline(__always)
    private func putStyle(_ format: XLSXWriter.Format) {
        if format.index >= styleSlots {
            let grown = max(format.index + 1, styleSlots * 2, 8)
            let new = UnsafeMutablePointer<UInt8>.allocate(capacity: (1 + columnSlots + grown) * Self.slot)
            new.update(from: strings, count: (1 + columnSlots + styleSlots) * Self.slot)
            for s in styleSlots..<grown { new[(1 + columnSlots + s) * Self.slot] = 255 }
            strings.deallocate()
            strings = new
            styleSlots = grown
        }
        let slot = 1 + columnSlots + format.index
        if strings[slot * Self.slot] == 255 {
            let index = sheet.writer.styleIndex(format)
            let bytes: [UInt8] = index == 0 ? [] : Array(" s=\"\(index)\"".utf8)
            strings[slot * Self.slot] = UInt8(bytes.count)
            (strings + slot * Self.slot + 1).update(from: bytes, count: bytes.count)
        }
        putSlot(slot)
    }

    @inline(__always)
    private func putSlot(_ slot: Int) {
        let at = strings + slot * Self.slot
        let n = Int(at[0])
        cursor.pointee.next.update(from: at + 1, count: n)
        cursor.pointee.next += n
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
        cursor.pointee.next.update(from: s.utf8Start, count: s.utf8CodeUnitCount)
        cursor.pointee.next += s.utf8CodeUnitCount
    }

    @inline(__always)
    private func put(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress else { return }
        UnsafeMutableRawPointer(cursor.pointee.next).copyMemory(from: base, byteCount: bytes.count)
        cursor.pointee.next += bytes.count
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
