#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The shared-strings table, held compactly: every string's UTF-8 bytes in
/// one contiguous buffer plus one offset per string (no `String` objects).
/// Parsed as a stream with the same byte tokenizer as the sheets: rich-text
/// runs (`<r><t>`) are joined, phonetic runs (`<rPh>`) skipped, entities
/// and `_xHHHH_` escapes decoded.
///
/// A table larger than `memoryBytes` (a 1M-row workbook of unique notes
/// holds ~100 MB of text) is spilled to an unlinked temporary file while it
/// is parsed and then read through a small block cache, so memory stays
/// flat: workbooks write strings in first-use order, so lookups while
/// scanning a sheet mostly hit recently used blocks. A string read again
/// far behind them is read alone, and kept if short (``RepeatedStrings``).
@usableFromInline package final class SharedStrings {
    /// In memory: all bytes. Spilled: the bytes not yet written to `file`.
    @usableFromInline var bytes: [UInt8] = []
    /// `offsets[i]..<offsets[i + 1]` is string i.
    @usableFromInline var offsets: [UInt32] = [0]
    private let memoryBytes: Int
    private let blockSize: Int
    /// The part declares more than `memoryBytes`: spill as it is parsed.
    private var spillEarly = false

    // Spilled mode.
    private var file: Int32 = -1
    private var flushed = 0
    @usableFromInline private(set) var cache: BlockCache?
    /// `cache`, unretained (`cache` holds the reference; both are set once,
    /// at the end of the parse): the per-cell lookup reaches it without a
    /// retain and release each time.
    @usableFromInline private(set) var cacheRef: Unmanaged<BlockCache>?
    /// Spilled mode: copies of short strings read again after the scan has
    /// moved on (see ``spilledBytes(_:_:_:_:_:)``).
    @usableFromInline var repeats: RepeatedStrings?
    /// Spilled mode: the highest string index read so far.
    @usableFromInline var frontier = 0

    var count: Int { offsets.count - 1 }
    /// Whether some string is empty: most tables have none, and then a
    /// sheet's scan need not look up each cell's string length (a load
    /// from an offsets table of millions of entries) to drop empty ones.
    private(set) var hasEmpty = false
    var isSpilled: Bool { file >= 0 }
    /// The spill file's descriptor (-1 in memory), for tests.
    var spillFile: Int32 { file }
    /// Blocks read from the spill file so far (0 when in memory).
    var cacheMisses: Int { cache?.misses ?? 0 }

    init() {
        memoryBytes = .max
        blockSize = 64 << 10
    }

    /// Strings written to the spill file at a time, once spilling.
    static let spillWriteBytes = 1 << 20

    /// `declaredBytes`: the part's inflated size from the zip directory.
    /// The UTF-8 text is never larger than its XML (except for UTF-16
    /// parts), so a part declared within `memoryBytes` gets its buffer
    /// reserved once (no regrowth copies, no doubled capacity); a part
    /// declared larger is spilled from the start, buffering only
    /// `spillWriteBytes` instead of filling `memoryBytes` first. The hint
    /// is never trusted as a bound: the text's actual size decides.
    init(tokenizer tok: XMLTokenizer, maxBytes: Int64, memoryBytes: Int, declaredBytes: Int64? = nil, blockSize: Int = 64 << 10) throws {
        self.memoryBytes = max(memoryBytes, 1)
        self.blockSize = max(blockSize, 16)
        if let declared = declaredBytes, declared > 0 {
            if declared <= Int64(self.memoryBytes) {
                bytes.reserveCapacity(Int(declared))
            } else {
                spillEarly = true
                bytes.reserveCapacity(min(Self.spillWriteBytes, self.memoryBytes) + 4096)
            }
        }
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
                    if var (from, to) = tok.simpleStringItem() {
                        // `<t>…</t></si>` in one go: the usual item, and
                        // the run of them that usually follows.
                        depth -= 1
                        repeat {
                            let start = bytes.count
                            let text = tok.bytes(from, to)
                            bytes.append(contentsOf: text)
                            if Self.mayNeedDecoding(text) {
                                XMLEscapes.normalizeLineBreaks(&bytes, from: start)  // raw text: no entity in it
                                try append(from: start, maxBytes: maxBytes, tok)
                            } else {
                                try appendPlain(maxBytes: maxBytes, tok)
                            }
                            guard let next = tok.nextSimpleStringItem() else { break }
                            (from, to) = next
                        } while true
                        continue
                    }
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
        if isSpilled {
            try flush(tok)
            bytes = []
            // A quarter of the budget: the cache follows the frontier, and
            // strings read again far behind it are read alone (see
            // `spilledBytes`).
            let cache = BlockCache(file: file, size: flushed, blockSize: self.blockSize, blocks: max(2, self.memoryBytes / 4 / self.blockSize))
            self.cache = cache
            cacheRef = Unmanaged.passUnretained(cache)
            repeats = RepeatedStrings()
        }
    }

    deinit {
        if file >= 0 { close(file) }
        recentIndex.deallocate()
        recentString.deinitialize(count: Self.recentSlots)
        recentString.deallocate()
    }

    private func append(from start: Int, maxBytes: Int64, _ tok: XMLTokenizer) throws {
        XMLEscapes.decodeUnderscoreEscapes(&bytes, from: start)
        try appendPlain(maxBytes: maxBytes, tok)
    }

    /// Ends the string that `bytes` now ends with, as it is.
    @inline(__always)
    private func appendPlain(maxBytes: Int64, _ tok: XMLTokenizer) throws {
        let total = flushed + bytes.count
        guard Int64(total) <= min(maxBytes, Int64(UInt32.max)) else {
            throw tok.error(.tooLarge, "the shared strings exceed the limit of \(maxBytes) bytes")
        }
        if total == Int(offsets[offsets.count - 1]) { hasEmpty = true }
        offsets.append(UInt32(total))
        if bytes.count > memoryBytes || (spillEarly && bytes.count >= Self.spillWriteBytes) { try flush(tok) }
    }

    /// Whether raw item text holds a CR (a line break to normalise) or an
    /// `_` (perhaps an `_xHHHH_` escape), eight bytes at a time: most
    /// strings hold neither and are copied as they are.
    @inline(__always)
    static func mayNeedDecoding(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = b.baseAddress else { return false }
        var i = 0
        while i &+ 8 <= b.count {
            if ByteWord.firstOf(0x0D, 0x5F, in: ByteWord.load8(base, i)) < 8 { return true }
            i &+= 8
        }
        while i < b.count {
            if base[i] == 0x0D || base[i] == 0x5F { return true }
            i &+= 1
        }
        return false
    }

    /// Writes the completed strings held in memory to the spill file.
    private func flush(_ tok: XMLTokenizer) throws {
        if file < 0 {
            let dir = getenv("TMPDIR").map { String(cString: $0) } ?? "/tmp"
            var template = Array((dir + "/pyramydal-sst-XXXXXX").utf8CString)
            let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
            guard fd >= 0 else {
                throw tok.error(.io, "cannot create a temporary file for the shared strings in \(dir): \(String(cString: strerror(errno)))")
            }
            template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
            file = fd
        }
        let done = Int(offsets[offsets.count - 1]) - flushed   // bytes of completed strings
        var written = 0
        while written < done {
            let n = bytes.withUnsafeBytes { pwrite(file, $0.baseAddress! + written, done - written, off_t(flushed + written)) }
            guard n > 0 else {
                throw tok.error(.io, "cannot write the shared strings' temporary file: \(String(cString: strerror(errno)))")
            }
            written += n
        }
        flushed += done
        bytes.removeSubrange(0..<done)
    }

    /// Recently made strings, direct-mapped by index: a column of repeated
    /// values (categories, cities) gets the same `String` back instead of
    /// building (validating, allocating) a new one per cell.
    /// (Pointers, not arrays: `let` storage needs no exclusivity checks.)
    private static let recentSlots = 4096
    private let recentIndex: UnsafeMutablePointer<Int> = {
        let p = UnsafeMutablePointer<Int>.allocate(capacity: SharedStrings.recentSlots)
        p.initialize(repeating: -1, count: SharedStrings.recentSlots)
        return p
    }()
    private let recentString: UnsafeMutablePointer<String> = {
        let p = UnsafeMutablePointer<String>.allocate(capacity: SharedStrings.recentSlots)
        p.initialize(repeating: "", count: SharedStrings.recentSlots)
        return p
    }()

    /// Whether string `index` (in range) is empty.
    @inline(__always)
    func isEmpty(at index: Int) -> Bool {
        hasEmpty && offsets[index + 1] == offsets[index]
    }

    /// Calls `body` with the UTF-8 bytes of string `index` (in range; empty
    /// if the spill file can't be read).
    @inlinable @inline(__always)
    package func withBytes<R>(at index: Int, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        let from = Int(offsets[index]), to = Int(offsets[index + 1])
        if let cacheRef { return cacheRef._withUnsafeGuaranteedRef { spilledBytes(index, from, to, $0, body) } }
        return bytes.withUnsafeBufferPointer { body(UnsafeBufferPointer(rebasing: $0[from..<to])) }
    }

    /// A scan starts: the frontier goes back to the first string, so a
    /// second sheet, or a second pass over one, reads its new strings
    /// block by block again.
    func scanStarts() {
        frontier = 0
    }

    /// Strings read within this many indices below the frontier are
    /// served by the block cache alone (their blocks are the recent ones).
    @usableFromInline static let frontierWindow = 4096

    /// A spilled string's bytes. Workbooks write strings in first-use
    /// order, so the scan reads new strings at the frontier, block after
    /// block, and the block cache serves them. A short string read again
    /// well behind the frontier (a product or a name a column repeats, a
    /// code that happens to recur) and not in a cached block is read
    /// alone, not with its whole block, and kept in ``RepeatedStrings``:
    /// bringing 64 KiB back for each read the 1M-row benchmark's 128 MB
    /// spill file ~5 times over. (The first strings' blocks, with a
    /// column's few categories, stay cached and serve them faster.) A
    /// longer one comes back with its block, so a column of long texts
    /// that repeat keeps their blocks in the cache.
    @usableFromInline func spilledBytes<R>(_ index: Int, _ from: Int, _ to: Int, _ cache: BlockCache,
                                          _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        let empty = UnsafeBufferPointer<UInt8>(start: nil, count: 0)
        if index > frontier {
            frontier = index
        } else if index &+ Self.frontierWindow < frontier, to &- from <= RepeatedStrings.entryBytes, let repeats,
                  !cache.holds(from, to) {
            if let kept = repeats.find(index) { return body(kept) }
            return cache.readAlone(from, to) { read in
                guard let read else { return body(empty) }
                repeats.keep(index, read)
                return body(read)
            }
        }
        return cache.withBytes(from, to) { body($0 ?? empty) }
    }

    /// A block of the spill file could not be read, so some string came
    /// back empty: the reader's scans end with this checked (see
    /// ``WorkbookReader/checkSharedStrings(sheet:)``), so it fails the
    /// read instead of landing empty text.
    var unreadable: Bool { cache?.failed ?? false }

    /// String `index`, or nil when out of range (or unreadable spill file).
    func string(at index: Int) -> String? {
        guard index >= 0 && index < count else { return nil }
        let slot = index & (Self.recentSlots - 1)
        if recentIndex[slot] == index { return recentString[slot] }
        let from = Int(offsets[index]), to = Int(offsets[index + 1])
        let made: String
        if let cache {
            guard let s = cache.withBytes(from, to, { $0.map { String(decoding: $0, as: UTF8.self) } }) else { return nil }
            made = s
        } else {
            made = bytes.withUnsafeBufferPointer { String(decoding: UnsafeBufferPointer(rebasing: $0[from..<to]), as: UTF8.self) }
        }
        recentIndex[slot] = index
        recentString[slot] = made
        return made
    }
}

