import Postgres

extension Catalog {
    /// The number format codes a version's columns carried in the workbook,
    /// by column name (columns without one are left out).
    public func columnFormats(versionID: Int64, on connection: PostgresConnection) throws -> [String: String] {
        let rows = try connection.query("""
            SELECT c->>'name', c->'format'->>'code'
            FROM \(versions) v, jsonb_array_elements(v.columns) c
            WHERE v.id = $1::bigint AND c->'format'->>'code' IS NOT NULL
            """, [.text(String(versionID))], purpose: "read the column formats of version \(versionID)")
        var formats: [String: String] = [:]
        for row in rows {
            formats[try row[0, as: String.self]] = try row[1, as: String.self]
        }
        return formats
    }
}
