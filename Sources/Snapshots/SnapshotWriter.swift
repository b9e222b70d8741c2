public import Catalog
public import Foundation
public import Logging
public import ObjectStore
public import Postgres

/// Writes one snapshot (see docs/snapshots.md): under the snapshot lock,
/// in one REPEATABLE READ READ ONLY transaction, every committed version
/// not already in the newest complete snapshot's chain is streamed
/// COPY → NDJSON → gzip → temporary file (SHA-256 taken on the way) →
/// store; then the catalog rows; then, last, `manifest.json`. Memory stays
/// flat: one row, one 256 KiB batch and zlib's state.
///
/// A run that dies leaves a prefix without manifest: never listed as
/// complete, never a base. ``prune(policy:except:)`` deletes such leftovers.
public struct SnapshotWriter: Sendable {
    /// `PYRAMYDAL_SNAPSHOT_GZIP_LEVEL` (0…9, default 1), read by the worker.
    public static let gzipLevelVariable = "PYRAMYDAL_SNAPSHOT_GZIP_LEVEL"

    public let store: any ObjectStore
    public let schemas: CatalogSchemas
    public var gzipLevel: Int
    public var temporaryDirectory: String
    public let logger: Logger
    /// Called after each object upload with its key (the kill test's hook).
    public var afterObjectUpload: (@Sendable (String) async -> Void)?

    public init(store: any ObjectStore, schemas: CatalogSchemas = CatalogSchemas(), gzipLevel: Int = 1,
                temporaryDirectory: String = NSTemporaryDirectory(), logger: Logger = Logger(label: "pyramydal.snapshot")) {
        self.store = store
        self.schemas = schemas
        self.gzipLevel = gzipLevel
        self.temporaryDirectory = temporaryDirectory
        self.logger = logger
    }

    var repository: SnapshotRepository { SnapshotRepository(store: store) }
    var catalog: Catalog { Catalog(schemas: schemas) }

    /// Takes a snapshot; returns its manifest. `actor` goes to the audit log.
    public func run(connection: PostgresConnection, actor: String, now: Date = Date()) async throws -> SnapshotManifest {
        try await withSnapshotLock(connection) {
            do {
                let manifest = try await write(connection: connection, now: now)
                let rows = manifest.objects.reduce(0) { $0 + $1.rows }
                let bytes = manifest.objects.reduce(manifest.catalog.bytes) { $0 + $1.bytes }
                try await audit(connection, who: actor, what: "snapshot \(manifest.id)", outcome: "completed",
                                detail: ["kind": manifest.kind.rawValue, "objects": "\(manifest.objects.count)",
                                         "rows": "\(rows)", "bytes": "\(bytes)", "previous": manifest.previous ?? ""])
                return manifest
            } catch {
                try? await audit(connection, who: actor, what: "snapshot", outcome: "failed", detail: ["error": "\(error)"])
                throw error
            }
        }
    }

    func write(connection: PostgresConnection, now: Date) async throws -> SnapshotManifest {
        let entries = try await repository.entries()
        var base: (manifest: SnapshotManifest, sha256: String)?
        if let latest = entries.last(where: { $0.state == .complete }) {
            base = try await repository.manifest(latest.id)
        }
        // Ids sort by time: never at or before an existing prefix.
        var date = now
        if let last = entries.compactMap({ SnapshotLayout.date(of: $0.id) }).max(), date < last.addingTimeInterval(1) {
            date = last.addingTimeInterval(1)
        }
        let id = SnapshotLayout.id(for: date)
        var log = logger
        log[metadataKey: "snapshot.id"] = "\(id)"
        log.info("snapshot started", metadata: ["snapshot.previous": "\(base?.manifest.id ?? "none")"])
        let started = ContinuousClock.now

        return try await connection.transaction(purpose: "snapshot \(id)") { conn in
            try await conn.execute("""
                SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY;
                SET LOCAL DateStyle = ISO, YMD; SET LOCAL IntervalStyle = iso_8601;
                SET LOCAL TimeZone = 'UTC'; SET LOCAL extra_float_digits = 1
                """, purpose: "snapshot session settings")
            let catalog = self.catalog
            let versions = try await conn.run { conn in try catalog.committedVersionTables(on: conn) }
            let live = Set(versions.map(\.id))
            let inherited = (base?.manifest.dataObjects ?? []).filter { $0.versionID.map(live.contains) ?? false }
            let have = Set(inherited.compactMap(\.versionID))
            var objects: [SnapshotObject] = []
            for version in versions where !have.contains(version.id) {
                let object = try await writeVersion(version, snapshot: id, connection: conn)
                objects.append(object)
                log.debug("version written", metadata: ["object.key": "\(object.key)", "object.rows": "\(object.rows)"])
            }
            let catalogObject = try await writeCatalog(snapshot: id, connection: conn)
            let chain = base.map { previous in
                var ids = Set(inherited.map { Self.snapshotID(ofKey: $0.key) })
                ids.insert(id)
                return previous.manifest.chain.filter(ids.contains) + [id]
            } ?? [id]
            let manifest = SnapshotManifest(
                id: id, createdAt: date, kind: base == nil ? .full : .incremental, previous: base?.manifest.id,
                previousManifestSHA256: base?.sha256, chain: chain, catalog: catalogObject, objects: objects,
                inherited: inherited)
            let body = try SnapshotManifest.encoder().encode(manifest)
            _ = try await store.put(SnapshotLayout.manifestKey(id), bytes: Array(body),
                                    options: PutOptions(contentType: "application/json"))
            log.info("snapshot complete", metadata: [
                "snapshot.kind": "\(manifest.kind.rawValue)", "snapshot.objects": "\(objects.count)",
                "snapshot.inherited": "\(inherited.count)",
                "snapshot.seconds": "\((ContinuousClock.now - started).components.seconds)"])
            return manifest
        }
    }