/// Short strings of a spilled table that the scan reads again, by index:
/// 2-way sets (the less recently used way replaced), 1 MiB in all, so a
/// column of a few thousand repeated names stays in memory while the
/// block cache follows the frontier. A set is one 128-byte pair of
/// entries, each its index, length and bytes, so a lookup touches only it.
@usableFromInline final class RepeatedStrings {
    /// The longest string kept (longer ones are read through the block cache).
    @usableFromInline static let entryBytes = 58
    private static let sets = 8192
    /// Per entry: the index + 1 (Int32, 0: empty), the length, in the
    /// first entry of a set the way used last, then the bytes.
    private static let stride = 64
    private static let bytesAt = 6
    /// Zeroed by `calloc`, so pages never used take no memory.
    private let allocation: UnsafeMutableRawPointer
    private let entries: UnsafeMutableRawPointer

    init() {
        guard let zeroed = calloc(Self.sets * 2 * Self.stride + 128, 1) else { fatalError("out of memory") }
        allocation = zeroed
        entries = UnsafeMutableRawPointer(bitPattern: (UInt(bitPattern: zeroed) + 127) & ~UInt(127))!
    }

    deinit { free(allocation) }

    /// The bytes kept for string `index`, if any.
    @usableFromInline func find(_ index: Int) -> UnsafeBufferPointer<UInt8>? {
        let key = Int32(truncatingIfNeeded: index &+ 1)
        let set = entries + (index & (Self.sets - 1)) * 2 * Self.stride
        for way in 0..<2 {
            let entry = set + way * Self.stride
            if entry.load(as: Int32.self) == key {
                if set.load(fromByteOffset: 5, as: UInt8.self) != UInt8(way) { set.storeBytes(of: UInt8(way), toByteOffset: 5, as: UInt8.self) }
                let count = Int(entry.load(fromByteOffset: 4, as: UInt8.self))
                return UnsafeBufferPointer(start: (entry + Self.bytesAt).assumingMemoryBound(to: UInt8.self), count: count)
            }
        }
        return nil
    }

