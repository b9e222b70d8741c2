/// A DEFLATE (RFC 1951) decoder for zip entries, streaming from a source
/// of compressed bytes into the caller's buffers.
///
/// Why not zlib's `inflate` (which libzip calls): a worksheet's XML
/// compresses ~6:1, mostly into matches (repeated runs), and zlib copies a
/// match a byte at a time and refills its bit buffer a byte at a time. Here, as in libdeflate, the bit buffer is
/// refilled eight bytes at a time without a branch, an 11-bit first-level
/// table decodes most literal/length codes in one lookup, and a match is
/// copied eight bytes at a time. On the 1M-row benchmark sheet (730 MB of
/// XML) that halves the inflating thread's time (see docs/ingest.md).
///
/// Safety on hostile input: every table entry a code can reach is built
/// (unused ones say "invalid"); a distance is checked against the output
/// so far; the fast loop runs only while eight readable input bytes and
/// room for the longest match remain, and at the end of the input it reads
/// zero padding, with reading past the real end reported as truncation.
/// The zip entry's CRC-32 and size are checked by the caller.
///
/// Not thread-safe: one thread uses it.
final class Inflater {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    // Table entries (UInt32): bits 0–4 the code's length in bits (for a
    // subtable link: the first-level bits), bits 8–11 the extra bits (for
    // a link: the subtable's index bits), bits 12–15 the kind, bits 16–31
    // the value (literal, length or distance base, subtable offset).
    private static let literal: UInt32 = 1 << 12
    private static let endOfBlock: UInt32 = 1 << 13
    private static let link: UInt32 = 1 << 14
    private static let invalid: UInt32 = 1 << 15

