import Foundation

/// A signed client for AWS's JSON protocol (ECS, SQS): `POST /` with
/// `X-Amz-Target: <prefix>.<Action>` and a JSON body, SigV4-signed, over the
/// same libcurl transfer as S3. Errors come back as ``ObjectStoreError``
/// with the HTTP status and the AWS error type (`__type`) in `s3Code`.
public struct AWSJSONClient: Sendable {
    /// The signing name (`ecs`, `sqs`).
    public var service: String
    public var region: String
    /// `https://ecs.<region>.amazonaws.com`, or a test server.
    public var endpoint: String
    /// e.g. `AmazonEC2ContainerServiceV20141113`.
    public var targetPrefix: String
    public var contentType: String
    public var credentials: any CredentialProvider

    public init(service: String, region: String, endpoint: String, targetPrefix: String, contentType: String,
                credentials: any CredentialProvider) {
        self.service = service
        self.region = region
        self.endpoint = endpoint.hasSuffix("/") ? String(endpoint.dropLast()) : endpoint
        self.targetPrefix = targetPrefix
        self.contentType = contentType
        self.credentials = credentials
    }

    /// ECS (JSON 1.1).
    public static func ecs(region: String, endpoint: String? = nil, credentials: any CredentialProvider) -> AWSJSONClient {
        AWSJSONClient(service: "ecs", region: region, endpoint: endpoint ?? "https://ecs.\(region).amazonaws.com",
                      targetPrefix: "AmazonEC2ContainerServiceV20141113", contentType: "application/x-amz-json-1.1",
                      credentials: credentials)
    }

    /// SQS (JSON 1.0).
    public static func sqs(region: String, endpoint: String? = nil, credentials: any CredentialProvider) -> AWSJSONClient {
        AWSJSONClient(service: "sqs", region: region, endpoint: endpoint ?? "https://sqs.\(region).amazonaws.com",
                      targetPrefix: "AmazonSQS", contentType: "application/x-amz-json-1.0", credentials: credentials)
    }

    /// Calls `action` with a JSON body; returns the JSON answer's bytes.
    public func call(_ action: String, body: [UInt8]) async throws -> [UInt8] {
        try await post(body: body, contentType: contentType, target: "\(targetPrefix).\(action)", action: action)
    }

    /// A signed `POST /` with any body (e.g. the query protocol's form body,
    /// `target` nil); returns the answer's bytes.
    public func post(body: [UInt8], contentType: String, target: String?, action: String) async throws -> [UInt8] {
        let credentials: AWSCredentials
        do {
            credentials = try await self.credentials.credentials()
        } catch let error as ObjectStoreError {
            throw error
        } catch {
            throw ObjectStoreError(code: .credentials, message: "could not get AWS credentials: \(error)")
        }
        guard let url = URL(string: endpoint), let host = url.host else {
            throw ObjectStoreError(code: .invalidConfiguration, message: "\(service) endpoint '\(endpoint)' is not a URL")
        }
        let hostHeader = url.port.map { "\(host):\($0)" } ?? host
        let signer = SigV4Signer(credentials: credentials, region: region, service: service)
        let request = SigV4Request(
            method: "POST", path: "/",
            headers: [("Host", hostHeader), ("Content-Type", contentType)] + (target.map { [("X-Amz-Target", $0)] } ?? []),
            payloadHash: SigV4Signer.hexSHA256(body))
        let signature = signer.signHeaders(request, date: Date())
        let response = try await CurlTransfer.perform(HTTPRequest(
            method: "POST", url: endpoint + "/", headers: request.headers + signature.addedHeaders, body: .bytes(body),
            timeoutSeconds: 60))
        guard (200..<300).contains(response.status) else {
            var type: String?
            var message = String(decoding: response.body.prefix(512), as: UTF8.self)
            if let object = try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any] {
                type = (object["__type"] as? String).map { String($0.split(separator: "#").last ?? Substring($0)) }
                message = (object["message"] as? String) ?? (object["Message"] as? String) ?? message
            }
            throw ObjectStoreError(code: response.status == 403 ? .accessDenied : .httpError, httpStatus: response.status,
                                   s3Code: type, requestID: response.headers["x-amzn-requestid"],
                                   message: "\(service) \(action) failed: \(message)")
        }
        return response.body
    }
}
