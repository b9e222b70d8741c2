#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A local file written through a 1 MiB buffer with `write(2)`: the CSV
/// report's sink and the file under a ``GzipFileWriter``. It lives here,
/// beside zlib, so that the raw file descriptor and buffer code has one
/// home for the libraries that write files (`Reports`, `Snapshots`).
/// Failures throw ``GzipError`` with code `file` and errno's text. Not
/// `Sendable`: one writer, one thread.
public final class OutputFile {
    public let path: String
    private var fd: Int32
    private var buffer: UnsafeMutableRawBufferPointer
    private var used = 0
    /// Bytes handed to the kernel so far (not those still in the buffer).
    public private(set) var bytesWritten = 0

    /// Creates (or truncates) the file, mode 0644.
    public init(path: String) throws(GzipError) {
        self.path = path
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw Self.failure("cannot create", path) }
        buffer = .allocate(byteCount: 1 << 20, alignment: 16)
    }

    deinit {
        if fd >= 0 { _ = systemClose(fd) }
        buffer.deallocate()
    }

    @inline(__always)
    public func write(_ bytes: UnsafeRawBufferPointer) throws(GzipError) {
        if used + bytes.count > buffer.count {
            try flush()
            if bytes.count > buffer.count { return try writeAll(bytes) }
        }
        if bytes.count > 0 {
            (buffer.baseAddress! + used).copyMemory(from: bytes.baseAddress!, byteCount: bytes.count)
        }
        used += bytes.count
    }

    /// Writes `bytes[start..<end]` (a slice, without pointer code at the caller).
    @inline(__always)
    public func write(_ bytes: UnsafeRawBufferPointer, from start: Int, to end: Int) throws(GzipError) {
        try write(UnsafeRawBufferPointer(rebasing: bytes[start..<end]))
    }

    @inline(__always)
    public func write(byte: UInt8) throws(GzipError) {
        if used == buffer.count { try flush() }
        buffer[used] = byte
        used += 1
    }

    public func write(_ text: String) throws(GzipError) {
        for b in text.utf8 { try write(byte: b) }
    }

    public func flush() throws(GzipError) {
        try writeAll(UnsafeRawBufferPointer(rebasing: buffer[0..<used]))
        used = 0
    }

    /// Flushes and closes; the file is complete.
    public func close() throws(GzipError) {
        try flush()
        let result = systemClose(fd)
        fd = -1
        if result != 0 { throw Self.failure("cannot close", path) }
    }

    private func writeAll(_ bytes: UnsafeRawBufferPointer) throws(GzipError) {
        var offset = 0
        while offset < bytes.count {
            let n = systemWrite(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                throw Self.failure("cannot write", path)
            }
            offset += n
            bytesWritten += n
        }
    }

    /// `cannot write <path>: <errno text>`, read right after the failing call.
    static func failure(_ what: String, _ path: String) -> GzipError {
        GzipError(.file, "\(what) \(path): \(String(cString: strerror(errno)))")
    }
}

// The C functions by name, where the class's own methods shadow them.
private func systemClose(_ fd: Int32) -> Int32 { close(fd) }
private func systemWrite(_ fd: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int { write(fd, bytes, count) }
