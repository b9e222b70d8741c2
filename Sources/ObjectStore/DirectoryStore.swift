import Crypto
import Foundation

/// An `ObjectStore` in a plain folder (`file:///path`): the embedded default,
/// whose `incoming/` a person can drop files into.
///
/// Keys are relative paths below `root`; `..`, `.`, empty segments and
/// absolute keys are refused. Writes go to a hidden temporary file in the
/// target's folder and are renamed into place, so readers never see half a
/// file; `ifNoneMatch` uses `link(2)`, which fails atomically when the key
/// exists. The ETag is `"<size>-<mtime ns>"`, stable while the file is.
/// Blocking file I/O runs on a dispatch queue, off the cooperative pool.
public final class DirectoryStore: ObjectStore {
    public let root: String
    static let temporaryPrefix = ".pyramydal-tmp-"
    private static let queue = DispatchQueue(label: "pyramydal.objectstore.directory", attributes: .concurrent)

    public init(root: String) throws {
        var root = root
        while root.count > 1 && root.hasSuffix("/") { root.removeLast() }
        guard root.hasPrefix("/") else {
            throw ObjectStoreError(code: .invalidConfiguration, message: "directory store root '\(root)' must be an absolute path")
        }
        self.root = root
        do {
            try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        } catch {
            throw ObjectStoreError(code: .io, message: "cannot create directory store root '\(root)': \(error.localizedDescription)")
        }
    }

    public var location: String { "file://" + root }

    func path(_ key: String) throws -> String {
        try ObjectKey.check(key) { $0.hasPrefix(Self.temporaryPrefix) }
        return root + "/" + key
    }

