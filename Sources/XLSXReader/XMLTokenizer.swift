#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where a part is, for error messages.
struct PartContext {
    var file: String
    var part: String
    var sheet: String?
}

/// A purpose-built pull tokenizer over the UTF-8 bytes of one XML part,
/// read in chunks (256 KiB) from a `ByteInput`. Not a general XML parser:
/// it recognises start/end/empty tags, text, CDATA, comments and
/// processing instructions, and refuses any `<!DOCTYPE` (or other `<!…>`
/// declaration). A token is always complete in the buffer when returned:
/// when one straddles a chunk boundary the unread bytes are moved to the
/// front and more are read (the buffer grows up to `maxTokenBytes`).
///
/// Token positions are indices into `base`, valid until the next `next()`.
final class XMLTokenizer {
    enum Kind { case start, empty, end, text, cdata, eof }

    private let input: ByteInput
    let context: PartContext
    private let maxTokenBytes: Int
    private(set) var base: UnsafeMutablePointer<UInt8>
    /// The tokenizer's own buffer (`capacity` bytes). `base` is either it
    /// or, once the part is known to be UTF-8 and inflated ahead, the
    /// inflate ring's slot lent out (`lending`): the bytes are read where
    /// they were inflated, and only a token cut by the slot's end is
    /// copied (in front of the next slot). A token longer than the
    /// slots' headroom switches to copying for the rest of the part.
    private var own: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    private var lending = false
    private var copying = false
    private var pos = 0
    private var end = 0
    private var inputEOF = false
    /// Absolute offset of `base[0]` in the part, and lines before it.
    private var discardedBytes = 0
    private var discardedLines = 0
    private var started = false

    /// When false, text between tags is skipped without being returned.
    var wantText = false

    // The current token.
    private(set) var kind: Kind = .eof
    /// Tag: the local name (after any `prefix:`). Text/CDATA: the content.
    private(set) var start = 0
    private(set) var stop = 0
    /// Tag: the attribute region (after the name, before `>` or `/>`).
    private(set) var attrStart = 0
    private(set) var attrStop = 0
    /// Absolute offset of the current token, for errors.
    private var tokenPos = 0

    init(input: ByteInput, context: PartContext, chunkSize: Int = 256 << 10, maxTokenBytes: Int) {
        self.input = input
        self.context = context
        self.capacity = max(chunkSize, 16)
        self.maxTokenBytes = max(maxTokenBytes, 64)
        self.own = .allocate(capacity: max(chunkSize, 16))
        self.base = own
    }

    deinit {
        own.deallocate()
    }

    /// The current absolute byte offset (in UTF-8) and 1-based line.
    func position(at index: Int? = nil) -> (offset: Int, line: Int) {
        let upTo = min(index ?? tokenPos, end)
        var lines = discardedLines
        var p = 0
        while p < upTo, let hit = memchr(base + p, 0x0A, upTo - p) {
            lines += 1
            p = base.distance(to: hit.assumingMemoryBound(to: UInt8.self)) + 1
        }
        return (discardedBytes + upTo, lines + 1)
    }

    func error(_ code: WorkbookError.Code, _ message: String, cell: String? = nil, at index: Int? = nil) -> WorkbookError {
        let (offset, line) = position(at: index)
        return WorkbookError(code, file: context.file, sheet: context.sheet, cell: cell, part: context.part, line: line, byteOffset: offset, message: message)
    }

