import Foundation

/// The standard AWS credential chain:
/// 1. `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` (/ `AWS_SESSION_TOKEN`);
/// 2. the shared files — `AWS_SHARED_CREDENTIALS_FILE` (default
///    `~/.aws/credentials`, section `[name]`) then `AWS_CONFIG_FILE` (default
///    `~/.aws/config`, section `[profile name]` or `[default]`), profile
///    `AWS_PROFILE` (default `default`);
/// 3. the ECS container endpoint — `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI`
///    on `http://169.254.170.2`, or `AWS_CONTAINER_CREDENTIALS_FULL_URI`
///    (https, or http to a loopback/ECS/EKS address) with the
///    `Authorization` header from `AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE` or
///    `AWS_CONTAINER_AUTHORIZATION_TOKEN`.
///
/// The first source that yields credentials wins. The result is cached and
/// fetched again from ~5 minutes before its `Expiration`.
public struct DefaultCredentialChain: CredentialProvider {
    let environment: [String: String]
    let refreshMargin: Duration
    let now: @Sendable () -> Date
    let cache = CredentialCache()

    public init(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        refreshMargin: Duration = .seconds(300),
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.environment = environment
        self.refreshMargin = refreshMargin
        self.now = now
    }

    public func credentials() async throws -> AWSCredentials {
        let margin = TimeInterval(refreshMargin.components.seconds)
        return try await cache.get(now: now(), margin: margin) { try await resolve() }
    }

    func resolve() async throws -> AWSCredentials {
        if let fromEnvironment = try fromEnvironment() { return fromEnvironment }
        if let fromFiles = try fromSharedFiles() { return fromFiles }
        if let fromContainer = try await fromContainerEndpoint() { return fromContainer }
        throw ObjectStoreError(code: .credentials, message: "no AWS credentials found (looked at AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, the shared credentials and config files for profile '\(profile)', and the ECS container endpoint variables)")
    }

    var profile: String { environment["AWS_PROFILE"].flatMap { $0.isEmpty ? nil : $0 } ?? "default" }