    /// Keeps a copy of string `index` (at most `entryBytes` long).
    @usableFromInline func keep(_ index: Int, _ bytes: UnsafeBufferPointer<UInt8>) {
        guard bytes.count <= Self.entryBytes, index < Int(Int32.max) else { return }
        let set = entries + (index & (Self.sets - 1)) * 2 * Self.stride
        let way = 1 - Int(set.load(fromByteOffset: 5, as: UInt8.self))
        set.storeBytes(of: UInt8(way), toByteOffset: 5, as: UInt8.self)
        let entry = set + way * Self.stride
        entry.storeBytes(of: Int32(index + 1), as: Int32.self)
        entry.storeBytes(of: UInt8(bytes.count), toByteOffset: 4, as: UInt8.self)
        if let base = bytes.baseAddress { (entry + Self.bytesAt).copyMemory(from: base, byteCount: bytes.count) }
    }
}

/// Fixed-size blocks of the spill file, least recently used evicted.
@usableFromInline final class BlockCache {
    private let file: Int32
    private let size: Int
    private let blockSize: Int
    private let storage: UnsafeMutablePointer<UInt8>
    private var blockOfSlot: [Int]
    private var lastUse: [UInt64]
    /// Block number → cache slot, or -1.
    private var slotOfBlock: [Int32]
    private var tick: UInt64 = 0
    private(set) var misses = 0
    /// Strings read from the file alone, outside any block.
    private(set) var exactReads = 0
    /// Some block could not be read (see ``SharedStrings/unreadable``).
    private(set) var failed = false
    private var scratch: [UInt8] = []

