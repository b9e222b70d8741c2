/// Turns `COPY … TO STDOUT` text-format rows into the snapshot's NDJSON
/// rows (one JSON array per line, typed as ``SnapshotValueKind`` says).
///
/// The session must use `DateStyle = ISO`, `IntervalStyle = iso_8601`,
/// `TimeZone = UTC` and `extra_float_digits = 1` (``SnapshotWriter`` sets
/// them), so the server's text is already the JSON we want but for quoting.
/// Works on bytes: this is the snapshot's hot path.
struct NDJSONRowEncoder {
    let kinds: [SnapshotValueKind]

    /// Appends the JSON line (with its `\n`) for one COPY row (which ends
    /// with `\n`).
    func encode(copyRow row: UnsafeRawBufferPointer, into out: inout [UInt8]) throws {
        var end = row.count
        if end > 0 && row[end - 1] == UInt8(ascii: "\n") { end -= 1 }
        out.append(UInt8(ascii: "["))
        var column = 0
        var start = 0
        var i = 0
        while i <= end {
            if i == end || row[i] == UInt8(ascii: "\t") {
                guard column < kinds.count else {
                    throw SnapshotError(.encoding, "COPY row has more than \(kinds.count) fields")
                }
                if column > 0 { out.append(UInt8(ascii: ",")) }
                appendField(UnsafeRawBufferPointer(rebasing: row[start..<i]), kind: kinds[column], into: &out)
                column += 1
                start = i + 1
            }
            i += 1
        }
        guard column == kinds.count else {
            throw SnapshotError(.encoding, "COPY row has \(column) fields, expected \(kinds.count)")
        }
        out.append(UInt8(ascii: "]"))
        out.append(UInt8(ascii: "\n"))
    }

    private func appendField(_ field: UnsafeRawBufferPointer, kind: SnapshotValueKind, into out: inout [UInt8]) {
        if field.count == 2 && field[0] == UInt8(ascii: "\\") && field[1] == UInt8(ascii: "N") {
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
            Self.appendEscaped(copyText: field, into: &out)
            out.append(UInt8(ascii: "\""))
        }
    }

    /// COPY-text-escaped bytes → JSON-string-escaped bytes (without quotes).
    static func appendEscaped(copyText field: UnsafeRawBufferPointer, into out: inout [UInt8]) {
        var runStart = 0
        var i = 0
        let count = field.count
        while i < count {
            let byte = field[i]
            if byte >= 0x20 && byte != UInt8(ascii: "\"") && byte != UInt8(ascii: "\\") {
                i += 1
                continue
            }
            if runStart < i { out.append(contentsOf: UnsafeRawBufferPointer(rebasing: field[runStart..<i])) }
            if byte == UInt8(ascii: "\\") && i + 1 < count {
                i += 1
                switch field[i] {
                case UInt8(ascii: "n"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
                case UInt8(ascii: "t"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
                case UInt8(ascii: "r"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
                case UInt8(ascii: "b"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "b")])
                case UInt8(ascii: "f"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "f")])
                case UInt8(ascii: "v"): appendUnicodeEscape(0x0B, into: &out)
                default: // `\\` and anything else escaped literally
                    let escaped = field[i]
                    if escaped == UInt8(ascii: "\\") || escaped == UInt8(ascii: "\"") { out.append(UInt8(ascii: "\\")) }
                    if escaped < 0x20 { appendUnicodeEscape(escaped, into: &out) } else { out.append(escaped) }
                }
            } else if byte == UInt8(ascii: "\"") {
                out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            } else if byte == UInt8(ascii: "\\") {
                out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            } else {
                appendUnicodeEscape(byte, into: &out)
            }
            i += 1
            runStart = i
        }
        if runStart < count { out.append(contentsOf: UnsafeRawBufferPointer(rebasing: field[runStart..<count])) }
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