    func fromEnvironment() throws -> AWSCredentials? {
        let id = environment["AWS_ACCESS_KEY_ID"] ?? ""
        let secret = environment["AWS_SECRET_ACCESS_KEY"] ?? ""
        if id.isEmpty && secret.isEmpty { return nil }
        guard !id.isEmpty, !secret.isEmpty else {
            throw ObjectStoreError(code: .credentials, message: "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set together")
        }
        let token = environment["AWS_SESSION_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
        return AWSCredentials(accessKeyID: id, secretAccessKey: secret, sessionToken: token)
    }

    func fromSharedFiles() throws -> AWSCredentials? {
        let home = environment["HOME"] ?? NSHomeDirectory()
        let credentialsFile = environment["AWS_SHARED_CREDENTIALS_FILE"] ?? "\(home)/.aws/credentials"
        let configFile = environment["AWS_CONFIG_FILE"] ?? "\(home)/.aws/config"
        let sources: [(path: String, section: String)] = [
            (credentialsFile, profile),
            (configFile, profile == "default" ? "default" : "profile \(profile)"),
        ]
        for (path, section) in sources {
            guard let text = try? String(contentsOfFile: Self.expandTilde(path, home: home), encoding: .utf8) else { continue }
            let values = Self.parseINI(text)[section] ?? [:]
            guard let id = values["aws_access_key_id"], let secret = values["aws_secret_access_key"], !id.isEmpty, !secret.isEmpty else { continue }
            return AWSCredentials(accessKeyID: id, secretAccessKey: secret, sessionToken: values["aws_session_token"].flatMap { $0.isEmpty ? nil : $0 })
        }
        return nil
    }

    static func expandTilde(_ path: String, home: String) -> String {
        path.hasPrefix("~/") ? home + path.dropFirst() : path
    }

    /// `[section]` → `key = value`; `#`/`;` comments; names trimmed; keys lower-cased.
    static func parseINI(_ text: String) -> [String: [String: String]] {
        var result: [String: [String: String]] = [:]
        var section: String?
        for rawLine in text.split(whereSeparator: \.isNewline) {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("[") && line.hasSuffix("]") {
                let name = line.dropFirst().dropLast().split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
                section = name
                continue
            }
            guard let section, let equals = line.firstIndex(of: "=") else { continue }
            let key = line[..<equals].trimmingCharacters(in: .whitespaces).lowercased()
            let value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            result[section, default: [:]][key] = value
        }
        return result
    }

    /// The container endpoint's URL, or nil when neither variable is set.
    func containerURL() throws -> String? {
        if let relative = environment["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"], !relative.isEmpty {
            return "http://169.254.170.2" + (relative.hasPrefix("/") ? relative : "/" + relative)
        }
        if let full = environment["AWS_CONTAINER_CREDENTIALS_FULL_URI"], !full.isEmpty {
            guard Self.isAllowedFullURI(full) else {
                throw ObjectStoreError(code: .credentials, message: "AWS_CONTAINER_CREDENTIALS_FULL_URI must be https or http to a loopback or container-metadata address")
            }
            return full
        }
        return nil
    }

    func fromContainerEndpoint() async throws -> AWSCredentials? {
        guard let url = try containerURL() else { return nil }
        var headers: [(name: String, value: String)] = [("Accept", "application/json")]
        if let tokenFile = environment["AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"], !tokenFile.isEmpty {
            guard let token = try? String(contentsOfFile: tokenFile, encoding: .utf8) else {
                throw ObjectStoreError(code: .credentials, message: "cannot read AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE '\(tokenFile)'")
            }
            headers.append(("Authorization", token.trimmingCharacters(in: .whitespacesAndNewlines)))
        } else if let token = environment["AWS_CONTAINER_AUTHORIZATION_TOKEN"], !token.isEmpty {
            headers.append(("Authorization", token))
        }
        var lastError: (any Error)?
        for attempt in 1...3 {
            do {
                let response = try await CurlTransfer.perform(HTTPRequest(method: "GET", url: url, headers: headers, timeoutSeconds: 5))
                guard response.status == 200 else {
                    throw ObjectStoreError(code: .credentials, httpStatus: response.status, message: "the container credentials endpoint \(CurlTransfer.redacted(url)) answered HTTP \(response.status)")
                }
                return try Self.decodeContainerCredentials(response.body)
            } catch let error as ObjectStoreError where error.code == .connection || (error.httpStatus ?? 0) >= 500 {
                lastError = error
                if attempt < 3 { try await Task.sleep(for: .milliseconds(100 * attempt)) }
            }
        }
        throw ObjectStoreError(code: .credentials, message: "the container credentials endpoint failed: \((lastError as? ObjectStoreError)?.message ?? "unknown error")")
    }

    static func isAllowedFullURI(_ url: String) -> Bool {
        if url.hasPrefix("https://") { return true }
        guard url.hasPrefix("http://") else { return false }
        let authority = url.dropFirst("http://".count).prefix { $0 != "/" }
        let host: Substring
        if authority.hasPrefix("[") {
            host = authority.prefix { $0 != "]" }.dropFirst()
        } else {
            host = authority.prefix { $0 != ":" }
        }
        return host == "localhost" || host.hasPrefix("127.") || host == "::1" || host == "169.254.170.2" || host == "169.254.170.23" || host == "fd00:ec2::23"
    }

    struct ContainerCredentials: Decodable {
        var AccessKeyId: String
        var SecretAccessKey: String
        var Token: String?
        var Expiration: String?
    }

    static func decodeContainerCredentials(_ body: [UInt8]) throws -> AWSCredentials {
        guard let decoded = try? JSONDecoder().decode(ContainerCredentials.self, from: Data(body)) else {
            throw ObjectStoreError(code: .credentials, message: "the container credentials endpoint answered JSON without AccessKeyId/SecretAccessKey")
        }
        var expiration: Date?
        if let text = decoded.Expiration {
            guard let date = S3Store.isoDate(text) else {
                throw ObjectStoreError(code: .credentials, message: "the container credentials endpoint answered an unreadable Expiration '\(text)'")
            }
            expiration = date
        }
        return AWSCredentials(accessKeyID: decoded.AccessKeyId, secretAccessKey: decoded.SecretAccessKey, sessionToken: decoded.Token, expiration: expiration)
    }
}

/// Holds the chain's last credentials; one fetch at a time.
actor CredentialCache {
    private var current: AWSCredentials?
    private var inFlight: Task<AWSCredentials, any Error>?

    func get(now: Date, margin: TimeInterval, fetch: @escaping @Sendable () async throws -> AWSCredentials) async throws -> AWSCredentials {
        if let current, current.expiration.map({ $0.timeIntervalSince(now) > margin }) ?? true {
            return current
        }
        if let inFlight { return try await inFlight.value }
        let task = Task { try await fetch() }
        inFlight = task
        defer { inFlight = nil }
        let fresh = try await task.value
        current = fresh
        return fresh
    }
}
