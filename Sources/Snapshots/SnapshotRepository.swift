import Foundation
public import ObjectStore
import Crypto

/// One snapshot as the store shows it.
public struct SnapshotEntry: Sendable, Hashable {
    public enum State: String, Sendable, Hashable {
        /// Has its manifest: restorable, usable as a base.
        case complete
        /// No manifest: a snapshot that did not finish (or is running now).
        case incomplete
        /// Dropped by retention; only objects kept snapshots need remain.
        case pruned
    }

    public var id: String
    public var state: State
    /// Objects under the snapshot's prefix and their total size.
    public var objectCount: Int
    public var bytes: Int64
    /// Every key under the prefix.
    public var keys: [String]
}

/// Reads the `snapshots/` part of the store: which snapshots exist, in
/// which state, and their manifests.
public struct SnapshotRepository: Sendable {
    public let store: any ObjectStore

    public init(store: any ObjectStore) {
        self.store = store
    }

    /// Every snapshot prefix, oldest first.
    public func entries() async throws -> [SnapshotEntry] {
        var byID: [String: SnapshotEntry] = [:]
        for object in try await store.list(prefix: SnapshotLayout.root) {
            let rest = object.key.dropFirst(SnapshotLayout.root.count)
            guard let slash = rest.firstIndex(of: "/") else { continue }
            let id = String(rest[..<slash])
            var entry = byID[id] ?? SnapshotEntry(id: id, state: .incomplete, objectCount: 0, bytes: 0, keys: [])
            entry.objectCount += 1
            entry.bytes += object.size
            entry.keys.append(object.key)
            byID[id] = entry
        }
        return byID.values.map { entry in
            var entry = entry
            let keys = Set(entry.keys)
            if keys.contains(SnapshotLayout.prunedKey(entry.id)) {
                entry.state = .pruned
            } else if keys.contains(SnapshotLayout.manifestKey(entry.id)) {
                entry.state = .complete
            }
            return entry
        }.sorted { $0.id < $1.id }
    }

    /// The manifest of a complete snapshot and the SHA-256 of its bytes.
    public func manifest(_ id: String) async throws -> (manifest: SnapshotManifest, sha256: String) {
        let key = SnapshotLayout.manifestKey(id)
        if try await store.head(SnapshotLayout.prunedKey(id)) != nil {
            throw SnapshotError(.notFound, "snapshot \(id) was pruned by retention", key: id)
        }
        let data = try await read(key)
        guard let data else {
            throw SnapshotError(.notFound, "snapshot \(id) has no manifest (it does not exist or never completed)", key: key)
        }
        let manifest = try SnapshotManifest.decode(data, key: key)
        guard manifest.id == id else {
            throw SnapshotError(.badManifest, "the manifest is for snapshot \(manifest.id)", key: key)
        }
        return (manifest, SHA256.hash(data: data).hex)
    }

    /// The newest complete snapshot, if any.
    public func latestComplete() async throws -> SnapshotEntry? {
        try await entries().last { $0.state == .complete }
    }

    /// A small object's bytes, or nil when it does not exist.
    func read(_ key: String) async throws -> Data? {
        guard try await store.head(key) != nil else { return nil }
        let buffer = ByteBuffer()
        _ = try await store.get(key, range: nil) { chunk in buffer.append(chunk) }
        return buffer.data
    }
}

/// Collects a streamed GET. `@unchecked Sendable` because the store calls
/// the chunk handler on its transfer thread; every access takes the lock
/// (`NSLock`, not `Mutex`: the package still builds for macOS 14).
final class ByteBuffer: @unchecked Sendable {
    private let lock = NSLock()
    private var storage = Data()
    func append(_ chunk: UnsafeRawBufferPointer) { lock.withLock { storage.append(contentsOf: chunk) } }
    var data: Data { lock.withLock { storage } }
}

extension Digest {
    var hex: String { map { byte in (byte < 16 ? "0" : "") + String(byte, radix: 16) }.joined() }
}
