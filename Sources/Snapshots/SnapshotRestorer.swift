public import Catalog
public import Foundation
public import Logging
public import ObjectStore
public import Postgres

/// What a restore did.
public struct RestoreSummary: Sendable, Hashable {
    public var snapshot: String
    public var datasets: Int
    public var versions: Int
    public var rows: Int64
    /// Compressed bytes downloaded and verified.
    public var bytes: Int64
}

/// Rebuilds the catalog and the data tables from a snapshot chain
/// (docs/snapshots.md):
///
/// 1. reads the snapshot's manifest, picks the objects (all, or those of
///    the `datasets` asked for);
/// 2. downloads each to a temporary directory and checks its size and
///    SHA-256 against the manifest: a missing or different object stops
///    the restore here, naming its key, before anything is written;
/// 3. in ONE transaction: checks the target holds no datasets and no data
///    tables, applies the catalog migrations (creating the empty schemas if
///    needed), inserts the catalog rows, creates each version's
///    table and streams its rows gunzip → NDJSON → `COPY FROM STDIN`,
///    checks every row count against the manifest, points each dataset's
///    view at its latest version, writes an audit row, and commits.
///
/// Target schemas are `schemas` (the configured ones, or new names to
/// restore alongside an existing installation).
public struct SnapshotRestorer: Sendable {
    public let store: any ObjectStore
    public var temporaryDirectory: String
    public let logger: Logger

    public init(store: any ObjectStore, temporaryDirectory: String = NSTemporaryDirectory(),
                logger: Logger = Logger(label: "pyramydal.restore")) {
        self.store = store
        self.temporaryDirectory = temporaryDirectory
        self.logger = logger
    }

    public func restore(snapshot id: String, datasets: [DatasetRef] = [], into connection: PostgresConnection,
                        schemas: CatalogSchemas, actor: String) async throws -> RestoreSummary {
        let (manifest, _) = try await SnapshotRepository(store: store).manifest(id)
        var objects = manifest.dataObjects
        if !datasets.isEmpty {
            let present = Set(objects.compactMap(\.dataset))
            if let unknown = datasets.first(where: { !present.contains($0) }) {
                throw SnapshotError(.unknownDataset, "snapshot \(id) holds no version of dataset \(unknown)", key: id)
            }
            let wanted = Set(datasets)
            objects = objects.filter { $0.dataset.map(wanted.contains) ?? false }
        }
        let datasetIDs = datasets.isEmpty ? nil : Set(objects.compactMap(\.datasetID))

        let directory = (temporaryDirectory as NSString).appendingPathComponent("pyramydal-restore-\(UUID().uuidString)")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }

        // 2. Everything downloaded and verified before any write.
        var local: [String: String] = [:]
        var bytes: Int64 = 0
        for (index, object) in ([manifest.catalog] + objects).enumerated() {
            let path = (directory as NSString).appendingPathComponent("\(index).gz")
            try await fetch(object, to: path)
            local[object.key] = path
            bytes += object.bytes
        }
        logger.info("snapshot objects verified", metadata: ["snapshot.id": "\(id)", "snapshot.objects": "\(objects.count + 1)"])

