#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// XML entity references and the OOXML `_xHHHH_` escapes.
enum XMLEscapes {
    /// The code point of an entity reference's name (between `&` and `;`):
    /// the five XML built-ins and `#NN` / `#xHH` character references.
    /// nil for anything else (such entities are refused, never resolved).
    static func entity(_ name: UnsafeBufferPointer<UInt8>) -> UInt32? {
        guard let first = name.first else { return nil }
        if first == UInt8(ascii: "#") {
            var value: UInt32 = 0
            var digits = 0
            if name.count > 1 && (name[1] == UInt8(ascii: "x") || name[1] == UInt8(ascii: "X")) {
                for b in name.dropFirst(2) {
                    guard let h = hexValue(b), digits < 8 else { return nil }
                    value = value << 4 | h
                    digits += 1
                }
            } else {
                for b in name.dropFirst() {
                    guard b >= 48 && b <= 57, digits < 8 else { return nil }
                    value = value * 10 + UInt32(b - 48)
                    digits += 1
                }
            }
            guard digits > 0, isXMLChar(value) else { return nil }
            return value
        }
        switch name.count {
        case 2 where name[0] == UInt8(ascii: "l") && name[1] == UInt8(ascii: "t"): return 0x3C
        case 2 where name[0] == UInt8(ascii: "g") && name[1] == UInt8(ascii: "t"): return 0x3E
        case 3 where name[0] == UInt8(ascii: "a") && name[1] == UInt8(ascii: "m") && name[2] == UInt8(ascii: "p"): return 0x26
        case 4 where String(decoding: name, as: UTF8.self) == "quot": return 0x22
        case 4 where String(decoding: name, as: UTF8.self) == "apos": return 0x27
        default: return nil
        }
    }

    static func isXMLChar(_ v: UInt32) -> Bool {
        v == 0x9 || v == 0xA || v == 0xD || (v >= 0x20 && v <= 0xD7FF) || (v >= 0xE000 && v <= 0xFFFD) || (v >= 0x10000 && v <= 0x10FFFF)
    }

    @inline(__always)
    static func hexValue(_ b: UInt8) -> UInt32? {
        switch b {
        case 48...57: return UInt32(b - 48)
        case 65...70: return UInt32(b - 55)
        case 97...102: return UInt32(b - 87)
        default: return nil
        }
    }

    static func appendUTF8(_ scalar: UInt32, to out: inout [UInt8]) {
        switch scalar {
        case 0..<0x80:
            out.append(UInt8(scalar))
        case 0x80..<0x800:
            out.append(UInt8(0xC0 | (scalar >> 6)))
            out.append(UInt8(0x80 | (scalar & 0x3F)))
        case 0x800..<0x10000:
            out.append(UInt8(0xE0 | (scalar >> 12)))
            out.append(UInt8(0x80 | ((scalar >> 6) & 0x3F)))
            out.append(UInt8(0x80 | (scalar & 0x3F)))
        default:
            out.append(UInt8(0xF0 | (scalar >> 18)))
            out.append(UInt8(0x80 | ((scalar >> 12) & 0x3F)))
            out.append(UInt8(0x80 | ((scalar >> 6) & 0x3F)))
            out.append(UInt8(0x80 | (scalar & 0x3F)))
        }
    }

    /// XML 1.0 §2.11 end-of-line handling on raw text (before entity
    /// references and `_xHHHH_` escapes are decoded): each CR LF pair and
    /// each lone CR in `bytes[from...]` becomes one LF, in place. So
    /// `_x000D_` before a raw line break gives CR LF, never CR CR LF, while
    /// a CR written as `&#13;` (decoded after this) stays a CR.
    static func normalizeLineBreaks(_ bytes: inout [UInt8], from: Int) {
        guard from < bytes.count else { return }
        let first = bytes.withUnsafeBufferPointer { buf -> Int? in
            guard let base = buf.baseAddress, let hit = memchr(base + from, 0x0D, buf.count - from) else { return nil }
            return base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
        }
        guard let first else { return }
        var write = first
        var read = first
        let n = bytes.count
        while read < n {
            let c = bytes[read]
            read += 1
            if c == 0x0D {
                bytes[write] = 0x0A
                if read < n && bytes[read] == 0x0A { read += 1 }
            } else {
                bytes[write] = c
            }
            write += 1
        }
        bytes.removeSubrange(write...)
    }

    /// Reads `_xHHHH_` at `p` in `bytes` (needs 7 bytes); the code unit or nil.
    @inline(__always)
    private static func escapeUnit(_ bytes: UnsafeMutableBufferPointer<UInt8>, _ p: Int) -> UInt32? {
        guard p + 7 <= bytes.count, bytes[p] == UInt8(ascii: "_"), bytes[p + 1] == UInt8(ascii: "x"),
              bytes[p + 6] == UInt8(ascii: "_"),
              let a = hexValue(bytes[p + 2]), let b = hexValue(bytes[p + 3]),
              let c = hexValue(bytes[p + 4]), let d = hexValue(bytes[p + 5]) else { return nil }
        return a << 12 | b << 8 | c << 4 | d
    }

    /// Decodes the OOXML `_xHHHH_` escapes in `bytes[from...]` in place
    /// (the result is never longer): any UTF-16 code unit, surrogate pairs
    /// written as two escapes, `_x005F_` for a literal underscore. Decoding
    /// runs left to right once, so `_x005F_x0041_` gives `_x0041_`. A lone
    /// surrogate becomes U+FFFD.
    static func decodeUnderscoreEscapes(_ bytes: inout [UInt8], from: Int) {
        guard bytes.count - from >= 7 else { return }
        let hasEscape = bytes.withUnsafeBufferPointer { buf -> Bool in
            guard let base = buf.baseAddress else { return false }
            var i = from
            while i + 6 < buf.count, let hit = memchr(base + i, Int32(UInt8(ascii: "_")), buf.count - 6 - i) {
                i = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
                if buf[i + 1] == UInt8(ascii: "x") && buf[i + 6] == UInt8(ascii: "_") { return true }
                i += 1
            }
            return false
        }
        guard hasEscape else { return }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count - from)
        bytes.withUnsafeMutableBufferPointer { buf in
            var p = from
            while p < buf.count {
                if buf[p] == UInt8(ascii: "_"), let unit = escapeUnit(buf, p) {
                    p += 7
                    var scalar = unit
                    if unit >= 0xD800 && unit <= 0xDBFF {
                        if let low = escapeUnit(buf, p), low >= 0xDC00 && low <= 0xDFFF {
                            scalar = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
                            p += 7
                        } else {
                            scalar = 0xFFFD
                        }
                    } else if unit >= 0xDC00 && unit <= 0xDFFF {
                        scalar = 0xFFFD
                    }
                    appendUTF8(scalar, to: &out)
                } else {
                    out.append(buf[p])
                    p += 1
                }
            }
        }
        bytes.removeSubrange(from...)
        bytes.append(contentsOf: out)
    }
}
