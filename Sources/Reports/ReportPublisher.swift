import Catalog
import Crypto
import Foundation
import ObjectStore
import Postgres

/// A report stored under `reports/…` and recorded as an artifact.
public struct PublishedReport: Sendable, Hashable {
    public var artifactID: Int64
    /// The store key, `reports/<department>/<dataset>/v<version>/<name>.<ext>`.
    public var key: String
    public var bytes: Int
    /// Lowercase hex SHA-256 of the file.
    public var sha256: String
    public var output: ReportOutput
}

/// Renders a report to a scratch file, uploads it to the store and records
/// the artifact. The upload is a single PUT or a multipart upload that is
/// completed only when every part is in (the directory store renames a
/// finished temporary file), so a failed job never leaves half a report
/// visible; if recording the artifact fails, the object is deleted again.
public struct ReportPublisher: Sendable {
    public var exporter: ReportExporter
    public var store: any ObjectStore
    /// Where the artifact row goes.
    public var catalog: Catalog
    /// Where the file is rendered before upload.
    public var scratchDirectory: String

    public init(exporter: ReportExporter, store: any ObjectStore, catalog: Catalog,
                scratchDirectory: String = NSTemporaryDirectory()) {
        self.exporter = exporter
        self.store = store
        self.catalog = catalog
        self.scratchDirectory = scratchDirectory
    }

    /// - Parameters:
    ///   - name: the file name without extension; default `job-<id>` for a
    ///     job (so a rerun replaces its own report) or `<dataset>-<time>`.
    ///   - requestedBy: who asked for it, recorded on the artifact.
    ///   - rendered: called once the file is rendered, before it is uploaded
    ///     (the export job reports it as progress).
    public func publish(_ request: ReportRequest, source: ReportSource, name: String? = nil, jobID: Int64? = nil,
                        versionID: Int64? = nil, requestedBy: String? = nil, connection: PostgresConnection, now: Date = Date(),
                        rendered: (@Sendable (ReportOutput) async -> Void)? = nil) async throws -> PublishedReport {
        let fileName = name ?? jobID.map { "job-\($0)" } ?? "\(source.dataset)-\(Self.stamp(now))"
        let key = source.reportKey(name: fileName, format: request.format)
        let path = (scratchDirectory as NSString).appendingPathComponent("pyramydal-report-\(UUID().uuidString).\(request.format.fileExtension)")
        defer { try? FileManager.default.removeItem(atPath: path) }

        let output = try await exporter.render(request, source: source, to: path, connection: connection, now: now)
        await rendered?(output)
        let (id, digest) = try await upload(path, key: key, format: request.format, bytes: output.bytes, jobID: jobID,
                                            versionID: versionID, filtersJSON: Self.filtersJSON(request),
                                            requestedBy: requestedBy, connection: connection)
        return PublishedReport(artifactID: id, key: key, bytes: output.bytes, sha256: digest, output: output)
    }

    /// Uploads a rendered file under `key` and records its artifact; if
    /// recording fails, the object is deleted again.
    func upload(_ path: String, key: String, format: ReportRequest.Format, bytes: Int, jobID: Int64?, versionID: Int64?,
                filtersJSON: String, requestedBy: String? = nil,
                connection: PostgresConnection) async throws -> (artifactID: Int64, sha256: String) {
        let digest = try Self.sha256(path)
        _ = try await store.put(key, fromFile: path, options: PutOptions(contentType: Self.contentType(format)))
        let artifact = NewArtifact(kind: format.rawValue, key: key, bytes: bytes, sha256: digest,
                                   jobID: jobID, versionID: versionID, filtersJSON: filtersJSON, requestedBy: requestedBy)
        let catalog = self.catalog
        do {
            let id = try await connection.run { conn in try catalog.recordArtifact(artifact, on: conn) }
            return (id, digest)
        } catch {
            try? await store.delete(key)
            throw error
        }
    }

    static func sha256(_ path: String) throws -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw ReportError(.rendering, "cannot read \(path) back to hash it")
        }
        defer { try? handle.close() }
        var hasher = SHA256()
        while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
            hasher.update(data: chunk)
        }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }

    static func contentType(_ format: ReportRequest.Format) -> String {
        switch format {
        case .csv: "text/csv; charset=utf-8"
        case .xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        case .pdf: "application/pdf"
        }
    }

    static func filtersJSON(_ request: ReportRequest) -> String {
        struct Shape: Encodable {
            var columns: [String]
            var filters: [String]
            var sort: [String]
            var search: String?
        }
        let shape = Shape(columns: request.columns, filters: request.filters.map(\.description),
                          sort: request.sort.map(\.description), search: request.search)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (try? encoder.encode(shape)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    static func stamp(_ date: Date) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyyMMdd-HHmmss"
        return f.string(from: date)
    }
}
