import Logging
import ObjectStore

// Apart from ReportsCommandSupport.swift: PyramydalRuntime and ObjectStore
// both name a type S3Settings, and the module ObjectStore is shadowed by its
// protocol, so this file imports only ObjectStore.
extension ReportsCommandSupport {
    static func s3Store(bucket: String, prefix: String, region: String, endpoint: String?, pathStyle: Bool,
                        multipartThreshold: Int, partSize: Int, logger: Logger) -> any ObjectStore {
        let settings = S3Settings(bucket: bucket, prefix: prefix, region: region, endpoint: endpoint, pathStyle: pathStyle,
                                  multipartThreshold: Int64(multipartThreshold), partSize: Int64(partSize))
        return S3Store(settings: settings, credentials: DefaultCredentialChain(), logger: logger)
    }
}