        // 3 and 4. One transaction: an empty target, migrated, then loaded;
        // a refusal at any step leaves the target exactly as it was (no
        // schema is created outside it).
        let catalog = Catalog(schemas: schemas)
        let catalogPath = local[manifest.catalog.key]!
        let catalogObject = manifest.catalog
        let selected = objects
        let paths = local
        let loaded = try await Self.unwrappingRefusals { try await connection.transaction(purpose: "restore snapshot \(id)") { conn in
            try await conn.run { conn in
                try Self.checkEmpty(catalog, conn)
                try catalog.migrate(inOpenTransaction: conn)
                try Self.loadCatalog(path: catalogPath, object: catalogObject, catalog: catalog, datasetIDs: datasetIDs, conn)
            }
            var rows: Int64 = 0
            for object in selected {
                let path = paths[object.key]!
                rows += try await conn.run { conn in try Self.loadTable(path: path, object: object, catalog: catalog, conn) }
            }
            let tables = Set(selected.compactMap(\.table))
            try await conn.run { conn in try catalog.pointViewsAtLatestVersions(among: tables, on: conn) }
            let summary = RestoreSummary(snapshot: id, datasets: Set(selected.compactMap(\.datasetID)).count,
                                         versions: selected.count, rows: rows, bytes: bytes)
            let detail = "{\"datasets\": \(summary.datasets), \"versions\": \(summary.versions), \"rows\": \(rows)}"
            try await conn.run { conn in
                try catalog.audit(who: actor, what: "restore \(id)", outcome: "completed", detail: detail, on: conn)
            }
            return summary
        } }
        logger.info("snapshot restored", metadata: ["snapshot.id": "\(id)", "restore.versions": "\(loaded.versions)",
                                                    "restore.rows": "\(loaded.rows)"])
        return loaded
    }

    /// A ``SnapshotError`` thrown inside the restore's transaction (the
    /// target is not empty, a row count is off) is what the caller sees,
    /// not the transaction's wrapper around it.
    static func unwrappingRefusals<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as PostgresTransactionError where error.step == .body && error.error is SnapshotError {
            throw error.error
        }
    }

    /// Downloads one object and checks it against the manifest.
    func fetch(_ object: SnapshotObject, to path: String) async throws {
        guard try await store.head(object.key) != nil else {
            throw SnapshotError(.missingObject, "the object is missing from the store", key: object.key)
        }
        _ = try await store.get(object.key, toFile: path)
        let (size, sha256) = try CompressedFileReader.checksum(path: path)
        guard size == object.bytes else {
            throw SnapshotError(.checksumMismatch, "\(size) bytes, the manifest says \(object.bytes)", key: object.key)
        }
        guard sha256 == object.sha256 else {
            throw SnapshotError(.checksumMismatch, "SHA-256 \(sha256), the manifest says \(object.sha256)", key: object.key)
        }
    }

    static func checkEmpty(_ catalog: Catalog, _ connection: PostgresConnection) throws {
        let (tables, count) = try catalog.contents(on: connection)
        guard tables == 0 else {
            throw SnapshotError(.targetNotEmpty, "schema \(catalog.schemas.data) already holds \(tables) tables or views; restore into an empty database or under new schema names")
        }
        guard count == 0 else {
            throw SnapshotError(.targetNotEmpty, "schema \(catalog.schemas.catalog) already holds \(count) datasets; restore into an empty database or under new schema names")
        }
    }

    /// The catalog rows, table by table (``Catalog/restoreSnapshotRows(_:into:datasetIDs:on:)``).
    static func loadCatalog(path: String, object: SnapshotObject, catalog: Catalog, datasetIDs: Set<Int64>?,
                            _ connection: PostgresConnection) throws {
        var rows: [String: [String]] = [:]
        let marker = Array("\",\"row\":".utf8)
        let lines = try CompressedFileReader.forEachLine(path: path, key: object.key, maxBytes: object.uncompressedBytes) { line, number in
            let prefix = "{\"table\":\"".utf8.count
            guard line.count > prefix + marker.count + 1,
                  let at = (prefix..<(line.count - marker.count)).first(where: { i in
                      marker.indices.allSatisfy { line[i + $0] == marker[$0] } }) else {
                throw SnapshotError(.corruptData, "line \(number) is not a catalog row", key: object.key)
            }
            let table = String(decoding: line[prefix..<at], as: UTF8.self)
            let row = String(decoding: line[(at + marker.count)..<(line.count - 1)], as: UTF8.self)
            rows[table, default: []].append(row)
        }
        guard lines == object.rows else {
            throw SnapshotError(.corruptData, "\(lines) catalog rows, the manifest says \(object.rows)", key: object.key)
        }
        for table in Catalog.snapshotTables {
            try catalog.restoreSnapshotRows(rows[table] ?? [], into: table, datasetIDs: datasetIDs, on: connection)
        }
    }

    /// One version: CREATE TABLE from the header, rows through COPY text.
    static func loadTable(path: String, object: SnapshotObject, catalog: Catalog,
                          _ connection: PostgresConnection) throws -> Int64 {
        guard let table = object.table, let columns = object.columns else {
            throw SnapshotError(.badManifest, "data object without table or columns", key: object.key)
        }
        let relation = catalog.schemas.dataRelation(table)
        // A type goes into CREATE TABLE as text: only a plain type name
        // (letters and spaces, an optional numeric modifier) is accepted.
        for column in columns where !isPlainTypeName(column.type) {
            throw SnapshotError(.badManifest, "column \"\(column.name)\" has an unexpected type \"\(column.type)\"", key: object.key)
        }
        try catalog.createTable(table, columns: columns.map { (name: $0.name, type: $0.type) }, on: connection)
        let writer = try connection.copyIn("COPY \(relation) FROM STDIN", purpose: "restore \(table)")
        let decoder = NDJSONRowDecoder(columnCount: columns.count)
        var buffer: [UInt8] = []
        buffer.reserveCapacity(PostgresCopyWriter.defaultBatchSize + 64 * 1024)
        var pending = 0
        do {
            let lines = try CompressedFileReader.forEachLine(path: path, key: object.key, maxBytes: object.uncompressedBytes) { line, number in
                if number == 1 {
                    let header = try JSONDecoder().decode(SnapshotDataHeader.self, from: Data(line))
                    guard header.columns == columns, header.table == table else {
                        throw SnapshotError(.corruptData, "the header does not match the manifest", key: object.key)
                    }
                    return
                }
                try decoder.decode(line, line: number, into: &buffer)
                pending += 1
                if buffer.count >= PostgresCopyWriter.defaultBatchSize {
                    try buffer.withUnsafeBytes { try writer.appendRawRows($0, rows: pending) }
                    buffer.removeAll(keepingCapacity: true)
                    pending = 0
                }
            }
            try buffer.withUnsafeBytes { try writer.appendRawRows($0, rows: pending) }
            guard Int64(lines - 1) == object.rows else {
                throw SnapshotError(.corruptData, "\(lines - 1) rows, the manifest says \(object.rows)", key: object.key)
            }
        } catch {
            writer.abort(message: "restore failed: \(error)")
            throw error
        }
        let copied = try writer.finish()
        guard Int64(copied) == object.rows else {
            throw SnapshotError(.corruptData, "PostgreSQL copied \(copied) rows, the manifest says \(object.rows)", key: object.key)
        }
        return Int64(copied)
    }
}

/// `bigint`, `double precision`, `numeric(12,2)`, `timestamp without time zone`:
/// lower-case letters and single spaces, then at most one `(digits[,digits])`.
func isPlainTypeName(_ text: String) -> Bool {
    let bytes = Array(text.utf8)
    var p = 0
    while p < bytes.count, (bytes[p] >= UInt8(ascii: "a") && bytes[p] <= UInt8(ascii: "z")) || bytes[p] == UInt8(ascii: " ") {
        p += 1
    }
    guard p > 0, bytes[0] != UInt8(ascii: " "), bytes[p - 1] != UInt8(ascii: " ") else { return false }
    if p == bytes.count { return true }
    guard bytes[p] == UInt8(ascii: "("), bytes.last == UInt8(ascii: ")") else { return false }
    let inner = bytes[(p + 1)..<(bytes.count - 1)]
    return !inner.isEmpty && inner.allSatisfy { ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9")) || $0 == UInt8(ascii: ",") }
}
