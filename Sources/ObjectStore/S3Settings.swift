/// Where and how an `S3Store` talks to S3. Never holds a secret.
public struct S3Settings: Sendable, Equatable {
    public var bucket: String
    /// Key prefix of this store inside the bucket (`""`, or e.g. `team/` — a
    /// missing trailing `/` is added).
    public var prefix: String
    public var region: String
    /// A custom endpoint such as `http://127.0.0.1:55000`; nil for AWS
    /// (`https://s3.<region>.amazonaws.com`).
    public var endpoint: String?
    /// `endpoint/bucket/key` instead of `bucket.endpoint/key`.
    public var pathStyle: Bool
    /// Files larger than this are uploaded with multipart upload.
    public var multipartThreshold: Int64
    /// Size of each multipart part (S3's minimum is 5 MiB; raised to it).
    public var partSize: Int64
    /// Parts uploaded at the same time.
    public var multipartConcurrency: Int
    /// Attempts for idempotent requests on 5xx, `SlowDown` and connection errors.
    public var maxAttempts: Int

    public static let minimumPartSize: Int64 = 5 * 1024 * 1024

    public init(
        bucket: String,
        prefix: String = "",
        region: String = "us-east-1",
        endpoint: String? = nil,
        pathStyle: Bool = false,
        multipartThreshold: Int64 = 64 * 1024 * 1024,
        partSize: Int64 = 16 * 1024 * 1024,
        multipartConcurrency: Int = 4,
        maxAttempts: Int = 4
    ) {
        self.bucket = bucket
        self.prefix = prefix
        self.region = region
        self.endpoint = endpoint
        self.pathStyle = pathStyle
        self.multipartThreshold = multipartThreshold
        self.partSize = partSize
        self.multipartConcurrency = multipartConcurrency
        self.maxAttempts = maxAttempts
    }

    var normalizedPrefix: String {
        let trimmed = String(prefix.drop { $0 == "/" })
        return trimmed.isEmpty || trimmed.hasSuffix("/") ? trimmed : trimmed + "/"
    }
}

/// ``S3Settings`` under a name that modules with an `S3Settings` of their
/// own (PyramydalRuntime's configuration value) can still spell.
public typealias S3StoreSettings = S3Settings
