import Foundation

/// The PostgreSQL types a dataset column can have, as the renderers see them.
public enum ReportColumnType: Sendable, Hashable, CustomStringConvertible {
    /// bigint, integer, smallint.
    case integer
    /// numeric, with its declared scale when it has one (`numeric(12,2)` → 2).
    case numeric(scale: Int?)
    /// double precision, real.
    case double
    case date
    /// timestamp without time zone.
    case timestamp
    case interval
    case boolean
    /// text and anything else, shown as PostgreSQL prints it.
    case text

    /// Maps a PostgreSQL type name as `format_type()` prints it
    /// (`numeric(12,2)`, `timestamp without time zone`, `character varying(20)`).
    public init(postgresType name: String) {
        let lower = name.lowercased().trimmingCharacters(in: .whitespaces)
        let base = lower.split(separator: "(", maxSplits: 1).first.map(String.init) ?? lower
        switch base.trimmingCharacters(in: .whitespaces) {
        case "bigint", "integer", "smallint", "int8", "int4", "int2", "int": self = .integer
        case "numeric", "decimal":
            // "numeric(12,2)" → scale 2; "numeric(12)" → 0; "numeric" → nil.
            if let open = lower.firstIndex(of: "("), let close = lower.lastIndex(of: ")") {
                let parts = lower[lower.index(after: open)..<close].split(separator: ",")
                self = .numeric(scale: parts.count == 2 ? Int(parts[1].trimmingCharacters(in: .whitespaces)) : 0)
            } else {
                self = .numeric(scale: nil)
            }
        case "double precision", "real", "float8", "float4": self = .double
        case "date": self = .date
        case "timestamp without time zone", "timestamp": self = .timestamp
        case "interval": self = .interval
        case "boolean", "bool": self = .boolean
        default: self = .text
        }
    }

    /// Numbers are right-aligned in the PDF and written as numbers in XLSX.
    public var isNumber: Bool {
        switch self {
        case .integer, .numeric, .double: true
        default: false
        }
    }

    /// The SQL type a filter value is cast to.
    public var sqlCast: String {
        switch self {
        case .integer: "bigint"
        case .numeric: "numeric"
        case .double: "double precision"
        case .date: "date"
        case .timestamp: "timestamp"
        case .interval: "interval"
        case .boolean: "boolean"
        case .text: "text"
        }
    }

    public var description: String {
        switch self {
        case .integer: "bigint"
        case .numeric(let scale?): "numeric(scale \(scale))"
        case .numeric(nil): "numeric"
        case .double: "double precision"
        case .date: "date"
        case .timestamp: "timestamp"
        case .interval: "interval"
        case .boolean: "boolean"
        case .text: "text"
        }
    }
}

/// One column of a report: its name in the table, its type and the number
/// format it had in the workbook (an Excel format code; nil: none).
public struct ReportColumn: Sendable, Hashable {
    public var name: String
    public var type: ReportColumnType
    public var format: String?

    public init(name: String, type: ReportColumnType, format: String? = nil) {
        self.name = name
        self.type = type
        self.format = format
    }
}
