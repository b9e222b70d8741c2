import HTTPTypes
import NIOCore
import NIOHTTP1
import NIOPosix

/// What the web tests send requests through: the live server on loopback.
/// (Our own small HTTP/1.1 client, so the suite doesn't build
/// HummingbirdTesting's AsyncHTTPClient, with its TLS, HTTP/2 and SOCKS
/// stacks, for plain requests to 127.0.0.1.)
protocol TestClientProtocol: Sendable {
    /// The server's port on 127.0.0.1 (for curl, the browser, schemathesis).
    var port: Int? { get }
    func execute(uri: String, method: HTTPRequest.Method, headers: HTTPFields, body: ByteBuffer?) async throws -> TestResponse
}

extension TestClientProtocol {
    func execute(uri: String, method: HTTPRequest.Method, headers: HTTPFields = [:], body: ByteBuffer? = nil) async throws -> TestResponse {
        try await execute(uri: uri, method: method, headers: headers, body: body)
    }
}

/// A whole response: status line, header fields and the body read to its end.
struct TestResponse: Sendable {
    var head: HTTPResponse
    var body: ByteBuffer

    var status: HTTPResponse.Status { head.status }
    var headers: HTTPFields { head.headerFields }
}

/// One connection per request (`Connection: close`), so a test's requests
/// never wait on each other and the server has nothing open when it stops.
struct LiveClient: TestClientProtocol {
    let port: Int?
    /// A request that takes longer than this fails instead of hanging the suite.
    static let timeout = TimeAmount.seconds(120)

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    func execute(uri: String, method: HTTPRequest.Method, headers: HTTPFields, body: ByteBuffer?) async throws -> TestResponse {
        guard let port else { throw Failure(description: "the server has no port") }
        var head = HTTPRequestHead(version: .http1_1, method: HTTPMethod(rawValue: method.rawValue), uri: uri)
        head.headers.add(name: "Host", value: "127.0.0.1:\(port)")
        for field in headers { head.headers.add(name: field.name.rawName, value: field.value) }
        head.headers.replaceOrAdd(name: "Connection", value: "close")
        if let body, headers[.contentLength] == nil, headers[.transferEncoding] == nil {
            head.headers.add(name: "Content-Length", value: String(body.readableBytes))
        }

        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    return try NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>(wrappingChannelSynchronously: channel)
                }
            }
        let deadline = channel.channel.eventLoop.scheduleTask(in: Self.timeout) { channel.channel.close(promise: nil) }
        defer { deadline.cancel() }
        return try await channel.executeThenClose { inbound, outbound in
            try await outbound.write(.head(head))
            if let body { try await outbound.write(.body(.byteBuffer(body))) }
            try await outbound.write(.end(nil))

            var response: HTTPResponse? = nil
            var collected = ByteBuffer()
            for try await part in inbound {
                switch part {
                case .head(let h) where h.status.code >= 200:
                    var fields = HTTPFields()
                    for (name, value) in h.headers {
                        guard let name = HTTPField.Name(name) else { continue }
                        fields.append(HTTPField(name: name, value: value))
                    }
                    response = HTTPResponse(status: .init(code: Int(h.status.code), reasonPhrase: h.status.reasonPhrase),
                                            headerFields: fields)
                case .head:
                    continue  // 100 Continue and the like
                case .body(var chunk):
                    collected.writeBuffer(&chunk)
                case .end:
                    guard let response else { throw Failure(description: "\(method) \(uri): a response without a status line") }
                    return TestResponse(head: response, body: collected)
                }
            }
            throw Failure(description: "\(method) \(uri): the connection closed before the response ended")
        }
    }
}
