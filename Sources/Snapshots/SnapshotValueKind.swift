/// How a column's values are written in a snapshot's NDJSON rows, from
/// its SQL type (``init(sqlType:)``):
///
/// | SQL type | JSON |
/// |---|---|
/// | smallint, integer, bigint | number (exact) |
/// | double precision, real | number (PostgreSQL's shortest exact text); `"NaN"`, `"Infinity"`, `"-Infinity"` as strings |
/// | numeric | string (`"1234.50"`: exact digits and scale, which a JSON number reader would round) |
/// | boolean | `true` / `false` |
/// | date | `"2024-01-31"` |
/// | timestamp, timestamptz | `"2024-01-31T13:45:10"` (`+00` offset for timestamptz, written in UTC) |
/// | interval | ISO 8601 duration string (`"P1DT2H"`) |
/// | anything else (text, …) | string |
///
/// NULL is `null`. Every value reads back exactly: restore hands the text
/// to PostgreSQL unchanged.
public enum SnapshotValueKind: Sendable, Hashable {
    case integer, float, numeric, boolean, date, timestamp, text

    public init(sqlType: String) {
        let type = sqlType.lowercased()
        switch type {
        case "smallint", "integer", "bigint": self = .integer
        case "double precision", "real": self = .float
        case "boolean": self = .boolean
        case "date": self = .date
        default:
            if type.hasPrefix("numeric") { self = .numeric }
            else if type.hasPrefix("timestamp") { self = .timestamp }
            else { self = .text }
        }
    }
}