    /// Drops the read bytes and gets more after the unread ones. Returns
    /// false at the end of the input.
    private func fill() throws -> Bool {
        if inputEOF { return false }
        if pos > 0 {
            var p = 0
            while p < pos, let hit = memchr(base + p, 0x0A, pos - p) {
                discardedLines += 1
                p = base.distance(to: hit.assumingMemoryBound(to: UInt8.self)) + 1
            }
            discardedBytes += pos
        }
        let unread = end - pos
        if started && !copying && input.lendsSlots {
            if unread <= ZipPrefetcher.headroom {
                guard let lent = try input.nextSlot(prefix: UnsafeRawBufferPointer(start: base + pos, count: unread)) else {
                    base += pos
                    end = unread
                    pos = 0
                    inputEOF = true
                    return false
                }
                base = lent.baseAddress!.assumingMemoryBound(to: UInt8.self)
                end = lent.count
                pos = 0
                lending = true
                return true
            }
            copying = true
        }
        if lending {
            // Into the own buffer, then give the slot back.
            let slot = base
            if capacity < unread + 16 { try grow(to: unread + 16, keeping: 0) }
            own.update(from: slot + pos, count: unread)
            input.releaseSlot()
            lending = false
            base = own
        } else if pos > 0 && unread > 0 {
            memmove(base, base + pos, unread)
        }
        end = unread
        pos = 0
        if capacity - end < 16 {  // room for at least one transcoded code point
            try grow(to: end + 16, keeping: end)
        }
        let n = try input.read(into: UnsafeMutableRawBufferPointer(start: base + end, count: capacity - end))
        if n == 0 {
            inputEOF = true
            return false
        }
        end += n
        if !started {
            started = true
            if end >= 3 && base[0] == 0xEF && base[1] == 0xBB && base[2] == 0xBF { pos = 3 }
        }
        return true
    }

    /// Grows the own buffer (doubling, up to `maxTokenBytes`) to at least
    /// `needed` bytes, keeping its first `keeping`.
    private func grow(to needed: Int, keeping: Int) throws {
        guard capacity < maxTokenBytes, needed - 16 < maxTokenBytes else {
            throw error(.tooLarge, "an XML token is larger than the limit of \(maxTokenBytes) bytes")
        }
        let bigger = max(min(capacity * 2, maxTokenBytes), needed)
        let grown = UnsafeMutablePointer<UInt8>.allocate(capacity: bigger)
        grown.update(from: own, count: keeping)
        own.deallocate()
        own = grown
        base = grown
        capacity = bigger
    }

    @inline(__always)
    private func find(_ byte: UInt8, from: Int) -> Int? {
        // Most hits are a few bytes away (the end of `</v>`, a number's
        // text): a short inline scan beats a memchr call for those.
        var p = from
        let quick = min(end, from + 16)
        while p < quick {
            if base[p] == byte { return p }
            p += 1
        }
        guard p < end, let hit = memchr(base + p, Int32(byte), end - p) else { return nil }
        return base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
    }

    /// Finds `terminator` (2–3 bytes ending in `>`) at or after `from`.
    private func find(terminator: StaticString, from: Int) -> Int? {
        let t = terminator.utf8Start
        let count = terminator.utf8CodeUnitCount
        var p = from + count - 1
        while let gt = find(UInt8(ascii: ">"), from: p) {
            var ok = true
            for i in 0..<count where base[gt - count + 1 + i] != t[i] { ok = false; break }
            if ok { return gt }
            p = gt + 1
        }
        return nil
    }

    /// Advances to the next token.
    func next() throws -> Kind {
        while true {
            if pos >= end {
                if try !fill() { kind = .eof; tokenPos = end; return .eof }
                continue
            }
            if base[pos] != UInt8(ascii: "<") {
                guard let lt = find(UInt8(ascii: "<"), from: pos) else {
                    if !wantText { pos = end; continue }
                    if try fill() { continue }
                    // Text at the very end of the part.
                    kind = .text; tokenPos = pos
                    start = pos; stop = end; pos = end
                    return .text
                }
                if !wantText { pos = lt; continue }
                kind = .text; tokenPos = pos
                start = pos; stop = lt; pos = lt
                return .text
            }
            // A markup token starting at pos.
            if end - pos < 9 && !inputEOF {
                if try fill() { continue }
            }
            if let k = try markup() { return k }
        }
    }

