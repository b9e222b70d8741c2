import Crypto
import Foundation

/// One query parameter, decoded (the signer percent-encodes it).
public struct SigV4QueryItem: Sendable, Equatable {
    public var name: String
    public var value: String
    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}

/// The parts of an HTTP request that AWS Signature Version 4 covers.
public struct SigV4Request: Sendable, Equatable {
    public var method: String
    /// The path exactly as it goes on the wire (for S3: `/bucket/` + the key
    /// URI-encoded once, with `/` kept).
    public var path: String
    /// Decoded query parameters, in any order.
    public var query: [SigV4QueryItem]
    /// Headers in request order; names in any case, duplicates allowed.
    public var headers: [(name: String, value: String)]
    /// Hex SHA-256 of the body, or `UNSIGNED-PAYLOAD`.
    public var payloadHash: String

    public init(method: String, path: String, query: [SigV4QueryItem] = [], headers: [(name: String, value: String)], payloadHash: String = SigV4Signer.emptyPayloadHash) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.payloadHash = payloadHash
    }

    public static func == (a: SigV4Request, b: SigV4Request) -> Bool {
        a.method == b.method && a.path == b.path && a.query == b.query && a.payloadHash == b.payloadHash
            && a.headers.map { $0.name } == b.headers.map { $0.name } && a.headers.map { $0.value } == b.headers.map { $0.value }
    }
}

/// The result of signing: every intermediate step (for tests and debugging —
/// none of them contain the secret) plus what to add to the request.
public struct SigV4Signature: Sendable {
    public var canonicalRequest: String
    public var stringToSign: String
    public var signature: String
    /// Header signing: headers to add, in order (`X-Amz-Date`, …, `Authorization`).
    public var addedHeaders: [(name: String, value: String)]
    /// Query signing: parameters to append, in order, ending with `X-Amz-Signature`.
    public var addedQuery: [SigV4QueryItem]
}

/// AWS Signature Version 4 as a pure value: no clock, no I/O.
///
/// S3 differs from the generic algorithm in two ways, both switches here:
/// the path is neither normalised (`.`/`..`/`//` are part of a key) nor
/// encoded a second time (the key is URI-encoded exactly once, on the wire
/// and in the canonical request).
public struct SigV4Signer: Sendable {
    public static let emptyPayloadHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    public static let unsignedPayload = "UNSIGNED-PAYLOAD"

    public var credentials: AWSCredentials
    public var region: String
    public var service: String
    /// Remove `.`/`..` segments and repeated slashes (generic services; not S3).
    public var normalizePath: Bool
    /// URI-encode the wire path again for the canonical request (generic services; not S3).
    public var doubleEncodePath: Bool
    /// Add `X-Amz-Content-SHA256` when signing with headers (always for S3).
    public var addContentSHA256Header: Bool
    /// Add the session token after signing instead of signing it (some services want that).
    public var omitSessionTokenFromSignature: Bool

    public init(credentials: AWSCredentials, region: String, service: String, normalizePath: Bool = true, doubleEncodePath: Bool = true, addContentSHA256Header: Bool = false, omitSessionTokenFromSignature: Bool = false) {
        self.credentials = credentials
        self.region = region
        self.service = service
        self.normalizePath = normalizePath
        self.doubleEncodePath = doubleEncodePath
        self.addContentSHA256Header = addContentSHA256Header
        self.omitSessionTokenFromSignature = omitSessionTokenFromSignature
    }

    /// The S3 flavour: no normalisation, single encoding, `x-amz-content-sha256` always.
    public static func s3(credentials: AWSCredentials, region: String) -> SigV4Signer {
        SigV4Signer(credentials: credentials, region: region, service: "s3", normalizePath: false, doubleEncodePath: false, addContentSHA256Header: true)
    }

    // MARK: signing

