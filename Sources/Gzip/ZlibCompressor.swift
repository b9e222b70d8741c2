internal import CZlib

/// One-shot zlib-format compression (RFC 1950: deflate with zlib's 2-byte
/// header and Adler-32 trailer), as PDF's `/FlateDecode` expects, of many
/// small independent buffers: one zlib stream is set up once and reset
/// between buffers (`deflateReset`), which costs far less than a new
/// `deflateInit` for each. Not thread-safe: one compressor, one thread.
public final class ZlibCompressor {
    public let level: Int
    private let stream: UnsafeMutablePointer<z_stream>
    private var scratch: [UInt8] = []

    /// - Parameter level: 0 (store) … 9 (smallest); 1 is zlib's fastest.
    public init(level: Int = 1) throws(GzipError) {
        self.level = level
        // windowBits 15: the zlib wrapper (not gzip's, not raw deflate).
        stream = try GzipWriter.makeDeflateStream(level: level, windowBits: 15)
    }

    deinit { GzipWriter.freeDeflateStream(stream) }

    /// Compresses `input` into one zlib stream and passes it to `body`
    /// (the bytes are the compressor's scratch buffer, valid only during
    /// the call).
    public func compress<Result>(_ input: UnsafeRawBufferPointer,
                                 _ body: (UnsafeRawBufferPointer) throws -> Result) throws -> Result {
        guard deflateReset(stream) == Z_OK else { throw GzipError(.initialisation, "deflateReset failed") }
        let bound = Int(deflateBound(stream, uLong(input.count)))
        if scratch.count < bound { scratch = [UInt8](repeating: 0, count: bound) }
        let capacity = scratch.count
        let (status, produced) = scratch.withUnsafeMutableBufferPointer { out -> (Int32, Int) in
            stream.pointee.next_in = input.baseAddress.map {
                UnsafeMutablePointer(mutating: $0.assumingMemoryBound(to: Bytef.self))
            }
            stream.pointee.avail_in = uInt(input.count)
            stream.pointee.next_out = out.baseAddress
            stream.pointee.avail_out = uInt(capacity)
            let status = deflate(stream, Z_FINISH)
            return (status, capacity - Int(stream.pointee.avail_out))
        }
        // deflateBound leaves room for the whole stream, so one call ends it.
        guard status == Z_STREAM_END else { throw GzipError(.corrupt, "deflate did not finish (\(status))") }
        return try scratch.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[0..<produced])) }
    }
}