    /// Parses the markup at `pos`. Returns nil to ask for a retry after
    /// more input was read, or for tokens that are skipped (comments, PIs).
    private func markup() throws -> Kind? {
        tokenPos = pos
        guard pos + 1 < end else { return try needMore("a tag") }
        let second = base[pos + 1]
        if second == UInt8(ascii: "/") {
            guard let gt = find(UInt8(ascii: ">"), from: pos + 2) else { return try needMore("an end tag") }
            var nameEnd = pos + 2
            var local = pos + 2
            while nameEnd < gt {
                let b = base[nameEnd]
                if b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D { break }
                if b == UInt8(ascii: ":") { local = nameEnd + 1 }
                nameEnd += 1
            }
            kind = .end; start = local; stop = nameEnd
            attrStart = nameEnd; attrStop = nameEnd
            pos = gt + 1
            return .end
        }
        if second == UInt8(ascii: "?") {
            guard let gt = find(terminator: "?>", from: pos + 2) else { return try needMore("a processing instruction") }
            pos = gt + 1
            return nil
        }
        if second == UInt8(ascii: "!") {
            if matches("<!--", at: pos) {
                guard let gt = find(terminator: "-->", from: pos + 4) else { return try needMore("a comment") }
                pos = gt + 1
                return nil
            }
            if matches("<![CDATA[", at: pos) {
                guard let gt = find(terminator: "]]>", from: pos + 9) else { return try needMore("a CDATA section") }
                kind = .cdata; start = pos + 9; stop = gt - 2
                pos = gt + 1
                if !wantText { return nil }
                return .cdata
            }
            if end - pos < 9 && !inputEOF { return try needMore("a declaration") }
            throw error(.dtdNotAllowed, "a document type declaration (<!DOCTYPE …>) or other <!…> declaration is not allowed in workbook XML")
        }
        // A start or empty-element tag: find the closing '>' outside quotes.
        var p = pos + 1
        var quote: UInt8 = 0
        var gt = -1
        while p < end {
            let b = base[p]
            if quote != 0 {
                if b == quote { quote = 0 }
            } else if b == UInt8(ascii: ">") {
                gt = p; break
            } else if b == 0x22 || b == 0x27 {
                quote = b
            } else if b == UInt8(ascii: "<") {
                throw error(.malformedXML, "'<' inside a tag")
            }
            p += 1
        }
        if gt < 0 { return try needMore("a start tag") }
        var nameEnd = pos + 1
        var local = pos + 1
        while nameEnd < gt {
            let b = base[nameEnd]
            if b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D || b == UInt8(ascii: "/") { break }
            if b == UInt8(ascii: ":") { local = nameEnd + 1 }
            nameEnd += 1
        }
        if nameEnd == pos + 1 { throw error(.malformedXML, "a tag without a name") }
        let selfClosing = base[gt - 1] == UInt8(ascii: "/")
        kind = selfClosing ? .empty : .start
        start = local; stop = nameEnd
        attrStart = nameEnd; attrStop = selfClosing ? gt - 1 : gt
        pos = gt + 1
        return kind
    }

    private func needMore(_ what: String) throws -> Kind? {
        if try fill() { return nil }
        throw error(.malformedXML, "the XML ends inside \(what) (truncated part?)")
    }

    private func matches(_ s: StaticString, at p: Int) -> Bool {
        let count = s.utf8CodeUnitCount
        guard p + count <= end else { return false }
        return memcmp(base + p, s.utf8Start, count) == 0
    }

    /// The attribute values of a `<c>` start tag read by `simpleCellStart`
    /// (`from..<to` in `base`; `from` -1 when absent).
    struct CellStart {
        var rFrom = -1, rTo = -1
        var sFrom = -1, sTo = -1
        var tFrom = -1, tTo = -1
    }

    /// The unread bytes are `base[readPosition ..< readEnd]`, for a fast
    /// path that reads whole elements itself (see ``advance(to:)``).
    var readPosition: Int { pos }
    var readEnd: Int { end }

    /// Consumes the bytes before `position`: whole elements a fast path
    /// has read (it stops at the start of a tag). The current token is
    /// stale until the next `next()`; errors point at `position`.
    @inline(__always)
    func advance(to position: Int) {
        pos = position
        tokenPos = position
    }

