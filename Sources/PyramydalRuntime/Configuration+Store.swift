import Logging
import ObjectStore

extension Configuration {
    /// The configured store (`PYRAMYDAL_STORE`), or the store at `url`, with
    /// the configuration's S3 endpoint, region, addressing and multipart
    /// sizes and the AWS credential chain. A local store's folder (and its
    /// `incoming/`) is created when missing.
    public func openStore(_ url: String? = nil, logger: Logger = Logger(label: "pyramydal.store")) throws -> any ObjectStore {
        if url == nil { _ = try EmbeddedStack.prepareLocalStore(self) }
        let settings = S3StoreSettings(bucket: "", region: s3.region, endpoint: s3.endpoint, pathStyle: s3.addressing == .path,
                                       multipartThreshold: Int64(s3.multipartThreshold), partSize: Int64(s3.partSize))
        return try makeObjectStore(url: url ?? store.description, settings: settings, logger: logger)
    }
}
