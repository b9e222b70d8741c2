import ChildProcess
import Foundation
import Synchronization
import Testing
@testable import ObjectStore

@Suite struct DefaultCredentialChainTests {
    func temporaryDirectory(_ name: String) throws -> String {
        let path = NSTemporaryDirectory() + "objectstore-tests-\(name)-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test func environmentVariablesWinAndTheSecretIsRedacted() async throws {
        let chain = DefaultCredentialChain(environment: [
            "AWS_ACCESS_KEY_ID": "AKIAENV", "AWS_SECRET_ACCESS_KEY": "env-secret-value", "AWS_SESSION_TOKEN": "env-token-value",
            "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/credentials",
        ])
        let credentials = try await chain.credentials()
        #expect(credentials == AWSCredentials(accessKeyID: "AKIAENV", secretAccessKey: "env-secret-value", sessionToken: "env-token-value"))
        #expect(!credentials.description.contains("env-secret-value"))
        #expect(!credentials.description.contains("env-token-value"))
        #expect(!"\(credentials)".contains("secret-value"))
    }

    @Test func halfSetEnvironmentIsAnError() async throws {
        let chain = DefaultCredentialChain(environment: ["AWS_ACCESS_KEY_ID": "AKIAONLY", "HOME": "/nonexistent"])
        let error = await #expect(throws: ObjectStoreError.self) { try await chain.credentials() }
        #expect(error?.code == .credentials)
    }

    @Test func sharedFilesWithProfiles() async throws {
        let directory = try temporaryDirectory("shared-files")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try """
        # comment
        [default]
        aws_access_key_id = AKIADEFAULT
        aws_secret_access_key = default-secret

        [ingest]
        aws_access_key_id=AKIAINGEST
        aws_secret_access_key=ingest-secret
        aws_session_token = ingest-token
        """.write(toFile: directory + "/credentials", atomically: true, encoding: .utf8)
        try """
        [default]
        region = eu-west-1
        [profile from-config]
        aws_access_key_id = AKIACONFIG
        aws_secret_access_key = config-secret
        """.write(toFile: directory + "/config", atomically: true, encoding: .utf8)
        let base = ["AWS_SHARED_CREDENTIALS_FILE": directory + "/credentials", "AWS_CONFIG_FILE": directory + "/config", "HOME": "/nonexistent"]

        let defaults = try await DefaultCredentialChain(environment: base).credentials()
        #expect(defaults == AWSCredentials(accessKeyID: "AKIADEFAULT", secretAccessKey: "default-secret"))

        var ingestEnvironment = base
        ingestEnvironment["AWS_PROFILE"] = "ingest"
        let ingest = try await DefaultCredentialChain(environment: ingestEnvironment).credentials()
        #expect(ingest == AWSCredentials(accessKeyID: "AKIAINGEST", secretAccessKey: "ingest-secret", sessionToken: "ingest-token"))

        var configEnvironment = base
        configEnvironment["AWS_PROFILE"] = "from-config"
        let fromConfig = try await DefaultCredentialChain(environment: configEnvironment).credentials()
        #expect(fromConfig == AWSCredentials(accessKeyID: "AKIACONFIG", secretAccessKey: "config-secret"))

        // ~/.aws/credentials through HOME when no variable names the file.
        try FileManager.default.createDirectory(atPath: directory + "/home/.aws", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: directory + "/credentials", toPath: directory + "/home/.aws/credentials")
        let fromHome = try await DefaultCredentialChain(environment: ["HOME": directory + "/home", "AWS_PROFILE": "ingest"]).credentials()
        #expect(fromHome.accessKeyID == "AKIAINGEST")

        var missingEnvironment = base
        missingEnvironment["AWS_PROFILE"] = "nobody"
        let error = await #expect(throws: ObjectStoreError.self) { try await DefaultCredentialChain(environment: missingEnvironment).credentials() }
        #expect(error?.code == .credentials)
        #expect(error?.message.contains("nobody") == true)
    }

    /// The ECS endpoint stand-in (scripts/ecs-credentials-server.py) on loopback.
    final class EndpointServer {
        let child: RunningChild
        let port: Int

