internal import CXlsxWriter
internal import CZip

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
internal import Basics

extension XLSXWorksheet {
    /// What the writer needs of a sheet at close: the extent of its cells,
    /// its autofilter and its streamed rows (shared by the worksheet, its
    /// row stream and the writer, none of which it references).
    final class State {
        /// Zero-based, -1 while empty.
        var lastRow = -1
        var lastColumn = -1
        /// `A1:I1501`, as libxlsxwriter writes it.
        var autofilter: String?
        var part: XLSXDeflatedPart?
        /// A streamed `<row>` is open.
        var rowOpen = false
        /// What follows the rows in the streamed part (`</sheetData>` to the end).
        private(set) var tail: [UInt8] = []
        private(set) var isFinished = false

        /// Ends the streamed part with what libxlsxwriter writes after
        /// `<sheetData>` for such a sheet (checked at the splice).
        func finish() throws(XLSXWriterError) {
            guard let part, !isFinished else { return }
            isFinished = true
            var t = "</sheetData>"
            if let autofilter { t += "<autoFilter ref=\"\(autofilter)\"/>" }
            t += "<pageMargins left=\"0.7\" right=\"0.7\" top=\"0.75\" bottom=\"0.75\" header=\"0.3\" footer=\"0.3\"/></worksheet>"
            tail = Array(t.utf8)
            let written = (rowOpen ? Array("</row>".utf8) : []) + tail
            rowOpen = false
            try part.ensure(written.count)
            written.withUnsafeBufferPointer { part.cursor.pointee.next.update(from: $0.baseAddress!, count: $0.count) }
            part.cursor.pointee.next += written.count
            try part.finish()
        }
    }
}

extension XLSXWriter {
    /// The `s` attribute value libxlsxwriter gives cells of this format.
    func styleIndex(_ format: Format) -> Int {
        Int(lxw_format_get_xf_index(formatPointer(format)))
    }

    /// After `workbook_close`: each streamed sheet's part becomes the sheet
    /// libxlsxwriter wrote (up to its header row, as stored deflate blocks)
    /// followed by the streamed rows, copied still deflated. libzip
    /// rewrites the archive; the other parts are copied as they are.
    func spliceStreamedSheets(_ states: [XLSXWorksheet.State]) throws(XLSXWriterError) {
        let streamed = states.enumerated().filter { $0.element.part != nil }
        guard !streamed.isEmpty else { return }
        var code: Int32 = 0
        guard let za = zip_open(path, 0, &code) else {
            throw XLSXWriterError(code: .closing, message: "reopening the workbook to add the rows (libzip error \(code))", path: path)
        }
        var closed = false
        defer { if !closed { zip_discard(za) } }
        for (i, state) in streamed {
            try state.finish()
            guard let rows = state.part?.result else { continue }
            let entry = "xl/worksheets/sheet\(i + 1).xml"
            let index = zip_name_locate(za, entry, 0)
            guard index >= 0 else { throw spliceError(entry, "no such part") }
            let sheet = try readEntry(za, zip_uint64_t(index), entry)
            var (head, tail) = try split(sheet, entry)
            guard tail == state.tail else {
                throw spliceError(entry, "libxlsxwriter wrote \(String(decoding: tail, as: UTF8.self)) after the rows, "
                    + "the streamed part ends \(String(decoding: state.tail, as: UTF8.self))")
            }
            Self.patchDimension(&head, lastRow: state.lastRow, lastColumn: state.lastColumn)
            let source = try SplicedPart(head: head, rows: rows)
            let context = Unmanaged.passRetained(source).toOpaque()
            guard let zs = zip_source_function(za, { context, data, length, command in
                Unmanaged<SplicedPart>.fromOpaque(context!).takeUnretainedValue().callback(data, length, command, context!)
            }, context) else {
                Unmanaged<SplicedPart>.fromOpaque(context).release()
                throw spliceError(entry, String(cString: zip_strerror(za)))
            }
            if zip_file_replace(za, zip_uint64_t(index), zs, 0) != 0 {
                zip_source_free(zs)
                throw spliceError(entry, String(cString: zip_strerror(za)))
            }
        }
        if zip_close(za) != 0 {
            throw XLSXWriterError(code: .closing, message: "adding the rows: \(String(cString: zip_strerror(za)))", path: path)
        }
        closed = true
    }

    private func spliceError(_ entry: String, _ message: String) -> XLSXWriterError {
        XLSXWriterError(code: .closing, message: "\(entry): \(message)", path: path)
    }