    /// Signs with the `Authorization` header.
    public func signHeaders(_ request: SigV4Request, date: Date) -> SigV4Signature {
        let stamp = Self.timestamp(date)
        var headers = request.headers
        var added: [(name: String, value: String)] = [("X-Amz-Date", stamp)]
        if let token = credentials.sessionToken, !omitSessionTokenFromSignature {
            added.append(("X-Amz-Security-Token", token))
        }
        if addContentSHA256Header {
            added.append(("X-Amz-Content-SHA256", request.payloadHash))
        }
        headers += added
        let (canonicalHeaders, signedHeaders) = Self.canonicalHeaders(headers)
        let canonical = [
            request.method,
            canonicalPath(request.path),
            Self.canonicalQuery(request.query),
            canonicalHeaders,
            signedHeaders,
            request.payloadHash,
        ].joined(separator: "\n")
        let scope = credentialScope(stamp)
        let stringToSign = Self.stringToSign(stamp: stamp, scope: scope, canonicalRequest: canonical)
        let signature = sign(stringToSign, stamp: stamp)
        if let token = credentials.sessionToken, omitSessionTokenFromSignature {
            added.append(("X-Amz-Security-Token", token))
        }
        added.append(("Authorization", "AWS4-HMAC-SHA256 Credential=\(credentials.accessKeyID)/\(scope), SignedHeaders=\(signedHeaders), Signature=\(signature)"))
        return SigV4Signature(canonicalRequest: canonical, stringToSign: stringToSign, signature: signature, addedHeaders: added, addedQuery: [])
    }

    /// Signs with query parameters (a presigned URL). For S3 pass
    /// `payloadHash: UNSIGNED-PAYLOAD` in the request.
    public func signQuery(_ request: SigV4Request, date: Date, expires: Int) -> SigV4Signature {
        let stamp = Self.timestamp(date)
        let scope = credentialScope(stamp)
        let (canonicalHeaders, signedHeaders) = Self.canonicalHeaders(request.headers)
        var added = [
            SigV4QueryItem("X-Amz-Algorithm", "AWS4-HMAC-SHA256"),
            SigV4QueryItem("X-Amz-Credential", "\(credentials.accessKeyID)/\(scope)"),
            SigV4QueryItem("X-Amz-Date", stamp),
            SigV4QueryItem("X-Amz-SignedHeaders", signedHeaders),
            SigV4QueryItem("X-Amz-Expires", String(expires)),
        ]
        if let token = credentials.sessionToken, !omitSessionTokenFromSignature {
            added.append(SigV4QueryItem("X-Amz-Security-Token", token))
        }
        let canonical = [
            request.method,
            canonicalPath(request.path),
            Self.canonicalQuery(request.query + added),
            canonicalHeaders,
            signedHeaders,
            request.payloadHash,
        ].joined(separator: "\n")
        let stringToSign = Self.stringToSign(stamp: stamp, scope: scope, canonicalRequest: canonical)
        let signature = sign(stringToSign, stamp: stamp)
        if let token = credentials.sessionToken, omitSessionTokenFromSignature {
            added.append(SigV4QueryItem("X-Amz-Security-Token", token))
        }
        added.append(SigV4QueryItem("X-Amz-Signature", signature))
        return SigV4Signature(canonicalRequest: canonical, stringToSign: stringToSign, signature: signature, addedHeaders: [], addedQuery: added)
    }

    // MARK: steps

    func credentialScope(_ stamp: String) -> String {
        "\(stamp.prefix(8))/\(region)/\(service)/aws4_request"
    }

    static func stringToSign(stamp: String, scope: String, canonicalRequest: String) -> String {
        "AWS4-HMAC-SHA256\n\(stamp)\n\(scope)\n\(hexSHA256(Array(canonicalRequest.utf8)))"
    }

    func sign(_ stringToSign: String, stamp: String) -> String {
        func hmac(_ key: SymmetricKey, _ text: String) -> SymmetricKey {
            SymmetricKey(data: Data(HMAC<SHA256>.authenticationCode(for: Array(text.utf8), using: key)))
        }
        var key = SymmetricKey(data: Array("AWS4\(credentials.secretAccessKey)".utf8))
        key = hmac(key, String(stamp.prefix(8)))
        key = hmac(key, region)
        key = hmac(key, service)
        key = hmac(key, "aws4_request")
        let mac = HMAC<SHA256>.authenticationCode(for: Array(stringToSign.utf8), using: key)
        return Self.hex(Array(mac))
    }

