#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Local gzip files: written through an ``OutputFile``, read back line by
/// line. One thread per file.
public enum GzipFile {
    /// Reads the gzip file at `path` (`read(2)` in chunks of `chunkSize`)
    /// and calls `line` with each line, without its `\n`, and its 1-based
    /// number; a last line without `\n` counts too. The bytes are valid only
    /// during the call. Returns the number of lines.
    ///
    /// Throws ``GzipError`` (`file` when the file can't be opened or read;
    /// `corrupt`, `truncated`, … for its contents; `tooLarge` past
    /// `maxOutputBytes` decompressed) and whatever `line` throws.
    @discardableResult
    public static func forEachLine(path: String, maxOutputBytes: Int64, chunkSize: Int = 1 << 20,
                                   _ line: @escaping (UnsafeRawBufferPointer, Int) throws -> Void) throws -> Int {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw OutputFile.failure("cannot open", path) }
        defer { _ = close(fd) }
        var carry: [UInt8] = []
        var lines = 0
        let reader = try GzipReader(maxOutputBytes: maxOutputBytes) { chunk in
            var start = 0
            for i in 0..<chunk.count where chunk[i] == 0x0A {
                lines += 1
                if carry.isEmpty {
                    try line(UnsafeRawBufferPointer(rebasing: chunk[start..<i]), lines)
                } else {
                    carry.append(contentsOf: UnsafeRawBufferPointer(rebasing: chunk[start..<i]))
                    try carry.withUnsafeBytes { try line($0, lines) }
                    carry.removeAll(keepingCapacity: true)
                }
                start = i + 1
            }
            if start < chunk.count { carry.append(contentsOf: UnsafeRawBufferPointer(rebasing: chunk[start...])) }
        }
        var buffer = [UInt8](repeating: 0, count: max(chunkSize, 1))
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw OutputFile.failure("cannot read", path)
            }
            if n == 0 { break }
            try buffer.withUnsafeBytes { try reader.write(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
        }
        try reader.finish()
        if !carry.isEmpty {
            lines += 1
            try carry.withUnsafeBytes { try line($0, lines) }
        }
        return lines
    }
}
