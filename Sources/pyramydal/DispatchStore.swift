import Logging
import ObjectStore

/// Builds the S3 store the dispatcher's intake sweeps. In a file of its own
/// because `PyramydalRuntime` and `ObjectStore` both name a type
/// `S3Settings`, and the `ObjectStore` protocol hides the module name.
enum DispatchStore {
    static func s3(url: String, bucket: String, prefix: String, region: String, endpoint: String?, pathStyle: Bool,
                   logger: Logger) throws -> any ObjectStore {
        try makeObjectStore(url: url, settings: S3Settings(bucket: bucket, prefix: prefix, region: region, endpoint: endpoint,
                                                           pathStyle: pathStyle), logger: logger)
    }

    static func ecs(region: String, endpoint: String?) -> AWSJSONClient {
        AWSJSONClient.ecs(region: region, endpoint: endpoint, credentials: DefaultCredentialChain())
    }

    static func sqs(region: String, endpoint: String?) -> AWSJSONClient {
        AWSJSONClient.sqs(region: region, endpoint: endpoint, credentials: DefaultCredentialChain())
    }
}