    private static let lengthBase: [UInt16] = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59,
                                               67, 83, 99, 115, 131, 163, 195, 227, 258]
    private static let lengthExtra: [UInt8] = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4,
                                               5, 5, 5, 5, 0]
    private static let distanceBase: [UInt16] = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385,
                                                 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577]
    private static let distanceExtra: [UInt8] = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10,
                                                 10, 11, 11, 12, 12, 13, 13]
    /// The order of the code-length code lengths in a dynamic block header.
    private static let codeLengthOrder: [Int] = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]

    private static let literalBits = 11
    private static let distanceBits = 8
    /// First level plus the most subtables a code can need (288 codes, each
    /// subtable at most 2^(15-11) entries; 30 codes of 2^(15-8)).
    private static let literalTableSize = (1 << 11) + 288 * 16
    private static let distanceTableSize = (1 << 8) + 30 * 128

    private static let window = 32 << 10
    /// Output buffer: the 32 KiB window plus room to decode into; kept
    /// within a core's L2 cache so the copy out to the caller hits it.
    private static let outputCapacity = 256 << 10
    /// The longest match, so the fast loop never checks room per byte.
    private static let maxMatch = 258
    /// Eight-byte match copies write up to seven bytes past the match.
    private static let outputSlack = 16
    private static let inputCapacity = 64 << 10
    /// Zeros after the real end of the input, read by the fast loop's
    /// eight-byte loads at the end of the stream.
    private static let inputPadding = 32

    private enum State { case header, stored(Int), huffman, done }

    private let source: (UnsafeMutableRawBufferPointer) throws -> Int
    private var state = State.header
    private var finalBlock = false

    private let input: UnsafeMutablePointer<UInt8>
    private var inPos = 0
    private var inEnd = 0
    private var inEOF = false
    /// Bits not yet used, lowest first. Bits above `bitCount` are zero or
    /// the true next bits of the input (an eight-byte refill loads more
    /// than it counts, and the next refill loads the same bytes again).
    private var bitBuffer: UInt64 = 0
    private var bitCount = 0

    private let output: UnsafeMutablePointer<UInt8>
    /// Bytes of `output` that are decoded (all of them valid history).
    private var outPos = 0
    /// Bytes of `output` handed to the caller.
    private var delivered = 0

    private let literalTable: UnsafeMutablePointer<UInt32>
    private let distanceTable: UnsafeMutablePointer<UInt32>
    private let codeLengthTable: UnsafeMutablePointer<UInt32>
    private let lengths: UnsafeMutablePointer<UInt8>
    private var fixedLoaded = false

    /// `source` fills a buffer with compressed bytes and returns how many,
    /// 0 at the end.
    init(source: @escaping (UnsafeMutableRawBufferPointer) throws -> Int) {
        self.source = source
        input = .allocate(capacity: Self.inputCapacity + Self.inputPadding)
        input.initialize(repeating: 0, count: Self.inputCapacity + Self.inputPadding)
        output = .allocate(capacity: Self.outputCapacity + Self.outputSlack)
        output.initialize(repeating: 0, count: Self.outputCapacity + Self.outputSlack)
        literalTable = .allocate(capacity: Self.literalTableSize)
        literalTable.initialize(repeating: Self.invalid, count: Self.literalTableSize)
        distanceTable = .allocate(capacity: Self.distanceTableSize)
        distanceTable.initialize(repeating: Self.invalid, count: Self.distanceTableSize)
        codeLengthTable = .allocate(capacity: 1 << 7)
        codeLengthTable.initialize(repeating: Self.invalid, count: 1 << 7)
        lengths = .allocate(capacity: 320)
        lengths.initialize(repeating: 0, count: 320)
    }

    deinit {
        input.deallocate()
        output.deallocate()
        literalTable.deallocate()
        distanceTable.deallocate()
        codeLengthTable.deallocate()
        lengths.deallocate()
    }

    /// Decodes up to `buffer.count` bytes into `buffer`; 0 at the end of
    /// the stream.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return 0 }
        while true {
            if delivered < outPos {
                let n = min(outPos - delivered, buffer.count)
                base.copyMemory(from: output + delivered, byteCount: n)
                delivered += n
                return n
            }
            if case .done = state { return 0 }
            if outPos > Self.outputCapacity - Self.maxMatch {
                // Everything is delivered: keep the window, drop the rest.
                output.update(from: output + (outPos - Self.window), count: Self.window)
                outPos = Self.window
                delivered = Self.window
            }
            try decode()
        }
    }

    // MARK: blocks

    /// Decodes until the output buffer is nearly full or the stream ends.
    private func decode() throws {
        while outPos <= Self.outputCapacity - Self.maxMatch {
            switch state {
            case .done:
                return
            case .header:
                try readHeader()
            case .stored(let remaining):
                if remaining == 0 {
                    state = finalBlock ? .done : .header
                    continue
                }
                if inPos == inEnd {
                    try refillInput()
                    if inPos == inEnd { throw Failure(description: "the data ends inside a stored block") }
                }
                let n = min(remaining, inEnd - inPos, Self.outputCapacity - outPos)
                (output + outPos).update(from: input + inPos, count: n)
                outPos += n
                inPos += n
                state = .stored(remaining - n)
            case .huffman:
                if try decodeHuffman() {
                    state = finalBlock ? .done : .header
                    if finalBlock { try checkNotOverread() }
                }
            }
        }
    }

    private func readHeader() throws {
        // A dynamic header takes at most ~570 bytes.
        if inEnd - inPos < 1024 { try refillInput() }
        finalBlock = try bits(1) == 1
        switch try bits(2) {
        case 0:
            // Byte-align, give whole bytes back to the input, read LEN/NLEN.
            let drop = bitCount & 7
            bitBuffer >>= UInt64(drop)
            bitCount -= drop
            inPos -= bitCount >> 3
            bitBuffer = 0
            bitCount = 0
            if inEnd - inPos < 4 { try refillInput() }
            guard inEnd - inPos >= 4 else { throw Failure(description: "the data ends inside a stored block's header") }
            let length = Int(input[inPos]) | Int(input[inPos + 1]) << 8
            let complement = Int(input[inPos + 2]) | Int(input[inPos + 3]) << 8
            inPos += 4
            guard length == complement ^ 0xFFFF else { throw Failure(description: "a stored block's length check fails") }
            state = .stored(length)
        case 1:
            if !fixedLoaded { try loadFixedTables() }
            state = .huffman
        case 2:
            fixedLoaded = false
            try readDynamicTables()
            state = .huffman
        default:
            throw Failure(description: "invalid block type 3")
        }
    }

    private func loadFixedTables() throws {
        for i in 0..<144 { lengths[i] = 8 }
        for i in 144..<256 { lengths[i] = 9 }
        for i in 256..<280 { lengths[i] = 7 }
        for i in 280..<288 { lengths[i] = 8 }
        try Self.build(lengths, count: 288, into: literalTable, firstBits: Self.literalBits, what: "literal/length",
                       entry: Self.literalEntry)
        for i in 0..<32 { lengths[i] = 5 }
        try Self.build(lengths, count: 32, into: distanceTable, firstBits: Self.distanceBits, what: "distance",
                       entry: Self.distanceEntry)
        fixedLoaded = true
    }

    private func readDynamicTables() throws {
        let literalCount = Int(try bits(5)) + 257
        let distanceCount = Int(try bits(5)) + 1
        let codeLengthCount = Int(try bits(4)) + 4
        guard literalCount <= 286, distanceCount <= 30 else {
            throw Failure(description: "too many length or distance codes")
        }
        for i in 0..<19 { lengths[i] = 0 }
        for i in 0..<codeLengthCount { lengths[Self.codeLengthOrder[i]] = UInt8(try bits(3)) }
        try Self.build(lengths, count: 19, into: codeLengthTable, firstBits: 7, what: "code length",
                       singleAllowed: false, entry: { UInt32($0) << 16 })
        let total = literalCount + distanceCount
        var i = 0
        while i < total {
            try need(7)
            let e = codeLengthTable[Int(bitBuffer & 0x7F)]
            if e & Self.invalid != 0 { throw Failure(description: "invalid code length code") }
            consume(Int(e & 0x1F))
            let symbol = Int(e >> 16)
            if symbol < 16 {
                lengths[i] = UInt8(symbol)
                i += 1
                continue
            }
            var value: UInt8 = 0
            let repeats: Int
            switch symbol {
            case 16:
                guard i > 0 else { throw Failure(description: "a repeated code length with none before it") }
                value = lengths[i - 1]
                repeats = 3 + Int(try bits(2))
            case 17: repeats = 3 + Int(try bits(3))
            default: repeats = 11 + Int(try bits(7))
            }
            guard i + repeats <= total else { throw Failure(description: "code lengths overrun the table") }
            for j in i..<(i + repeats) { lengths[j] = value }
            i += repeats
        }
        guard lengths[256] != 0 else { throw Failure(description: "the block has no end-of-block code") }
        try Self.build(lengths, count: literalCount, into: literalTable, firstBits: Self.literalBits,
                       what: "literal/length", entry: Self.literalEntry)
        try Self.build(lengths + literalCount, count: distanceCount, into: distanceTable, firstBits: Self.distanceBits,
                       what: "distance", entry: Self.distanceEntry)
    }

    private static func literalEntry(_ symbol: Int) -> UInt32 {
        if symbol < 256 { return literal | UInt32(symbol) << 16 }
        if symbol == 256 { return endOfBlock }
        let i = symbol - 257
        guard i < 29 else { return invalid }
        return UInt32(lengthBase[i]) << 16 | UInt32(lengthExtra[i]) << 8
    }

    private static func distanceEntry(_ symbol: Int) -> UInt32 {
        guard symbol < 30 else { return invalid }
        return UInt32(distanceBase[symbol]) << 16 | UInt32(distanceExtra[symbol]) << 8
    }

    /// Builds a decoding table for the canonical code of `lengths`: a
    /// first level indexed by the next `firstBits` input bits, and for
    /// longer codes subtables reached through link entries. Entries no
    /// code reaches are invalid. An over-subscribed code, or an incomplete
    /// one (other than a single one-bit literal/length or distance code,
    /// as zlib allows), is refused.
    private static func build(
        _ lengths: UnsafeMutablePointer<UInt8>, count: Int, into table: UnsafeMutablePointer<UInt32>, firstBits: Int,
        what: String, singleAllowed: Bool = true, entry: (Int) -> UInt32
    ) throws {
        var lengthCount = [Int](repeating: 0, count: 16)
        var maxLength = 0
        for s in 0..<count {
            let l = Int(lengths[s])
            lengthCount[l] += 1
            if l > maxLength { maxLength = l }
        }
        let firstSize = 1 << firstBits
        table.update(repeating: invalid, count: firstSize)
        if maxLength == 0 { return }  // no codes at all (a block with only literals has no distances)
        var left = 1
        for l in 1...15 {
            left = left << 1 - lengthCount[l]
            if left < 0 { throw Failure(description: "over-subscribed \(what) code") }
        }
        if left > 0 && (maxLength != 1 || !singleAllowed) { throw Failure(description: "incomplete \(what) code") }
        var nextCode = [Int](repeating: 0, count: 16)
        var code = 0
        lengthCount[0] = 0
        for l in 1...15 {
            code = (code + lengthCount[l - 1]) << 1
            nextCode[l] = code
        }
        let subBits = max(maxLength - firstBits, 0)
        var nextSubtable = firstSize
        for s in 0..<count {
            let l = Int(lengths[s])
            if l == 0 { continue }
            let c = nextCode[l]
            nextCode[l] += 1
            var reversed = 0
            for b in 0..<l where c & (1 << (l - 1 - b)) != 0 { reversed |= 1 << b }
            let value = entry(s)
            if l <= firstBits {
                var i = reversed
                while i < firstSize {
                    table[i] = value | UInt32(l)
                    i += 1 << l
                }
            } else {
                let prefix = reversed & (firstSize - 1)
                var linkEntry = table[prefix]
                if linkEntry & link == 0 {
                    linkEntry = link | UInt32(firstBits) | UInt32(subBits) << 8 | UInt32(nextSubtable) << 16
                    table[prefix] = linkEntry
                    (table + nextSubtable).update(repeating: invalid, count: 1 << subBits)
                    nextSubtable += 1 << subBits
                }
                let sub = table + Int(linkEntry >> 16)
                let rest = l - firstBits
                var i = reversed >> firstBits
                while i < 1 << subBits {
                    sub[i] = value | UInt32(rest)
                    i += 1 << rest
                }
            }
        }
    }

    // MARK: the fast loop

    /// Decodes a Huffman block's symbols while input and output room
    /// allow. Returns true at the end of the block.
    private func decodeHuffman() throws -> Bool {
        while true {
            if !inEOF && inEnd - inPos < 64 { try refillInput() }
            let inLimit = inEOF ? inEnd + 8 : inEnd - 8
            let outLimit = Self.outputCapacity - Self.maxMatch
            var inP = inPos, outP = outPos
            var buffer = bitBuffer, count = bitCount
            let inBase = UnsafeRawPointer(input)
            let out = output
            let lit = literalTable, dist = distanceTable
            var ended = false
            defer {
                inPos = inP
                outPos = outP
                bitBuffer = buffer
                bitCount = count
            }
            // Wrapping arithmetic and masking shifts: every value here is
            // bounded (`count` 0–63, a code ≤ 15 bits, extra bits ≤ 13).
            while inP <= inLimit && outP <= outLimit {
                buffer |= ByteWord.load8(inBase, inP) &<< UInt64(count)
                inP &+= (63 &- count) &>> 3
                count |= 56
                var e = lit[Int(truncatingIfNeeded: buffer) & 0x7FF]
                if e & Self.link != 0 {
                    buffer &>>= 11
                    count &-= 11
                    e = lit[Int(e &>> 16) &+ (Int(truncatingIfNeeded: buffer) & ((1 &<< Int((e &>> 8) & 0xF)) &- 1))]
                }
                let codeBits = Int(e & 0x1F)
                buffer &>>= UInt64(codeBits)
                count &-= codeBits
                if e & Self.literal != 0 {
                    out[outP] = UInt8(truncatingIfNeeded: e &>> 16)
                    outP &+= 1
                    continue
                }
                if e & (Self.endOfBlock | Self.invalid) != 0 {
                    if e & Self.invalid != 0 { throw Failure(description: "invalid literal/length code") }
                    ended = true
                    break
                }
                var extra = Int((e &>> 8) & 0xF)
                let length = Int(e &>> 16) &+ (Int(truncatingIfNeeded: buffer) & ((1 &<< extra) &- 1))
                buffer &>>= UInt64(extra)
                count &-= extra
                var d = dist[Int(truncatingIfNeeded: buffer) & 0xFF]
                if d & Self.link != 0 {
                    buffer &>>= 8
                    count &-= 8
                    d = dist[Int(d &>> 16) &+ (Int(truncatingIfNeeded: buffer) & ((1 &<< Int((d &>> 8) & 0xF)) &- 1))]
                }
                if d & Self.invalid != 0 { throw Failure(description: "invalid distance code") }
                let dBits = Int(d & 0x1F)
                buffer &>>= UInt64(dBits)
                count &-= dBits
                extra = Int((d &>> 8) & 0xF)
                let distance = Int(d &>> 16) &+ (Int(truncatingIfNeeded: buffer) & ((1 &<< extra) &- 1))
                buffer &>>= UInt64(extra)
                count &-= extra
                guard distance <= outP else { throw Failure(description: "a match reaches before the start of the data") }
                let dst = out + outP
                let end = UnsafeMutableRawPointer(dst + length)
                if distance >= 8 {
                    // Most matches are short: two words unconditionally
                    // (the slack after the buffer takes the overrun).
                    var src = UnsafeRawPointer(dst - distance)
                    var to = UnsafeMutableRawPointer(dst)
                    to.storeBytes(of: src.loadUnaligned(as: UInt64.self), as: UInt64.self)
                    (to + 8).storeBytes(of: (src + 8).loadUnaligned(as: UInt64.self), as: UInt64.self)
                    to += 16
                    src += 16
                    while to < end {
                        to.storeBytes(of: src.loadUnaligned(as: UInt64.self), as: UInt64.self)
                        to += 8
                        src += 8
                    }
                } else if distance == 1 {
                    let word = UInt64(dst[-1]) &* 0x0101_0101_0101_0101
                    var to = UnsafeMutableRawPointer(dst)
                    repeat {
                        to.storeBytes(of: word, as: UInt64.self)
                        to += 8
                    } while to < end
                } else {
                    for i in 0..<length { dst[i] = dst[i &- distance] }
                }
                outP &+= length
            }
            if ended { return true }
            if outP > outLimit { return false }
            // Out of input: more, unless at the end (then the code ran on
            // into the padding: the data is cut short).
            if inEOF { throw Failure(description: "the data ends inside a block") }
        }
    }

    // MARK: input

    /// Moves the unread input (and the eight bytes before it, which the
    /// bit buffer may hold) to the front and reads more.
    private func refillInput() throws {
        if inEOF { return }
        let keep = min(inPos, 8)
        let start = inPos - keep
        if start > 0 {
            input.update(from: input + start, count: inEnd - start)
            inEnd -= start
            inPos = keep
        }
        while inEnd < Self.inputCapacity {
            let n = try source(UnsafeMutableRawBufferPointer(start: input + inEnd, count: Self.inputCapacity - inEnd))
            if n <= 0 {
                inEOF = true
                (input + inEnd).update(repeating: 0, count: Self.inputPadding)
                return
            }
            inEnd += n
            if inEnd - inPos >= 4096 { return }
        }
    }

    /// Ensures `n` (≤ 57) bits in the bit buffer, a byte at a time. At
    /// the end of the input it loads the zero padding (so a header ending
    /// near the end is read the same way the fast loop reads codes), and
    /// refuses to load more than eight bytes of it.
    private func need(_ n: Int) throws {
        while bitCount < n {
            if inPos >= inEnd && !inEOF { try refillInput() }
            if inPos >= inEnd + 8 { throw Failure(description: "the data ends inside a block header") }
            bitBuffer |= UInt64(input[inPos]) << UInt64(bitCount)
            inPos += 1
            bitCount += 8
        }
    }

    private func consume(_ n: Int) {
        bitBuffer >>= UInt64(n)
        bitCount -= n
    }

    private func bits(_ n: Int) throws -> UInt64 {
        try need(n)
        let value = bitBuffer & ((1 << UInt64(n)) - 1)
        consume(n)
        return value
    }

    /// At the end of the last block: the bits used must lie within the input.
    private func checkNotOverread() throws {
        if inPos * 8 - bitCount > inEnd * 8 { throw Failure(description: "the data ends inside the last block") }
    }
}
