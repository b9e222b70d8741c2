public import Catalog
public import Foundation

/// `snapshots/<id>/manifest.json`, written last: its presence is what makes
/// a snapshot complete. Lists every object the snapshot wrote and every
/// object of earlier snapshots it builds on, so a restore reads one
/// manifest and knows everything it needs (see docs/snapshots.md).
public struct SnapshotManifest: Sendable, Hashable, Codable {
    public static let currentFormat = 1

    public enum Kind: String, Sendable, Hashable, Codable {
        /// Holds every committed version.
        case full
        /// Holds the versions committed since `previous`; the rest are `inherited`.
        case incremental
    }

    public var format: Int
    public var id: String
    public var createdAt: Date
    public var kind: Kind
    /// The complete snapshot this one builds on (nil for a full one).
    public var previous: String?
    /// SHA-256 of the previous snapshot's manifest.json, as it was read.
    public var previousManifestSHA256: String?
    /// The snapshots whose objects a restore of this one reads, oldest first (this one last).
    public var chain: [String]
    /// `catalog.ndjson.gz` of this snapshot: the catalog rows at its time.
    public var catalog: SnapshotObject
    /// The data objects this snapshot wrote (one per version).
    public var objects: [SnapshotObject]
    /// The data objects of earlier snapshots in the chain that this one needs.
    public var inherited: [SnapshotObject]

    public init(id: String, createdAt: Date, kind: Kind, previous: String?, previousManifestSHA256: String?,
                chain: [String], catalog: SnapshotObject, objects: [SnapshotObject], inherited: [SnapshotObject]) {
        self.format = Self.currentFormat
        self.id = id
        self.createdAt = createdAt
        self.kind = kind
        self.previous = previous
        self.previousManifestSHA256 = previousManifestSHA256
        self.chain = chain
        self.catalog = catalog
        self.objects = objects
        self.inherited = inherited
    }

    /// Every data object a restore needs: this snapshot's and the inherited ones.
    public var dataObjects: [SnapshotObject] { inherited + objects }

    /// Every key a restore of this snapshot reads (the manifest included).
    public var neededKeys: Set<String> {
        Set(dataObjects.map(\.key) + [catalog.key, SnapshotLayout.manifestKey(id)])
    }

    enum CodingKeys: String, CodingKey {
        case format, id, createdAt = "created_at", kind, previous, previousManifestSHA256 = "previous_manifest_sha256"
        case chain, catalog, objects, inherited
    }

    static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }

    static func decode(_ data: Data, key: String) throws -> SnapshotManifest {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        let manifest: SnapshotManifest
        do {
            manifest = try decoder.decode(SnapshotManifest.self, from: data)
        } catch {
            throw SnapshotError(.badManifest, "cannot read the manifest: \(error)", key: key)
        }
        guard manifest.format == currentFormat else {
            throw SnapshotError(.badManifest, "manifest format \(manifest.format) is not \(currentFormat)", key: key)
        }
        return manifest
    }
}

/// One object of a snapshot: where it is, how big, its checksum, and for a
/// data object which version it holds and how.
public struct SnapshotObject: Sendable, Hashable, Codable {
    public var key: String
    public var bytes: Int64
    /// Lowercase hex SHA-256 of the stored (compressed) bytes.
    public var sha256: String
    /// Data rows (catalog: catalog rows).
    public var rows: Int64
    /// Uncompressed bytes (restore's decompression bound).
    public var uncompressedBytes: Int64
    public var dataset: DatasetRef?
    public var datasetID: Int64?
    public var version: Int?
    /// `dataset_versions.id`.
    public var versionID: Int64?
    /// The table's name in the data schema.
    public var table: String?
    public var columns: [SnapshotColumn]?

    public init(key: String, bytes: Int64, sha256: String, rows: Int64, uncompressedBytes: Int64,
                dataset: DatasetRef? = nil, datasetID: Int64? = nil, version: Int? = nil, versionID: Int64? = nil,
                table: String? = nil, columns: [SnapshotColumn]? = nil) {
        self.key = key
        self.bytes = bytes
        self.sha256 = sha256
        self.rows = rows
        self.uncompressedBytes = uncompressedBytes
        self.dataset = dataset
        self.datasetID = datasetID
        self.version = version
        self.versionID = versionID
        self.table = table
        self.columns = columns
    }

    enum CodingKeys: String, CodingKey {
        case key, bytes, sha256, rows, uncompressedBytes = "uncompressed_bytes", dataset, datasetID = "dataset_id"
        case version, versionID = "version_id", table, columns
    }
}

/// A column as the data file's header and the manifest name it.
public struct SnapshotColumn: Sendable, Hashable, Codable {
    public var name: String
    /// `format_type` of the column (`numeric(12,2)`, `timestamp without time zone`, …).
    public var type: String

    public init(name: String, type: String) {
        self.name = name
        self.type = type
    }
}

/// The first line of a data file: what the rows after it are.
struct SnapshotDataHeader: Codable {
    var format: String = "pyramydal-snapshot-rows"
    var formatVersion: Int = 1
    var dataset: DatasetRef
    var datasetID: Int64
    var version: Int
    var versionID: Int64
    var table: String
    var columns: [SnapshotColumn]

    enum CodingKeys: String, CodingKey {
        case format, formatVersion = "format_version", dataset, datasetID = "dataset_id", version
        case versionID = "version_id", table, columns
    }
}
