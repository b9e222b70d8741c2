import Foundation

/// Finds the password in a libpq connection string (URL or `key=value` form) so
/// it can be kept out of errors and logs. Pure string work, no libpq.
struct ConnectionSecrets: Sendable {
    /// Password spellings found in the string (raw and percent-decoded).
    private(set) var secrets: [String] = []

    init(_ conninfo: String) {
        var found: [String] = []
        if let password = Self.uriPassword(conninfo) { found.append(password) }
        found += Self.keywordPasswords(conninfo)
        var all: [String] = []
        for value in found where !value.isEmpty {
            all.append(value)
            if let decoded = value.removingPercentEncodingLeniently(), decoded != value { all.append(decoded) }
        }
        secrets = all
    }

    /// `text` with every password occurrence replaced by `***`. Very short
    /// passwords (under 4 characters) are not scrubbed word by word, as doing
    /// so would mangle the message and reveal the password by its gaps.
    func scrub(_ text: String) -> String {
        var result = text
        for secret in secrets.sorted(by: { $0.count > $1.count }) where secret.count >= 4 {
            result = result.replacingAll(secret, with: "***")
        }
        return result
    }

    /// The connection string with its password replaced by `***`.
    static func redact(_ conninfo: String) -> String {
        var text = conninfo
        if let range = uriPasswordRange(text) {
            text.replaceSubrange(range, with: "***")
        }
        return redactKeywordPasswords(text)
    }

    // MARK: URI form: postgresql://user:password@host/…

    private static func uriPasswordRange(_ text: String) -> Range<String.Index>? {
        guard let scheme = text.range(of: "://"),
              text.hasPrefix("postgresql://") || text.hasPrefix("postgres://")
        else { return nil }
        let rest = text[scheme.upperBound...]
        // The authority ends at the first "/" or "?"; userinfo ends at its last "@".
        let authorityEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" }) ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        guard let at = authority.lastIndex(of: "@") else { return nil }
        let userinfo = authority[..<at]
        guard let colon = userinfo.firstIndex(of: ":") else { return nil }
        let start = userinfo.index(after: colon)
        return start..<at
    }

    private static func uriPassword(_ text: String) -> String? {
        uriPasswordRange(text).map { String(text[$0]) }
    }

    // MARK: password=… in a URL query or key=value string

    private static func passwordValueRanges(_ text: String) -> [Range<String.Index>] {
        var ranges: [Range<String.Index>] = []
        var searchStart = text.startIndex
        while let match = text.range(of: "password", options: [], range: searchStart..<text.endIndex) {
            searchStart = match.upperBound
            // Must start a key: at the beginning, or after space, "?" or "&".
            if match.lowerBound != text.startIndex {
                let before = text[text.index(before: match.lowerBound)]
                guard before == " " || before == "?" || before == "&" || before == "\t" else { continue }
            }
            var index = match.upperBound
            while index < text.endIndex, text[index] == " " { index = text.index(after: index) }
            guard index < text.endIndex, text[index] == "=" else { continue }
            index = text.index(after: index)
            while index < text.endIndex, text[index] == " " { index = text.index(after: index) }
            let valueStart = index
            if index < text.endIndex, text[index] == "'" {
                // Quoted keyword value: ends at an unescaped quote.
                index = text.index(after: index)
                while index < text.endIndex, text[index] != "'" {
                    if text[index] == "\\" { index = text.index(after: index) }
                    if index < text.endIndex { index = text.index(after: index) }
                }
                if index < text.endIndex { index = text.index(after: index) }
            } else {
                while index < text.endIndex, text[index] != "&", text[index] != " " {
                    index = text.index(after: index)
                }
            }
            if valueStart < index { ranges.append(valueStart..<index) }
            searchStart = index
        }
        return ranges
    }

    private static func keywordPasswords(_ text: String) -> [String] {
        passwordValueRanges(text).map { range in
            var value = String(text[range])
            if value.hasPrefix("'"), value.hasSuffix("'"), value.count >= 2 {
                value = String(value.dropFirst().dropLast())
            }
            return value
        }
    }

    private static func redactKeywordPasswords(_ text: String) -> String {
        var result = text
        for range in passwordValueRanges(text).reversed() {
            result.replaceSubrange(range, with: "***")
        }
        return result
    }
}

extension String {
    /// Replaces every occurrence of `target` (plain substring match).
    func replacingAll(_ target: String, with replacement: String) -> String {
        guard !target.isEmpty else { return self }
        var result = ""
        var rest = self[...]
        while let range = rest.range(of: target) {
            result += rest[..<range.lowerBound]
            result += replacement
            rest = rest[range.upperBound...]
        }
        result += rest
        return result
    }

    /// Percent-decoding that leaves invalid escapes as they are.
    func removingPercentEncodingLeniently() -> String? {
        var bytes: [UInt8] = []
        let utf8 = Array(self.utf8)
        var index = 0
        while index < utf8.count {
            if utf8[index] == UInt8(ascii: "%"), index + 2 < utf8.count,
               let high = hexValue(utf8[index + 1]), let low = hexValue(utf8[index + 2]) {
                bytes.append(high << 4 | low)
                index += 3
            } else {
                bytes.append(utf8[index])
                index += 1
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }
}

func hexValue(_ byte: UInt8) -> UInt8? {
    switch byte {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
    case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
    default: return nil
    }
}
