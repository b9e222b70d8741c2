import Foundation

/// A query parameter, sent in PostgreSQL's text format (`nil` text is SQL NULL).
///
/// Numbers, booleans and dates carry their type OID so `SELECT $1` comes back
/// typed; strings and JSON are sent as `unknown` (OID 0) so the server takes
/// the type the statement needs (`text`, `jsonb`, `date`, …).
///
/// ```swift
/// try conn.query("SELECT * FROM t WHERE name = $1 AND n > $2", [.text(name), .int(3)], purpose: "…")
/// try conn.query("… $1 …", ["literal", 42, nil, true], purpose: "…")
/// ```
public struct PostgresValue: Sendable, Hashable {
    /// Text-format value; `nil` is SQL NULL.
    public var text: String?
    /// Parameter type OID; 0 lets the server infer it.
    public var typeOID: UInt32

    public init(text: String?, typeOID: UInt32 = 0) {
        self.text = text
        self.typeOID = typeOID
    }

    /// Any encodable value, `nil` becoming NULL.
    public init(_ value: (some PostgresEncodable)?) {
        self = value?.postgresValue ?? .null
    }

    public static let null = PostgresValue(text: nil)

    public static func text(_ value: String?) -> PostgresValue { PostgresValue(text: value) }
    public static func int(_ value: Int?) -> PostgresValue { PostgresValue(value) }
    public static func int64(_ value: Int64?) -> PostgresValue { PostgresValue(value) }
    public static func double(_ value: Double?) -> PostgresValue { PostgresValue(value) }
    public static func bool(_ value: Bool?) -> PostgresValue { PostgresValue(value) }
    /// A point in time, sent as `timestamptz` text in UTC.
    public static func date(_ value: Date?) -> PostgresValue { PostgresValue(value) }
    /// Exact decimal, sent as `numeric`.
    public static func decimal(_ value: Decimal?) -> PostgresValue { PostgresValue(value) }
    /// Numeric given as decimal text (e.g. `"12.50"`), sent as `numeric`.
    public static func numeric(_ text: String?) -> PostgresValue {
        PostgresValue(text: text, typeOID: PostgresTypeOID.numeric)
    }
    /// JSON text; the statement decides `json` or `jsonb`.
    public static func json(_ text: String?) -> PostgresValue { PostgresValue(text: text) }
    public static func uuid(_ value: UUID?) -> PostgresValue { PostgresValue(value) }
    /// Raw bytes, sent as `bytea` (hex text format).
    public static func bytes(_ value: [UInt8]?) -> PostgresValue {
        guard let value else { return .null }
        var text = "\\x"
        text.reserveCapacity(2 + value.count * 2)
        let digits = Array("0123456789abcdef".utf8)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(value.count * 2)
        for byte in value {
            bytes.append(digits[Int(byte >> 4)])
            bytes.append(digits[Int(byte & 0xF)])
        }
        text += String(decoding: bytes, as: UTF8.self)
        return PostgresValue(text: text, typeOID: PostgresTypeOID.bytea)
    }
}

extension PostgresValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByFloatLiteral, ExpressibleByBooleanLiteral, ExpressibleByNilLiteral
{
    public init(stringLiteral value: String) { self.init(text: value) }
    public init(integerLiteral value: Int) { self.init(value) }
    public init(floatLiteral value: Double) { self.init(value) }
    public init(booleanLiteral value: Bool) { self.init(value) }
    public init(nilLiteral: ()) { self = .null }
}

/// Well-known type OIDs (`pg_type.oid`).
public enum PostgresTypeOID {
    public static let bool: UInt32 = 16
    public static let bytea: UInt32 = 17
    public static let int8: UInt32 = 20
    public static let int2: UInt32 = 21
    public static let int4: UInt32 = 23
    public static let text: UInt32 = 25
    public static let json: UInt32 = 114
    public static let float4: UInt32 = 700
    public static let float8: UInt32 = 701
    public static let date: UInt32 = 1082
    public static let timestamp: UInt32 = 1114
    public static let timestamptz: UInt32 = 1184
    public static let interval: UInt32 = 1186
    public static let numeric: UInt32 = 1700
    public static let uuid: UInt32 = 2950
    public static let jsonb: UInt32 = 3802
}

/// A Swift value that can be sent as a query parameter.
public protocol PostgresEncodable {
    var postgresValue: PostgresValue { get }
}

extension String: PostgresEncodable {
    public var postgresValue: PostgresValue { PostgresValue(text: self) }
}

extension Substring: PostgresEncodable {
    public var postgresValue: PostgresValue { PostgresValue(text: String(self)) }
}

extension Int: PostgresEncodable {
    public var postgresValue: PostgresValue { PostgresValue(text: String(self), typeOID: PostgresTypeOID.int8) }
}

extension Int64: PostgresEncodable {
    public var postgresValue: PostgresValue { PostgresValue(text: String(self), typeOID: PostgresTypeOID.int8) }
}

extension Int32: PostgresEncodable {
    public var postgresValue: PostgresValue { PostgresValue(text: String(self), typeOID: PostgresTypeOID.int4) }
}

extension Int16: PostgresEncodable {
    public var postgresValue: PostgresValue { PostgresValue(text: String(self), typeOID: PostgresTypeOID.int2) }
}

extension Double: PostgresEncodable {
    public var postgresValue: PostgresValue {
        PostgresValue(text: PostgresValue.floatText(self), typeOID: PostgresTypeOID.float8)
    }
}

extension Float: PostgresEncodable {
    public var postgresValue: PostgresValue {
        PostgresValue(text: PostgresValue.floatText(Double(self)), typeOID: PostgresTypeOID.float4)
    }
}

extension Bool: PostgresEncodable {
    public var postgresValue: PostgresValue { PostgresValue(text: self ? "t" : "f", typeOID: PostgresTypeOID.bool) }
}

extension Date: PostgresEncodable {
    public var postgresValue: PostgresValue {
        PostgresValue(text: PostgresDateTime.timestampText(self), typeOID: PostgresTypeOID.timestamptz)
    }
}

extension Decimal: PostgresEncodable {
    public var postgresValue: PostgresValue {
        if isNaN { return PostgresValue(text: "NaN", typeOID: PostgresTypeOID.numeric) }
        // `description` is locale-independent ("-12.5").
        return PostgresValue(text: description, typeOID: PostgresTypeOID.numeric)
    }
}

extension UUID: PostgresEncodable {
    public var postgresValue: PostgresValue { PostgresValue(text: uuidString, typeOID: PostgresTypeOID.uuid) }
}

extension PostgresValue: PostgresEncodable {
    public var postgresValue: PostgresValue { self }
}

extension PostgresValue {
    /// PostgreSQL's spelling of a float (`Infinity`, `-Infinity`, `NaN`, or
    /// Swift's shortest round-trip digits).
    static func floatText(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value < 0 ? "-Infinity" : "Infinity" }
        return value.description
    }
}
