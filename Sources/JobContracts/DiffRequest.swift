/// Which two versions of a dataset to compare, and by which key.
///
/// With a key, rows are matched on it: a key only in `to` is added, only
/// in `from` removed, in both with a different value in a shared column
/// changed. Without a key, rows are compared by content as multisets
/// (`EXCEPT ALL` both ways) on the columns both versions have: a row only
/// in `to` (or there more often) is added, the other way removed.
public struct DiffRequest: Sendable, Hashable, Codable {
    /// `[department/]name`.
    public var dataset: String
    public var from: Int
    public var to: Int
    /// Key columns (empty: compare by content).
    public var key: [String]

    public init(dataset: String, from: Int, to: Int, key: [String] = []) {
        self.dataset = dataset
        self.from = from
        self.to = to
        self.key = key
    }

    private enum CodingKeys: String, CodingKey { case dataset, from, to, key }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(dataset: try c.decode(String.self, forKey: .dataset), from: try c.decode(Int.self, forKey: .from),
                  to: try c.decode(Int.self, forKey: .to), key: try c.decodeIfPresent([String].self, forKey: .key) ?? [])
    }
}
