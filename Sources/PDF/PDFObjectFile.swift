#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A PDF file as libharu saves it, read for copying its objects into
/// another file (``PDFPageStream`` takes the fonts of a ``PDFDocument``
/// this way). It reads only what libharu writes: a classic cross-reference
/// table, a trailer with `/Root` and `/Info`, a catalog whose `/Pages` node
/// lists the pages directly in `/Kids`.
struct PDFObjectFile {
    let bytes: [UInt8]
    let name: String
    /// Object number → byte range of its body (after `N 0 obj`, up to `endobj`).
    var objects: [Int: Range<Int>] = [:]
    var root = 0
    var pagesRoot = 0
    var info: Int?
    var kids: [Int] = []

    static func errnoText() -> String { String(cString: strerror(errno)) }

    static func failure(_ step: String) -> PDFError {
        PDFError(code: .saving, step: "write PDF: \(step)", errorNumber: 0, detailNumber: 0)
    }

    init(bytes: [UInt8], name: String) throws(PDFError) {
        self.bytes = bytes
        self.name = name
        guard let startxrefAt = Self.lastIndex(of: Array("startxref".utf8), in: bytes),
              let xref = Self.integer(in: bytes, from: startxrefAt + 9)?.value,
              xref < bytes.count, let trailerAt = Self.lastIndex(of: Array("trailer".utf8), in: bytes) else {
            throw Self.failure("\(name): no cross-reference table")
        }
        // `xref\n0 N\n` then N entries of 20 bytes.
        var p = xref + 4
        guard let first = Self.integer(in: bytes, from: p), let count = Self.integer(in: bytes, from: first.end) else {
            throw Self.failure("\(name): unreadable cross-reference table")
        }
        p = count.end
        while p < bytes.count, bytes[p] == 0x0A || bytes[p] == 0x0D || bytes[p] == 0x20 { p += 1 }
        var starts: [(number: Int, offset: Int)] = []
        for i in 0..<count.value {
            let entry = p + i * 20
            guard entry + 18 <= bytes.count else { throw Self.failure("\(name): short cross-reference table") }
            guard bytes[entry + 17] == UInt8(ascii: "n") else { continue }
            guard let offset = Self.integer(in: bytes, from: entry)?.value else { throw Self.failure("\(name): bad xref entry") }
            starts.append((first.value + i, offset))
        }
        starts.sort { $0.offset < $1.offset }
        for (k, start) in starts.enumerated() {
            let end = k + 1 < starts.count ? starts[k + 1].offset : xref
            guard let header = Self.index(of: Array("obj".utf8), in: bytes, from: start.offset, to: end),
                  let close = Self.lastIndex(of: Array("endobj".utf8), in: bytes, from: start.offset, to: end) else {
                throw Self.failure("\(name): object \(start.number) is not where the table says")
            }
            objects[start.number] = (header + 3)..<close
        }
        let trailer = Array(bytes[trailerAt..<bytes.count])
        guard let root = Self.reference(after: "/Root", in: trailer) else { throw Self.failure("\(name): no /Root") }
        self.root = root
        info = Self.reference(after: "/Info", in: trailer)
        guard let catalog = objects[root], let pages = Self.reference(after: "/Pages", in: Array(bytes[catalog])),
              let pagesBody = objects[pages] else {
            throw Self.failure("\(name): no page tree")
        }
        pagesRoot = pages
        let body = Array(bytes[pagesBody])
        guard let kidsAt = Self.index(of: Array("/Kids".utf8), in: body, from: 0, to: body.count),
              let open = body[kidsAt...].firstIndex(of: UInt8(ascii: "[")),
              let close = body[open...].firstIndex(of: UInt8(ascii: "]")) else {
            throw Self.failure("\(name): the page root has no /Kids")
        }
        var q = open + 1
        while let number = Self.integer(in: body, from: q), number.end < close {
            guard let generation = Self.integer(in: body, from: number.end) else { break }
            kids.append(number.value)
            q = generation.end
            while q < close, body[q] == 0x20 || body[q] == 0x0A || body[q] == 0x0D { q += 1 }
            guard q < close, body[q] == UInt8(ascii: "R") else { break }
            q += 1
        }
        for kid in kids {
            guard let page = objects[kid], Self.index(of: Array("/Type /Page\n".utf8), in: bytes, from: page.lowerBound,
                                                      to: page.upperBound) != nil else {
                throw Self.failure("\(name): object \(kid) in /Kids is not a page (nested page trees are not expected)")
            }
        }
    }

    /// Writes `N 0 obj`, the dictionary with renumbered references, the
    /// stream (if any) byte for byte, and `endobj`.
    func copy(object: Int, range: Range<Int>, as number: Int, numbers: [Int: Int],
              to writer: inout BufferedWriter) throws {
        try writer.write(Array("\(number) 0 obj".utf8))
        var dictionaryEnd = range.upperBound
        if let stream = Self.index(of: Array(">>\nstream".utf8), in: bytes, from: range.lowerBound, to: range.upperBound) {
            dictionaryEnd = stream + 2
        }
        try renumber(range.lowerBound..<dictionaryEnd, numbers: numbers, to: &writer)
        try writer.write(bytes[dictionaryEnd..<range.upperBound])
        try writer.write(Array("endobj\n".utf8))
    }

