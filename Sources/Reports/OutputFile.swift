#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A file written through a 1 MiB buffer with `write(2)`; the CSV
/// renderer's sink. Not `Sendable`: one writer, one thread.
final class OutputFile {
    let path: String
    private var fd: Int32
    private var buffer: UnsafeMutableRawBufferPointer
    private var used = 0
    private(set) var bytesWritten = 0

    init(path: String) throws(ReportError) {
        self.path = path
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw ReportError(.rendering, "cannot create \(path): \(String(cString: strerror(errno)))")
        }
        buffer = .allocate(byteCount: 1 << 20, alignment: 16)
    }

    deinit {
        if fd >= 0 { _ = Glibc.close(fd) }
        buffer.deallocate()
    }

    @inline(__always)
    func write(_ bytes: UnsafeRawBufferPointer) throws(ReportError) {
        if used + bytes.count > buffer.count {
            try flush()
            if bytes.count > buffer.count { return try writeAll(bytes) }
        }
        if bytes.count > 0 {
            (buffer.baseAddress! + used).copyMemory(from: bytes.baseAddress!, byteCount: bytes.count)
        }
        used += bytes.count
    }

    @inline(__always)
    func write(byte: UInt8) throws(ReportError) {
        if used == buffer.count { try flush() }
        buffer[used] = byte
        used += 1
    }

    func write(_ text: String) throws(ReportError) {
        for b in text.utf8 { try write(byte: b) }
    }

    func flush() throws(ReportError) {
        try writeAll(UnsafeRawBufferPointer(rebasing: buffer[0..<used]))
        used = 0
    }

    /// Flushes and closes; the file is complete.
    func close() throws(ReportError) {
        try flush()
        let result = Glibc.close(fd)
        fd = -1
        if result != 0 { throw ReportError(.rendering, "cannot close \(path): \(String(cString: strerror(errno)))") }
    }

    private func writeAll(_ bytes: UnsafeRawBufferPointer) throws(ReportError) {
        var offset = 0
        while offset < bytes.count {
            let n = Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                throw ReportError(.rendering, "cannot write \(path): \(String(cString: strerror(errno)))")
            }
            offset += n
            bytesWritten += n
        }
    }
}
