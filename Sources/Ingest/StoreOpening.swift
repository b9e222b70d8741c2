import ObjectStore

// This file imports ObjectStore but not PyramydalRuntime: both modules
// define an `S3Settings`, and the module name `ObjectStore` is shadowed by
// the protocol of that name, so the two can't be told apart by qualifying.

/// Opens `url` (`s3://bucket[/prefix]` or `file:///path`) with S3 settings
/// given as plain values (see `IngestStores.open` for the configuration).
func openObjectStore(
    url: String, region: String, endpoint: String?, pathStyle: Bool, multipartThreshold: Int, partSize: Int
) throws -> any ObjectStore {
    let settings = S3Settings(bucket: "", region: region, endpoint: endpoint, pathStyle: pathStyle,
                              multipartThreshold: Int64(multipartThreshold), partSize: Int64(partSize))
    return try makeObjectStore(url: url, settings: settings)
}
