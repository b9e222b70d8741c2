public import Foundation

/// Where a snapshot's objects live in the store:
///
/// ```
/// snapshots/<id>/manifest.json                 written last (complete)
/// snapshots/<id>/catalog.ndjson.gz
/// snapshots/<id>/data/<dataset id>/v<N>.ndjson.gz
/// snapshots/<id>/PRUNED                        retention dropped it; objects
///                                              still needed by kept snapshots stay
/// ```
///
/// `<id>` is the UTC start time, `20261123T020000Z`, so ids sort by time.
public enum SnapshotLayout {
    public static let root = "snapshots/"

    public static func prefix(_ id: String) -> String { root + id + "/" }
    public static func manifestKey(_ id: String) -> String { prefix(id) + "manifest.json" }
    public static func prunedKey(_ id: String) -> String { prefix(id) + "PRUNED" }
    public static func catalogKey(_ id: String) -> String { prefix(id) + "catalog.ndjson.gz" }
    public static func dataKey(_ id: String, datasetID: Int64, version: Int) -> String {
        prefix(id) + "data/\(datasetID)/v\(version).ndjson.gz"
    }

    /// The id of a snapshot started at `date`.
    public static func id(for date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        func two(_ v: Int?) -> String { let v = v ?? 0; return v < 10 ? "0\(v)" : "\(v)" }
        return "\(c.year ?? 0)\(two(c.month))\(two(c.day))T\(two(c.hour))\(two(c.minute))\(two(c.second))Z"
    }

    /// The time an id stands for (nil if it is not an id).
    public static func date(of id: String) -> Date? {
        let s = Array(id.utf8)
        guard s.count == 16, s[8] == UInt8(ascii: "T"), s[15] == UInt8(ascii: "Z") else { return nil }
        func number(_ range: Range<Int>) -> Int? { Int(String(decoding: s[range], as: UTF8.self)) }
        guard let y = number(0..<4), let mo = number(4..<6), let d = number(6..<8),
              let h = number(9..<11), let mi = number(11..<13), let se = number(13..<15) else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar.date(from: DateComponents(year: y, month: mo, day: d, hour: h, minute: mi, second: se))
    }
}
