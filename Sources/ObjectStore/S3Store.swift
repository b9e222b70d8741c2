import Crypto
import Foundation
import Logging

/// An `ObjectStore` on S3 (or an S3-compatible server) over libcurl, signed
/// with our own `SigV4Signer`.
public final class S3Store: ObjectStore {
    public let settings: S3Settings
    let credentialProvider: any CredentialProvider
    let logger: Logger
    let scheme: String
    let endpointHost: String
    let prefix: String

    public init(settings: S3Settings, credentials: any CredentialProvider, logger: Logger) {
        self.settings = settings
        self.credentialProvider = credentials
        self.logger = logger
        let endpoint = settings.endpoint ?? "https://s3.\(settings.region).amazonaws.com"
        if let range = endpoint.range(of: "://") {
            scheme = String(endpoint[..<range.lowerBound])
            endpointHost = String(endpoint[range.upperBound...].prefix { $0 != "/" })
        } else {
            scheme = "https"
            endpointHost = String(endpoint.prefix { $0 != "/" })
        }
        prefix = settings.normalizedPrefix
    }

    public var location: String {
        "s3://\(settings.bucket)/\(prefix)"
    }

    // MARK: addressing

    struct Target {
        var host: String
        var path: String
        var query: [SigV4QueryItem]
        var url: String
    }

    /// The wire form of a request for `fullKey` (nil: the bucket itself).
    /// The key is URI-encoded once; the same string is signed.
    func target(fullKey: String?, query: [SigV4QueryItem] = []) -> Target {
        let keyPath = fullKey.map { SigV4Signer.uriEncode($0, encodeSlash: false) }
        let host: String
        let path: String
        if settings.pathStyle {
            host = endpointHost
            path = "/" + settings.bucket + (keyPath.map { "/" + $0 } ?? "")
        } else {
            host = settings.bucket + "." + endpointHost
            path = "/" + (keyPath ?? "")
        }
        let queryString = SigV4Signer.canonicalQuery(query)
        return Target(host: host, path: path, query: query, url: "\(scheme)://\(host)\(path)" + (queryString.isEmpty ? "" : "?" + queryString))
    }

    func fullKey(_ key: String) throws -> String {
        try ObjectKey.check(key)
        return prefix + key
    }

    // MARK: sending

    /// Signs and sends one request, retrying idempotent ones on 5xx,
    /// `SlowDown` and connection errors with exponential backoff.
    func send(
        _ method: String,
        fullKey: String?,
        query: [SigV4QueryItem] = [],
        headers: [(name: String, value: String)] = [],
        body: HTTPRequest.Body = .none,
        payloadHash: String = SigV4Signer.emptyPayloadHash,
        sink: HTTPRequest.Sink = .collect,
        idempotent: Bool
    ) async throws -> HTTPResponse {
        let target = target(fullKey: fullKey, query: query)
        let attempts = idempotent ? max(1, settings.maxAttempts) : 1
        var attempt = 0
        while true {
            attempt += 1
            let credentials: AWSCredentials
            do {
                credentials = try await credentialProvider.credentials()
            } catch let error as ObjectStoreError {
                throw error
            } catch {
                throw ObjectStoreError(code: .credentials, message: "could not get AWS credentials: \(error)")
            }
            let signer = SigV4Signer.s3(credentials: credentials, region: settings.region)
            let request = SigV4Request(method: method, path: target.path, query: target.query, headers: [("Host", target.host)] + headers, payloadHash: payloadHash)
            let signature = signer.signHeaders(request, date: Date())
            let http = HTTPRequest(method: method, url: target.url, headers: request.headers + signature.addedHeaders, body: body, sink: sink)
            var retryable: Bool
            var outcome: Result<HTTPResponse, any Error>
            let started = ContinuousClock.now
            do {
                let response = try await CurlTransfer.perform(http)
                outcome = .success(response)
                // 5xx includes 503 SlowDown; 429 is what some S3 clones send instead.
                retryable = response.status >= 500 || response.status == 429
                logger.debug("S3 request", metadata: [
                    "s3.method": "\(method)", "s3.bucket": "\(settings.bucket)", "s3.key": "\(fullKey ?? "")",
                    "s3.status": "\(response.status)", "s3.duration": "\(ContinuousClock.now - started)",
                ])
            } catch let error as ObjectStoreError where error.code == .connection {
                outcome = .failure(error)
                // A handler may already have seen bytes; don't feed it twice.
                if case .handler = sink { retryable = false } else { retryable = true }
            }
            if retryable && attempt < attempts {
                let delay = Duration.milliseconds(100 * (1 << min(attempt, 6)) + Int.random(in: 0..<100))
                logger.debug("retrying S3 request", metadata: ["s3.method": "\(method)", "s3.attempt": "\(attempt)", "s3.path": "\(target.path)"])
                try await Task.sleep(for: delay)
                continue
            }
            return try outcome.get()
        }
    }

