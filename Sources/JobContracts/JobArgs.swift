/// One job kind's arguments, as River's `JobArgs` with its `Kind()`: the
/// queue stores them as JSON in the job's `arguments`, under ``kind``, and
/// the worker of that kind decodes them. Each kind's result is a `Codable`
/// value too, recorded as the job's result.
///
/// Only plain values live here, so the intake, the CLI and the workers
/// agree on a job's shape without depending on each other.
public protocol JobArgs: Codable, Sendable {
    /// The job kind: the name of its task definition (`tasks/<kind>.json`).
    var kind: String { get }
    /// The unique key that makes a second enqueue of the same work return
    /// the first job; nil: none.
    var uniqueKey: String? { get }
}

extension JobArgs {
    public var uniqueKey: String? { nil }
}

/// The platform's job kinds and the type of each one's arguments (export
/// and print share ``ExportJobArguments``).
public enum JobKinds {
    public static let arguments: [String: any JobArgs.Type] = [
        IngestArgs.kind: IngestArgs.self,
        ReportRequest.Format.csv.jobKind: ExportJobArguments.self,
        ReportRequest.Format.pdf.jobKind: ExportJobArguments.self,
        SnapshotArgs.kind: SnapshotArgs.self,
    ]
}
