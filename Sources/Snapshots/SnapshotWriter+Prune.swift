public import Postgres

/// What a prune did.
public struct PruneResult: Sendable, Hashable {
    /// Complete snapshots kept, oldest first.
    public var kept: [String]
    /// Snapshots retention dropped in this run.
    public var pruned: [String]
    /// Snapshots without manifest (dead runs) removed.
    public var removedIncomplete: [String]
    /// Objects deleted.
    public var deletedObjects: Int
    /// The tables of deleted datasets dropped (``Catalog/purgeDeleted(who:on:)``).
    public var purgedTables: [String] = []
}

extension SnapshotWriter {
    /// Applies `policy` under the snapshot lock: drops the complete
    /// snapshots it does not keep, deletes every object no kept
    /// snapshot's manifest needs (so a dropped snapshot whose data a kept
    /// incremental inherits keeps that data, marked `PRUNED`), and removes
    /// what dead runs left behind (no manifest; safe because no snapshot is
    /// running while the lock is held). Then drops the tables of datasets
    /// deleted since the last prune (a snapshot never carries them).
    public func prune(policy: RetentionPolicy, connection: PostgresConnection, actor: String) async throws -> PruneResult {
        try await withSnapshotLock(connection) {
            var result = try await pruneLocked(policy: policy)
            let catalog = self.catalog
            result.purgedTables = try await connection.run { try catalog.purgeDeleted(who: actor, on: $0) }
            if !result.pruned.isEmpty || !result.removedIncomplete.isEmpty {
                try await audit(connection, who: actor, what: "prune snapshots", outcome: "completed", detail: [
                    "pruned": result.pruned.joined(separator: ","), "incomplete": result.removedIncomplete.joined(separator: ","),
                    "deleted_objects": "\(result.deletedObjects)"])
            }
            return result
        }
    }

    func pruneLocked(policy: RetentionPolicy) async throws -> PruneResult {
        let entries = try await repository.entries()
        let complete = entries.filter { $0.state == .complete }.map(\.id)
        let keep = policy.keep(complete)
        var needed = Set<String>()
        for id in complete where keep.contains(id) {
            needed.formUnion(try await repository.manifest(id).manifest.neededKeys)
        }
        var result = PruneResult(kept: complete.filter(keep.contains), pruned: [], removedIncomplete: [], deletedObjects: 0)
        for entry in entries where !(entry.state == .complete && keep.contains(entry.id)) {
            let marker = SnapshotLayout.prunedKey(entry.id)
            let manifest = SnapshotLayout.manifestKey(entry.id)
            switch entry.state {
            case .complete:
                // Mark first: a prune that dies midway leaves a pruned
                // snapshot, never an incomplete-looking one.
                _ = try await store.put(marker, bytes: Array("pruned by retention\n".utf8))
                result.pruned.append(entry.id)
            case .incomplete:
                result.removedIncomplete.append(entry.id)
            case .pruned:
                break
            }
            let doomed = entry.keys.filter { !needed.contains($0) && $0 != marker && $0 != manifest }
            for key in doomed {
                try await store.delete(key)
                result.deletedObjects += 1
            }
            if entry.keys.contains(manifest) {
                try await store.delete(manifest)
                result.deletedObjects += 1
            }
            let remaining = entry.keys.filter { needed.contains($0) && $0 != marker && $0 != manifest }
            if remaining.isEmpty, entry.state != .incomplete || entry.keys.contains(marker) {
                try await store.delete(marker)
                result.deletedObjects += 1
            }
        }
        logger.info("snapshots pruned", metadata: [
            "snapshot.kept": "\(result.kept.count)", "snapshot.pruned": "\(result.pruned.count)",
            "snapshot.incomplete_removed": "\(result.removedIncomplete.count)", "snapshot.deleted_objects": "\(result.deletedObjects)"])
        return result
    }
}

extension SnapshotWriter {
    /// The nightly job: a snapshot, then (only if it succeeded) a prune.
    public func runAndPrune(connection: PostgresConnection, actor: String, policy: RetentionPolicy)
        async throws -> (manifest: SnapshotManifest, prune: PruneResult) {
        let manifest = try await run(connection: connection, actor: actor)
        let prune = try await prune(policy: policy, connection: connection, actor: actor)
        return (manifest, prune)
    }
}