    /// Turns an error answer into an `ObjectStoreError`.
    func error(_ response: HTTPResponse, key: String?, action: String) -> ObjectStoreError {
        var s3Code: String?
        var message: String?
        var requestID = response.headers["x-amz-request-id"]
        if !response.body.isEmpty, let xml = try? S3XMLElement.parse(response.body) {
            s3Code = xml.value("Code")
            message = xml.value("Message")
            requestID = xml.value("RequestId") ?? requestID
        }
        let code: ObjectStoreError.Code
        switch response.status {
        case 404: code = .notFound
        case 412: code = .alreadyExists
        case 401, 403: code = .accessDenied
        default: code = .httpError
        }
        var text = "\(action) failed"
        if let message, !message.isEmpty { text += ": \(message)" }
        if s3Code == "SignatureDoesNotMatch" { text += " (check the secret access key and the region)" }
        return ObjectStoreError(code: code, httpStatus: response.status, s3Code: s3Code, requestID: requestID, key: key, message: text)
    }

    func info(_ key: String, _ headers: [String: String]) -> ObjectInfo {
        var size = Int64(headers["content-length"] ?? "") ?? 0
        if let range = headers["content-range"], let slash = range.lastIndex(of: "/"), let total = Int64(range[range.index(after: slash)...]) {
            size = total
        }
        return ObjectInfo(key: key, size: size, etag: headers["etag"], lastModified: headers["last-modified"].flatMap(Self.httpDate))
    }