    private func readEntry(_ za: OpaquePointer, _ index: zip_uint64_t, _ entry: String) throws(XLSXWriterError) -> [UInt8] {
        guard let file = zip_fopen_index(za, index, 0) else { throw spliceError(entry, String(cString: zip_strerror(za))) }
        defer { zip_fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            let n = chunk.withUnsafeMutableBytes { zip_fread(file, $0.baseAddress, zip_uint64_t($0.count)) }
            if n < 0 { throw spliceError(entry, String(cString: zip_file_strerror(file))) }
            if n == 0 { break }
            bytes.append(contentsOf: chunk[0..<Int(n)])
        }
        return bytes
    }

    /// The sheet up to (without) `</sheetData>`, and the rest; an empty
    /// `<sheetData/>` is opened.
    private func split(_ sheet: [UInt8], _ entry: String) throws(XLSXWriterError) -> ([UInt8], [UInt8]) {
        if let at = Self.lastRange(of: Array("</sheetData>".utf8), in: sheet) {
            return (Array(sheet[..<at]), Array(sheet[at...]))
        }
        let empty = Array("<sheetData/>".utf8)
        guard let at = Self.lastRange(of: empty, in: sheet) else { throw spliceError(entry, "no <sheetData>") }
        return (Array(sheet[..<at]) + Array("<sheetData>".utf8), Array("</sheetData>".utf8) + Array(sheet[(at + empty.count)...]))
    }

    static func lastRange(of needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        var i = haystack.count - needle.count
        while i >= 0 {
            if haystack[i] == needle[0] && haystack[i..<(i + needle.count)].elementsEqual(needle) { return i }
            i -= 1
        }
        return nil
    }

    /// Widens `<dimension ref="…"/>` to cover the streamed cells (never
    /// narrows what libxlsxwriter wrote, e.g. for an autofilter).
    static func patchDimension(_ head: inout [UInt8], lastRow: Int, lastColumn: Int) {
        let open = Array("<dimension ref=\"".utf8)
        guard lastRow >= 0, lastColumn >= 0, let at = firstRange(of: open, in: head) else { return }
        let start = at + open.count
        guard let end = head[start...].firstIndex(of: 0x22) else { return }
        let parts = head[start..<end].split(separator: 0x3A) // ':'
        let first = parts.first.map { String(decoding: $0, as: UTF8.self) } ?? "A1"
        var (row, column) = (lastRow, lastColumn)
        if let last = parts.last {
            var letters = 0, digits = 0
            for b in last {
                if b >= 0x41 && b <= 0x5A { letters = letters * 26 + Int(b - 0x40) }
                else if b >= 0x30 && b <= 0x39 { digits = digits * 10 + Int(b - 0x30) }
            }
            row = max(row, digits - 1)
            column = max(column, letters - 1)
        }
        let replacement = first + ":" + CellReference.columnName(column) + String(row + 1)
        head.replaceSubrange(start..<end, with: Array(replacement.utf8))
    }

    static func firstRange(of needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for i in 0...(haystack.count - needle.count) where haystack[i] == needle[0] {
            if haystack[i..<(i + needle.count)].elementsEqual(needle) { return i }
        }
        return nil
    }
}

/// A libzip source that yields an already deflated part: stored (level 0)
/// deflate blocks of `head`, then the raw deflate stream of the streamed
/// rows, read undecoded from their temporary archive. The stat says
/// "deflated" with the combined CRC and sizes, so libzip copies it as is.
final class SplicedPart {
    private let stored: [UInt8]
    private var offset = 0
    private let size: UInt64
    private let compressedSize: UInt64
    private let crc: UInt32
    private let archive: OpaquePointer
    private var file: OpaquePointer?
    private let archivePath: String

    init(head: [UInt8], rows: XLSXDeflatedPart.Result) throws(XLSXWriterError) {
        var stored: [UInt8] = []
        stored.reserveCapacity(head.count + head.count / 65535 * 5 + 5)
        var i = 0
        while i < head.count {
            let n = min(65535, head.count - i)
            // BFINAL 0, BTYPE 00 (stored), padded to the byte; LEN, NLEN.
            stored += [0, UInt8(n & 0xFF), UInt8(n >> 8), UInt8(~n & 0xFF), UInt8((~n >> 8) & 0xFF)]
            stored += head[i..<(i + n)]
            i += n
        }
        self.stored = stored
        size = UInt64(head.count) + rows.size
        compressedSize = UInt64(stored.count) + rows.compressedSize
        crc = CRC32.combine(CRC32.checksum(head), rows.crc, length: rows.size)
        archivePath = rows.archivePath
        var code: Int32 = 0
        guard let za = zip_open(rows.archivePath, ZIP_RDONLY, &code) else {
            throw XLSXWriterError(code: .closing, message: "reopening the streamed rows (libzip error \(code))", path: rows.archivePath)
        }
        guard let f = zip_fopen_index(za, 0, zip_flags_t(ZIP_FL_COMPRESSED)) else {
            let text = String(cString: zip_strerror(za))
            zip_discard(za)
            throw XLSXWriterError(code: .closing, message: "reading the streamed rows: \(text)", path: rows.archivePath)
        }
        archive = za
        file = f
    }

