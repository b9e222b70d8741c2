import Foundation

/// An exclusive `flock(2)` on a file, held until ``unlock()`` or deinit.
///
/// flock locks belong to the open file description, so two processes — or
/// two opens in one process — exclude each other, and the kernel drops the
/// lock when a process dies. Blocking: call only off the cooperative pool.
final class FileLock {
    private var descriptor: Int32

    /// Opens (creating) `path` and waits for the exclusive lock.
    init(path: String) throws(EmbeddedStackError) {
        descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            let reason = String(cString: strerror(errno))
            throw EmbeddedStackError(code: .fileSystem, step: "open lock file", path: path, reason: reason)
        }
        while flock(descriptor, LOCK_EX) != 0 {
            if errno == EINTR { continue }
            let reason = String(cString: strerror(errno))
            close(descriptor)
            descriptor = -1
            throw EmbeddedStackError(code: .fileSystem, step: "lock", path: path, reason: reason)
        }
    }

    func unlock() {
        guard descriptor >= 0 else { return }
        flock(descriptor, LOCK_UN)
        close(descriptor)
        descriptor = -1
    }

    deinit { unlock() }
}
