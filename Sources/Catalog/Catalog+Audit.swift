public import Foundation
public import Postgres

/// Who does something, for the audit log: `PYRAMYDAL_ACTOR` if set (the
/// deployment sets it to the task's IAM role or principal; a CLI user may
/// set it to their IAM identity), else the local user (`USER`, `LOGNAME`,
/// the password database's name of the uid), else `uid <n>`.
public enum AuditActor {
    public static let variable = "PYRAMYDAL_ACTOR"

    public static func current(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        for name in [variable, "USER", "LOGNAME"] {
            if let value = environment[name], !value.isEmpty { return value }
        }
        if let entry = getpwuid(getuid()), let name = entry.pointee.pw_name, name.pointee != 0 {
            return String(cString: name)
        }
        return "uid \(getuid())"
    }
}

/// One row of the audit log.
public struct AuditEntry: Sendable, Hashable, Codable {
    public var id: Int64
    public var at: Date
    /// The IAM principal or local user (``AuditActor``).
    public var who: String
    /// `<action> <dataset>` (`ingest orders`, `export finance/budget`) or
    /// `<action> job <id>` (`cancel job 12`).
    public var what: String
    /// `committed`, `done`, `failed`, `refused`, `cancelled`, `retry scheduled`, `gave up`, …
    public var outcome: String
    /// JSON object text (`dataset`, `version`, `job`, `error`, …), if any.
    public var detail: String?
}

extension Catalog {
    /// Records an action on a dataset (or on a job) with a JSON object of
    /// details. `dataset` goes into the details as `"dataset"`, which is
    /// what ``auditEntries(dataset:limit:on:)`` filters on. Never put a
    /// secret in `details`.
    public func audit(who: String, what: String, outcome: String, dataset: DatasetRef?,
                      details: [String: AuditValue] = [:], on connection: PostgresConnection) throws {
        var object = details
        if let dataset { object["dataset"] = .string(dataset.description) }
        try audit(who: who, what: what, outcome: outcome, detail: Self.json(object), on: connection)
    }

    /// The audit log, newest first; with `dataset`, only the rows about it:
    /// those whose details name it (`"dataset"`) and those whose `what` is
    /// `<action> <dataset>` (the ingest's rows).
    public func auditEntries(dataset: DatasetRef? = nil, limit: Int = 50, on connection: PostgresConnection) throws -> [AuditEntry] {
        let names: [String] = dataset.map { Array(Set([$0.description, "\($0.department)/\($0.name)"])) } ?? []
        let rows = try connection.query("""
            SELECT id, at, who, what, outcome, detail::text FROM \(schemas.catalogTable("audit_log"))
            WHERE cardinality($1::text[]) = 0
               OR detail->>'dataset' = ANY($1::text[])
               OR (strpos(what, ' ') > 0 AND substr(what, strpos(what, ' ') + 1) = ANY($1::text[]))
            ORDER BY at DESC, id DESC LIMIT $2
            """, [.text(Self.textArray(names)), .int(limit)], purpose: "read the audit log")
        return try rows.map { row in
            AuditEntry(id: try row[0, as: Int64.self], at: try row[1, as: Date.self], who: try row[2, as: String.self],
                       what: try row[3, as: String.self], outcome: try row[4, as: String.self],
                       detail: try row[5, as: String?.self])
        }
    }

    /// A PostgreSQL array literal of text values: `{"a","b"}`.
    static func textArray(_ values: [String]) -> String {
        "{" + values.map { "\"" + $0.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\"" }
            .joined(separator: ",") + "}"
    }
}

/// A value in an audit row's details.
public enum AuditValue: Sendable, Hashable, Encodable, ExpressibleByStringLiteral, ExpressibleByIntegerLiteral {
    case string(String)
    case int(Int64)
    case bool(Bool)
    case strings([String])

    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int64) { self = .int(value) }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .string(let s): try c.encode(s)
        case .int(let i): try c.encode(i)
        case .bool(let b): try c.encode(b)
        case .strings(let a): try c.encode(a)
        }
    }
}
