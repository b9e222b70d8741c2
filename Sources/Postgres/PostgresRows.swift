internal import CLibPQ
import Foundation

/// Owns one `PGresult` and clears it when the last row referring to it goes.
///
/// `@unchecked Sendable`: a `PGresult` is read-only after libpq hands it over
/// (libpq's documentation says results "can be passed around freely between
/// threads"), and this class only reads it and `PQclear`s it in `deinit`.
@usableFromInline
final class ResultStorage: @unchecked Sendable {
    let result: OpaquePointer
    @usableFromInline let purpose: String
    let rowCount: Int
    @usableFromInline let columnNames: [String]
    @usableFromInline let columnTypes: [UInt32]
    private let columnIndex: [String: Int]

    init(result: OpaquePointer, purpose: String) {
        self.result = result
        self.purpose = purpose
        rowCount = Int(PQntuples(result))
        let columns = Int(PQnfields(result))
        var names: [String] = []
        var types: [UInt32] = []
        var index: [String: Int] = [:]
        for column in 0..<columns {
            let name = String(cString: PQfname(result, Int32(column)))
            names.append(name)
            types.append(UInt32(PQftype(result, Int32(column))))
            if index[name] == nil { index[name] = column }
        }
        columnNames = names
        columnTypes = types
        columnIndex = index
    }

    deinit { PQclear(result) }

    @usableFromInline
    func column(named name: String) throws -> Int {
        guard let index = columnIndex[name] else {
            throw PostgresError(
                code: .unexpectedResult,
                message: "the result has no column named \"\(name)\" (columns: \(columnNames.joined(separator: ", ")))",
                purpose: purpose)
        }
        return index
    }

    @usableFromInline
    func checkColumn(_ column: Int) throws {
        guard columnNames.indices.contains(column) else {
            throw PostgresError(
                code: .unexpectedResult,
                message: "column index \(column) is out of range (the result has \(columnNames.count) columns)",
                purpose: purpose)
        }
    }

    @usableFromInline
    func isNull(row: Int, column: Int) -> Bool {
        PQgetisnull(result, Int32(row), Int32(column)) != 0
    }

    /// The text-format bytes of one value (valid while `self` lives).
    @usableFromInline
    func bytes(row: Int, column: Int) -> UnsafeBufferPointer<UInt8> {
        let length = Int(PQgetlength(result, Int32(row), Int32(column)))
        let pointer = UnsafeRawPointer(PQgetvalue(result, Int32(row), Int32(column))!)
        return UnsafeBufferPointer(start: pointer.assumingMemoryBound(to: UInt8.self), count: length)
    }
}

/// The rows of a query, in text format. A random-access collection of
/// ``PostgresRow``; holds the libpq result until the last row is released.
public struct PostgresRows: RandomAccessCollection, Sendable {
    let storage: ResultStorage
    /// Rows affected by INSERT/UPDATE/DELETE/COPY/…, from `PQcmdTuples` (0 when
    /// the command reports none).
    public let affectedRows: Int
    /// The command tag, e.g. `INSERT 0 3`.
    public let commandTag: String

    init(storage: ResultStorage) {
        self.storage = storage
        affectedRows = Int(String(cString: PQcmdTuples(storage.result))) ?? 0
        commandTag = String(cString: PQcmdStatus(storage.result))
    }

    public var columnNames: [String] { storage.columnNames }
    /// Type OID of each column (see ``PostgresTypeOID``).
    public var columnTypes: [UInt32] { storage.columnTypes }

    public var startIndex: Int { 0 }
    public var endIndex: Int { storage.rowCount }
    public subscript(position: Int) -> PostgresRow {
        precondition(indices.contains(position), "row \(position) out of range")
        return PostgresRow(storage: storage, row: position)
    }
}

/// One row of ``PostgresRows``; typed access by column name or index:
/// `try row["name", as: String.self]`, `try row[0, as: Int64?.self]`.
/// Asking for a non-optional type when the value is NULL throws.
///
/// The typed accessors are `@inlinable` so callers in other modules get
/// them specialised for the type they ask for; a generic call per value
/// (metadata lookups for `Optional<Date>` and friends) cost more than the
/// decoding itself when a job row was read.
public struct PostgresRow: Sendable {
    @usableFromInline let storage: ResultStorage
    public let row: Int