    init(file: Int32, size: Int, blockSize: Int, blocks: Int) {
        self.file = file
        self.size = size
        self.blockSize = blockSize
        storage = .allocate(capacity: blockSize * blocks)
        blockOfSlot = Array(repeating: -1, count: blocks)
        slotOfBlock = Array(repeating: -1, count: (size + blockSize - 1) / blockSize)
        lastUse = Array(repeating: 0, count: blocks)
    }

    deinit { storage.deallocate() }

    /// The start of `block` in the cache, reading it if needed.
    private func load(_ block: Int) -> UnsafeMutablePointer<UInt8>? {
        tick += 1
        let cached = Int(slotOfBlock[block])
        if cached >= 0 {
            lastUse[cached] = tick
            return storage + cached * blockSize
        }
        misses += 1
        var victim = 0
        for slot in 1..<lastUse.count where lastUse[slot] < lastUse[victim] { victim = slot }
        if blockOfSlot[victim] >= 0 { slotOfBlock[blockOfSlot[victim]] = -1 }
        let start = block * blockSize
        guard readFully(into: storage + victim * blockSize, count: min(blockSize, size - start), at: start) else {
            blockOfSlot[victim] = -1; lastUse[victim] = 0; failed = true; return nil
        }
        blockOfSlot[victim] = block
        slotOfBlock[block] = Int32(victim)
        lastUse[victim] = tick
        return storage + victim * blockSize
    }

