import Foundation
import JobContracts
import JobQueue
import ObjectStore

/// Watches a store's `incoming/` prefix and enqueues one `ingest` job
/// (``IngestArgs``) per object version; its unique key
/// `ingest:<store>:<key>:<etag>` makes a sweep that sees an object again
/// (or an S3 event for it) make no second job. Locally this is the intake; in
/// AWS it is the sweep behind the S3 event queue.
public final class IncomingWatcher: JobIntake {
    public let store: any ObjectStore
    public let prefix: String
    public var name: String { "incoming watcher (\(store.location)/\(prefix))" }
    /// Keys and etags already enqueued by this process (saves the inserts).
    private let seen = Locked(Set<String>())

    public init(store: any ObjectStore, prefix: String = "incoming/") {
        self.store = store
        self.prefix = prefix
    }

    /// Whether a key is a workbook a person dropped (not a folder marker,
    /// hidden or temporary file such as `~$book.xlsx` or `.book.xlsx.part`).
    public static func isCandidate(_ key: String, prefix: String) -> Bool {
        guard key.hasPrefix(prefix), !key.hasSuffix("/") else { return false }
        let name = key.split(separator: "/").last.map(String.init) ?? key
        return !name.hasPrefix(".") && !name.hasPrefix("~$") && !name.hasSuffix(".part") && !name.hasSuffix(".tmp")
    }

    @discardableResult
    public func sweep(queue: JobQueue) async throws -> Int {
        var enqueued = 0
        for try await page in store.pages(prefix: prefix) {
            for object in page where Self.isCandidate(object.key, prefix: prefix) {
                let etag = (object.etag ?? "\(object.size)").trimmingCharacters(in: CharacterSet(charactersIn: "\""))
                let marker = object.key + "\u{0}" + etag
                if seen.withLock({ $0.contains(marker) }) { continue }
                let (job, isNew) = try await queue.enqueueReportingNew(IngestArgs(store: store.location, key: object.key, etag: etag))
                seen.withLock { _ = $0.insert(marker) }
                if isNew {
                    enqueued += 1
                    queue.logger.info("new workbook in incoming/", metadata: ["job.id": "\(job.id)", "object.key": "\(object.key)"])
                }
            }
        }
        return enqueued
    }
}
