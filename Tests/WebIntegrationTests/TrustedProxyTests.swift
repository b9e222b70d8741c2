import HTTPTypes
import Hummingbird
import Testing
import Web

extension WebIntegration {
    /// `PYRAMYDAL_HTTP_TRUSTED_PROXIES`: behind a load balancer, login
    /// throttling counts the client named by `X-Forwarded-For`, and only
    /// when the request comes from a trusted proxy.
    @Suite struct TrustedProxyTests {
        @Test func parsingAndTheRightmostUntrustedHop() throws {
            let proxies = try TrustedProxies(parsing: "10.0.0.0/16, 127.0.0.1, fd00::/8")
            #expect(proxies.contains("10.0.255.1"))
            #expect(!proxies.contains("10.1.0.1"))
            #expect(proxies.contains("::ffff:127.0.0.1"))
            #expect(proxies.contains("fd12:3456::1"))
            #expect(!proxies.contains("fe80::1"))
            #expect(!proxies.contains("010.0.0.1"))
            // The rightmost hop that is not a proxy; what the client wrote further left is ignored.
            #expect(proxies.clientAddress(peer: "10.0.3.4", forwardedFor: ["1.2.3.4, 198.51.100.7, 10.0.9.9"]) == "198.51.100.7")
            #expect(proxies.clientAddress(peer: "10.0.3.4", forwardedFor: ["2001:db8::5"]) == "2001:db8::5")
            // Not from a proxy, or no usable header: the peer.
            #expect(proxies.clientAddress(peer: "198.51.100.1", forwardedFor: ["1.2.3.4"]) == "198.51.100.1")
            #expect(proxies.clientAddress(peer: "10.0.3.4", forwardedFor: ["garbage"]) == "10.0.3.4")
            #expect(proxies.clientAddress(peer: "10.0.3.4", forwardedFor: []) == "10.0.3.4")
            #expect(TrustedProxies().clientAddress(peer: "127.0.0.1", forwardedFor: ["1.2.3.4"]) == "127.0.0.1")
            for bad in ["10.0.0.0/33", "example.com", "1.2.3", "::1::2", "fd00::/129"] {
                #expect(throws: WebSettingsError.self) { try TrustedProxies(parsing: bad) }
            }
            #expect(throws: WebSettingsError.self) { try WebSettings(environment: ["PYRAMYDAL_HTTP_TRUSTED_PROXIES": "nope"]) }
            #expect(try WebSettings(environment: ["PYRAMYDAL_HTTP_TRUSTED_PROXIES": "127.0.0.1"]).trustedProxies.contains("127.0.0.1"))
        }

        @Test func throttlingCountsTheForwardedClient() async throws {
            var settings = WebSettings()
            settings.sessions.maxFailuresPerClient = 3
            settings.trustedProxies = try TrustedProxies(parsing: "127.0.0.1")
            try await WebFixture.run(settings: settings) { (_: WebFixture, client: any TestClientProtocol) async throws in
                func signIn(_ user: String, _ password: String, from address: String) async throws -> HTTPResponse.Status {
                    try await client.execute(
                        uri: "/api/v1/session", method: .post,
                        headers: [.contentType: "application/json", HTTPField.Name("X-Forwarded-For")!: "6.6.6.6, \(address)"],
                        body: ByteBuffer(string: #"{"username":"\#(user)","password":"\#(password)"}"#)).status
                }
                for name in ["x1", "x2", "x3"] {
                    #expect(try await signIn(name, "wrong password!", from: "203.0.113.9") == .unauthorized)
                }
                // That client is throttled, whatever the account...
                #expect(try await signIn("ada", WebFixture.password, from: "203.0.113.9") == .tooManyRequests)
                // ...while another client behind the same proxy signs in.
                #expect(try await signIn("ada", WebFixture.password, from: "203.0.113.10") == .ok)
            }
        }
    }
}
