import Foundation

/// An object downloaded to a scratch file that nothing outlives: once the
/// download is complete the file is opened and its name unlinked, so a
/// worker killed at any later point leaves nothing behind (the kernel frees
/// the blocks when the descriptor goes). Readers that want a path get
/// `/proc/self/fd/<n>`, which reopens the same (nameless) file on Linux.
///
/// A worker killed *during* the download leaves a named file; its name
/// carries the process id (`pyramydal-ingest-<pid>-<uuid>.<ext>`), and
/// ``sweepStale(in:prefix:)`` removes those whose process is gone.
public final class TemporaryDownload: Sendable {
    /// What readers open; valid while this object lives.
    public let path: String
    /// Bytes on disk.
    public let size: Int64
    private let descriptor: Int32

    /// Downloads `key` from `store` into `directory` as
    /// `<prefix>-<pid>-<uuid><suffix>`, then unlinks the name.
    /// On any failure (including a full disk) the partial file is removed
    /// and the error is thrown.
    public static func fetch(_ key: String, from store: any ObjectStore, into directory: String, prefix: String,
                             suffix: String) async throws -> (TemporaryDownload, ObjectInfo) {
        let name = "\(directory)/\(prefix)-\(getpid())-\(UUID().uuidString)\(suffix)"
        let info: ObjectInfo
        do {
            info = try await store.get(key, toFile: name)
        } catch {
            unlink(name)
            throw error
        }
        let descriptor = open(name, O_RDONLY | O_CLOEXEC)
        let openErrno = errno
        unlink(name)
        guard descriptor >= 0 else {
            throw ObjectStoreError(code: .io, key: key,
                                   message: "cannot reopen the download \(name): \(String(cString: strerror(openErrno)))")
        }
        var status = stat()
        let size: Int64 = fstat(descriptor, &status) == 0 ? Int64(status.st_size) : -1
        return (TemporaryDownload(descriptor: descriptor, size: size), info)
    }

    private init(descriptor: Int32, size: Int64) {
        self.descriptor = descriptor
        self.size = size
        self.path = "/proc/self/fd/\(descriptor)"
    }

    deinit { Glibc.close(descriptor) }

    /// Removes `<prefix>-<pid>-*` files in `directory` whose process no
    /// longer exists (downloads cut short by a kill). Returns the names removed.
    @discardableResult
    public static func sweepStale(in directory: String, prefix: String) -> [String] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return [] }
        var removed: [String] = []
        for name in names where name.hasPrefix(prefix + "-") {
            let rest = name.dropFirst(prefix.count + 1)
            guard let pid = Int32(rest.prefix { $0.isNumber }), pid > 0, pid != getpid() else { continue }
            if kill(pid, 0) == 0 || errno == EPERM { continue }
            if unlink("\(directory)/\(name)") == 0 { removed.append(name) }
        }
        return removed
    }
}