    static func httpDate(_ text: String) -> Date? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        return formatter.date(from: text)
    }

    static func isoDate(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: text)
    }

    static func rangeHeader(_ range: ClosedRange<Int64>?) -> [(name: String, value: String)] {
        range.map { [("Range", "bytes=\($0.lowerBound)-\($0.upperBound)")] } ?? []
    }

    // MARK: operations

    public func head(_ key: String) async throws -> ObjectInfo? {
        let response = try await send("HEAD", fullKey: try fullKey(key), idempotent: true)
        if response.status == 404 { return nil }
        guard (200..<300).contains(response.status) else { throw error(response, key: key, action: "HEAD") }
        return info(key, response.headers)
    }

    public func get(_ key: String, toFile path: String, range: ClosedRange<Int64>?) async throws -> ObjectInfo {
        let response = try await send("GET", fullKey: try fullKey(key), headers: Self.rangeHeader(range), sink: .file(path), idempotent: true)
        guard (200..<300).contains(response.status) else { throw error(response, key: key, action: "GET") }
        return info(key, response.headers)
    }

    public func get(_ key: String, range: ClosedRange<Int64>?, chunk: @escaping @Sendable (UnsafeRawBufferPointer) throws -> Void) async throws -> ObjectInfo {
        let response = try await send("GET", fullKey: try fullKey(key), headers: Self.rangeHeader(range), sink: .handler(chunk), idempotent: true)
        guard (200..<300).contains(response.status) else { throw error(response, key: key, action: "GET") }
        return info(key, response.headers)
    }

    func putHeaders(_ options: PutOptions) -> [(name: String, value: String)] {
        var headers: [(name: String, value: String)] = []
        if let contentType = options.contentType { headers.append(("Content-Type", contentType)) }
        if options.ifNoneMatch { headers.append(("If-None-Match", "*")) }
        for (name, value) in options.metadata.sorted(by: { $0.key < $1.key }) {
            headers.append(("x-amz-meta-\(name.lowercased())", value))
        }
        return headers
    }

    public func put(_ key: String, bytes: [UInt8], options: PutOptions) async throws -> ObjectInfo {
        var headers = putHeaders(options)
        if options.contentType == nil { headers.append(("Content-Type", "application/octet-stream")) }
        let response = try await send("PUT", fullKey: try fullKey(key), headers: headers, body: .bytes(bytes), payloadHash: SigV4Signer.hexSHA256(bytes), idempotent: true)
        guard (200..<300).contains(response.status) else { throw error(response, key: key, action: "PUT") }
        return ObjectInfo(key: key, size: Int64(bytes.count), etag: response.headers["etag"], lastModified: nil)
    }

    public func put(_ key: String, fromFile path: String, options: PutOptions) async throws -> ObjectInfo {
        let full = try fullKey(key)
        let size = try Self.fileSize(path)
        if size > settings.multipartThreshold {
            return try await multipartUpload(key, fullKey: full, path: path, size: size, options: options)
        }
        var headers = putHeaders(options)
        if options.contentType == nil { headers.append(("Content-Type", "application/octet-stream")) }
        let hash = try await Self.hashFile(path, offset: 0, length: size)
        let response = try await send("PUT", fullKey: full, headers: headers, body: .file(path: path, offset: 0, length: size), payloadHash: hash, idempotent: true)
        guard (200..<300).contains(response.status) else { throw error(response, key: key, action: "PUT") }
        return ObjectInfo(key: key, size: size, etag: response.headers["etag"], lastModified: nil)
    }

    public func delete(_ key: String) async throws {
        let response = try await send("DELETE", fullKey: try fullKey(key), idempotent: true)
        guard (200..<300).contains(response.status) || response.status == 404 else { throw error(response, key: key, action: "DELETE") }
    }

    public func listPage(prefix listPrefix: String, continuationToken: String?) async throws -> ObjectListPage {
        var query = [SigV4QueryItem("list-type", "2"), SigV4QueryItem("prefix", prefix + listPrefix)]
        if let continuationToken { query.append(SigV4QueryItem("continuation-token", continuationToken)) }
        let response = try await send("GET", fullKey: nil, query: query, idempotent: true)
        guard (200..<300).contains(response.status) else { throw error(response, key: listPrefix, action: "ListObjectsV2") }
        let xml = try S3XMLElement.parse(response.body)
        guard xml.name == "ListBucketResult" else {
            throw ObjectStoreError(code: .invalidResponse, httpStatus: response.status, key: listPrefix, message: "ListObjectsV2 answered <\(xml.name)>")
        }
        let objects = xml.all("Contents").compactMap { item -> ObjectInfo? in
            guard let fullKey = item.value("Key"), fullKey.hasPrefix(prefix) else { return nil }
            return ObjectInfo(
                key: String(fullKey.dropFirst(prefix.count)),
                size: Int64(item.value("Size") ?? "") ?? 0,
                etag: item.value("ETag"),
                lastModified: item.value("LastModified").flatMap(Self.isoDate))
        }
        let truncated = xml.value("IsTruncated") == "true"
        let next = truncated ? xml.value("NextContinuationToken") : nil
        if truncated && next == nil {
            throw ObjectStoreError(code: .invalidResponse, key: listPrefix, message: "ListObjectsV2 is truncated but has no NextContinuationToken")
        }
        return ObjectListPage(objects: objects, continuationToken: next)
    }

    /// A presigned GET URL (query-signed, `UNSIGNED-PAYLOAD`), valid for
    /// `expiresIn` (1 s … 7 days). The URL is a bearer secret: don't log it.
    public func downloadLocation(_ key: String, expiresIn: Duration) async throws -> String {
        let seconds = Int(expiresIn.components.seconds)
        guard (1...604_800).contains(seconds) else {
            throw ObjectStoreError(code: .invalidConfiguration, key: key, message: "presigned URL expiry must be 1 s … 7 days, not \(seconds) s")
        }
        let credentials = try await credentialProvider.credentials()
        return presignedURL(fullKey: try fullKey(key), credentials: credentials, date: Date(), expires: seconds)
    }

    func presignedURL(fullKey: String, credentials: AWSCredentials, date: Date, expires: Int) -> String {
        let target = target(fullKey: fullKey)
        let request = SigV4Request(method: "GET", path: target.path, headers: [("Host", target.host)], payloadHash: SigV4Signer.unsignedPayload)
        let signature = SigV4Signer.s3(credentials: credentials, region: settings.region).signQuery(request, date: date, expires: expires)
        return target.url + "?" + SigV4Signer.canonicalQuery(signature.addedQuery)
    }

    /// Creates the bucket (tests, the local stack). An existing bucket owned by us is fine.
    public func createBucket() async throws {
        var body: [UInt8] = []
        if settings.region != "us-east-1" {
            body = Array("<CreateBucketConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><LocationConstraint>\(settings.region)</LocationConstraint></CreateBucketConfiguration>".utf8)
        }
        let response = try await send("PUT", fullKey: nil, body: .bytes(body), payloadHash: SigV4Signer.hexSHA256(body), idempotent: true)
        guard (200..<300).contains(response.status) else {
            let failure = error(response, key: nil, action: "CreateBucket \(settings.bucket)")
            if failure.s3Code == "BucketAlreadyOwnedByYou" || failure.s3Code == "BucketAlreadyExists" { return }
            throw failure
        }
    }

    // MARK: files

    static func fileSize(_ path: String) throws -> Int64 {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw ObjectStoreError(code: .io, message: "cannot stat '\(path)': \(String(cString: strerror(errno)))")
        }
        return Int64(info.st_size)
    }

    /// Hex SHA-256 of a byte range of a file, read in 1 MiB blocks off the cooperative pool.
    static func hashFile(_ path: String, offset: Int64, length: Int64) async throws -> String {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result {
                    let fd = open(path, O_RDONLY | O_CLOEXEC)
                    guard fd >= 0 else {
                        throw ObjectStoreError(code: .io, message: "cannot open '\(path)': \(String(cString: strerror(errno)))")
                    }
                    defer { close(fd) }
                    var hasher = SHA256()
                    var buffer = [UInt8](repeating: 0, count: 1 << 20)
                    var position = offset
                    let end = offset + length
                    while position < end {
                        let wanted = Int(min(Int64(buffer.count), end - position))
                        let got = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, wanted, off_t(position)) }
                        if got < 0 && errno == EINTR { continue }
                        guard got > 0 else {
                            throw ObjectStoreError(code: .io, message: "cannot read '\(path)': \(got < 0 ? String(cString: strerror(errno)) : "file shrank")")
                        }
                        hasher.update(data: buffer[0..<got])
                        position += Int64(got)
                    }
                    return SigV4Signer.hex(Array(hasher.finalize()))
                })
            }
        }
    }
}
