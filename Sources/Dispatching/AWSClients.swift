import Logging
import ObjectStore

/// The signed AWS JSON clients (ECS, SQS) the dispatcher uses. In a file of
/// its own because `PyramydalRuntime` and `ObjectStore` both name a type
/// `S3Settings`, and the `ObjectStore` protocol hides the module name.
enum AWSClients {
    static func ecs(region: String, endpoint: String?) -> AWSJSONClient {
        AWSJSONClient.ecs(region: region, endpoint: endpoint, credentials: DefaultCredentialChain())
    }

    static func sqs(region: String, endpoint: String?) -> AWSJSONClient {
        AWSJSONClient.sqs(region: region, endpoint: endpoint, credentials: DefaultCredentialChain())
    }
}
