import Foundation
import Postgres

/// A diff report stored under `reports/…` and recorded as an artifact.
public struct PublishedDiff: Sendable, Hashable {
    public var artifactID: Int64
    /// `reports/<department>/<dataset>/v<to>/<name>.xlsx`.
    public var key: String
    public var bytes: Int
    public var sha256: String
    /// The counts and column changes (no sample rows).
    public var diff: VersionDiff
}

extension ExportJob {
    /// The body of an `export` job whose arguments carry a ``DiffRequest``:
    /// compares the two versions and publishes the XLSX diff report
    /// (``DiffXLSXRenderer``) like any export, filed under the newer version
    /// as `diff-v<from>-v<to>-job-<id>.xlsx` (or `…-<UTC time>` without a job).
    /// A missing version, unknown or non-unique key throws a bad-input ``ReportError``.
    public func runDiff(_ request: DiffRequest, name: String? = nil, jobID: Int64?, connection: PostgresConnection,
                        now: Date = Date()) async throws -> PublishedDiff {
        if let name { try ReportName.check(name) }
        let publisher = self.publisher
        let differ = VersionDiffer(sources: sources, sampleSize: 0)
        let path = (publisher.scratchDirectory as NSString)
            .appendingPathComponent("pyramydal-diff-\(UUID().uuidString).xlsx")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let generatedAt = ReportExporter.timestamp(now)
        let (diff, newSource, versionID) = try await connection.run { conn in
            let (plan, versionID) = try differ.plan(request, connection: conn)
            let diff = try VersionDiffer.inSnapshot(conn) {
                try differ.checkKeys(plan, connection: conn)
                let diff = try differ.summary(plan, request: request, connection: conn)
                let renderer = try DiffXLSXRenderer(path: path, plan: plan, diff: diff,
                                                    maxRowsPerSheet: publisher.exporter.xlsxRowsPerSheet,
                                                    temporaryDirectory: publisher.exporter.temporaryDirectory)
                try renderer.render(connection: conn, generatedAt: generatedAt)
                return diff
            }
            return (diff, plan.new, versionID)
        }
        let fileName = name ?? "diff-v\(request.from)-v\(request.to)-" + (jobID.map { "job-\($0)" } ?? ReportPublisher.stamp(now))
        let key = newSource.reportKey(name: fileName, format: .xlsx)
        let bytes = ReportExporter.size(path)
        let (id, digest) = try await publisher.upload(path, key: key, format: .xlsx, bytes: bytes, jobID: jobID, versionID: versionID,
                                                      filtersJSON: Self.diffJSON(request), connection: connection)
        return PublishedDiff(artifactID: id, key: key, bytes: bytes, sha256: digest, diff: diff)
    }

    static func diffJSON(_ request: DiffRequest) -> String {
        struct Shape: Encodable {
            var diff: DiffRequest
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (try? encoder.encode(Shape(diff: request))).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}