    /// Whether the bytes `from..<to` lie in one cached block.
    @usableFromInline func holds(_ from: Int, _ to: Int) -> Bool {
        let first = from / blockSize
        return to > from && (to - 1) / blockSize == first && slotOfBlock[first] >= 0
    }

    /// `count` bytes of the file at `offset` into `buffer`; false when
    /// they can't all be read.
    private func readFully(into buffer: UnsafeMutableRawPointer, count: Int, at offset: Int) -> Bool {
        var got = 0
        while got < count {
            let n = pread(file, buffer + got, count - got, off_t(offset + got))
            if n <= 0 { return false }
            got += n
        }
        return true
    }

    /// Calls `body` with the bytes `from..<to` of the file, read alone
    /// (not with their block; the cache is left as it is), or `nil`:
    /// unreadable. For bytes not in a cached block (see ``holds(_:_:)``).
    @usableFromInline func readAlone<R>(_ from: Int, _ to: Int, _ body: (UnsafeBufferPointer<UInt8>?) -> R) -> R {
        if from == to { return body(UnsafeBufferPointer(start: nil, count: 0)) }
        exactReads += 1
        scratch.removeAll(keepingCapacity: true)
        scratch.append(contentsOf: repeatElement(0, count: to - from))
        let read = scratch.withUnsafeMutableBytes { readFully(into: $0.baseAddress!, count: $0.count, at: from) }
        if !read { failed = true; return body(nil) }
        return scratch.withUnsafeBufferPointer { body($0) }
    }

    /// Calls `body` with the bytes `from..<to` of the file (`nil`: unreadable).
    @usableFromInline func withBytes<R>(_ from: Int, _ to: Int, _ body: (UnsafeBufferPointer<UInt8>?) -> R) -> R {
        if from == to { return body(UnsafeBufferPointer(start: nil, count: 0)) }
        let first = from / blockSize, last = (to - 1) / blockSize
        if first == last {
            guard let base = load(first) else { return body(nil) }
            return body(UnsafeBufferPointer(start: base + (from - first * blockSize), count: to - from))
        }
        scratch.removeAll(keepingCapacity: true)
        for block in first...last {
            guard let base = load(block) else { return body(nil) }
            let lo = max(from, block * blockSize) - block * blockSize
            let hi = min(to, (block + 1) * blockSize) - block * blockSize
            scratch.append(contentsOf: UnsafeBufferPointer(start: base + lo, count: hi - lo))
        }
        return scratch.withUnsafeBufferPointer { body($0) }
    }
}
