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
