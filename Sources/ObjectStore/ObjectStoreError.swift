/// The one error type of the ObjectStore module: a `Code` plus context.
/// Never contains a secret (no credentials, no signatures, no presigned URLs).
public struct ObjectStoreError: Error, CustomStringConvertible, Sendable {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        let name: String
        public var description: String { name }
        /// The key does not exist.
        public static let notFound = Code(name: "notFound")
        /// A conditional PUT (`If-None-Match: *`) found an existing object (HTTP 412).
        public static let alreadyExists = Code(name: "alreadyExists")
        /// 401/403, including `SignatureDoesNotMatch` and `InvalidAccessKeyId`.
        public static let accessDenied = Code(name: "accessDenied")
        /// Any other HTTP error answer.
        public static let httpError = Code(name: "httpError")
        /// The transfer failed below HTTP (connect, timeout, reset…).
        public static let connection = Code(name: "connection")
        /// No usable credentials, or the credential source failed.
        public static let credentials = Code(name: "credentials")
        /// A key that is empty or would escape the store (`..`, absolute).
        public static let invalidKey = Code(name: "invalidKey")
        /// A store URL or setting that cannot be used.
        public static let invalidConfiguration = Code(name: "invalidConfiguration")
        /// The server answered something we could not understand.
        public static let invalidResponse = Code(name: "invalidResponse")
        /// A local file could not be read or written.
        public static let io = Code(name: "io")
    }

    public var code: Code
    public var httpStatus: Int?
    public var s3Code: String?
    public var requestID: String?
    public var key: String?
    public var message: String

    public init(code: Code, httpStatus: Int? = nil, s3Code: String? = nil, requestID: String? = nil, key: String? = nil, message: String) {
        self.code = code
        self.httpStatus = httpStatus
        self.s3Code = s3Code
        self.requestID = requestID
        self.key = key
        self.message = message
    }

    public var description: String {
        var parts = ["ObjectStoreError.\(code)"]
        if let httpStatus { parts.append("HTTP \(httpStatus)") }
        if let s3Code { parts.append(s3Code) }
        if let key { parts.append("key '\(key)'") }
        var text = parts.joined(separator: " ") + ": " + message
        if let requestID { text += " (request id \(requestID))" }
        return text
    }
}