    public var columnCount: Int { storage.columnNames.count }

    @inlinable
    public subscript<T: PostgresDecodable>(column: Int, as type: T.Type) -> T {
        get throws {
            try storage.checkColumn(column)
            return try decode(column: column, as: type)
        }
    }

    @inlinable
    public subscript<T: PostgresDecodable>(name: String, as type: T.Type) -> T {
        get throws { try decode(column: storage.column(named: name), as: type) }
    }

    public func isNull(_ column: Int) -> Bool { storage.isNull(row: row, column: column) }

    /// The position of the first column called `name` (throws if none), for
    /// readers of many columns in a known order.
    public func columnIndex(named name: String) throws -> Int { try storage.column(named: name) }

    /// The raw text of a value, `nil` for NULL.
    public func text(_ column: Int) throws -> String? { try self[column, as: String?.self] }

    @inlinable
    func decode<T: PostgresDecodable>(column: Int, as type: T.Type) throws -> T {
        if storage.isNull(row: row, column: column) {
            guard let value = T.postgresNull else { throw nullError(column: column, type: "\(T.self)") }
            return value
        }
        let bytes = storage.bytes(row: row, column: column)
        guard let value = T.decode(postgresText: bytes, typeOID: storage.columnTypes[column]) else {
            throw unreadableError(column: column, type: "\(T.self)")
        }
        return value
    }

    @usableFromInline
    func nullError(column: Int, type: String) -> PostgresError {
        PostgresError(
            code: .unexpectedResult,
            message: "column \"\(storage.columnNames[column])\" of row \(row) is NULL; ask for \(type)? to accept NULL",
            purpose: storage.purpose)
    }

    @usableFromInline
    func unreadableError(column: Int, type: String) -> PostgresError {
        let bytes = storage.bytes(row: row, column: column)
        var shown = String(decoding: bytes.prefix(64), as: UTF8.self)
        if bytes.count > 64 { shown += "…" }
        return PostgresError(
            code: .unexpectedResult,
            message: "column \"\(storage.columnNames[column])\" of row \(row) (type OID \(storage.columnTypes[column])): "
                + "cannot read \"\(shown)\" as \(type)",
            purpose: storage.purpose)
    }
}

/// A Swift type readable from a text-format result value.
public protocol PostgresDecodable {
    /// Decodes a non-NULL value; `nil` if the text does not fit.
    static func decode(postgresText bytes: UnsafeBufferPointer<UInt8>, typeOID: UInt32) -> Self?
    /// The value for SQL NULL, or `nil` if NULL is an error for this type.
    static var postgresNull: Self? { get }
}

extension PostgresDecodable {
    public static var postgresNull: Self? { nil }
}

extension Optional: PostgresDecodable where Wrapped: PostgresDecodable {
    public static func decode(postgresText bytes: UnsafeBufferPointer<UInt8>, typeOID: UInt32) -> Self? {
        Wrapped.decode(postgresText: bytes, typeOID: typeOID).map { .some($0) }
    }
    public static var postgresNull: Self? { .some(nil) }
}

extension String: PostgresDecodable {
    public static func decode(postgresText bytes: UnsafeBufferPointer<UInt8>, typeOID: UInt32) -> String? {
        String(decoding: bytes, as: UTF8.self)
    }
}

/// Parses an optionally signed decimal integer without allocating.
private func parseInteger(_ bytes: UnsafeBufferPointer<UInt8>) -> Int64? {
    var index = 0
    var negative = false
    if index < bytes.count, bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "+") {
        negative = bytes[index] == UInt8(ascii: "-")
        index += 1
    }
    guard index < bytes.count else { return nil }
    var value: Int64 = 0
    while index < bytes.count {
        let byte = bytes[index]
        guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
        let digit = Int64(byte - UInt8(ascii: "0"))
        // Accumulate negatively so Int64.min parses.
        let (times10, overflow1) = value.multipliedReportingOverflow(by: 10)
        let (next, overflow2) = times10.subtractingReportingOverflow(digit)
        guard !overflow1, !overflow2 else { return nil }
        value = next
        index += 1
    }
    if negative { return value }
    return value == Int64.min ? nil : -value
}