    static func snapshotID(ofKey key: String) -> String {
        String(key.dropFirst(SnapshotLayout.root.count).prefix { $0 != "/" })
    }

    /// One version's table → `data/<dataset id>/v<N>.ndjson.gz`.
    func writeVersion(_ version: VersionTable, snapshot: String, connection: PostgresConnection) async throws -> SnapshotObject {
        let relation = schemas.dataRelation(version.tableName)
        let columns = try await connection.query("""
            SELECT a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a
            WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum
            """, [.text(relation)], purpose: "columns of \(version.tableName)"
        ).map { SnapshotColumn(name: try $0[0, as: String.self], type: try $0[1, as: String.self]) }
        let header = SnapshotDataHeader(dataset: version.dataset, datasetID: version.datasetID, version: version.version,
                                        versionID: version.id, table: version.tableName, columns: columns)
        let headerLine = try Self.headerEncoder.encode(header) + Data("\n".utf8)
        let key = SnapshotLayout.dataKey(snapshot, datasetID: version.datasetID, version: version.version)
        let kinds = columns.map { SnapshotValueKind(sqlType: $0.type) }
        let select = "COPY \(relation) TO STDOUT"
        let written = try await writeObject(key, connection: connection) { conn, file in
            let encoder = NDJSONRowEncoder(kinds: kinds)
            try file.append { $0.append(contentsOf: headerLine) }
            return try conn.copyOut(select, purpose: "snapshot \(version.tableName)") { row in
                try file.append { try encoder.encode(copyRow: row, into: &$0) }
            }
        }
        return SnapshotObject(key: key, bytes: written.bytes, sha256: written.sha256, rows: Int64(written.rows),
                              uncompressedBytes: written.uncompressedBytes, dataset: version.dataset, datasetID: version.datasetID,
                              version: version.version, versionID: version.id, table: version.tableName, columns: columns)
    }

    /// `catalog.ndjson.gz`: one `{"table":…,"row":{…}}` line per catalog
    /// row (`row_to_json`, read in pages of 5000 rows by id).
    func writeCatalog(snapshot: String, connection: PostgresConnection) async throws -> SnapshotObject {
        let key = SnapshotLayout.catalogKey(snapshot)
        let catalog = self.catalog
        let written = try await writeObject(key, connection: connection) { conn, file in
            var rows = 0
            for name in Catalog.snapshotTables {
                let prefix = Array("{\"table\":\"\(name)\",\"row\":".utf8)
                var after: Int64 = 0
                while true {
                    let page = try catalog.snapshotRows(of: name, after: after, limit: 5000, on: conn)
                    for row in page {
                        try file.append { line in
                            line.append(contentsOf: prefix)
                            line.append(contentsOf: row.json.utf8)
                            line.append(contentsOf: [UInt8(ascii: "}"), 0x0A])
                        }
                        after = row.id
                    }
                    rows += page.count
                    if page.count < 5000 { break }
                }
            }
            return rows
        }
        return SnapshotObject(key: key, bytes: written.bytes, sha256: written.sha256, rows: Int64(written.rows),
                              uncompressedBytes: written.uncompressedBytes)
    }

    /// Runs `body` on the connection's queue to fill a temporary gzip file
    /// (it returns the row count), then uploads the file as `key` and
    /// calls the upload hook.
    func writeObject(
        _ key: String, connection: PostgresConnection,
        _ body: @escaping @Sendable (PostgresConnection, CompressedFileWriter) throws -> Int
    ) async throws -> (rows: Int, bytes: Int64, sha256: String, uncompressedBytes: Int64) {
        let path = (temporaryDirectory as NSString).appendingPathComponent("pyramydal-snapshot-\(UUID().uuidString).gz")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let level = gzipLevel
        let written = try await connection.run { conn in
            let file = try CompressedFileWriter(path: path, level: level)
            let rows = try body(conn, file)
            let done = try file.finish()
            return (rows: rows, bytes: done.bytes, sha256: done.sha256, uncompressedBytes: done.uncompressedBytes)
        }
        _ = try await store.put(key, fromFile: path, options: PutOptions(contentType: "application/gzip"))
        await afterObjectUpload?(key)
        return written
    }

    static var headerEncoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    // MARK: lock and audit

    /// Runs `body` holding the session-level snapshot lock (one snapshot or
    /// prune at a time per catalog; a killed worker's session ends and
    /// frees it). Throws `.busy` if another holds it.
    func withSnapshotLock<T: Sendable>(_ connection: PostgresConnection, _ body: () async throws -> T) async throws -> T {
        let key = "pyramydal.snapshot:\(schemas.catalog)"
        let got = try await connection.query("SELECT pg_try_advisory_lock(hashtext($1))", [.text(key)],
                                             purpose: "take the snapshot lock")
        guard try got[0][0, as: Bool.self] else {
            throw SnapshotError(.busy, "another snapshot or prune is running")
        }
        do {
            let value = try await body()
            _ = try? await connection.query("SELECT pg_advisory_unlock(hashtext($1))", [.text(key)], purpose: "release the snapshot lock")
            return value
        } catch {
            _ = try? await connection.query("SELECT pg_advisory_unlock(hashtext($1))", [.text(key)], purpose: "release the snapshot lock")
            throw error
        }
    }

    func audit(_ connection: PostgresConnection, who: String, what: String, outcome: String, detail: [String: String]) async throws {
        let catalog = self.catalog
        let detailJSON = String(decoding: try Self.headerEncoder.encode(detail), as: UTF8.self)
        try await connection.run { conn in
            try catalog.audit(who: who, what: what, outcome: outcome, detail: detailJSON, on: conn)
        }
    }
}
