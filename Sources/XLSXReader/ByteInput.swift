/// The inflated bytes of one XML part as UTF-8. UTF-8 parts pass through
/// untouched; UTF-16 parts (detected by their byte-order mark, or by
/// `<?` encoded in UTF-16 without one) are transcoded to UTF-8 chunk by
/// chunk, carrying split code units and surrogate pairs across chunks.
final class ByteInput {
    private enum Mode { case undecided, utf8, utf16LE, utf16BE }

    private let stream: ZipEntryStream
    private var mode: Mode = .undecided
    /// UTF-16 mode: raw bytes read from the stream, not yet transcoded.
    private var raw: [UInt8] = []
    private var rawPos = 0
    private var rawEOF = false
    private var pendingHigh: UInt32? = nil
    private var first = true

    init(_ stream: ZipEntryStream) {
        self.stream = stream
    }

    /// Whether the bytes can be borrowed in place (`nextSlot`): a UTF-8
    /// part (known after the first `read`) inflated ahead of the reader.
    var lendsSlots: Bool { mode == .utf8 && stream.lendsSlots }

    /// The next inflated bytes in place, after `prefix` (see
    /// `ZipPrefetcher.nextSlot`); nil at the end. Only when `lendsSlots`.
    func nextSlot(prefix: UnsafeRawBufferPointer) throws -> UnsafeMutableRawBufferPointer? {
        try stream.nextSlot(prefix: prefix)
    }

    /// Gives back the bytes `nextSlot` lent; `read` goes on after them.
    func releaseSlot() { stream.releaseSlot() }

    /// Fills `buffer` with UTF-8 bytes; returns 0 at the end of the part.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        switch mode {
        case .utf8:
            return try stream.read(into: buffer)
        case .undecided:
            let n = try stream.read(into: buffer)
            let b = buffer.bindMemory(to: UInt8.self)
            if n >= 2 && ((b[0] == 0xFF && b[1] == 0xFE) || (n >= 4 && b[0] == 0x3C && b[1] == 0 && b[2] == 0x3F && b[3] == 0)) {
                mode = .utf16LE
            } else if n >= 2 && ((b[0] == 0xFE && b[1] == 0xFF) || (n >= 4 && b[0] == 0 && b[1] == 0x3C && b[2] == 0 && b[3] == 0x3F)) {
                mode = .utf16BE
            } else {
                mode = .utf8
                return n
            }
            raw = Array(b[0..<n])
            raw.reserveCapacity(max(buffer.count, 4096))
            return try transcode(into: b)
        case .utf16LE, .utf16BE:
            return try transcode(into: buffer.bindMemory(to: UInt8.self))
        }
    }

    private func transcode(into out: UnsafeMutableBufferPointer<UInt8>) throws -> Int {
        var written = 0
        let bigEndian = mode == .utf16BE
        while written + 4 <= out.count {
            if raw.count - rawPos < 2 {
                if rawEOF { break }
                // Refill the raw buffer, keeping an odd trailing byte.
                let keep = Array(raw[rawPos...])
                raw.removeAll(keepingCapacity: true)
                raw.append(contentsOf: keep)
                rawPos = 0
                let want = max(out.count, 4096)
                let old = raw.count
                raw.append(contentsOf: repeatElement(0, count: want))
                let n = try raw.withUnsafeMutableBytes { try stream.read(into: UnsafeMutableRawBufferPointer(rebasing: $0[old...])) }
                raw.removeLast(want - n)
                if n == 0 { rawEOF = true }
                continue
            }
            let unit = bigEndian
                ? UInt32(raw[rawPos]) << 8 | UInt32(raw[rawPos + 1])
                : UInt32(raw[rawPos + 1]) << 8 | UInt32(raw[rawPos])
            rawPos += 2
            var scalar: UInt32
            if let high = pendingHigh {
                pendingHigh = nil
                if unit >= 0xDC00 && unit <= 0xDFFF {
                    scalar = 0x10000 + ((high - 0xD800) << 10) + (unit - 0xDC00)
                } else {
                    written += put(0xFFFD, out, written)
                    rawPos -= 2  // reprocess this unit on its own
                    continue
                }
            } else if unit >= 0xD800 && unit <= 0xDBFF {
                pendingHigh = unit
                continue
            } else if unit >= 0xDC00 && unit <= 0xDFFF {
                scalar = 0xFFFD
            } else {
                scalar = unit
            }
            if first {
                first = false
                if scalar == 0xFEFF { continue }  // byte-order mark
            }
            written += put(scalar, out, written)
        }
        if written == 0 && rawEOF && pendingHigh != nil {
            pendingHigh = nil
            written += put(0xFFFD, out, 0)
        }
        return written
    }

    @inline(__always)
    private func put(_ scalar: UInt32, _ out: UnsafeMutableBufferPointer<UInt8>, _ at: Int) -> Int {
        switch scalar {
        case 0..<0x80:
            out[at] = UInt8(scalar)
            return 1
        case 0x80..<0x800:
            out[at] = UInt8(0xC0 | (scalar >> 6))
            out[at + 1] = UInt8(0x80 | (scalar & 0x3F))
            return 2
        case 0x800..<0x10000:
            out[at] = UInt8(0xE0 | (scalar >> 12))
            out[at + 1] = UInt8(0x80 | ((scalar >> 6) & 0x3F))
            out[at + 2] = UInt8(0x80 | (scalar & 0x3F))
            return 3
        default:
            out[at] = UInt8(0xF0 | (scalar >> 18))
            out[at + 1] = UInt8(0x80 | ((scalar >> 12) & 0x3F))
            out[at + 2] = UInt8(0x80 | ((scalar >> 6) & 0x3F))
            out[at + 3] = UInt8(0x80 | (scalar & 0x3F))
            return 4
        }
    }
}