        init(expiresIn: Int, token: String? = nil) throws {
            child = try ChildProcess.spawn(
                "python3",
                [TestPaths.scripts.appendingPathComponent("ecs-credentials-server.py").path, String(expiresIn)] + (token.map { [$0] } ?? []),
                standardInput: .pipe, standardOutput: .pipe)
            port = try #require(child.readLine().flatMap { Int($0) })
        }

        func stop() {
            // The server exits when its standard input closes.
            child.closeStandardInput()
            _ = try? child.wait()
        }
    }

    @Test func containerEndpointFullURIWithTokenFileAndRefreshBeforeExpiration() async throws {
        let server = try EndpointServer(expiresIn: 3600, token: "Bearer test-auth-token")
        defer { server.stop() }
        let directory = try temporaryDirectory("ecs")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try "Bearer test-auth-token\n".write(toFile: directory + "/token", atomically: true, encoding: .utf8)

        let clock = Mutex(Date())
        let chain = DefaultCredentialChain(
            environment: [
                "AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://127.0.0.1:\(server.port)/v2/credentials",
                "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": directory + "/token",
                "HOME": "/nonexistent",
            ],
            now: { clock.withLock { $0 } })
        let first = try await chain.credentials()
        #expect(first.accessKeyID == "ECSKEY1")
        #expect(first.sessionToken == "ecs-token-1")
        let expiration = try #require(first.expiration)
        #expect(abs(expiration.timeIntervalSinceNow - 3600) < 60)

        // Cached while far from expiry…
        clock.withLock { $0 = expiration.addingTimeInterval(-3000) }
        #expect(try await chain.credentials().accessKeyID == "ECSKEY1")
        // …fetched again within five minutes of it.
        clock.withLock { $0 = expiration.addingTimeInterval(-240) }
        #expect(try await chain.credentials().accessKeyID == "ECSKEY2")
        // The new credentials are cached in turn.
        clock.withLock { $0 = Date() }
        #expect(try await chain.credentials().accessKeyID == "ECSKEY2")
    }

    @Test func containerEndpointRejectsAWrongToken() async throws {
        let server = try EndpointServer(expiresIn: 3600, token: "right-token")
        defer { server.stop() }
        let chain = DefaultCredentialChain(environment: [
            "AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://127.0.0.1:\(server.port)/creds",
            "AWS_CONTAINER_AUTHORIZATION_TOKEN": "wrong-token",
            "HOME": "/nonexistent",
        ])
        let error = await #expect(throws: ObjectStoreError.self) { try await chain.credentials() }
        #expect(error?.code == .credentials)
        #expect(error?.httpStatus == 401)
        #expect(error.map { !$0.description.contains("wrong-token") } == true)
    }

    @Test func shortLivedContainerCredentialsAreFetchedEveryTime() async throws {
        let server = try EndpointServer(expiresIn: 120)
        defer { server.stop() }
        let chain = DefaultCredentialChain(environment: ["AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://localhost:\(server.port)/creds", "HOME": "/nonexistent"])
        #expect(try await chain.credentials().accessKeyID == "ECSKEY1")
        #expect(try await chain.credentials().accessKeyID == "ECSKEY2")
    }

    @Test func fullURIMustBeLoopbackOrHTTPS() {
        #expect(DefaultCredentialChain.isAllowedFullURI("http://127.0.0.1:8080/x"))
        #expect(DefaultCredentialChain.isAllowedFullURI("http://localhost/x"))
        #expect(DefaultCredentialChain.isAllowedFullURI("http://169.254.170.23/v1/credentials"))
        #expect(DefaultCredentialChain.isAllowedFullURI("https://example.com/creds"))
        #expect(!DefaultCredentialChain.isAllowedFullURI("http://example.com/creds"))
        #expect(!DefaultCredentialChain.isAllowedFullURI("ftp://127.0.0.1/creds"))
    }

    @Test func relativeURIUsesTheECSAddress() throws {
        // Not fetched: 169.254.170.2 is unreachable from the test machine.
        let chain = DefaultCredentialChain(environment: ["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "/v2/credentials/abc", "HOME": "/nonexistent"])
        let url = "http://169.254.170.2/v2/credentials/abc"
        #expect(try chain.containerURL() == url)
    }
}
