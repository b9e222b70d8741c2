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
}
