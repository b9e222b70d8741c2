import Foundation

/// The few POSIX calls the embedded stack needs, each turning `errno` into
/// an ``EmbeddedStackError`` right after the failing call.
enum SystemCalls {
    /// An unprivileged account to run PostgreSQL as.
    struct Account: Sendable, Hashable {
        var name: String
        var uid: uid_t
        var gid: gid_t
    }

    static var isRoot: Bool { getuid() == 0 }

    /// Looks up a user by name (`getpwnam_r`); `nil` if there is none.
    static func account(named name: String) -> Account? {
        var entry = passwd()
        var result: UnsafeMutablePointer<passwd>?
        var buffer = [CChar](repeating: 0, count: 4096)
        let status = getpwnam_r(name, &entry, &buffer, buffer.count, &result)
        guard status == 0, result != nil else { return nil }
        return Account(name: name, uid: entry.pw_uid, gid: entry.pw_gid)
    }

    /// A TCP port on 127.0.0.1 that nothing listens on right now (bind to port 0).
    static func freeLoopbackPort() throws(EmbeddedStackError) -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw failure("create socket") }
        defer { close(descriptor) }
        var address = loopback(port: 0)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0 else { throw failure("bind 127.0.0.1:0") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        guard named == 0 else { throw failure("getsockname") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Whether a server could bind 127.0.0.1:`port` now (with SO_REUSEADDR, as PostgreSQL does).
    static func canBind(port: Int) -> Bool {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        var reuse: Int32 = 1
        setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &reuse, socklen_t(MemoryLayout<Int32>.size))
        var address = loopback(port: UInt16(port))
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }

    private static func loopback(port: UInt16) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        return address
    }

    /// Whether process `pid` exists (it may belong to another user).
    static func processExists(_ pid: pid_t) -> Bool {
        pid > 0 && (kill(pid, 0) == 0 || errno == EPERM)
    }

    /// Creates a directory (and its parents) with `mode` if missing. An
    /// existing directory is left as it is: never chmod what a person made.
    static func makeDirectory(_ path: String, mode: mode_t) throws(EmbeddedStackError) {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue { return }
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw EmbeddedStackError(code: .fileSystem, step: "create directory", path: path, reason: "\(error)")
        }
        guard chmod(path, mode) == 0 else { throw failure("chmod", path: path) }
    }

    /// Writes `contents` to a file created with `mode` from the start (no
    /// window where a password file is world-readable).
    static func writeFile(_ path: String, _ contents: String, mode: mode_t) throws(EmbeddedStackError) {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        guard descriptor >= 0 else { throw failure("open for writing", path: path) }
        defer { close(descriptor) }
        guard fchmod(descriptor, mode) == 0 else { throw failure("chmod", path: path) }
        let bytes = Array(contents.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress! + offset, bytes.count - offset) }
            if written < 0 {
                if errno == EINTR { continue }
                throw failure("write", path: path)
            }
            offset += written
        }
    }

    /// The file's text with surrounding whitespace removed; `nil` if it doesn't exist.
    static func readFile(_ path: String) throws(EmbeddedStackError) -> String? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw EmbeddedStackError(code: .fileSystem, step: "read", path: path, reason: "not readable")
        }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func changeOwner(_ path: String, to account: Account) throws(EmbeddedStackError) {
        guard chown(path, account.uid, account.gid) == 0 else { throw failure("chown to \(account.name)", path: path) }
    }

    static func remove(_ path: String) throws(EmbeddedStackError) {
        guard FileManager.default.fileExists(atPath: path) else { return }
        do {
            try FileManager.default.removeItem(atPath: path)
        } catch {
            throw EmbeddedStackError(code: .fileSystem, step: "remove", path: path, reason: "\(error)")
        }
    }

    /// Total size in bytes of the regular files under `path`.
    static func directorySize(_ path: String) -> Int64 {
        guard let enumerator = FileManager.default.enumerator(atPath: path) else { return 0 }
        var total: Int64 = 0
        while let relative = enumerator.nextObject() as? String {
            var info = stat()
            if lstat(path + "/" + relative, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG {
                total += Int64(info.st_size)
            }
        }
        return total
    }

    /// Random letters and digits (URL-safe, no quoting needed anywhere).
    static func randomToken(length: Int) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
        var generator = SystemRandomNumberGenerator()
        return String((0..<length).map { _ in alphabet.randomElement(using: &generator)! })
    }

    private static func failure(_ step: String, path: String? = nil) -> EmbeddedStackError {
        EmbeddedStackError(code: .fileSystem, step: step, path: path, reason: String(cString: strerror(errno)))
    }
}
