import Gzip

/// Writes `COPY (…) TO STDOUT (FORMAT csv, HEADER)` output to a file,
/// unchanged except for an optional BOM, CRLF at the end of each record
/// (RFC 4180; line breaks inside quoted fields stay as they are) and, in
/// text columns, a `'` before cells starting with `= + - @`, tab or CR
/// (formula injection).
///
/// PostgreSQL's CSV is RFC 4180 (quotes doubled, fields with `,` `"` CR LF
/// quoted); the server sends one row per chunk, so the fix-up pass only
/// looks at the first byte of each text field.
final class CSVRenderer {
    private let out: OutputFile
    /// For each column: does it need the formula check.
    private let check: [Bool]
    private let lastChecked: Int
    private(set) var rows = 0
    private var sawHeader: Bool

    init(path: String, columns: [ReportColumn], options: CSVOptions) throws(ReportError) {
        out = try Self.writing { () throws(GzipError) in try OutputFile(path: path) }
        check = columns.map { options.neutraliseFormulas && $0.type == .text }
        lastChecked = check.lastIndex(of: true) ?? -1
        sawHeader = !options.header
        if options.byteOrderMark {
            try Self.writing { [out] () throws(GzipError) in
                try out.write(byte: 0xEF)
                try out.write(byte: 0xBB)
                try out.write(byte: 0xBF)
            }
        }
    }

    /// The file's errors as ``ReportError/Code/rendering``, with their message.
    @inline(__always)
    private static func writing<T>(_ body: () throws(GzipError) -> T) throws(ReportError) -> T {
        do { return try body() } catch { throw ReportError(.rendering, error.message) }
    }

    var bytesWritten: Int { out.bytesWritten }

    /// One chunk of COPY output (one CSV record).
    @inline(__always)
    func consume(_ chunk: UnsafeRawBufferPointer) throws(ReportError) {
        if sawHeader { rows += 1 } else { sawHeader = true }
        try Self.writing { () throws(GzipError) in
            // The record without the server's LF; RFC 4180 ends records with CRLF.
            let endsWithLF = chunk.last == 0x0A
            let end = endsWithLF ? chunk.count - 1 : chunk.count
            if lastChecked < 0 { try out.write(chunk, from: 0, to: end) } else { try neutralise(chunk, end: end) }
            if endsWithLF {
                try out.write(byte: 0x0D)
                try out.write(byte: 0x0A)
            }
        }
    }

    func finish() throws(ReportError) {
        try Self.writing { [out] () throws(GzipError) in try out.close() }
    }

    /// Writes `chunk[..<end]`, a `'` before each dangerous text cell.
    private func neutralise(_ chunk: UnsafeRawBufferPointer, end n: Int) throws(GzipError) {
        var written = 0
        var p = 0
        var column = 0
        while p < n, column <= lastChecked {
            let quoted = chunk[p] == 0x22
            if check[column] {
                let first = quoted ? p + 1 : p
                if first < n, Self.isDangerous(chunk[first]) {
                    try out.write(chunk, from: written, to: first)
                    try out.write(byte: 0x27) // '
                    written = first
                }
            }
            // Skip to the byte after this field's separator.
            if quoted {
                p += 1
                while p < n {
                    if chunk[p] == 0x22 {
                        if p + 1 < n, chunk[p + 1] == 0x22 { p += 2; continue }
                        p += 1
                        break
                    }
                    p += 1
                }
                p += 1 // the comma or newline
            } else {
                while p < n, chunk[p] != 0x2C, chunk[p] != 0x0A { p += 1 }
                p += 1
            }
            column += 1
        }
        try out.write(chunk, from: written, to: n)
    }

    @inline(__always)
    static func isDangerous(_ b: UInt8) -> Bool {
        b == 0x3D || b == 0x2B || b == 0x2D || b == 0x40 || b == 0x09 || b == 0x0D
    }
}
