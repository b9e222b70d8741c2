import Foundation

/// How the object store reaches S3 (used when the store is `s3://…`).
public struct S3Settings: Sendable, Hashable {
    static let mebibyte = 1024 * 1024

    /// `https://host[:port]` of an S3-compatible server; `nil` means AWS.
    public var endpoint: String?
    /// The signing region.
    public var region: String
    public var addressing: S3Addressing
    /// Objects at least this large are uploaded in parts (bytes).
    public var multipartThreshold: Int
    /// Size of each part of a multipart upload (bytes, at least 5 MiB).
    public var partSize: Int

    public init(
        endpoint: String? = nil, region: String = "us-east-1", addressing: S3Addressing = .virtual,
        multipartThreshold: Int = 64 * 1024 * 1024, partSize: Int = 16 * 1024 * 1024
    ) {
        self.endpoint = endpoint
        self.region = region
        self.addressing = addressing
        self.multipartThreshold = multipartThreshold
        self.partSize = partSize
    }

    init(reader: inout EnvironmentReader) throws(ConfigurationError) {
        typealias Variable = Configuration.Variable
        self.init()
        if let value = reader.value(Variable.s3Endpoint) {
            guard let url = URL(string: value), let scheme = url.scheme?.lowercased(),
                scheme == "http" || scheme == "https", let host = url.host, !host.isEmpty,
                url.query == nil
            else {
                throw ConfigurationError(
                    code: .invalidValue, variable: Variable.s3Endpoint,
                    value: Redaction.redactingSecrets(in: value),
                    reason: "expected http(s)://host[:port] without a query")
            }
            endpoint = value.hasSuffix("/") ? String(value.dropLast()) : value
        }
        if let value = reader.value(Variable.s3Region) ?? reader.foreign("AWS_REGION")
            ?? reader.foreign("AWS_DEFAULT_REGION")
        {
            guard value.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }) else {
                throw ConfigurationError(
                    code: .invalidValue, variable: Variable.s3Region, value: value,
                    reason: "a region is letters, digits and '-', like eu-west-1")
            }
            region = value
        }
        if let value = reader.value(Variable.s3Addressing) {
            guard let style = S3Addressing(rawValue: value.lowercased()) else {
                throw ConfigurationError(
                    code: .invalidValue, variable: Variable.s3Addressing, value: value,
                    reason: "expected virtual or path")
            }
            addressing = style
        } else {
            addressing = endpoint == nil ? .virtual : .path
        }
        if let value = reader.value(Variable.s3MultipartThresholdMB) {
            multipartThreshold =
                try Self.megabytes(value, variable: Variable.s3MultipartThresholdMB, range: 1...5120) * Self.mebibyte
        }
        if let value = reader.value(Variable.s3PartSizeMB) {
            partSize = try Self.megabytes(value, variable: Variable.s3PartSizeMB, range: 5...5120) * Self.mebibyte
        }
    }

    /// A whole number of MiB within S3's limits (parts 5 MiB–5 GiB, single PUT ≤ 5 GiB).
    private static func megabytes(_ value: String, variable: String, range: ClosedRange<Int>) throws(ConfigurationError)
        -> Int
    {
        guard let number = Int(value) else {
            throw ConfigurationError(
                code: .invalidValue, variable: variable, value: value, reason: "expected a whole number of MiB")
        }
        guard range.contains(number) else {
            let reason =
                number < range.lowerBound
                ? "must be at least \(range.lowerBound)" : "must be at most \(range.upperBound) (S3's 5 GiB limit)"
            throw ConfigurationError(code: .outOfRange, variable: variable, value: value, reason: reason)
        }
        return number
    }
}

/// How bucket names go into S3 request URLs.
public enum S3Addressing: String, Sendable, Hashable, CaseIterable {
    /// `https://bucket.s3.region.amazonaws.com/key`
    case virtual
    /// `https://endpoint/bucket/key` (MinIO, moto, rclone and most local servers)
    case path
}
