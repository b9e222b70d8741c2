import Foundation
public import Postgres

/// Why a change to a dataset was refused, naming the field it is about.
public struct DatasetChangeError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Code: String, Sendable, Hashable {
        /// No such dataset (or it is deleted), or no such version of it.
        case notFound
        /// Another live dataset of the department has the name.
        case nameTaken
        /// The change makes no sense in this state (the version is already the latest, not committed, …).
        case conflict
        /// A value is not acceptable (an empty name, a `/` in a department).
        case invalid
    }

    public var code: Code
    /// `name`, `department`, `version`, `archived` or `id`.
    public var field: String
    public var message: String

    public init(_ code: Code, field: String, _ message: String) {
        self.code = code
        self.field = field
        self.message = message
    }

    public var description: String { message }
}

/// What `updateDataset` changes; nil leaves a property as it is.
public struct DatasetChanges: Sendable, Hashable {
    public var name: String?
    public var department: String?
    public var archived: Bool?

    public init(name: String? = nil, department: String? = nil, archived: Bool? = nil) {
        self.name = name
        self.department = department
        self.archived = archived
    }
}

/// Managing datasets: revert, rename, move, archive, delete, and the purge
/// of deleted datasets' tables that the snapshot prune runs. Each takes the
/// dataset's ingest lock (``lockDataset(_:on:)``) and its row lock, so it
/// waits for a running ingest of the dataset and an ingest waits for it,
/// and writes an audit row naming `who` in the same transaction.
extension Catalog {
    /// A live (not deleted) dataset by id: its name, view and whether it is archived.
    public func liveDataset(id: Int64, on connection: PostgresConnection) throws -> (ref: DatasetRef, viewName: String, archived: Bool)? {
        let rows = try connection.query("""
            SELECT department, name, view_name, archived_at IS NOT NULL FROM \(datasets) WHERE id = $1 AND deleted_at IS NULL
            """, [.int64(id)], purpose: "find dataset \(id)")
        guard let row = rows.first else { return nil }
        return (DatasetRef(department: try row[0, as: String.self], name: try row[1, as: String.self]),
                try row[2, as: String.self], try row[3, as: Bool.self])
    }

    /// Inside the caller's transaction: takes the ingest lock of the
    /// dataset's name (and of `extra` names, in one order) and its row
    /// lock, and reads it. A rename between reading the name and taking
    /// its lock is seen and the locks are taken again.
    func lockLiveDataset(id: Int64, extra: [DatasetRef] = [], on connection: PostgresConnection) throws
        -> (ref: DatasetRef, viewName: String, archived: Bool) {
        while true {
            guard let before = try liveDataset(id: id, on: connection) else {
                throw DatasetChangeError(.notFound, field: "id", "dataset \(id) does not exist")
            }
            for ref in Set([before.ref] + extra).sorted(by: { $0.description < $1.description }) {
                try lockDataset(ref, on: connection)
            }
            let rows = try connection.query("""
                SELECT department, name, view_name, archived_at IS NOT NULL FROM \(datasets)
                WHERE id = $1 AND deleted_at IS NULL FOR UPDATE
                """, [.int64(id)], purpose: "lock dataset \(id)")
            guard let row = rows.first else {
                throw DatasetChangeError(.notFound, field: "id", "dataset \(id) does not exist")
            }
            let ref = DatasetRef(department: try row[0, as: String.self], name: try row[1, as: String.self])
            if ref == before.ref { return (ref, try row[2, as: String.self], try row[3, as: Bool.self]) }
        }
    }

