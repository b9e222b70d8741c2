import Catalog
import Foundation
public import ObjectStore
public import PyramydalRuntime

/// Opening stores the way the configuration says.
public enum IngestStores {
    /// The store at `url` (default: the configured `PYRAMYDAL_STORE`), with
    /// the configuration's S3 endpoint, region and addressing.
    public static func open(_ url: String? = nil, configuration: Configuration) throws -> any ObjectStore {
        try configuration.openStore(url)
    }

    /// `s3://bucket/key…` → (`s3://bucket`, `key…`).
    public static func split(s3URL: String) -> (store: String, key: String)? {
        guard s3URL.hasPrefix("s3://") else { return nil }
        let rest = s3URL.dropFirst(5)
        guard let slash = rest.firstIndex(of: "/") else { return nil }
        let key = String(rest[rest.index(after: slash)...])
        return key.isEmpty ? nil : ("s3://" + rest[..<slash], key)
    }
}

/// The ingest of one object of a store: download to a temporary file (xlsx
/// needs random access), ingest, and on failure write the error JSON to
/// `errors/<key>.json` in the same store. The source object is only read.
public struct StoreIngest: Sendable {
    public let ingest: Ingest
    public let store: any ObjectStore
    /// Where temporary downloads go (default `TMPDIR` or `/tmp`).
    public var temporaryDirectory: String

    public init(ingest: Ingest, store: any ObjectStore,
                temporaryDirectory: String = ProcessInfo.processInfo.environment["TMPDIR"] ?? "/tmp") {
        self.ingest = ingest
        self.store = store
        self.temporaryDirectory = temporaryDirectory
    }

    /// Scratch downloads are `<downloadPrefix>-<pid>-<uuid>.<ext>`, nameless
    /// once complete (``TemporaryDownload``).
    public static let downloadPrefix = "pyramydal-ingest"

    /// Removes downloads left by ingest workers killed mid-download; run when
    /// a worker starts.
    @discardableResult
    public static func sweepStaleDownloads(in directory: String = ProcessInfo.processInfo.environment["TMPDIR"] ?? "/tmp")
        -> [String] {
        TemporaryDownload.sweepStale(in: directory, prefix: downloadPrefix)
    }

    /// The key of the error report of `key`.
    public static func errorKey(for key: String) -> String { "errors/\(key).json" }

    /// Downloads and ingests `key`. `etag`, when given, is the version the
    /// event announced; the object's current etag is what gets recorded.
    public func run(key: String, etag: String? = nil, actor: String = IngestActor.current(),
                    progress: (@Sendable (IngestProgress) -> Void)? = nil) async throws -> [CommittedVersion] {
        let workbook = SourceNaming.workbook(key: key)
        var source = SourceIdentity(uri: uriOf(key), store: store.location, bucket: bucket, key: key, etag: etag)
        let downloadStart = DispatchTime.now()
        let download: TemporaryDownload
        do {
            let (fetched, info) = try await TemporaryDownload.fetch(
                key, from: store, into: temporaryDirectory, prefix: Self.downloadPrefix,
                suffix: key.lowercased().hasSuffix(".csv") ? ".csv" : ".xlsx")
            download = fetched
            source.etag = info.etag ?? etag
        } catch {
            let failure = IngestError.classify(error, file: key)
            var detail = failure.detail
            detail.dataset = workbook.description
            detail.key = key
            _ = try? await ingest.connection.run { [ingest, source, detail] conn in
                try ingest.catalog.recordFailure(workbook, source: source, sheet: nil, error: detail, timings: VersionTimings(),
                                                 createdBy: actor, on: conn)
            }
            if failure.kind == .badInput { await writeErrorReport(detail, key: key) }
            throw IngestError(kind: failure.kind, detail: detail)
        }
        let request = IngestRequest(path: download.path, workbook: workbook, source: source, actor: actor,
                                    downloadSeconds: Ingest.seconds(since: downloadStart))
        do {
            defer { withExtendedLifetime(download) {} }
            return try await ingest.ingest(request, progress: progress)
        } catch let error as IngestError {
            if error.kind == .badInput { await writeErrorReport(error.detail, key: key) }
            throw error
        }
    }

    /// Writes `errors/<key>.json`; a failure to write it is logged, not thrown
    /// (the error is recorded on the version either way).
    func writeErrorReport(_ detail: VersionError, key: String) async {
        do {
            _ = try await store.put(Self.errorKey(for: key), bytes: Array(detail.json().utf8),
                                    options: PutOptions(contentType: "application/json"))
        } catch {
            ingest.logger.error("could not write the error report", metadata: ["key": "\(Self.errorKey(for: key))", "error": "\(error)"])
        }
    }

    var bucket: String? {
        guard store.location.hasPrefix("s3://") else { return nil }
        return String(store.location.dropFirst(5).prefix { $0 != "/" })
    }

    func uriOf(_ key: String) -> String {
        store.location.hasSuffix("/") ? store.location + key : store.location + "/" + key
    }
}
