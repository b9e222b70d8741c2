/// Splits one row of PostgreSQL's COPY text format (tab-separated, `\N`
/// for NULL, backslash escapes) into its fields.
public struct CopyTextDecoder: Sendable {
    public init() {}

    /// The fields of one row; `chunk` may end with the row's newline.
    public func decode(_ chunk: UnsafeRawBufferPointer, into fields: inout [String?]) {
        fields.removeAll(keepingCapacity: true)
        var end = chunk.count
        if end > 0, chunk[end - 1] == 0x0A { end -= 1 }
        var start = 0
        var hasEscape = false
        var i = 0
        while i <= end {
            if i == end || chunk[i] == 0x09 {
                fields.append(field(chunk, start, i, hasEscape))
                start = i + 1
                hasEscape = false
            } else if chunk[i] == 0x5C {
                hasEscape = true
                i += 1 // the escaped byte is never a separator
            }
            i += 1
        }
    }

    private func field(_ chunk: UnsafeRawBufferPointer, _ start: Int, _ end: Int, _ hasEscape: Bool) -> String? {
        if !hasEscape {
            return String(decoding: UnsafeRawBufferPointer(rebasing: chunk[start..<end]), as: UTF8.self)
        }
        if end - start == 2, chunk[start + 1] == 0x4E { return nil } // \N
        var bytes: [UInt8] = []
        unescape(UnsafeRawBufferPointer(rebasing: chunk[start..<end]), into: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The bytes of one field with its backslash escapes decoded (`\N`,
    /// NULL, is the caller's to check).
    public func unescape(_ field: UnsafeRawBufferPointer, into bytes: inout [UInt8]) {
        bytes.removeAll(keepingCapacity: true)
        bytes.reserveCapacity(field.count)
        let chunk = field
        let end = field.count
        var i = 0
        while i < end {
            let b = chunk[i]
            guard b == 0x5C, i + 1 < end else {
                bytes.append(b)
                i += 1
                continue
            }
            let e = chunk[i + 1]
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
                while n < 3, i < end, (0x30...0x37).contains(chunk[i]) {
                    value = value * 8 + Int(chunk[i] - 0x30)
                    i += 1
                    n += 1
                }
                bytes.append(UInt8(truncatingIfNeeded: value))
            case UInt8(ascii: "x"):
                var value = 0
                var n = 0
                while n < 2, i < end, let h = Self.hex(chunk[i]) {
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
