#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads rows of PostgreSQL's COPY text format, as `COPY … TO STDOUT`
/// (``PostgresConnection/copyOut(_:purpose:_:)``) delivers them: fields
/// separated by tabs, `\N` for NULL, backslash escapes in the values
/// (`\\`, `\t`, `\n`, `\r`, `\b`, `\f`, `\v`, octal `\ooo`, hex `\xhh`).
/// The one decoder of that format: the report renderers and the snapshot's
/// NDJSON encoder read their rows through it.
///
/// Works on bytes and inlines into its callers: exports and snapshots call
/// it for every field.
public struct PostgresCopyReader: Sendable {
    public init() {}

    /// Calls `body(column, field)` for each field of one row (`row` may end
    /// with its newline): `field` is the field's bytes still escaped, `nil`
    /// for NULL. Returns the number of fields. Server output never holds an
    /// unescaped tab inside a value, so fields end at each tab.
    @inlinable
    @discardableResult
    public func forEachField<E: Error>(
        in row: UnsafeRawBufferPointer, _ body: (Int, UnsafeRawBufferPointer?) throws(E) -> Void
    ) throws(E) -> Int {
        guard let base = row.baseAddress else {
            try body(0, UnsafeRawBufferPointer(start: nil, count: 0))
            return 1
        }
        var end = row.count
        if end > 0, row[end - 1] == 0x0A { end -= 1 }
        var start = 0
        var column = 0
        while true {
            let fieldEnd = memchr(base + start, 0x09, end - start).map { UnsafeRawPointer($0) - base } ?? end
            let field = UnsafeRawBufferPointer(start: base + start, count: fieldEnd - start)
            try body(column, Self.isNull(field) ? nil : field)
            column += 1
            if fieldEnd >= end { return column }
            start = fieldEnd + 1
        }
    }

    /// Whether a raw field is `\N`.
    @inlinable @inline(__always)
    public static func isNull(_ field: UnsafeRawBufferPointer) -> Bool {
        field.count == 2 && field[0] == 0x5C && field[1] == 0x4E
    }

    /// Calls `body` with the bytes of a (non-NULL) raw field, escapes
    /// decoded: the field itself when it has no backslash, else its decoded
    /// copy in `scratch`.
    @inlinable
    public func withUnescaped<R, E: Error>(
        _ field: UnsafeRawBufferPointer, scratch: inout [UInt8], _ body: (UnsafeRawBufferPointer) throws(E) -> R
    ) throws(E) -> R {
        if field.isEmpty || memchr(field.baseAddress!, 0x5C, field.count) == nil { return try body(field) }
        unescape(field, into: &scratch)
        // (Array.withUnsafeBytes rethrows untyped: carry E through a Result.)
        return try scratch.withUnsafeBytes { bytes in Result { () throws(E) -> R in try body(bytes) } }.get()
    }

    /// The fields of one row as strings (`nil` for NULL), escapes decoded.
    public func decode(_ row: UnsafeRawBufferPointer, into fields: inout [String?]) {
        fields.removeAll(keepingCapacity: true)
        var scratch: [UInt8] = []
        forEachField(in: row) { _, field in
            guard let field else { return fields.append(nil) }
            fields.append(withUnescaped(field, scratch: &scratch) { String(decoding: $0, as: UTF8.self) })
        }
    }

    /// The bytes of one raw field with its backslash escapes decoded (`\N`,
    /// NULL, is the caller's to check).
    public func unescape(_ field: UnsafeRawBufferPointer, into bytes: inout [UInt8]) {
        bytes.removeAll(keepingCapacity: true)
        bytes.reserveCapacity(field.count)
        let end = field.count
        var i = 0
        while i < end {
            let b = field[i]
            guard b == 0x5C, i + 1 < end else {
                bytes.append(b)
                i += 1
                continue
            }
            let e = field[i + 1]
            i += 2
            switch e {
            case UInt8(ascii: "b"): bytes.append(0x08)
            case UInt8(ascii: "f"): bytes.append(0x0C)
            case UInt8(ascii: "n"): bytes.append(0x0A)
            case UInt8(ascii: "r"): bytes.append(0x0D)
            case UInt8(ascii: "t"): bytes.append(0x09)
            case UInt8(ascii: "v"): bytes.append(0x0B)
            case UInt8(ascii: "0")...UInt8(ascii: "7"):
                var value = Int(e - 0x30)
                var n = 1
                while n < 3, i < end, (0x30...0x37).contains(field[i]) {
                    value = value * 8 + Int(field[i] - 0x30)
                    i += 1
                    n += 1
                }
                bytes.append(UInt8(truncatingIfNeeded: value))
            case UInt8(ascii: "x"):
                var value = 0
                var n = 0
                while n < 2, i < end, let h = Self.hex(field[i]) {
                    value = value * 16 + h
                    i += 1
                    n += 1
                }
                if n == 0 { bytes.append(e) } else { bytes.append(UInt8(value)) }
            default: bytes.append(e)
            }
        }
    }

    private static func hex(_ b: UInt8) -> Int? {
        switch b {
        case 0x30...0x39: Int(b - 0x30)
        case 0x41...0x46: Int(b - 0x41 + 10)
        case 0x61...0x66: Int(b - 0x61 + 10)
        default: nil
        }
    }
}