    /// Makes committed version `version` of the dataset the latest again:
    /// a new committed version (the next number) on the same table, with
    /// the same columns and row count and `reverted_from` naming it;
    /// nothing is copied. The dataset's view points at it. Returns the new
    /// version.
    @discardableResult
    public func revertDataset(id: Int64, to version: Int, who: String, on connection: PostgresConnection) throws -> VersionRecord {
        try changing(purpose: "revert dataset \(id)", on: connection) { conn in
            let dataset = try lockLiveDataset(id: id, on: conn)
            guard version >= 1, version <= Int(Int32.max) else {
                throw DatasetChangeError(.notFound, field: "version", "\(dataset.ref) has no version \(version)")
            }
            let target = try conn.query("""
                SELECT id, table_name FROM \(versions) WHERE dataset_id = $1 AND version = $2 AND status = 'committed'
                """, [.int64(id), .int(version)], purpose: "find version \(version) of dataset \(id)")
            guard let row = target.first, let table = try row[1, as: String?.self] else {
                throw DatasetChangeError(.notFound, field: "version", "\(dataset.ref) has no committed version \(version)")
            }
            let targetID = try row[0, as: Int64.self]
            let latest = try conn.query("SELECT max(version) FROM \(versions) WHERE dataset_id = $1 AND status = 'committed'",
                                        [.int64(id)], purpose: "latest version of dataset \(id)")[0][0, as: Int?.self]
            guard latest != version else {
                throw DatasetChangeError(.conflict, field: "version", "version \(version) is already the latest of \(dataset.ref)")
            }
            let number = try nextVersionNumber(datasetID: id, on: conn)
            let inserted = try conn.query("""
                INSERT INTO \(versions) (dataset_id, version, status, source_uri, store, bucket, key, etag, sha256, sheet,
                                         row_count, columns, timings, table_name, created_by, committed_at, notes, reverted_from)
                SELECT dataset_id, $2, 'committed', source_uri, store, bucket, key, etag, sha256, sheet,
                       row_count, columns, timings, table_name, $3, now(), notes, id
                FROM \(versions) WHERE id = $1
                RETURNING \(Self.versionColumns)
                """, [.int64(targetID), .int(number), .text(who)], purpose: "insert reverted version")
            let record = try Self.version(from: inserted[0])
            try pointView(dataset.viewName, at: table, on: conn)
            try audit(who: who, what: "revert \(dataset.ref)", outcome: "committed", dataset: dataset.ref,
                      details: ["version": .int(Int64(number)), "reverted_from": .int(Int64(version)),
                                "version_id": .int(record.id)], on: conn)
            return record
        }
    }

    /// Renames, moves (another department) and archives or unarchives the
    /// dataset in one transaction; each change gets its own audit row. The
    /// view keeps its name (psql and BI tools keep working). A name taken
    /// by another live dataset of the target department is refused with
    /// ``DatasetChangeError/Code/nameTaken``.
    public func updateDataset(id: Int64, _ changes: DatasetChanges, who: String, on connection: PostgresConnection) throws {
        if let name = changes.name { try Self.checkName(name, field: "name") }
        if let department = changes.department {
            try Self.checkName(department, field: "department")
            guard !department.contains("/") else {
                throw DatasetChangeError(.invalid, field: "department", "a department has no / in its name")
            }
        }
        try changing(purpose: "update dataset \(id)", on: connection) { conn in
            guard let current = try liveDataset(id: id, on: conn) else {
                throw DatasetChangeError(.notFound, field: "id", "dataset \(id) does not exist")
            }
            let target = DatasetRef(department: changes.department ?? current.ref.department, name: changes.name ?? current.ref.name)
            let dataset = try lockLiveDataset(id: id, extra: [target], on: conn)
            if target != dataset.ref {
                let taken = try conn.query("""
                    SELECT 1 FROM \(datasets) WHERE department = $1 AND name = $2 AND deleted_at IS NULL AND id <> $3
                    """, [.text(target.department), .text(target.name), .int64(id)], purpose: "check name \(target)")
                if !taken.isEmpty {
                    throw DatasetChangeError(.nameTaken, field: changes.name != nil ? "name" : "department",
                                             "\(target) already exists: choose another name")
                }
                do {
                    _ = try conn.query("UPDATE \(datasets) SET department = $2, name = $3 WHERE id = $1",
                                       [.int64(id), .text(target.department), .text(target.name)], purpose: "rename dataset \(id)")
                } catch let error as PostgresError where error.sqlState == "23505" {
                    throw DatasetChangeError(.nameTaken, field: changes.name != nil ? "name" : "department",
                                             "\(target) already exists: choose another name")
                }
                if target.name != dataset.ref.name {
                    try audit(who: who, what: "rename \(dataset.ref)", outcome: "done", dataset: target,
                              details: ["from": .string(dataset.ref.description), "to": .string(target.description)], on: conn)
                }
                if target.department != dataset.ref.department {
                    try audit(who: who, what: "move \(dataset.ref)", outcome: "done", dataset: target,
                              details: ["from": .string(dataset.ref.description), "to": .string(target.description)], on: conn)
                }
            }
            if let archived = changes.archived, archived != dataset.archived {
                _ = try conn.query("UPDATE \(datasets) SET archived_at = CASE WHEN $2 THEN now() END WHERE id = $1",
                                   [.int64(id), .bool(archived)], purpose: "archive dataset \(id)")
                try audit(who: who, what: "\(archived ? "archive" : "unarchive") \(target)", outcome: "done", dataset: target,
                          on: conn)
            }
        }
    }

