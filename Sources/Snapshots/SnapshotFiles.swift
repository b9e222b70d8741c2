import Crypto
import Foundation
import Gzip

/// A gzip file being written to local disk (``OutputFile`` under a
/// ``GzipWriter``): SHA-256 and size of the compressed bytes are taken as
/// they are written, so the object is read once. Lines are gathered in a
/// 256 KiB batch before compression. One thread.
final class CompressedFileWriter {
    static let batchBytes = 256 * 1024

    let path: String
    private let file: OutputFile
    private var hasher = SHA256()
    private var gzip: GzipWriter?
    private var pending: [UInt8] = []
    private(set) var compressedBytes: Int64 = 0

    init(path: String, level: Int) throws {
        self.path = path
        do {
            file = try OutputFile(path: path)
        } catch {
            throw SnapshotError(.encoding, "cannot create the temporary file \(path): \(error.message)")
        }
        pending.reserveCapacity(Self.batchBytes + 64 * 1024)
        gzip = try GzipWriter(level: level) { [unowned self] chunk in
            hasher.update(bufferPointer: chunk)
            compressedBytes += Int64(chunk.count)
            try file.write(chunk)
        }
    }

    /// Lets `body` append to the batch; compresses the batch once it is full.
    func append(_ body: (inout [UInt8]) throws -> Void) throws {
        try body(&pending)
        if pending.count >= Self.batchBytes {
            try gzip?.write(pending)
            pending.removeAll(keepingCapacity: true)
        }
    }

    /// Compresses the rest, writes the gzip trailer and closes the file.
    func finish() throws -> (bytes: Int64, sha256: String, uncompressedBytes: Int64) {
        try gzip?.write(pending)
        pending = []
        try gzip?.finish()
        let uncompressed = gzip?.bytesIn ?? 0
        gzip = nil
        try file.close()
        return (compressedBytes, hasher.finalize().hex, uncompressed)
    }
}

/// Reads a local gzip file and hands its lines (without `\n`) to a
/// handler, with a bound on the decompressed size. One thread.
enum CompressedFileReader {
    static let chunkSize = 1 << 20

    /// Calls `line` for each line (``GzipFile/forEachLine(path:maxOutputBytes:chunkSize:_:)``);
    /// returns the line count. A file that can't be opened is a missing
    /// object, bad gzip a corrupt one.
    @discardableResult
    static func forEachLine(path: String, key: String, maxBytes: Int64,
                            _ line: @escaping (UnsafeRawBufferPointer, Int) throws -> Void) throws -> Int {
        do {
            return try GzipFile.forEachLine(path: path, maxOutputBytes: maxBytes, chunkSize: chunkSize, line)
        } catch let error as GzipError where error.code == .file {
            throw SnapshotError(.missingObject, "cannot open the downloaded copy (\(error.message))", key: key)
        } catch let error as GzipError {
            throw SnapshotError(.corruptData, "\(error)", key: key)
        }
    }

    /// Size and SHA-256 of a local file.
    static func checksum(path: String) throws -> (bytes: Int64, sha256: String) {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw SnapshotError(.missingObject, "cannot open \(path)")
        }
        defer { try? handle.close() }
        var hasher = SHA256()
        var bytes: Int64 = 0
        while let data = try handle.read(upToCount: chunkSize), !data.isEmpty {
            hasher.update(data: data)
            bytes += Int64(data.count)
        }
        return (bytes, hasher.finalize().hex)
    }
}
