internal import CZlib

/// Streaming gzip decompression with a bound on the output.
///
/// Feed compressed bytes with ``write(_:)``; decompressed bytes go to `sink`
/// in order. zlib checks the header, the CRC-32 and the ISIZE trailer (a
/// mismatch is `.corrupt`); ``finish()`` throws `.truncated` when the input
/// ended before the trailer. More than `maxOutputBytes` of output throws
/// `.tooLarge` before the excess reaches the sink, so a small hostile file
/// cannot inflate into a huge one. Bytes after the trailer are
/// `.trailingData` (we never write multi-member files). One reader, one thread.
public final class GzipReader {
    public static let defaultChunkSize = 256 * 1024

    public let maxOutputBytes: Int64
    /// Compressed bytes consumed so far.
    public private(set) var bytesIn: Int64 = 0
    /// Decompressed bytes handed to the sink so far.
    public private(set) var bytesOut: Int64 = 0
    /// True once the trailer has been read and checked.
    public private(set) var isComplete = false

    private let stream: UnsafeMutablePointer<z_stream>
    private var output: [UInt8]
    private let sink: (UnsafeRawBufferPointer) throws -> Void

    public init(maxOutputBytes: Int64 = .max, chunkSize: Int = GzipReader.defaultChunkSize,
                sink: @escaping (UnsafeRawBufferPointer) throws -> Void) throws(GzipError) {
        self.maxOutputBytes = maxOutputBytes
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        output = [UInt8](repeating: 0, count: max(chunkSize, 1024))
        self.sink = sink
        // windowBits 15 + 16: gzip wrapper only (not zlib, not raw).
        let status = CZlib_inflateInit2(stream, 15 + 16)
        guard status == Z_OK else {
            stream.deinitialize(count: 1)
            stream.deallocate()
            throw GzipError(.initialisation, "inflateInit2 failed (\(status))")
        }
    }

    deinit {
        inflateEnd(stream)
        stream.deinitialize(count: 1)
        stream.deallocate()
    }

    /// Decompresses `bytes` (more may follow).
    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        if isComplete { throw GzipError(.trailingData, "\(bytes.count) bytes after the gzip trailer", offset: bytesIn) }
        stream.pointee.next_in = UnsafeMutablePointer(mutating: base.assumingMemoryBound(to: Bytef.self))
        stream.pointee.avail_in = uInt(bytes.count)
        let capacity = output.count
        while true {
            let before = Int(stream.pointee.avail_in)
            let (status, produced) = output.withUnsafeMutableBufferPointer { out -> (Int32, Int) in
                stream.pointee.next_out = out.baseAddress
                stream.pointee.avail_out = uInt(capacity)
                let status = inflate(stream, Z_NO_FLUSH)
                return (status, capacity - Int(stream.pointee.avail_out))
            }
            bytesIn += Int64(before - Int(stream.pointee.avail_in))
            switch status {
            case Z_OK, Z_STREAM_END, Z_BUF_ERROR:
                break
            case Z_DATA_ERROR:
                throw GzipError(.corrupt, zlibMessage ?? "invalid gzip data", offset: bytesIn)
            default:
                throw GzipError(.corrupt, "inflate failed (\(status)\(zlibMessage.map { ": " + $0 } ?? ""))", offset: bytesIn)
            }
            if produced > 0 {
                guard bytesOut + Int64(produced) <= maxOutputBytes else {
                    throw GzipError(.tooLarge, "decompressed data exceeds the limit of \(maxOutputBytes) bytes", offset: bytesIn)
                }
                bytesOut += Int64(produced)
                try output.withUnsafeBytes { try sink(UnsafeRawBufferPointer(rebasing: $0[0..<produced])) }
            }
            if status == Z_STREAM_END {
                isComplete = true
                let rest = Int(stream.pointee.avail_in)
                if rest > 0 { throw GzipError(.trailingData, "\(rest) bytes after the gzip trailer", offset: bytesIn) }
                return
            }
            if stream.pointee.avail_in == 0 && produced < capacity { return }
            if status == Z_BUF_ERROR && produced == 0 { return }
        }
    }

    public func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try write($0) }
    }

    /// Checks that the whole stream (trailer included) was read.
    public func finish() throws {
        guard isComplete else {
            throw GzipError(.truncated, "the gzip stream ended before its trailer", offset: bytesIn)
        }
    }

    private var zlibMessage: String? {
        stream.pointee.msg.map { String(cString: $0) }
    }
}
