import Foundation
import Postgres

/// How every drop of a dataset is read where the detection of its table
/// gets it wrong: which sheet, the header's row, the table's exact range,
/// and whether a trailing total row stays.
public struct IngestSettings: Sendable, Hashable, Codable {
    public var sheet: String?
    /// The header's row (1-based); rows above it are skipped.
    public var headerRow: Int?
    /// The table's range (`A4:F1004`): its first row is the header.
    public var range: String?
    /// Keep a trailing total row (and footnotes) as data.
    public var keepTotals: Bool

    public init(sheet: String? = nil, headerRow: Int? = nil, range: String? = nil, keepTotals: Bool = false) {
        self.sheet = sheet
        self.headerRow = headerRow
        self.range = range
        self.keepTotals = keepTotals
    }

    public var isEmpty: Bool { sheet == nil && headerRow == nil && range == nil && !keepTotals }

    /// `sheet "Stock", header row 4, range A4:F1004, totals kept`.
    public var description: String {
        var parts: [String] = []
        if let sheet { parts.append("sheet \"\(sheet)\"") }
        if let headerRow { parts.append("header row \(headerRow)") }
        if let range { parts.append("range \(range)") }
        if keepTotals { parts.append("totals kept") }
        return parts.isEmpty ? "none (the table is detected)" : parts.joined(separator: ", ")
    }

    enum CodingKeys: String, CodingKey {
        case sheet, headerRow = "header_row", range, keepTotals = "keep_totals"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(sheet: try c.decodeIfPresent(String.self, forKey: .sheet), headerRow: try c.decodeIfPresent(Int.self, forKey: .headerRow),
                  range: try c.decodeIfPresent(String.self, forKey: .range),
                  keepTotals: try c.decodeIfPresent(Bool.self, forKey: .keepTotals) ?? false)
    }
}

extension Catalog {
    /// The dataset's ingest settings (nil: none, or no such dataset).
    public func ingestSettings(of ref: DatasetRef, on connection: PostgresConnection) throws -> IngestSettings? {
        let rows = try connection.query(
            "SELECT ingest_settings::text FROM \(datasets) WHERE department = $1 AND name = $2 AND deleted_at IS NULL",
            [.text(ref.department), .text(ref.name)], purpose: "read the ingest settings of \(ref)")
        guard let text = try rows.first?[0, as: String?.self] else { return nil }
        return try? JSONDecoder().decode(IngestSettings.self, from: Data(text.utf8))
    }

    /// Stores the dataset's ingest settings (nil or empty: none), creating
    /// the dataset if needed, and audits the change. Runs in a transaction
    /// of its own under the dataset's lock.
    public func setIngestSettings(_ settings: IngestSettings?, for ref: DatasetRef, actor: String,
                                  on connection: PostgresConnection) throws {
        let stored = settings.flatMap { $0.isEmpty ? nil : $0 }
        try connection.transaction(purpose: "ingest settings of \(ref)") { conn in
            try lockDataset(ref, on: conn)
            let id = try ensureDataset(ref, on: conn).id
            _ = try conn.query("UPDATE \(datasets) SET ingest_settings = $2::jsonb WHERE id = $1::bigint",
                             [.text(String(id)), stored.map { .text(Self.json($0)) } ?? .null],
                             purpose: "store the ingest settings of \(ref)")
            try audit(who: actor, what: "ingest settings", outcome: stored?.description ?? "cleared", dataset: ref, on: conn)
        }
    }
}
