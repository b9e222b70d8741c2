import Foundation
import Logging

// The ObjectStore module: the only code in Pyramydal that touches libcurl.

/// What a store knows about one object. `key` is relative to the store's prefix.
public struct ObjectInfo: Sendable, Equatable {
    public var key: String
    public var size: Int64
    public var etag: String?
    public var lastModified: Date?

    public init(key: String, size: Int64, etag: String? = nil, lastModified: Date? = nil) {
        self.key = key
        self.size = size
        self.etag = etag
        self.lastModified = lastModified
    }
}

public struct PutOptions: Sendable {
    public var contentType: String?
    /// Send `If-None-Match: *`: fail with `.alreadyExists` when the key exists.
    public var ifNoneMatch: Bool
    /// User metadata (`x-amz-meta-<name>`); ignored by `DirectoryStore`.
    public var metadata: [String: String]

    public init(contentType: String? = nil, ifNoneMatch: Bool = false, metadata: [String: String] = [:]) {
        self.contentType = contentType
        self.ifNoneMatch = ifNoneMatch
        self.metadata = metadata
    }
}

/// One page of a listing.
public struct ObjectListPage: Sendable {
    public var objects: [ObjectInfo]
    /// Pass to the next `listPage` call; nil on the last page.
    public var continuationToken: String?
}

public protocol ObjectStore: Sendable {
    /// `s3://bucket/prefix` or `file:///path`; never a secret.
    var location: String { get }
    /// nil when the key does not exist.
    func head(_ key: String) async throws -> ObjectInfo?
    func get(_ key: String, toFile path: String, range: ClosedRange<Int64>?) async throws -> ObjectInfo
    /// Streams the body to `chunk` (called on a transfer thread, in order).
    func get(_ key: String, range: ClosedRange<Int64>?, chunk: @escaping @Sendable (UnsafeRawBufferPointer) throws -> Void) async throws -> ObjectInfo
    func put(_ key: String, fromFile path: String, options: PutOptions) async throws -> ObjectInfo
    func put(_ key: String, bytes: [UInt8], options: PutOptions) async throws -> ObjectInfo
    /// One page (at most ~1000 keys) of the keys under `prefix`, in key order.
    func listPage(prefix: String, continuationToken: String?) async throws -> ObjectListPage
    func delete(_ key: String) async throws
    /// A presigned GET URL (S3) or an absolute file path (directory store).
    func downloadLocation(_ key: String, expiresIn: Duration) async throws -> String
}

extension ObjectStore {
    /// Every key under `prefix`, all pages.
    public func list(prefix: String) async throws -> [ObjectInfo] {
        var all: [ObjectInfo] = []
        for try await page in pages(prefix: prefix) {
            all += page
        }
        return all
    }

    /// The listing as an AsyncSequence of pages.
    public func pages(prefix: String) -> ObjectListPages {
        ObjectListPages(store: self, prefix: prefix)
    }

    public func get(_ key: String, toFile path: String) async throws -> ObjectInfo {
        try await get(key, toFile: path, range: nil)
    }

    public func put(_ key: String, bytes: [UInt8]) async throws -> ObjectInfo {
        try await put(key, bytes: bytes, options: PutOptions())
    }
}

/// Pages of `ObjectStore.listPage`, fetched lazily.
public struct ObjectListPages: AsyncSequence, Sendable {
    public typealias Element = [ObjectInfo]
    let store: any ObjectStore
    let prefix: String

    public struct AsyncIterator: AsyncIteratorProtocol {
        let store: any ObjectStore
        let prefix: String
        var token: String?
        var done = false

        public mutating func next() async throws -> [ObjectInfo]? {
            if done { return nil }
            let page = try await store.listPage(prefix: prefix, continuationToken: token)
            token = page.continuationToken
            done = token == nil
            return page.objects
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(store: store, prefix: prefix)
    }
}

/// Opens `s3://bucket[/prefix]` or `file:///path`. For S3, `settings`
/// supplies region, endpoint, addressing and multipart sizes; its bucket
/// and prefix are replaced by the URL's.
public func makeObjectStore(
    url: String,
    settings: S3Settings = S3Settings(bucket: ""),
    credentials: (any CredentialProvider)? = nil,
    logger: Logger = Logger(label: "pyramydal.objectstore")
) throws -> any ObjectStore {
    if url.hasPrefix("s3://") {
        let rest = url.dropFirst("s3://".count)
        let bucket = rest.prefix { $0 != "/" }
        guard !bucket.isEmpty else {
            throw ObjectStoreError(code: .invalidConfiguration, message: "store URL '\(url)' names no bucket")
        }
        var settings = settings
        settings.bucket = String(bucket)
        settings.prefix = String(rest.dropFirst(bucket.count).drop { $0 == "/" })
        return S3Store(settings: settings, credentials: credentials ?? DefaultCredentialChain(), logger: logger)
    }
    if url.hasPrefix("file://") {
        let path = String(url.dropFirst("file://".count))
        guard path.hasPrefix("/") else {
            throw ObjectStoreError(code: .invalidConfiguration, message: "store URL '\(url)' must be file:///absolute/path")
        }
        return try DirectoryStore(root: SigV4Signer.percentDecode(Substring(path)))
    }
    throw ObjectStoreError(code: .invalidConfiguration, message: "store URL '\(url)' must start with s3:// or file://")
}
