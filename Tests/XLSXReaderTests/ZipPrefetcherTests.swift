import Testing
@testable import XLSXReader

/// The inflate ring's two ways out: `read` (a copy) and `nextSlot` (a slot
/// lent in place, with the bytes before it in front), mixed as the
/// tokenizer mixes them: every byte comes out once, in order.
@Suite struct ZipPrefetcherTests {
    /// The i-th byte of the entry.
    private static func byte(_ i: Int) -> UInt8 { UInt8(truncatingIfNeeded: i &* 7 &+ i >> 8) }

    /// A prefetcher over `total` bytes produced `piece` at a time, failing
    /// after `failAfter` bytes if given.
    private func prefetcher(total: Int, piece: Int, slot: Int, slots: Int, failAfter: Int? = nil) -> ZipPrefetcher {
        var produced = 0
        let p = ZipPrefetcher(slotSize: slot, slots: slots) { buffer in
            if let failAfter, produced >= failAfter { throw WorkbookError(.corruptZip, file: "t", message: "damaged") }
            let n = min(piece, buffer.count, total - produced)
            for i in 0..<n { buffer[i] = Self.byte(produced + i) }
            produced += n
            return n
        }
        #expect(p.start())
        return p
    }

    @Test func lentSlotsAndCopiesGiveEveryByteOnceInOrder() throws {
        let total = 100_000
        let p = prefetcher(total: total, piece: 3000, slot: 4096, slots: 4)
        var out: [UInt8] = []
        // A copy of part of the first slot.
        var buffer = [UInt8](repeating: 0, count: 1000)
        let n = try buffer.withUnsafeMutableBytes { try p.read(into: $0) }
        out += buffer[0..<n]
        // Lent slots, each keeping the last 10 unread bytes of the one before
        // (the tokenizer's cut token); the first has our own bytes in front.
        var unread: [UInt8] = [1, 2, 3]
        var lentBytes = 0
        var first = true
        while lentBytes < 40_000 {
            let lent = try #require(try unread.withUnsafeBytes { try p.nextSlot(prefix: $0) })
            let bytes = Array(lent)
            #expect(Array(bytes.prefix(unread.count)) == unread)
            if first {
                out += bytes.dropFirst(unread.count).dropLast(10)  // the marker bytes are not the entry's
                first = false
            } else {
                out += bytes.dropLast(10)
            }
            unread = Array(bytes.suffix(10))
            lentBytes += bytes.count
        }
        out += unread
        // Back to copies after the lent slot.
        p.releaseSlot()
        while true {
            let k = try buffer.withUnsafeMutableBytes { try p.read(into: $0) }
            if k == 0 { break }
            out += buffer[0..<k]
        }
        #expect(out.count == total)
        #expect(out == (0..<total).map(Self.byte))
        p.stop()
    }

    @Test func theEndAndAFailureComeThroughNextSlot() throws {
        let p = prefetcher(total: 5000, piece: 5000, slot: 8192, slots: 2)
        let lent = try #require(try p.nextSlot(prefix: UnsafeRawBufferPointer(start: nil, count: 0)))
        #expect(Array(lent) == (0..<5000).map(Self.byte))
        #expect(try p.nextSlot(prefix: UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(lent)[4990...])) == nil)
        #expect(Array(lent.suffix(10)) == (4990..<5000).map(Self.byte))  // still lent, still there
        p.stop()

        let failing = prefetcher(total: 50_000, piece: 1000, slot: 1000, slots: 4, failAfter: 3000)
        var got = 0
        let error = #expect(throws: WorkbookError.self) {
            while let lent = try failing.nextSlot(prefix: UnsafeRawBufferPointer(start: nil, count: 0)) { got += lent.count }
        }
        #expect(got == 3000)  // what was inflated before the failure comes first
        #expect(error?.message == "damaged")
        failing.stop()
    }
}