    /// The cell fast path's start: when the unread input starts with a
    /// complete `<c …>` start tag (no prefix, space-separated
    /// `name="value"` attributes), consumes it as `next()` would (the
    /// current token is then that start tag) and returns its `r`, `s` and
    /// `t` values; otherwise consumes nothing and returns nil.
    @inline(__always)
    func simpleCellStart() -> CellStart? {
        let p = pos
        guard end - p >= 4, base[p] == UInt8(ascii: "<"), base[p + 1] == UInt8(ascii: "c"), base[p + 2] == 0x20 else { return nil }
        var q = p + 3
        var cell = CellStart()
        while q < end {
            var b = base[q]
            if b == 0x20 { q += 1; continue }
            if b == UInt8(ascii: ">") {
                kind = .start; tokenPos = p
                start = p + 1; stop = p + 2
                attrStart = p + 2; attrStop = q
                pos = q + 1
                return cell
            }
            let nameStart = q
            while b != UInt8(ascii: "=") {
                guard b > 0x20, b != UInt8(ascii: ">"), b != UInt8(ascii: "/"), b != UInt8(ascii: "<"), b != 0x22, b != 0x27 else { return nil }
                q += 1
                guard q < end else { return nil }
                b = base[q]
            }
            let nameLength = q - nameStart
            guard q + 1 < end, base[q + 1] == 0x22 else { return nil }
            let valueStart = q + 2
            q = valueStart
            while q < end && base[q] != 0x22 { q += 1 }
            guard q < end else { return nil }
            if nameLength == 1 {
                switch base[nameStart] {
                case UInt8(ascii: "r"): cell.rFrom = valueStart; cell.rTo = q
                case UInt8(ascii: "s"): cell.sFrom = valueStart; cell.sTo = q
                case UInt8(ascii: "t"): cell.tFrom = valueStart; cell.tTo = q
                default: break
                }
            }
            q += 1
        }
        return nil
    }

    /// The cell fast path: when the unread input is `<v>text</v></c>` (no
    /// prefixes, no markup, entity or CDATA in the text) and all of it is
    /// in the buffer, consumes it and returns the text's range (valid until
    /// the next call); otherwise consumes nothing and returns nil, and the
    /// tokens come one by one as usual.
    @inline(__always)
    func simpleCellValue() -> (start: Int, stop: Int)? {
        let p = pos
        guard end - p >= 11, base[p] == UInt8(ascii: "<"), base[p + 1] == UInt8(ascii: "v"), base[p + 2] == UInt8(ascii: ">") else {
            return nil
        }
        var q = p + 3
        while q < end && base[q] != UInt8(ascii: "<") && base[q] != UInt8(ascii: "&") { q += 1 }
        guard end - q >= 8, base[q] == UInt8(ascii: "<"), base[q + 1] == UInt8(ascii: "/"), base[q + 2] == UInt8(ascii: "v"),
              base[q + 3] == UInt8(ascii: ">"), base[q + 4] == UInt8(ascii: "<"), base[q + 5] == UInt8(ascii: "/"),
              base[q + 6] == UInt8(ascii: "c"), base[q + 7] == UInt8(ascii: ">") else { return nil }
        pos = q + 8
        return (p + 3, q)
    }

    /// The shared-string fast path, after an `<si>` start tag: when the
    /// unread input is `<t>text</t></si>` (or `<t xml:space="preserve">`;
    /// no prefixes, no markup, entity or CDATA in the text) and all of it
    /// is in the buffer, consumes it and returns the text's range (valid
    /// until the next call); otherwise consumes nothing and returns nil.
    @inline(__always)
    func simpleStringItem() -> (start: Int, stop: Int)? {
        let p = pos
        guard end - p >= 13, base[p] == UInt8(ascii: "<"), base[p + 1] == UInt8(ascii: "t") else { return nil }
        var q: Int
        if base[p + 2] == UInt8(ascii: ">") {
            q = p + 3
        } else if matches("<t xml:space=\"preserve\">", at: p) {
            q = p + 24
        } else {
            return nil
        }
        let text = q
        while q < end && base[q] != UInt8(ascii: "<") && base[q] != UInt8(ascii: "&") { q += 1 }
        guard end - q >= 9, matches("</t></si>", at: q) else { return nil }
        pos = q + 9
        return (text, q)
    }

