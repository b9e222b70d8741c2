import Foundation

/// Which complete snapshots to keep: the newest snapshot of each of the
/// last `daily` days that have one, of the last `weekly` ISO weeks and of
/// the last `monthly` months (UTC), as restic's and borg's `--keep-daily`
/// etc. do. A snapshot kept by any rule is kept; the newest snapshot is
/// always kept. Pure: ids in, plan out.
public struct RetentionPolicy: Sendable, Hashable {
    /// `PYRAMYDAL_SNAPSHOT_KEEP_DAILY` / `_WEEKLY` / `_MONTHLY`.
    public static let dailyVariable = "PYRAMYDAL_SNAPSHOT_KEEP_DAILY"
    public static let weeklyVariable = "PYRAMYDAL_SNAPSHOT_KEEP_WEEKLY"
    public static let monthlyVariable = "PYRAMYDAL_SNAPSHOT_KEEP_MONTHLY"

    public var daily: Int
    public var weekly: Int
    public var monthly: Int

    public init(daily: Int = 7, weekly: Int = 4, monthly: Int = 12) {
        self.daily = daily
        self.weekly = weekly
        self.monthly = monthly
    }

    /// From the environment (defaults 7, 4, 12); a bad value names its variable.
    public init(environment: [String: String]) throws(SnapshotError) {
        func read(_ name: String, _ fallback: Int) throws(SnapshotError) -> Int {
            guard let text = environment[name], !text.isEmpty else { return fallback }
            guard let n = Int(text), n >= 0 else {
                throw SnapshotError(.badSetting, "\(name) must be a whole number ≥ 0, not \"\(text)\"")
            }
            return n
        }
        self.init(daily: try read(Self.dailyVariable, 7), weekly: try read(Self.weeklyVariable, 4),
                  monthly: try read(Self.monthlyVariable, 12))
    }

    /// The ids (of complete snapshots) to keep; the rest may be pruned.
    public func keep(_ ids: [String]) -> Set<String> {
        let dated = ids.compactMap { id in SnapshotLayout.date(of: id).map { (id, $0) } }
            .sorted { $0.0 > $1.0 }
        var calendar = Calendar(identifier: .iso8601)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        var kept = Set<String>()
        func apply(_ count: Int, bucket: (Date) -> String) {
            var seen = Set<String>()
            for (id, date) in dated {
                if seen.count >= count { break }
                if seen.insert(bucket(date)).inserted { kept.insert(id) }
            }
        }
        apply(daily) { d in
            let c = calendar.dateComponents([.year, .month, .day], from: d)
            return "\(c.year!)-\(c.month!)-\(c.day!)"
        }
        apply(weekly) { d in
            let c = calendar.dateComponents([.yearForWeekOfYear, .weekOfYear], from: d)
            return "\(c.yearForWeekOfYear!)-W\(c.weekOfYear!)"
        }
        apply(monthly) { d in
            let c = calendar.dateComponents([.year, .month], from: d)
            return "\(c.year!)-\(c.month!)"
        }
        if let newest = dated.first { kept.insert(newest.0) }
        // Ids that are not timestamps are never pruned.
        kept.formUnion(ids.filter { SnapshotLayout.date(of: $0) == nil })
        return kept
    }
}