    deinit {
        if let file { zip_fclose(file) }
        zip_discard(archive)
    }

    func callback(_ data: UnsafeMutableRawPointer?, _ length: zip_uint64_t, _ command: zip_source_cmd_t,
                  _ context: UnsafeMutableRawPointer) -> zip_int64_t {
        switch command {
        case ZIP_SOURCE_OPEN:
            return offset == 0 ? 0 : -1
        case ZIP_SOURCE_CLOSE:
            return 0
        case ZIP_SOURCE_FREE:
            Unmanaged<SplicedPart>.fromOpaque(context).release()
            return 0
        case ZIP_SOURCE_READ:
            guard let data, length > 0 else { return 0 }
            if offset < stored.count {
                let n = min(stored.count - offset, Int(clamping: length))
                stored.withUnsafeBytes { data.copyMemory(from: $0.baseAddress! + offset, byteCount: n) }
                offset += n
                return zip_int64_t(n)
            }
            guard let file else { return -1 }
            return zip_fread(file, data, length)
        case ZIP_SOURCE_STAT:
            let st = data!.assumingMemoryBound(to: zip_stat_t.self)
            zip_stat_init(st)
            st.pointee.valid = zip_uint64_t(ZIP_STAT_SIZE | ZIP_STAT_COMP_SIZE | ZIP_STAT_COMP_METHOD | ZIP_STAT_CRC)
            st.pointee.size = size
            st.pointee.comp_size = compressedSize
            st.pointee.comp_method = zip_uint16_t(ZIP_CM_DEFLATE)
            st.pointee.crc = crc
            return zip_int64_t(MemoryLayout<zip_stat_t>.size)
        case ZIP_SOURCE_ERROR:
            let codes = data!.assumingMemoryBound(to: Int32.self)
            codes[0] = ZIP_ER_READ
            codes[1] = 0
            return zip_int64_t(2 * MemoryLayout<Int32>.size)
        case ZIP_SOURCE_SUPPORTS:
            return XLSXDeflatedPart.supportedCommands
        default:
            return -1
        }
    }
}

/// CRC-32 (zip's, reflected 0xEDB88320) and zlib's `crc32_combine`.
enum CRC32 {
    static let table: [UInt32] = (0..<256).map { n -> UInt32 in
        var c = UInt32(n)
        for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    static func checksum(_ bytes: [UInt8], initial: UInt32 = 0) -> UInt32 {
        var c = ~initial
        for b in bytes { c = table[Int((c ^ UInt32(b)) & 0xFF)] ^ (c >> 8) }
        return ~c
    }

    /// The CRC of A followed by B from crc(A), crc(B) and B's length.
    static func combine(_ crc1: UInt32, _ crc2: UInt32, length: UInt64) -> UInt32 {
        guard length > 0 else { return crc1 }
        func times(_ matrix: [UInt32], _ vector: UInt32) -> UInt32 {
            var sum: UInt32 = 0, v = vector, i = 0
            while v != 0 {
                if v & 1 != 0 { sum ^= matrix[i] }
                v >>= 1
                i += 1
            }
            return sum
        }
        func square(_ matrix: [UInt32]) -> [UInt32] { (0..<32).map { times(matrix, matrix[$0]) } }
        // The operator for one zero bit, then two, then four.
        var odd: [UInt32] = [0xEDB8_8320] + (0..<31).map { UInt32(1) << UInt32($0) }
        var even = square(odd)
        odd = square(even)
        var crc = crc1, len = length
        repeat {
            even = square(odd)
            if len & 1 != 0 { crc = times(even, crc) }
            len >>= 1
            if len == 0 { break }
            odd = square(even)
            if len & 1 != 0 { crc = times(odd, crc) }
            len >>= 1
        } while len != 0
        return crc ^ crc2
    }
}
