/// Turns the snapshot's NDJSON rows back into `COPY … FROM STDIN` text
/// format: `null` → `\N`, `true`/`false` → `t`/`f`, numbers as written,
/// strings unescaped from JSON and escaped for COPY. The values'
/// types are the table's (the header's); PostgreSQL parses the text.
/// Works on bytes: this is the restore's hot path.
struct NDJSONRowDecoder {
    let columnCount: Int

    /// Appends the COPY line (with `\n`) for one JSON array line (without
    /// its `\n`). `line` is the 1-based line number, for errors.
    func decode(_ json: UnsafeRawBufferPointer, line: Int, into out: inout [UInt8]) throws {
        var i = 0
        let n = json.count
        func fail(_ what: String) -> SnapshotError {
            SnapshotError(.corruptData, "line \(line): \(what) at byte \(i)")
        }
        func skipSpace() { while i < n, json[i] == 0x20 || json[i] == 0x09 || json[i] == 0x0D { i += 1 } }
        skipSpace()
        guard i < n, json[i] == UInt8(ascii: "[") else { throw fail("expected [") }
        i += 1
        var column = 0
        while true {
            skipSpace()
            if column == 0, i < n, json[i] == UInt8(ascii: "]") { break }
            guard column < columnCount else { throw fail("more than \(columnCount) values") }
            if column > 0 { out.append(0x09) }
            guard i < n else { throw fail("unexpected end") }
            let byte = json[i]
            if byte == UInt8(ascii: "\"") {
                i += 1
                try appendString(json, &i, line: line, into: &out)
            } else if byte == UInt8(ascii: "n") {
                guard i + 4 <= n, json[i + 1] == UInt8(ascii: "u"), json[i + 2] == UInt8(ascii: "l"), json[i + 3] == UInt8(ascii: "l") else { throw fail("bad literal") }
                out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "N"))
                i += 4
            } else if byte == UInt8(ascii: "t") {
                guard i + 4 <= n, json[i + 3] == UInt8(ascii: "e") else { throw fail("bad literal") }
                out.append(UInt8(ascii: "t"))
                i += 4
            } else if byte == UInt8(ascii: "f") {
                guard i + 5 <= n, json[i + 4] == UInt8(ascii: "e") else { throw fail("bad literal") }
                out.append(UInt8(ascii: "f"))
                i += 5
            } else {
                let start = i
                while i < n {
                    let c = json[i]
                    if (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9")) || c == UInt8(ascii: "-") || c == UInt8(ascii: "+")
                        || c == UInt8(ascii: ".") || c == UInt8(ascii: "e") || c == UInt8(ascii: "E") { i += 1 } else { break }
                }
                guard i > start else { throw fail("unexpected character") }
                out.append(contentsOf: UnsafeRawBufferPointer(rebasing: json[start..<i]))
            }
            column += 1
            skipSpace()
            guard i < n else { throw fail("unexpected end") }
            if json[i] == UInt8(ascii: ",") { i += 1; continue }
            if json[i] == UInt8(ascii: "]") { break }
            throw fail("expected , or ]")
        }
        guard column == columnCount else {
            throw SnapshotError(.corruptData, "line \(line): \(column) values, expected \(columnCount)")
        }
        out.append(0x0A)
    }

    /// A JSON string body (after the opening quote) → COPY text.
    private func appendString(_ json: UnsafeRawBufferPointer, _ i: inout Int, line: Int, into out: inout [UInt8]) throws {
        let n = json.count
        var runStart = i
        while i < n {
            let byte = json[i]
            if byte != UInt8(ascii: "\"") && byte != UInt8(ascii: "\\") && byte >= 0x20 {
                i += 1
                continue
            }
            if runStart < i { out.append(contentsOf: UnsafeRawBufferPointer(rebasing: json[runStart..<i])) }
            if byte == UInt8(ascii: "\"") {
                i += 1
                return
            }
            if byte < 0x20 {
                Self.appendCopyEscaped(UInt32(byte), into: &out)
                i += 1
            } else {
                guard i + 1 < n else { break }
                let escaped = json[i + 1]
                i += 2
                switch escaped {
                case UInt8(ascii: "n"): Self.appendCopyEscaped(0x0A, into: &out)
                case UInt8(ascii: "t"): Self.appendCopyEscaped(0x09, into: &out)
                case UInt8(ascii: "r"): Self.appendCopyEscaped(0x0D, into: &out)
                case UInt8(ascii: "b"): Self.appendCopyEscaped(0x08, into: &out)
                case UInt8(ascii: "f"): Self.appendCopyEscaped(0x0C, into: &out)
                case UInt8(ascii: "\\"): Self.appendCopyEscaped(0x5C, into: &out)
                case UInt8(ascii: "\""), UInt8(ascii: "/"): out.append(escaped)
                case UInt8(ascii: "u"):
                    var scalar = try hex4(json, &i, line: line)
                    if scalar >= 0xD800 && scalar < 0xDC00, i + 6 <= n, json[i] == UInt8(ascii: "\\"), json[i + 1] == UInt8(ascii: "u") {
                        i += 2
                        let low = try hex4(json, &i, line: line)
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    }
                    Self.appendCopyEscaped(scalar, into: &out)
                default:
                    throw SnapshotError(.corruptData, "line \(line): bad escape \\\(Character(Unicode.Scalar(escaped)))")
                }
            }
            runStart = i
        }
        throw SnapshotError(.corruptData, "line \(line): unterminated string")
    }

    private func hex4(_ json: UnsafeRawBufferPointer, _ i: inout Int, line: Int) throws -> UInt32 {
        guard i + 4 <= json.count else { throw SnapshotError(.corruptData, "line \(line): short \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let c = json[i]
            let digit: UInt32
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(c - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(c - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(c - UInt8(ascii: "A") + 10)
            default: throw SnapshotError(.corruptData, "line \(line): bad \\u escape")
            }
            value = value << 4 | digit
            i += 1
        }
        return value
    }

    /// One Unicode scalar as UTF-8, escaped for COPY text where needed.
    static func appendCopyEscaped(_ scalar: UInt32, into out: inout [UInt8]) {
        switch scalar {
        case 0x5C: out.append(contentsOf: [0x5C, 0x5C])
        case 0x0A: out.append(contentsOf: [0x5C, UInt8(ascii: "n")])
        case 0x0D: out.append(contentsOf: [0x5C, UInt8(ascii: "r")])
        case 0x09: out.append(contentsOf: [0x5C, UInt8(ascii: "t")])
        case 0x08: out.append(contentsOf: [0x5C, UInt8(ascii: "b")])
        case 0x0C: out.append(contentsOf: [0x5C, UInt8(ascii: "f")])
        case 0x0B: out.append(contentsOf: [0x5C, UInt8(ascii: "v")])
        default:
            guard let unicode = Unicode.Scalar(scalar) else {
                out.append(contentsOf: [0xEF, 0xBF, 0xBD]) // a lone surrogate: U+FFFD
                return
            }
            out.append(contentsOf: String(Character(unicode)).utf8)
        }
    }
}
