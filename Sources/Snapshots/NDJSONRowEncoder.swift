import Postgres

/// Turns `COPY … TO STDOUT` text-format rows into the snapshot's NDJSON
/// rows (one JSON array per line, typed as ``SnapshotValueKind`` says).
///
/// The session must use `DateStyle = ISO`, `IntervalStyle = iso_8601`,
/// `TimeZone = UTC` and `extra_float_digits = 1` (``SnapshotWriter`` sets
/// them), so the server's text is already the JSON we want but for quoting.
/// Works on bytes: this is the snapshot's hot path. Fields are split and
/// unescaped by ``PostgresCopyReader``.
final class NDJSONRowEncoder {
    let kinds: [SnapshotValueKind]
    /// A text field's unescaped bytes, reused from field to field.
    private var scratch: [UInt8] = []

    init(kinds: [SnapshotValueKind]) {
        self.kinds = kinds
    }

    private let reader = PostgresCopyReader()

    /// Appends the JSON line (with its `\n`) for one COPY row (which ends
    /// with `\n`).
    func encode(copyRow row: UnsafeRawBufferPointer, into out: inout [UInt8]) throws(SnapshotError) {
        out.append(UInt8(ascii: "["))
        let count = kinds.count
        let fields = try reader.forEachField(in: row) { (column, field) throws(SnapshotError) in
            guard column < count else {
                throw SnapshotError(.encoding, "COPY row has more than \(count) fields")
            }
            if column > 0 { out.append(UInt8(ascii: ",")) }
            appendField(field, kind: kinds[column], into: &out)
        }
        guard fields == count else {
            throw SnapshotError(.encoding, "COPY row has \(fields) fields, expected \(count)")
        }
        out.append(UInt8(ascii: "]"))
        out.append(UInt8(ascii: "\n"))
    }

    private func appendField(_ field: UnsafeRawBufferPointer?, kind: SnapshotValueKind, into out: inout [UInt8]) {
        guard let field else {
            out.append(contentsOf: Self.null)
            return
        }
        switch kind {
        case .integer:
            out.append(contentsOf: field)
        case .float:
            let first = field.first ?? 0
            if first == UInt8(ascii: "N") || first == UInt8(ascii: "I") || (first == UInt8(ascii: "-") && field.count > 1 && field[1] == UInt8(ascii: "I")) {
                out.append(UInt8(ascii: "\""))
                out.append(contentsOf: field)
                out.append(UInt8(ascii: "\""))
            } else {
                out.append(contentsOf: field)
            }
        case .boolean:
            out.append(contentsOf: field.first == UInt8(ascii: "t") ? Self.true : Self.false)
        case .numeric, .date:
            out.append(UInt8(ascii: "\""))
            out.append(contentsOf: field)
            out.append(UInt8(ascii: "\""))
        case .timestamp:
            out.append(UInt8(ascii: "\""))
            if field.count > 11 && field[10] == UInt8(ascii: " ") && field[11] >= UInt8(ascii: "0") && field[11] <= UInt8(ascii: "9") {
                out.append(contentsOf: UnsafeRawBufferPointer(rebasing: field[0..<10]))
                out.append(UInt8(ascii: "T"))
                out.append(contentsOf: UnsafeRawBufferPointer(rebasing: field[11...]))
            } else {
                out.append(contentsOf: field)
            }
            out.append(UInt8(ascii: "\""))
        case .text:
            out.append(UInt8(ascii: "\""))
            reader.withUnescaped(field, scratch: &scratch) { Self.appendJSONEscaped($0, into: &out) }
            out.append(UInt8(ascii: "\""))
        }
    }

    /// Text → JSON-string-escaped bytes (without quotes): `"` and `\\`
    /// get a backslash, `\n` `\t` `\r` `\b` `\f` their short escapes, other
    /// control characters `\u00XX`. Runs of ordinary bytes are copied whole.
    static func appendJSONEscaped(_ text: UnsafeRawBufferPointer, into out: inout [UInt8]) {
        var runStart = 0
        var i = 0
        let count = text.count
        while i < count {
            let byte = text[i]
            if byte >= 0x20 && byte != UInt8(ascii: "\"") && byte != UInt8(ascii: "\\") {
                i += 1
                continue
            }
            if runStart < i { out.append(contentsOf: UnsafeRawBufferPointer(rebasing: text[runStart..<i])) }
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"): out.append(contentsOf: [UInt8(ascii: "\\"), byte])
            case 0x0A: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case 0x09: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0x0D: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case 0x08: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "b")])
            case 0x0C: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "f")])
            default: appendUnicodeEscape(byte, into: &out)
            }
            i += 1
            runStart = i
        }
        if runStart < count { out.append(contentsOf: UnsafeRawBufferPointer(rebasing: text[runStart..<count])) }
    }

    static func appendUnicodeEscape(_ byte: UInt8, into out: inout [UInt8]) {
        let hex: [UInt8] = Array("0123456789abcdef".utf8)
        out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"),
                                hex[Int(byte >> 4)], hex[Int(byte & 0xF)]])
    }

    private static let null: [UInt8] = Array("null".utf8)
    private static let `true`: [UInt8] = Array("true".utf8)
    private static let `false`: [UInt8] = Array("false".utf8)
}
