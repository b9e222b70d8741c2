import Postgres

/// The PostgreSQL type chosen for one column of a sheet, from the whole
/// column (see ``ColumnTypeInference``).
public enum ColumnType: String, Sendable, Equatable, Hashable, CaseIterable, Codable {
    case bigint
    /// Exact decimals (`numeric` without a typmod): `0.1` stays `0.1`.
    case numeric
    case doublePrecision
    case date
    case timestamp
    /// Durations (`[h]:mm:ss`) and times of day.
    case interval
    case boolean
    case text

    /// The type as written in SQL (`CREATE TABLE … (x double precision)`).
    public var sqlName: String {
        switch self {
        case .bigint: "bigint"
        case .numeric: "numeric"
        case .doublePrecision: "double precision"
        case .date: "date"
        case .timestamp: "timestamp"
        case .interval: "interval"
        case .boolean: "boolean"
        case .text: "text"
        }
    }

    /// The type named by ``sqlName`` (as stored in the catalog's column
    /// lists), or `nil`.
    public init?(sqlName: String) {
        guard let type = Self.allCases.first(where: { $0.sqlName == sqlName }) else { return nil }
        self = type
    }

    /// The type's name in `pg_type` (`typname`), as libpq and COPY binary
    /// headers report it.
    public var postgresTypeName: String {
        switch self {
        case .bigint: "int8"
        case .numeric: "numeric"
        case .doublePrecision: "float8"
        case .date: "date"
        case .timestamp: "timestamp"
        case .interval: "interval"
        case .boolean: "bool"
        case .text: "text"
        }
    }

    /// The built-in type's OID (`pg_type.oid`), for parameter binding and
    /// for checking COPY BINARY columns.
    public var postgresOID: UInt32 {
        switch self {
        case .bigint: PostgresTypeOID.int8
        case .numeric: PostgresTypeOID.numeric
        case .doublePrecision: PostgresTypeOID.float8
        case .date: PostgresTypeOID.date
        case .timestamp: PostgresTypeOID.timestamp
        case .interval: PostgresTypeOID.interval
        case .boolean: PostgresTypeOID.bool
        case .text: PostgresTypeOID.text
        }
    }
}
