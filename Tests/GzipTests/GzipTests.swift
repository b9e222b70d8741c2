import Gzip
import Testing

@Suite("Gzip")
struct GzipTests {
    static func compress(_ input: [UInt8], level: Int = 1, chunk: Int = 1000) throws -> [UInt8] {
        var out: [UInt8] = []
        let writer = try GzipWriter(level: level, chunkSize: 1024) { out.append(contentsOf: $0) }
        var i = 0
        while i < input.count {
            try writer.write(Array(input[i..<min(i + chunk, input.count)]))
            i += chunk
        }
        try writer.finish()
        #expect(writer.bytesIn == Int64(input.count) && writer.bytesOut == Int64(out.count))
        return out
    }

    static func decompress(_ input: [UInt8], limit: Int64 = .max, chunk: Int = 777) throws -> [UInt8] {
        var out: [UInt8] = []
        let reader = try GzipReader(maxOutputBytes: limit, chunkSize: 1024) { out.append(contentsOf: $0) }
        var i = 0
        while i < input.count {
            try reader.write(Array(input[i..<min(i + chunk, input.count)]))
            i += chunk
        }
        try reader.finish()
        return out
    }

    static func sample(_ count: Int) -> [UInt8] {
        var state: UInt64 = 42
        return (0..<count).map { i in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return i % 3 == 0 ? UInt8(truncatingIfNeeded: state >> 33) : UInt8(ascii: "a") + UInt8(i % 7)
        }
    }

    @Test(arguments: [0, 1, 6, 9])
    func roundTrip(level: Int) throws {
        for size in [0, 1, 1023, 300_000] {
            let input = Self.sample(size)
            let packed = try Self.compress(input, level: level)
            #expect(packed.prefix(2) == [0x1F, 0x8B])
            #expect(try Self.decompress(packed) == input)
        }
    }

    @Test func flippedByteIsCorrupt() throws {
        let packed = try Self.compress(Self.sample(50_000))
        for position in [packed.count / 2, packed.count - 6, packed.count - 2] { // data, CRC-32, ISIZE
            var bad = packed
            bad[position] ^= 0x40
            #expect {
                _ = try Self.decompress(bad)
            } throws: { ($0 as? GzipError)?.code == .corrupt }
        }
    }

    @Test func truncatedAndTrailingData() throws {
        let packed = try Self.compress(Self.sample(10_000))
        #expect {
            _ = try Self.decompress(Array(packed.dropLast(5)))
        } throws: { ($0 as? GzipError)?.code == .truncated }
        #expect {
            _ = try Self.decompress(packed + [1, 2, 3])
        } throws: { ($0 as? GzipError)?.code == .trailingData }
        #expect {
            _ = try Self.decompress(Array("not gzip at all".utf8))
        } throws: { ($0 as? GzipError)?.code == .corrupt }
    }

    @Test func outputBound() throws {
        let input = [UInt8](repeating: 0x41, count: 1_000_000) // compresses ~1000×
        let packed = try Self.compress(input)
        #expect(packed.count < 10_000)
        #expect(try Self.decompress(packed, limit: 1_000_000).count == 1_000_000)
        #expect {
            _ = try Self.decompress(packed, limit: 999_999)
        } throws: { error in
            guard let error = error as? GzipError else { return false }
            return error.code == .tooLarge && error.description.contains("999999")
        }
    }

    @Test func badLevelAndWriteAfterFinish() throws {
        #expect(throws: GzipError.self) { _ = try GzipWriter(level: 10) { _ in } }
        let writer = try GzipWriter { _ in }
        try writer.finish()
        #expect { try writer.write([1]) } throws: { ($0 as? GzipError)?.code == .finished }
    }

    // MARK: - zlib format (PDF /FlateDecode)

    static func adler32(_ bytes: [UInt8]) -> UInt32 {
        var a: UInt32 = 1, b: UInt32 = 0
        for byte in bytes {
            a = (a + UInt32(byte)) % 65521
            b = (b + a) % 65521
        }
        return b << 16 | a
    }

    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }

    static func littleEndian(_ value: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) } }

    /// Checks a zlib stream's header and Adler-32 trailer, then inflates its
    /// deflate data through ``GzipReader`` by wrapping it as gzip.
    static func inflateZlib(_ packed: [UInt8], original: [UInt8]) throws -> [UInt8] {
        #expect(packed.count >= 6)
        #expect(packed[0] == 0x78 && (UInt16(packed[0]) << 8 | UInt16(packed[1])) % 31 == 0, "zlib header")
        let trailer = packed.suffix(4).reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        #expect(trailer == adler32(original), "Adler-32 trailer")
        let gzip = [0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 0xFF] + packed[2..<(packed.count - 4)]
            + littleEndian(crc32(original)) + littleEndian(UInt32(truncatingIfNeeded: original.count))
        return try decompress(Array(gzip))
    }

    @Test(arguments: [0, 1, 9])
    func zlibRoundTripWithOneCompressorReused(level: Int) throws {
        let compressor = try ZlibCompressor(level: level)
        for input in [Self.sample(200_000), [], Array("BT /F1 7 Tf <0041> Tj ET".utf8), Self.sample(3)] {
            let packed = try input.withUnsafeBytes { raw in try compressor.compress(raw) { Array($0) } }
            #expect(try Self.inflateZlib(packed, original: input) == input)
        }
    }

    @Test func zlibBadLevel() {
        #expect { _ = try ZlibCompressor(level: -1) } throws: { ($0 as? GzipError)?.code == .initialisation }
    }
}
