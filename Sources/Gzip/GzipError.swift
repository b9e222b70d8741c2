/// A gzip failure: what went wrong (``Code``), zlib's message if it gave
/// one, and how far into the stream it happened.
public struct GzipError: Error, Sendable, Hashable, CustomStringConvertible {
    public struct Code: Sendable, Hashable, RawRepresentable, CustomStringConvertible {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// zlib could not set up a stream (out of memory, bad level).
        public static let initialisation = Code(rawValue: "initialisation")
        /// The input is not gzip, or a CRC-32 / ISIZE check failed.
        public static let corrupt = Code(rawValue: "corrupt")
        /// The input ended before the gzip trailer.
        public static let truncated = Code(rawValue: "truncated")
        /// Bytes follow the gzip trailer.
        public static let trailingData = Code(rawValue: "trailingData")
        /// The decompressed stream is larger than the reader's limit.
        public static let tooLarge = Code(rawValue: "tooLarge")
        /// Used after `finish()`.
        public static let finished = Code(rawValue: "finished")
        /// A local file could not be opened, read, written or closed (errno's text in the message).
        public static let file = Code(rawValue: "file")
    }

    public var code: Code
    public var message: String
    /// Compressed bytes consumed when the error happened.
    public var offset: Int64

    public init(_ code: Code, _ message: String, offset: Int64 = 0) {
        self.code = code
        self.message = message
        self.offset = offset
    }

    public var description: String { "gzip \(code): \(message) (at compressed byte \(offset))" }
}