extension Int64: PostgresDecodable {
    public static func decode(postgresText bytes: UnsafeBufferPointer<UInt8>, typeOID: UInt32) -> Int64? {
        parseInteger(bytes)
    }
}

extension Int: PostgresDecodable {
    public static func decode(postgresText bytes: UnsafeBufferPointer<UInt8>, typeOID: UInt32) -> Int? {
        parseInteger(bytes).flatMap { Int(exactly: $0) }
    }
}

extension Int32: PostgresDecodable {
    public static func decode(postgresText bytes: UnsafeBufferPointer<UInt8>, typeOID: UInt32) -> Int32? {
        parseInteger(bytes).flatMap { Int32(exactly: $0) }
    }
}

extension Int16: PostgresDecodable {
    public static func decode(postgresText bytes: UnsafeBufferPointer<UInt8>, typeOID: UInt32) -> Int16? {
        parseInteger(bytes).flatMap { Int16(exactly: $0) }
    }
}

extension Double: PostgresDecodable {
    public static func decode(postgresText bytes: UnsafeBufferPointer<UInt8>, typeOID: UInt32) -> Double? {
        let text = String(decoding: bytes, as: UTF8.self)
        switch text {
        case "Infinity": return .infinity
        case "-Infinity": return -.infinity
        case "NaN": return .nan
        default: return Double(text)
        }
    }
}

extension Float: PostgresDecodable {
    public static func decode(postgresText bytes: UnsafeBufferPointer<UInt8>, typeOID: UInt32) -> Float? {
        Double.decode(postgresText: bytes, typeOID: typeOID).map { Float($0) }
    }
}

extension Bool: PostgresDecodable {
    public static func decode(postgresText bytes: UnsafeBufferPointer<UInt8>, typeOID: UInt32) -> Bool? {
        guard bytes.count == 1 else { return nil }
        switch bytes[0] {
        case UInt8(ascii: "t"): return true
        case UInt8(ascii: "f"): return false
        default: return nil
        }
    }
}

extension Decimal: PostgresDecodable {
    public static func decode(postgresText bytes: UnsafeBufferPointer<UInt8>, typeOID: UInt32) -> Decimal? {
        let text = String(decoding: bytes, as: UTF8.self)
        guard !text.isEmpty, text.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == "-" || $0 == "." || $0 == "+") })
        else { return nil }
        return Decimal(string: text, locale: Locale(identifier: "en_US_POSIX"))
    }
}

extension Date: PostgresDecodable {
    /// Reads `date` (midnight UTC), `timestamp` (as UTC) and `timestamptz`.
    public static func decode(postgresText bytes: UnsafeBufferPointer<UInt8>, typeOID: UInt32) -> Date? {
        PostgresDateTime.parse(bytes)
    }
}

extension UUID: PostgresDecodable {
    public static func decode(postgresText bytes: UnsafeBufferPointer<UInt8>, typeOID: UInt32) -> UUID? {
        UUID(uuidString: String(decoding: bytes, as: UTF8.self))
    }
}

extension Array: PostgresDecodable where Element == UInt8 {
    /// Reads `bytea` in hex output format (`\x0a1b…`).
    public static func decode(postgresText bytes: UnsafeBufferPointer<UInt8>, typeOID: UInt32) -> [UInt8]? {
        guard bytes.count >= 2, bytes[0] == UInt8(ascii: "\\"), bytes[1] == UInt8(ascii: "x"),
              bytes.count % 2 == 0
        else { return nil }
        var result: [UInt8] = []
        result.reserveCapacity((bytes.count - 2) / 2)
        var index = 2
        while index < bytes.count {
            guard let high = hexValue(bytes[index]), let low = hexValue(bytes[index + 1]) else { return nil }
            result.append(high << 4 | low)
            index += 2
        }
        return result
    }
}
