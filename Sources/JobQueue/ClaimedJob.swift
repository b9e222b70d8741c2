import Postgres

/// What the in-process executor's handler gets for each job it claimed:
/// what to run and the attempt, without the bookkeeping columns (times,
/// history, result) that ``Job`` carries — the claim returns only these,
/// which keeps the claim's result small. Read ``JobQueue/job(id:)`` for the rest.
public struct ClaimedJob: Sendable, Hashable, Identifiable {
    public var id: Int64
    public var kind: String
    public var arguments: JSONValue
    public var priority: Int
    /// This attempt, 1-based.
    public var attempt: Int
    public var maxAttempts: Int
    public var uniqueKey: String?
    /// `<id>-<attempt>` (see ``Job/launchToken``).
    public var launchToken: String

    /// Decodes ``arguments`` into `T`.
    public func decodeArguments<T: Decodable>(_ type: T.Type = T.self) throws -> T {
        try arguments.decode(type)
    }

    /// The columns ``init(row:at:)`` reads, in its order (`arguments` as text).
    static let columns = ["id", "kind", "arguments", "priority", "attempt", "max_attempts", "unique_key", "launch_token"]

    /// Reads ``columns`` starting at position `c`.
    init(row: PostgresRow, at c: Int) throws {
        id = try row[c, as: Int64.self]
        kind = try row[c + 1, as: String.self]
        let argumentsText = try row[c + 2, as: String.self]
        arguments = argumentsText == "{}" ? .object([:]) : try JSONValue.parse(argumentsText)
        priority = try row[c + 3, as: Int.self]
        attempt = try row[c + 4, as: Int.self]
        maxAttempts = try row[c + 5, as: Int.self]
        uniqueKey = try row[c + 6, as: String?.self]
        launchToken = try row[c + 7, as: String.self]
    }
}