    private func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Self.queue.async { continuation.resume(with: Result { try body() }) }
        }
    }

    static func ioError(_ what: String, _ path: String, key: String?, errorNumber: Int32 = errno) -> ObjectStoreError {
        ObjectStoreError(code: errorNumber == ENOENT ? .notFound : .io, key: key, message: "\(what) '\(path)': \(String(cString: strerror(errorNumber)))")
    }

    static func info(_ key: String, _ status: stat) -> ObjectInfo {
        let nanoseconds = Int64(status.st_mtim.tv_sec) * 1_000_000_000 + Int64(status.st_mtim.tv_nsec)
        let modified = Date(timeIntervalSince1970: TimeInterval(status.st_mtim.tv_sec) + TimeInterval(status.st_mtim.tv_nsec) / 1e9)
        return ObjectInfo(key: key, size: Int64(status.st_size), etag: "\"\(status.st_size)-\(nanoseconds)\"", lastModified: modified)
    }

    static func statFile(_ path: String, key: String) throws -> stat? {
        var status = stat()
        if stat(path, &status) != 0 {
            if errno == ENOENT || errno == ENOTDIR { return nil }
            throw ioError("cannot stat", path, key: key)
        }
        guard (status.st_mode & S_IFMT) == S_IFREG else { return nil }
        return status
    }

    public func head(_ key: String) async throws -> ObjectInfo? {
        let path = try path(key)
        return try await run { try Self.statFile(path, key: key).map { Self.info(key, $0) } }
    }

    /// Reads the object (or a range of it) in 256 KiB chunks.
    func read(_ key: String, range: ClosedRange<Int64>?, chunk: (UnsafeRawBufferPointer) throws -> Void) throws -> ObjectInfo {
        let path = try path(key)
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw Self.ioError("cannot open", path, key: key) }
        defer { close(fd) }
        var status = stat()
        guard fstat(fd, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG else {
            throw ObjectStoreError(code: .notFound, key: key, message: "'\(path)' is not a file")
        }
        let size = Int64(status.st_size)
        var position = range?.lowerBound ?? 0
        let end = min(size, (range?.upperBound).map { $0 + 1 } ?? size)
        if let range, range.lowerBound >= size || range.lowerBound < 0 {
            throw ObjectStoreError(code: .httpError, httpStatus: 416, key: key, message: "range \(range) is outside the object's \(size) bytes")
        }
        var buffer = [UInt8](repeating: 0, count: 256 * 1024)
        while position < end {
            let wanted = Int(min(Int64(buffer.count), end - position))
            let got = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, wanted, off_t(position)) }
            if got < 0 && errno == EINTR { continue }
            guard got > 0 else { throw Self.ioError("cannot read", path, key: key) }
            try buffer.withUnsafeBytes { try chunk(UnsafeRawBufferPointer(rebasing: $0[0..<got])) }
            position += Int64(got)
        }
        return Self.info(key, status)
    }

    public func get(_ key: String, range: ClosedRange<Int64>?, chunk: @escaping @Sendable (UnsafeRawBufferPointer) throws -> Void) async throws -> ObjectInfo {
        try await run { try self.read(key, range: range, chunk: chunk) }
    }

    public func get(_ key: String, toFile path: String, range: ClosedRange<Int64>?) async throws -> ObjectInfo {
        try await run {
            let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
            guard fd >= 0 else { throw Self.ioError("cannot open", path, key: nil) }
            defer { close(fd) }
            return try self.read(key, range: range) { bytes in
                var rest = bytes
                while !rest.isEmpty {
                    let written = Foundation.write(fd, rest.baseAddress, rest.count)
                    if written < 0 && errno == EINTR { continue }
                    guard written > 0 else { throw Self.ioError("cannot write", path, key: nil) }
                    rest = UnsafeRawBufferPointer(rebasing: rest[written...])
                }
            }
        }
    }

    /// Writes through a temporary file in the target's folder, then renames
    /// (or links, for `ifNoneMatch`) it into place.
    func write(_ key: String, options: PutOptions, fill: (Int32) throws -> Void) throws -> ObjectInfo {
        let path = try path(key)
        let folder = String(path[..<path.lastIndex(of: "/")!])
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw ObjectStoreError(code: .io, key: key, message: "cannot create folder '\(folder)': \(error.localizedDescription)")
        }
        let temporary = folder + "/" + Self.temporaryPrefix + UUID().uuidString
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw Self.ioError("cannot create", temporary, key: key) }
        var closed = false
        defer {
            if !closed { close(fd) }
            unlink(temporary)
        }
        try fill(fd)
        guard fsync(fd) == 0 else { throw Self.ioError("cannot sync", temporary, key: key) }
        close(fd)
        closed = true
        if options.ifNoneMatch {
            if link(temporary, path) != 0 {
                if errno == EEXIST {
                    throw ObjectStoreError(code: .alreadyExists, httpStatus: 412, key: key, message: "the key already exists (If-None-Match)")
                }
                throw Self.ioError("cannot link into", path, key: key)
            }
        } else if rename(temporary, path) != 0 {
            throw Self.ioError("cannot rename into", path, key: key)
        }
        guard let status = try Self.statFile(path, key: key) else {
            throw ObjectStoreError(code: .io, key: key, message: "'\(path)' vanished after writing")
        }
        return Self.info(key, status)
    }

    static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, path: String, key: String) throws {
        var rest = bytes
        while !rest.isEmpty {
            let written = Foundation.write(fd, rest.baseAddress, rest.count)
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else { throw ioError("cannot write", path, key: key) }
            rest = UnsafeRawBufferPointer(rebasing: rest[written...])
        }
    }

    public func put(_ key: String, bytes: [UInt8], options: PutOptions) async throws -> ObjectInfo {
        try await run {
            try self.write(key, options: options) { fd in
                try bytes.withUnsafeBytes { try Self.writeAll(fd, $0, path: key, key: key) }
            }
        }
    }

    public func put(_ key: String, fromFile source: String, options: PutOptions) async throws -> ObjectInfo {
        try await run {
            let input = open(source, O_RDONLY | O_CLOEXEC)
            guard input >= 0 else { throw Self.ioError("cannot open", source, key: key) }
            defer { close(input) }
            return try self.write(key, options: options) { fd in
                var buffer = [UInt8](repeating: 0, count: 256 * 1024)
                while true {
                    let got = buffer.withUnsafeMutableBytes { Foundation.read(input, $0.baseAddress, $0.count) }
                    if got < 0 && errno == EINTR { continue }
                    guard got >= 0 else { throw Self.ioError("cannot read", source, key: key) }
                    if got == 0 { break }
                    try buffer.withUnsafeBytes { try Self.writeAll(fd, UnsafeRawBufferPointer(rebasing: $0[0..<got]), path: key, key: key) }
                }
            }
        }
    }

    public func delete(_ key: String) async throws {
        let path = try path(key)
        try await run {
            if unlink(path) != 0 && errno != ENOENT {
                throw Self.ioError("cannot delete", path, key: key)
            }
        }
    }

    /// Every file whose key starts with `prefix`, sorted; one page (the
    /// folder is walked once, so there is no continuation).
    public func listPage(prefix: String, continuationToken: String?) async throws -> ObjectListPage {
        let root = root
        return try await run {
            var found: [ObjectInfo] = []
            guard let walker = FileManager.default.enumerator(atPath: root) else {
                throw ObjectStoreError(code: .io, message: "cannot list '\(root)'")
            }
            while let relative = walker.nextObject() as? String {
                let name = relative.split(separator: "/").last.map(String.init) ?? relative
                guard relative.hasPrefix(prefix) || prefix.hasPrefix(relative + "/") || prefix.isEmpty else {
                    if !prefix.hasPrefix(relative) { walker.skipDescendants() }
                    continue
                }
                guard relative.hasPrefix(prefix), !name.hasPrefix(Self.temporaryPrefix),
                      let status = try Self.statFile(root + "/" + relative, key: relative) else { continue }
                found.append(Self.info(relative, status))
            }
            found.sort { Array($0.key.utf8).lexicographicallyPrecedes(Array($1.key.utf8)) }
            return ObjectListPage(objects: found, continuationToken: nil)
        }
    }

    public func downloadLocation(_ key: String, expiresIn: Duration) async throws -> String {
        try path(key)
    }
}