    /// Copies `range`, replacing `n g R` with the new number of `n`;
    /// literal strings `( … )` are copied as they are.
    private func renumber(_ range: Range<Int>, numbers: [Int: Int], to writer: inout BufferedWriter) throws {
        var copied = range.lowerBound
        var p = range.lowerBound
        while p < range.upperBound {
            let byte = bytes[p]
            if byte == UInt8(ascii: "(") {
                p = Self.endOfString(bytes, from: p, limit: range.upperBound)
                continue
            }
            let startsNumber = Self.isDigit(byte) && (p == range.lowerBound || Self.isDelimiter(bytes[p - 1]))
            if startsNumber, let object = Self.integer(in: bytes, from: p), object.end <= range.upperBound,
               let generation = Self.integer(in: bytes, from: object.end), generation.end < range.upperBound,
               Self.isDelimiter(bytes[object.end]) {
                var r = generation.end
                while r < range.upperBound, bytes[r] == 0x20 { r += 1 }
                if r < range.upperBound, bytes[r] == UInt8(ascii: "R"),
                   r + 1 >= range.upperBound || Self.isDelimiter(bytes[r + 1]) {
                    guard let new = numbers[object.value] else {
                        throw Self.failure("\(name): a reference to object \(object.value), which the file does not have")
                    }
                    try writer.write(bytes[copied..<p])
                    try writer.write(Array("\(new) 0 R".utf8))
                    p = r + 1
                    copied = p
                    continue
                }
                p = object.end
                continue
            }
            p += 1
        }
        try writer.write(bytes[copied..<range.upperBound])
    }

    static func endOfString(_ bytes: [UInt8], from start: Int, limit: Int) -> Int {
        var depth = 0
        var p = start
        while p < limit {
            switch bytes[p] {
            case UInt8(ascii: "\\"): p += 2; continue
            case UInt8(ascii: "("): depth += 1
            case UInt8(ascii: ")"):
                depth -= 1
                if depth == 0 { return p + 1 }
            default: break
            }
            p += 1
        }
        return limit
    }

    static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

    static func isDelimiter(_ byte: UInt8) -> Bool {
        switch byte {
        case 0x20, 0x0A, 0x0D, 0x09, UInt8(ascii: "["), UInt8(ascii: "]"), UInt8(ascii: "<"), UInt8(ascii: ">"),
             UInt8(ascii: "/"), UInt8(ascii: "("), UInt8(ascii: ")"): true
        default: false
        }
    }

    /// The unsigned integer starting at or after `from` (spaces and line
    /// ends skipped), and the index after it.
    static func integer(in bytes: [UInt8], from start: Int) -> (value: Int, end: Int)? {
        var p = start
        while p < bytes.count, bytes[p] == 0x20 || bytes[p] == 0x0A || bytes[p] == 0x0D { p += 1 }
        var value = 0
        let first = p
        while p < bytes.count, isDigit(bytes[p]), p - first < 18 {
            value = value * 10 + Int(bytes[p] - 0x30)
            p += 1
        }
        return p > first ? (value, p) : nil
    }

    /// The object number in `key n g R`.
    static func reference(after key: String, in bytes: [UInt8]) -> Int? {
        guard let at = index(of: Array(key.utf8), in: bytes, from: 0, to: bytes.count) else { return nil }
        return integer(in: bytes, from: at + key.utf8.count)?.value
    }

    static func index(of needle: [UInt8], in bytes: [UInt8], from start: Int, to end: Int) -> Int? {
        guard end - start >= needle.count else { return nil }
        var p = start
        while p <= end - needle.count {
            if bytes[p] == needle[0], bytes[p..<(p + needle.count)].elementsEqual(needle) { return p }
            p += 1
        }
        return nil
    }

    static func lastIndex(of needle: [UInt8], in bytes: [UInt8], from start: Int = 0, to end: Int? = nil) -> Int? {
        let end = end ?? bytes.count
        guard end - start >= needle.count else { return nil }
        var p = end - needle.count
        while p >= start {
            if bytes[p] == needle[0], bytes[p..<(p + needle.count)].elementsEqual(needle) { return p }
            p -= 1
        }
        return nil
    }
}

/// Buffered appends to a file, counting the bytes (xref offsets).
struct BufferedWriter {
    let file: UnsafeMutablePointer<FILE>
    private var buffer: [UInt8] = []
    private(set) var offset = 0

    init(file: UnsafeMutablePointer<FILE>) {
        self.file = file
        buffer.reserveCapacity(1 << 20)
    }

    mutating func write<C: Collection>(_ bytes: C) throws where C.Element == UInt8 {
        buffer.append(contentsOf: bytes)
        offset += bytes.count
        if buffer.count >= 1 << 20 { try flush() }
    }

    mutating func flush() throws {
        guard !buffer.isEmpty else { return }
        let written = buffer.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
        guard written == buffer.count else { throw PDFObjectFile.failure("write: \(PDFObjectFile.errnoText())") }
        buffer.removeAll(keepingCapacity: true)
    }
}