    /// After a simple item: when the unread input is `<si>` and another
    /// simple item (see ``simpleStringItem()``), consumes both and returns
    /// the text's range; otherwise consumes nothing and returns nil. Lets
    /// the shared strings take a run of plain items in one loop.
    @inline(__always)
    func nextSimpleStringItem() -> (start: Int, stop: Int)? {
        let p = pos
        guard end - p >= 4, base[p] == UInt8(ascii: "<"), base[p + 1] == UInt8(ascii: "s"), base[p + 2] == UInt8(ascii: "i"),
              base[p + 3] == UInt8(ascii: ">") else { return nil }
        pos = p + 4
        guard let item = simpleStringItem() else {
            pos = p
            return nil
        }
        tokenPos = p
        return item
    }

    /// Whether the current tag's local name is `name`.
    @inline(__always)
    func nameIs(_ name: StaticString) -> Bool {
        let count = name.utf8CodeUnitCount
        guard stop - start == count else { return false }
        let p = name.utf8Start
        for i in 0..<count where base[start + i] != p[i] { return false }
        return true
    }

    /// Calls `body(nameStart, nameEnd, valueStart, valueEnd)` for each
    /// attribute of the current tag (full names, prefix included; raw values).
    @inline(__always)
    func forEachAttribute(_ body: (Int, Int, Int, Int) throws -> Void) throws {
        var p = attrStart
        let limit = attrStop
        while true {
            while p < limit && (base[p] == 0x20 || base[p] == 0x09 || base[p] == 0x0A || base[p] == 0x0D) { p += 1 }
            if p >= limit { return }
            let nameStart = p
            while p < limit && base[p] != UInt8(ascii: "=") && base[p] != 0x20 && base[p] != 0x09 && base[p] != 0x0A && base[p] != 0x0D { p += 1 }
            let nameEnd = p
            while p < limit && base[p] != UInt8(ascii: "=") { p += 1 }
            p += 1
            while p < limit && base[p] != 0x22 && base[p] != 0x27 { p += 1 }
            guard p < limit else { throw error(.malformedXML, "an attribute without a quoted value") }
            let quote = base[p]
            let valueStart = p + 1
            p = valueStart
            while p < limit && base[p] != quote { p += 1 }
            guard p < limit else { throw error(.malformedXML, "an unterminated attribute value") }
            try body(nameStart, nameEnd, valueStart, p)
            p += 1
        }
    }

    /// Appends the current text token to `out`, decoding the five XML
    /// entities and character references (CDATA is appended as is). Line
    /// breaks in the raw text (CR LF, a lone CR) become LF first (XML 1.0
    /// §2.11); a CR from `&#13;` stays. Any other entity is an error: only
    /// the XML built-ins are allowed.
    func appendText(to out: inout [UInt8]) throws {
        if kind == .cdata {
            let from = out.count
            out.append(contentsOf: UnsafeBufferPointer(start: base + start, count: stop - start))
            XMLEscapes.normalizeLineBreaks(&out, from: from)
            return
        }
        var p = start
        while p < stop {
            let from = out.count
            guard let amp = memchr(base + p, Int32(UInt8(ascii: "&")), stop - p) else {
                out.append(contentsOf: UnsafeBufferPointer(start: base + p, count: stop - p))
                XMLEscapes.normalizeLineBreaks(&out, from: from)
                return
            }
            let a = base.distance(to: amp.assumingMemoryBound(to: UInt8.self))
            out.append(contentsOf: UnsafeBufferPointer(start: base + p, count: a - p))
            XMLEscapes.normalizeLineBreaks(&out, from: from)
            guard let semi = memchr(base + a, Int32(UInt8(ascii: ";")), min(stop - a, 12)) else {
                throw error(.malformedXML, "an '&' that does not start an entity reference", at: a)
            }
            let s = base.distance(to: semi.assumingMemoryBound(to: UInt8.self))
            let name = UnsafeBufferPointer(start: base + a + 1, count: s - a - 1)
            if let scalar = XMLEscapes.entity(name) {
                XMLEscapes.appendUTF8(scalar, to: &out)
            } else {
                let text = String(decoding: name, as: UTF8.self)
                throw error(.malformedXML, "the entity reference &\(text); is not allowed (only the XML built-ins and character references)", at: a)
            }
            p = s + 1
        }
    }

    /// Copies the bytes `from..<to` (attribute values and the like).
    func bytes(_ from: Int, _ to: Int) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(start: base + from, count: to - from)
    }
}
