import Hummingbird
import NIOCore

/// Reads a `multipart/form-data` body (RFC 7578) part by part as it
/// arrives: small fields as text (bounded), a file part as chunks
/// (``fileChunks()``) to stream somewhere else, so no part is ever held
/// whole in memory. Holds at most one chunk of the body plus the length of
/// the boundary. A class, not a value: the file part's chunk sequence and
/// the reader share one position in the body; use it from one task.
final class MultipartReader<Base: AsyncSequence> where Base.Element == ByteBuffer {
    /// A part's `Content-Disposition` name and file name, and its type.
    struct Part {
        var name: String
        var fileName: String?
        var contentType: String?
    }

    /// Longest header block of one part.
    static var headerLimit: Int { 16 * 1024 }

    private var source: Base.AsyncIterator
    /// Unread bytes; starts with the CRLF the first delimiter lacks, so every delimiter reads alike.
    private var buffer = ByteBuffer(string: "\r\n")
    private let delimiter: [UInt8]
    private var finished = false

    /// A reader of `body` if `contentType` is `multipart/form-data` with a boundary.
    init?(contentType: String?, body: Base) {
        guard let contentType, let boundary = Self.boundary(contentType) else { return nil }
        delimiter = Array("\r\n--\(boundary)".utf8)
        source = body.makeAsyncIterator()
    }

    /// The `boundary` parameter of a `multipart/form-data` media type (1–70 characters, RFC 2046).
    static func boundary(_ contentType: String) -> String? {
        let parameters = HeaderParameters(contentType)
        guard parameters.value.lowercased() == "multipart/form-data", let boundary = parameters["boundary"],
              (1...70).contains(boundary.utf8.count) else { return nil }
        return boundary
    }

    /// The next part's headers (the rest of the current part skipped), or nil after the last.
    func nextPart() async throws -> Part? {
        guard !finished else { return nil }
        while try await nextChunk() != nil {}
        buffer.moveReaderIndex(forwardBy: delimiter.count)
        try await fill(2)
        if buffer.readableBytesView.starts(with: Array("--".utf8)) {
            finished = true
            return nil
        }
        let end = Array("\r\n\r\n".utf8)
        var headerEnd = Self.find(end, in: buffer)
        while headerEnd == nil {
            guard buffer.readableBytes <= Self.headerLimit else { throw Self.malformed("a part's headers are too long") }
            try await fill(buffer.readableBytes + 1)
            headerEnd = Self.find(end, in: buffer)
        }
        // The headers start after the CRLF that ends the delimiter line.
        let block = buffer.readString(length: headerEnd! + end.count) ?? ""
        var part = Part(name: "")
        for line in block.split(separator: "\r\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
            let value = String(line[line.index(after: colon)...])
            if name == "content-disposition" {
                let parameters = HeaderParameters(value)
                part.name = parameters["name"] ?? ""
                part.fileName = parameters["filename"]
            } else if name == "content-type" {
                part.contentType = value.trimmingCharacters(in: .whitespaces)
            }
        }
        return part
    }

    /// The current part's body as text, at most `limit` bytes.
    func text(limit: Int) async throws -> String {
        var collected = ByteBuffer()
        while var chunk = try await nextChunk() {
            guard collected.readableBytes + chunk.readableBytes <= limit else {
                throw Problem.badRequest("a form field is longer than \(limit) bytes", field: "body")
            }
            collected.writeBuffer(&chunk)
        }
        return String(buffer: collected)
    }

    /// The current part's body, chunk by chunk as the body arrives.
    func fileChunks() -> FileChunks { FileChunks(reader: self) }

    struct FileChunks: AsyncSequence {
        typealias Element = ByteBuffer
        let reader: MultipartReader

        struct AsyncIterator: AsyncIteratorProtocol {
            let reader: MultipartReader
            mutating func next() async throws -> ByteBuffer? { try await reader.nextChunk() }
        }

        func makeAsyncIterator() -> AsyncIterator { AsyncIterator(reader: reader) }
    }

    /// The next bytes of the current part, or nil at its closing delimiter (left unread).
    func nextChunk() async throws -> ByteBuffer? {
        while true {
            if let at = Self.find(delimiter, in: buffer) {
                return at == 0 ? nil : buffer.readSlice(length: at)
            }
            // A delimiter not wholly in the buffer can only start in its last `delimiter.count - 1` bytes.
            let safe = buffer.readableBytes - (delimiter.count - 1)
            if safe > 0 { return buffer.readSlice(length: safe) }
            try await fill(buffer.readableBytes + 1)
        }
    }

    /// Reads from the body until `count` bytes are unread.
    private func fill(_ count: Int) async throws {
        while buffer.readableBytes < count {
            guard var more = try await source.next() else { throw Self.malformed("the form ends inside a part") }
            if buffer.readableBytes == 0 {
                buffer = more
            } else {
                buffer.discardReadBytes()
                buffer.writeBuffer(&more)
            }
        }
    }

    /// The offset of `needle` in `buffer`'s readable bytes.
    static func find(_ needle: [UInt8], in buffer: ByteBuffer) -> Int? {
        buffer.withUnsafeReadableBytes { bytes -> Int? in
            guard bytes.count >= needle.count, let first = needle.first else { return nil }
            var i = 0
            let last = bytes.count - needle.count
            while i <= last {
                if bytes[i] == first {
                    var j = 1
                    while j < needle.count, bytes[i + j] == needle[j] { j += 1 }
                    if j == needle.count { return i }
                }
                i += 1
            }
            return nil
        }
    }

    static func malformed(_ detail: String) -> Problem {
        Problem.badRequest("the multipart form is malformed: \(detail)", field: "body")
    }
}

/// A header value and its `; key=value` parameters (values quoted or not,
/// `\"` inside quotes); keys are matched case-insensitively.
struct HeaderParameters {
    let value: String
    private let parameters: [String: String]

    init(_ header: String) {
        var scalars = Substring(header).unicodeScalars[...]
        func skipSpaces() { while let c = scalars.first, c == " " || c == "\t" { scalars.removeFirst() } }
        func token(until stops: Set<Unicode.Scalar>) -> String {
            var out = String.UnicodeScalarView()
            while let c = scalars.first, !stops.contains(c) { out.append(scalars.removeFirst()) }
            return String(out).trimmingCharacters(in: .whitespaces)
        }
        value = token(until: [";"])
        var found: [String: String] = [:]
        while scalars.first == ";" {
            scalars.removeFirst()
            skipSpaces()
            let key = token(until: ["=", ";"]).lowercased()
            guard scalars.first == "=" else { continue }
            scalars.removeFirst()
            skipSpaces()
            var text: String
            if scalars.first == "\"" {
                scalars.removeFirst()
                var out = String.UnicodeScalarView()
                while let c = scalars.first, c != "\"" {
                    scalars.removeFirst()
                    if c == "\\", let escaped = scalars.first {
                        out.append(escaped)
                        scalars.removeFirst()
                    } else {
                        out.append(c)
                    }
                }
                if !scalars.isEmpty { scalars.removeFirst() }
                text = String(out)
                _ = token(until: [";"])
            } else {
                text = token(until: [";"])
            }
            if found[key] == nil { found[key] = text }
        }
        parameters = found
    }

    subscript(_ key: String) -> String? { parameters[key.lowercased()] }
}
