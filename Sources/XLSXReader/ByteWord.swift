/// Eight bytes at a time: the scanners find delimiters a word at a time
/// instead of with a branch per byte.
enum ByteWord {
    /// The eight bytes at `p + i`, the first in the lowest byte.
    @inline(__always)
    static func load8(_ p: UnsafeRawPointer, _ i: Int) -> UInt64 {
        UInt64(littleEndian: p.loadUnaligned(fromByteOffset: i, as: UInt64.self))
    }

    /// The index (0–7) of the first byte of `word` (see ``load8(_:_:)``)
    /// that is `x` or `y`, or 8 when none is. (The zero-byte test marks
    /// the lowest matching byte exactly; a mark above it can be false.)
    @inline(__always)
    static func firstOf(_ x: UInt8, _ y: UInt8, in word: UInt64) -> Int {
        let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
        let a = word ^ (ones &* UInt64(x)), c = word ^ (ones &* UInt64(y))
        let marks = ((a &- ones) & ~a | (c &- ones) & ~c) & highs
        return marks.trailingZeroBitCount >> 3
    }
}
