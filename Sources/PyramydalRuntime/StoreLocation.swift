import Foundation

/// Where Pyramydal keeps objects: incoming workbooks, reports, snapshots.
public enum StoreLocation: Sendable, Hashable, CustomStringConvertible {
    /// A local folder (`file:///abs/path`); `path` is absolute, without a trailing `/`.
    case directory(path: String)
    /// An S3 bucket (`s3://bucket[/prefix]`); `prefix` has no leading or
    /// trailing `/` and is empty when the whole bucket is used.
    case s3(bucket: String, prefix: String)

    /// Parses `s3://bucket[/prefix]` or `file:///abs/path`.
    ///
    /// Throws a ``ConfigurationError`` naming `variable` when the value is neither.
    public static func parse(_ value: String, variable: String = "PYRAMYDAL_STORE") throws(ConfigurationError) -> StoreLocation {
        func invalid(_ reason: String) -> ConfigurationError {
            ConfigurationError(code: .invalidValue, variable: variable, value: value, reason: reason)
        }
        if value.hasPrefix("s3://") {
            let rest = value.dropFirst("s3://".count)
            let bucket = String(rest.prefix(while: { $0 != "/" }))
            let prefix = rest.dropFirst(bucket.count).trimmingSlashes()
            guard isValidBucketName(bucket) else {
                throw invalid(
                    "bucket name must be 3–63 characters of lowercase letters, digits, '.' and '-', "
                        + "starting and ending with a letter or digit"
                )
            }
            guard !prefix.contains("//") else {
                throw invalid("the key prefix must not contain empty path segments ('//')")
            }
            return .s3(bucket: bucket, prefix: prefix)
        }
        if value.hasPrefix("file://") {
            let rest = value.dropFirst("file://".count)
            guard rest.hasPrefix("/") else {
                throw invalid("a file URL needs an absolute path: file:///abs/path")
            }
            guard let decoded = percentDecoded(String(rest)) else {
                throw invalid("the path has a malformed percent escape")
            }
            let path = PathUtilities.normalized(decoded)
            return .directory(path: path)
        }
        throw invalid("expected s3://bucket[/prefix] or file:///abs/path")
    }

    /// The location as a URL string, the form `PYRAMYDAL_STORE` takes.
    public var description: String {
        switch self {
        case .directory(let path):
            return "file://" + path
        case .s3(let bucket, let prefix):
            return prefix.isEmpty ? "s3://\(bucket)" : "s3://\(bucket)/\(prefix)"
        }
    }

    /// S3's rules for bucket names that work with both addressing styles.
    static func isValidBucketName(_ name: String) -> Bool {
        guard (3...63).contains(name.count) else { return false }
        let allowed = name.unicodeScalars.allSatisfy { scalar in
            ("a"..."z").contains(scalar) || ("0"..."9").contains(scalar) || scalar == "." || scalar == "-"
        }
        guard allowed, let first = name.first, let last = name.last else { return false }
        let edgesAlphanumeric = (first.isLetter || first.isNumber) && (last.isLetter || last.isNumber)
        return edgesAlphanumeric && !name.contains("..")
    }

    private static func percentDecoded(_ text: String) -> String? {
        guard text.contains("%") else { return text }
        var bytes: [UInt8] = []
        var iterator = Array(text.utf8).makeIterator()
        while let byte = iterator.next() {
            if byte == UInt8(ascii: "%") {
                guard let high = iterator.next(), let low = iterator.next(),
                    let value = UInt8(String(decoding: [high, low], as: UTF8.self), radix: 16)
                else { return nil }
                bytes.append(value)
            } else {
                bytes.append(byte)
            }
        }
        return String(bytes: bytes, encoding: .utf8)
    }
}

extension Substring {
    fileprivate func trimmingSlashes() -> String {
        String(self.drop(while: { $0 == "/" }).reversed().drop(while: { $0 == "/" }).reversed())
    }
}
