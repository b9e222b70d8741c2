/// A snapshot, retention or restore failure: a ``Code``, a message for
/// people, and the object key or snapshot it concerns. Never holds a
/// secret (database URLs are not part of any message).
public struct SnapshotError: Error, Sendable, Hashable, CustomStringConvertible {
    public struct Code: Sendable, Hashable, RawRepresentable, CustomStringConvertible {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// The snapshot does not exist, has no manifest, or was pruned.
        public static let notFound = Code(rawValue: "notFound")
        /// An object a restore needs is missing from the store.
        public static let missingObject = Code(rawValue: "missingObject")
        /// An object's size or SHA-256 differs from the manifest.
        public static let checksumMismatch = Code(rawValue: "checksumMismatch")
        /// An object's content cannot be read (bad gzip, bad NDJSON, wrong row count).
        public static let corruptData = Code(rawValue: "corruptData")
        /// The manifest cannot be read or has an unknown format version.
        public static let badManifest = Code(rawValue: "badManifest")
        /// The restore target already holds a catalog or data tables.
        public static let targetNotEmpty = Code(rawValue: "targetNotEmpty")
        /// A `--dataset` the snapshot does not hold.
        public static let unknownDataset = Code(rawValue: "unknownDataset")
        /// Another snapshot holds the snapshot lock.
        public static let busy = Code(rawValue: "busy")
        /// A row could not be encoded.
        public static let encoding = Code(rawValue: "encoding")
        /// A bad setting (retention counts, level).
        public static let badSetting = Code(rawValue: "badSetting")
    }

    public var code: Code
    public var message: String
    /// The store key (or snapshot id) concerned, if any.
    public var key: String?

    public init(_ code: Code, _ message: String, key: String? = nil) {
        self.code = code
        self.message = message
        self.key = key
    }

    public var description: String {
        if let key { return "snapshot \(code): \(key): \(message)" }
        return "snapshot \(code): \(message)"
    }
}
