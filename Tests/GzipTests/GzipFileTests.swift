import Gzip
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// ``OutputFile`` under a ``GzipWriter``, read back by ``GzipFile/forEachLine(path:maxOutputBytes:chunkSize:_:)``.
@Suite("Gzip files")
struct GzipFileTests {
    static func temporaryPath(_ name: String) -> String {
        "/tmp/pyramydal-gzip-\(name)-\(UInt32.random(in: 0...UInt32.max)).gz"
    }

    @Test func linesRoundTripAcrossChunks() throws {
        let path = Self.temporaryPath("lines")
        defer { unlink(path) }
        // Lines longer than the read chunk, an empty line, a last line without "\n".
        let lines = (0..<300).map { i in i == 7 ? "" : String(repeating: Character(UnicodeScalar(UInt8(97 + i % 26))), count: i * 13) }
        let file = try OutputFile(path: path)
        let writer = try GzipWriter(chunkSize: 1024) { try file.write($0) }
        try writer.write(Array(lines.joined(separator: "\n").utf8))
        try writer.finish()
        try file.close()
        #expect(file.bytesWritten == Int(writer.bytesOut))

        var read: [String] = []
        var numbers: [Int] = []
        let count = try GzipFile.forEachLine(path: path, maxOutputBytes: .max, chunkSize: 100) { line, number in
            read.append(String(decoding: line, as: UTF8.self))
            numbers.append(number)
        }
        #expect(count == lines.count)
        #expect(read == lines)
        #expect(numbers == Array(1...lines.count))
        #expect(throws: GzipError.self) {
            try GzipFile.forEachLine(path: path, maxOutputBytes: 100) { _, _ in }
        }
    }

    @Test func missingFilesAreFileErrors() throws {
        #expect { try OutputFile(path: "/nonexistent-dir/x") } throws: { ($0 as? GzipError)?.code == .file }
        #expect { try GzipFile.forEachLine(path: "/nonexistent-dir/x.gz", maxOutputBytes: .max) { _, _ in } }
            throws: { error in
                guard let error = error as? GzipError else { return false }
                return error.code == .file && error.message.hasPrefix("cannot open /nonexistent-dir/x.gz: ")
            }
    }
}
