/// The shared-strings table, held compactly: every string's UTF-8 bytes in
/// one contiguous buffer plus one offset per string (no `String` objects).
/// Parsed as a stream with the same byte tokenizer as the sheets: rich-text
/// runs (`<r><t>`) are joined, phonetic runs (`<rPh>`) skipped, entities
/// and `_xHHHH_` escapes decoded.
struct SharedStrings {
    private(set) var bytes: [UInt8] = []
    /// `offsets[i]..<offsets[i + 1]` is string i.
    private(set) var offsets: [UInt32] = [0]

    var count: Int { offsets.count - 1 }

    init() {}

    init(tokenizer tok: XMLTokenizer, maxBytes: Int64) throws {
        var inItem = false
        var phonetic = 0
        var itemStart = 0
        tok.wantText = false
        var depth = 0
        var sawRoot = false
        loop: while true {
            switch try tok.next() {
            case .start:
                depth += 1
                sawRoot = true
                if tok.nameIs("si") {
                    inItem = true
                    itemStart = bytes.count
                } else if tok.nameIs("rPh") {
                    phonetic += 1
                } else if tok.nameIs("t") && inItem && phonetic == 0 {
                    tok.wantText = true
                }
            case .empty:
                sawRoot = true
                if tok.nameIs("si") { try append(from: bytes.count, maxBytes: maxBytes, tok) }
            case .end:
                depth -= 1
                if depth < 0 { throw tok.error(.malformedXML, "an end tag without a start tag") }
                if tok.nameIs("t") {
                    tok.wantText = false
                } else if tok.nameIs("rPh") {
                    phonetic -= 1
                } else if tok.nameIs("si") {
                    inItem = false
                    try append(from: itemStart, maxBytes: maxBytes, tok)
                }
            case .text, .cdata:
                try tok.appendText(to: &bytes)
            case .eof:
                break loop
            }
        }
        if depth != 0 || !sawRoot {
            throw tok.error(.malformedXML, "the shared strings XML ends before its elements are closed (truncated part?)")
        }
    }

    private mutating func append(from start: Int, maxBytes: Int64, _ tok: XMLTokenizer) throws {
        XMLEscapes.decodeUnderscoreEscapes(&bytes, from: start)
        guard Int64(bytes.count) <= min(maxBytes, Int64(UInt32.max)) else {
            throw tok.error(.tooLarge, "the shared strings exceed the limit of \(maxBytes) bytes")
        }
        offsets.append(UInt32(bytes.count))
    }

    /// String `index`, or nil when out of range.
    func string(at index: Int) -> String? {
        guard index >= 0 && index < count else { return nil }
        let from = Int(offsets[index]), to = Int(offsets[index + 1])
        return bytes.withUnsafeBufferPointer { String(decoding: UnsafeBufferPointer(rebasing: $0[from..<to]), as: UTF8.self) }
    }
}
