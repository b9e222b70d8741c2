import Foundation
import Hummingbird
import Postgres
import Reports

/// `GET /api/v1/versions/{id}/rows.csv`: the whole version (or the chosen
/// columns, filters and sort) straight from `COPY (…) TO STDOUT (FORMAT
/// csv, HEADER)`, streamed in 64 KiB chunks with flat memory: the COPY
/// runs on a pool connection's own thread and waits for each chunk to be
/// written to the client before reading on. A failure after the headers
/// went out ends the response without its final chunk, so the client sees
/// a broken transfer rather than a short file.
struct CSVRoute {
    let state: WebState
    static let chunkSize = 64 * 1024

    @Sendable func csv(_ request: Request, context: WebRequestContext) async throws -> Response {
        let (record, ref) = try await APIRoutes(state: state).visibleVersion(context)
        guard record.status == "committed", let table = record.tableName, let number = record.version else {
            throw Problem(.conflict, "No rows", "version \(record.id) is \(record.status): it has no rows to read")
        }
        let query = request.uri.queryParameters
        let schema = state.catalog.schemas.data
        let available = try await state.pool.run { conn in
            try state.tableColumns.columns(version: record.id, schema: schema, table: table, connection: conn)
        }
        let filters = try RowPage.filters(query.getAll("where").map { String($0) })
        let sort = try RowPage.sort(query.getAll("sort").map { String($0) })
        let reportQuery: ReportQuery
        do {
            reportQuery = try ReportQuery(
                request: ReportRequest(dataset: ref.description, version: number, format: .csv,
                                       columns: query.getAll("columns").flatMap { $0.split(separator: ",").map(String.init) },
                                       filters: filters, sort: sort),
                schema: schema, table: table, available: available)
        } catch {
            throw Problem.badRequest(error.description, field: error.code == .unknownColumn ? "columns" : "where")
        }
        let copySQL = "COPY (\(reportQuery.copySelectSQL)) TO STDOUT WITH (FORMAT csv, HEADER true)"
        let pool = state.pool
        let fileName = "\(ref.name)-v\(number).csv".replacingOccurrences(of: "\"", with: "")
            .replacingOccurrences(of: "/", with: "_")
        let body = ResponseBody { writer in
            try await pool.withConnection { connection in
                try await Self.stream(copySQL, settingsSQL: reportQuery.settingsSQL, parameters: reportQuery.parameters,
                                      connection: connection, to: &writer)
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [
            .contentType: "text/csv; charset=utf-8",
            .contentDisposition: "attachment; filename=\"\(fileName)\"",
        ], body: body)
    }

    /// Runs the COPY on the connection's thread, handing chunks over one at
    /// a time (each waits until the previous one is written).
    static func stream(_ copySQL: String, settingsSQL: String?, parameters: [String], connection: PostgresConnection,
                       to writer: inout any ResponseBodyWriter) async throws {
        let handover = ChunkHandover()
        try await handover.relay(to: &writer) {
            try await connection.run { conn in
                try conn.transaction(purpose: "stream CSV") { conn in
                    // The whole version may take longer than a page's statement timeout.
                    try conn.execute("SET LOCAL statement_timeout = 0", purpose: "stream CSV: no timeout")
                    // Unsorted, the rows come in the order they were loaded (a version's
                    // table is never updated); a synchronized scan could start mid-table.
                    try conn.execute("SET LOCAL synchronize_seqscans = off", purpose: "stream CSV: rows in load order")
                    if let settingsSQL {
                        _ = try conn.query(settingsSQL, parameters.map { PostgresValue.text($0) }, purpose: "stream CSV: filters")
                    }
                    var buffer = ByteBuffer()
                    buffer.reserveCapacity(chunkSize + 4096)
                    try conn.copyOut(copySQL, purpose: "stream CSV") { bytes in
                        buffer.writeBytes(bytes)
                        if buffer.readableBytes >= chunkSize {
                            try handover.hand(buffer)
                            buffer = ByteBuffer()
                            buffer.reserveCapacity(chunkSize + 4096)
                        }
                    }
                    if buffer.readableBytes > 0 { try handover.hand(buffer) }
                }
            }
        }
    }
}