    /// Deletes the dataset: it leaves every list and show at once and its
    /// view is dropped; its rows' tables stay until ``purgeDeleted(who:on:)``
    /// (the next snapshot prune) drops them. A later ingest of the same name
    /// makes a new dataset, with a view name of its own (`name~2`): the
    /// deleted one's tables are named after its view.
    public func deleteDataset(id: Int64, who: String, on connection: PostgresConnection) throws {
        try changing(purpose: "delete dataset \(id)", on: connection) { conn in
            let dataset = try lockLiveDataset(id: id, on: conn)
            _ = try conn.query("UPDATE \(datasets) SET deleted_at = now() WHERE id = $1", [.int64(id)],
                               purpose: "delete dataset \(id)")
            try conn.execute("DROP VIEW IF EXISTS \(schemas.dataRelation(dataset.viewName))",
                             purpose: "drop view \(dataset.viewName)")
            try audit(who: who, what: "delete \(dataset.ref)", outcome: "done", dataset: dataset.ref,
                      details: ["dataset_id": .int(id)], on: conn)
        }
    }

    /// Drops the tables of every deleted dataset not yet purged (each in
    /// its own transaction, audited) and returns the names of the tables
    /// dropped. The snapshot prune calls it.
    @discardableResult
    public func purgeDeleted(who: String, on connection: PostgresConnection) throws -> [String] {
        let doomed = try connection.query("""
            SELECT id FROM \(datasets) WHERE deleted_at IS NOT NULL AND purged_at IS NULL ORDER BY id
            """, purpose: "find deleted datasets").map { try $0[0, as: Int64.self] }
        var dropped: [String] = []
        for id in doomed {
            dropped += try connection.transaction(purpose: "purge dataset \(id)") { conn -> [String] in
                let rows = try conn.query("""
                    SELECT department, name FROM \(datasets) WHERE id = $1 AND purged_at IS NULL FOR UPDATE
                    """, [.int64(id)], purpose: "lock deleted dataset \(id)")
                guard let row = rows.first else { return [] }
                let ref = DatasetRef(department: try row[0, as: String.self], name: try row[1, as: String.self])
                let tables = try conn.query("""
                    SELECT DISTINCT table_name FROM \(versions) WHERE dataset_id = $1 AND table_name IS NOT NULL ORDER BY 1
                    """, [.int64(id)], purpose: "tables of dataset \(id)").map { try $0[0, as: String.self] }
                for table in tables {
                    try conn.execute("DROP TABLE IF EXISTS \(schemas.dataRelation(table))", purpose: "drop table \(table)")
                }
                _ = try conn.query("UPDATE \(datasets) SET purged_at = now() WHERE id = $1", [.int64(id)],
                                   purpose: "mark dataset \(id) purged")
                try audit(who: who, what: "purge \(ref)", outcome: "done", dataset: ref,
                          details: ["dataset_id": .int(id), "tables": .strings(tables)], on: conn)
                return tables
            }
        }
        return dropped
    }

    /// `body` in a transaction; a ``DatasetChangeError`` it throws comes out
    /// as itself, not inside the transaction's error.
    func changing<T>(purpose: String, on connection: PostgresConnection, _ body: (PostgresConnection) throws -> T) throws -> T {
        do {
            return try connection.transaction(purpose: purpose, body)
        } catch let error as PostgresTransactionError where error.step == .body && error.error is DatasetChangeError {
            throw error.error
        }
    }

    static func checkName(_ text: String, field: String) throws {
        guard !text.trimmingCharacters(in: .whitespaces).isEmpty, text.utf8.count <= 200,
              !text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
            throw DatasetChangeError(.invalid, field: field,
                                     "the \(field) must be 1 to 200 bytes of text without control characters")
        }
    }
}
