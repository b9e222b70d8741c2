internal import CZlib

/// Streaming gzip compression (RFC 1952, zlib's deflate with a gzip
/// wrapper: header, CRC-32 and ISIZE trailer).
///
/// Feed bytes with ``write(_:)-(UnsafeRawBufferPointer)``; compressed output
/// goes to `sink` in chunks of at most `chunkSize` bytes, in order; call
/// ``finish()`` once to flush the trailer. Memory is zlib's state (~256 KiB
/// at the default memory level) plus one output chunk, whatever the input
/// size. Not thread-safe: one writer, one thread.
///
/// Level 1 is the default: on our NDJSON snapshots (docs/snapshots.md) it
/// compresses about 3–4× faster than level 6 for output ~25% larger.
public final class GzipWriter {
    public static let defaultLevel = 1
    public static let defaultChunkSize = 256 * 1024

    /// Uncompressed bytes written so far.
    public private(set) var bytesIn: Int64 = 0
    /// Compressed bytes handed to the sink so far.
    public private(set) var bytesOut: Int64 = 0

    private let stream: UnsafeMutablePointer<z_stream>
    private var output: [UInt8]
    private let sink: (UnsafeRawBufferPointer) throws -> Void
    private var finished = false

    /// - Parameters:
    ///   - level: 0 (store) … 9 (smallest); default ``defaultLevel``.
    ///   - sink: receives the compressed bytes (valid only during the call).
    public init(level: Int = GzipWriter.defaultLevel, chunkSize: Int = GzipWriter.defaultChunkSize,
                sink: @escaping (UnsafeRawBufferPointer) throws -> Void) throws(GzipError) {
        // windowBits 15 + 16: a gzip wrapper instead of zlib's.
        stream = try Self.makeDeflateStream(level: level, windowBits: 15 + 16)
        output = [UInt8](repeating: 0, count: max(chunkSize, 1024))
        self.sink = sink
    }

    deinit { Self.freeDeflateStream(stream) }

    /// A deflate stream at `level` (0…9) with zlib's `windowBits` (15: zlib
    /// wrapper, 15 + 16: gzip's); free it with ``freeDeflateStream(_:)``.
    static func makeDeflateStream(level: Int, windowBits: Int32) throws(GzipError) -> UnsafeMutablePointer<z_stream> {
        guard (0...9).contains(level) else { throw GzipError(.initialisation, "level must be 0…9, not \(level)") }
        let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        let status = CZlib_deflateInit2(stream, Int32(level), windowBits, 8, Z_DEFAULT_STRATEGY)
        guard status == Z_OK else {
            stream.deinitialize(count: 1)
            stream.deallocate()
            throw GzipError(.initialisation, "deflateInit2 failed (\(status))")
        }
        return stream
    }

    static func freeDeflateStream(_ stream: UnsafeMutablePointer<z_stream>) {
        deflateEnd(stream)
        stream.deinitialize(count: 1)
        stream.deallocate()
    }

    /// Compresses `bytes` (more may follow).
    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        guard !finished else { throw GzipError(.finished, "write after finish", offset: bytesOut) }
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        bytesIn += Int64(bytes.count)
        stream.pointee.next_in = UnsafeMutablePointer(mutating: base.assumingMemoryBound(to: Bytef.self))
        stream.pointee.avail_in = uInt(bytes.count)
        try pump(flush: Z_NO_FLUSH)
    }

    public func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try write($0) }
    }

    /// Writes the trailer (CRC-32, ISIZE); the writer is unusable after.
    public func finish() throws {
        guard !finished else { return }
        finished = true
        stream.pointee.next_in = nil
        stream.pointee.avail_in = 0
        try pump(flush: Z_FINISH)
    }

    /// Runs deflate until it consumed the input (or, with Z_FINISH, ended
    /// the stream), handing every full or final chunk to the sink.
    private func pump(flush: Int32) throws {
        let capacity = output.count
        while true {
            let (status, produced) = output.withUnsafeMutableBufferPointer { out -> (Int32, Int) in
                stream.pointee.next_out = out.baseAddress
                stream.pointee.avail_out = uInt(capacity)
                let status = deflate(stream, flush)
                return (status, capacity - Int(stream.pointee.avail_out))
            }
            guard status == Z_OK || status == Z_STREAM_END || status == Z_BUF_ERROR else {
                throw GzipError(.corrupt, "deflate failed (\(status))", offset: bytesOut)
            }
            if produced > 0 {
                bytesOut += Int64(produced)
                try output.withUnsafeBytes { try sink(UnsafeRawBufferPointer(rebasing: $0[0..<produced])) }
            }
            if flush == Z_FINISH {
                if status == Z_STREAM_END { return }
            } else if stream.pointee.avail_in == 0 && produced < capacity {
                return
            }
        }
    }
}
