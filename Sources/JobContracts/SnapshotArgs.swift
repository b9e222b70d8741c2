/// The arguments of a `snapshot` job (the nightly cron schedule or
/// `pyramydal snapshot --now`): none; the worker snapshots the configured
/// database into the configured store and applies retention.
public struct SnapshotArgs: JobArgs, Hashable {
    public static let kind = "snapshot"
    public var kind: String { Self.kind }

    public init() {}
}

/// What a `snapshot` job records when it completes.
public struct SnapshotResult: Codable, Sendable, Hashable {
    /// The snapshot's id.
    public var snapshot: String
    /// `full` or `incremental`.
    public var kind: String
    /// Objects the manifest lists.
    public var objects: Int
    /// Snapshots deleted by retention.
    public var pruned: [String]

    public init(snapshot: String, kind: String, objects: Int, pruned: [String]) {
        self.snapshot = snapshot
        self.kind = kind
        self.objects = objects
        self.pruned = pruned
    }
}