    func canonicalPath(_ path: String) -> String {
        var path = path.isEmpty ? "/" : path
        if normalizePath {
            path = Self.normalized(path)
        }
        return doubleEncodePath ? Self.uriEncode(path, encodeSlash: false) : path
    }

    static func normalized(_ path: String) -> String {
        var out: [Substring] = []
        for segment in path.split(separator: "/", omittingEmptySubsequences: true) {
            if segment == "." { continue }
            if segment == ".." { _ = out.popLast(); continue }
            out.append(segment)
        }
        var result = "/" + out.joined(separator: "/")
        if path.hasSuffix("/") && !out.isEmpty { result += "/" }
        return result
    }

    /// Encoded `name=value` pairs sorted by name, then value (all ASCII after encoding).
    static func canonicalQuery(_ items: [SigV4QueryItem]) -> String {
        var pairs: [(name: String, value: String)] = []
        for item in items {
            pairs.append((uriEncode(item.name, encodeSlash: true), uriEncode(item.value, encodeSlash: true)))
        }
        pairs.sort { (a: (name: String, value: String), b: (name: String, value: String)) -> Bool in
            a.name == b.name ? a.value < b.value : a.name < b.name
        }
        var parts: [String] = []
        for pair in pairs { parts.append(pair.name + "=" + pair.value) }
        return parts.joined(separator: "&")
    }

    /// Lower-cased names, sorted; values trimmed with inner runs of
    /// whitespace collapsed; repeated names joined with commas in order.
    static func canonicalHeaders(_ headers: [(name: String, value: String)]) -> (String, String) {
        var values: [String: [String]] = [:]
        for (name, value) in headers {
            values[name.lowercased(), default: []].append(collapseWhitespace(value))
        }
        let names = values.keys.sorted()
        let canonical = names.map { "\($0):\(values[$0]!.joined(separator: ","))\n" }.joined()
        return (canonical, names.joined(separator: ";"))
    }

    static func collapseWhitespace(_ value: String) -> String {
        value.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }).joined(separator: " ")
    }

    // MARK: encoding helpers

    /// RFC 3986 encoding as AWS defines it: `A-Z a-z 0-9 - _ . ~` stay, the
    /// rest is `%XX` (upper case) per UTF-8 byte; `/` stays unless `encodeSlash`.
    public static func uriEncode(_ text: String, encodeSlash: Bool) -> String {
        var out = [UInt8]()
        out.reserveCapacity(text.utf8.count)
        let hexDigits = Array("0123456789ABCDEF".utf8)
        for byte in text.utf8 {
            if isUnreserved(byte) || (byte == 0x2F && !encodeSlash) {
                out.append(byte)
            } else {
                out.append(0x25)
                out.append(hexDigits[Int(byte >> 4)])
                out.append(hexDigits[Int(byte & 0xF)])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func isUnreserved(_ byte: UInt8) -> Bool {
        (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39)
            || byte == 0x2D || byte == 0x5F || byte == 0x2E || byte == 0x7E
    }

    /// Decodes `%XX` escapes (a `+` stays a `+`).
    public static func percentDecode(_ text: Substring) -> String {
        var bytes = [UInt8]()
        var utf8 = Array(text.utf8)[...]
        while let byte = utf8.popFirst() {
            if byte == UInt8(ascii: "%"), utf8.count >= 2,
               let value = UInt8(String(decoding: utf8.prefix(2), as: UTF8.self), radix: 16) {
                bytes.append(value)
                utf8 = utf8.dropFirst(2)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// `20150830T123600Z`.
    public static func timestamp(_ date: Date) -> String {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func pad(_ value: Int32, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return pad(parts.tm_year + 1900, 4) + pad(parts.tm_mon + 1, 2) + pad(parts.tm_mday, 2) + "T"
            + pad(parts.tm_hour, 2) + pad(parts.tm_min, 2) + pad(parts.tm_sec, 2) + "Z"
    }

    public static func hexSHA256(_ bytes: [UInt8]) -> String {
        hex(Array(SHA256.hash(data: bytes)))
    }

    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0xF)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
