import NIOCore
import Reports

/// A page of rows as JSON, written straight into a buffer: the shape of
/// `API.RowsJSON` (keys sorted, as the encoder writes them) without
/// `JSONEncoder`'s per-cell boxing, which was most of a page's CPU time.
/// Cells: bigint and finite double precision as JSON numbers (PostgreSQL's
/// own text, which is valid JSON), booleans as booleans, NULL as null,
/// everything else as a string.
enum RowsJSONWriter {
    static func encode(columns: [ReportColumn], rows: [[String?]], next: String?, limit: Int) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.reserveCapacity(256 + rows.count * columns.count * 16)
        buffer.writeStaticString("{\"columns\":[")
        for (index, column) in columns.enumerated() {
            if index > 0 { buffer.writeStaticString(",") }
            buffer.writeStaticString("{\"name\":")
            writeString(column.name, to: &buffer)
            buffer.writeStaticString(",\"type\":")
            writeString("\(column.type)", to: &buffer)
            buffer.writeStaticString("}")
        }
        buffer.writeStaticString("],\"limit\":")
        buffer.writeString(String(limit))
        buffer.writeStaticString(",\"next\":")
        if let next { writeString(next, to: &buffer) } else { buffer.writeStaticString("null") }
        buffer.writeStaticString(",\"rows\":[")
        for (rowIndex, row) in rows.enumerated() {
            buffer.writeStaticString(rowIndex == 0 ? "[" : ",[")
            for (index, text) in row.enumerated() {
                if index > 0 { buffer.writeStaticString(",") }
                writeCell(text, type: columns[index].type, to: &buffer)
            }
            buffer.writeStaticString("]")
        }
        buffer.writeStaticString("]}")
        return buffer
    }

    static func writeCell(_ text: String?, type: ReportColumnType, to buffer: inout ByteBuffer) {
        guard let text else {
            buffer.writeStaticString("null")
            return
        }
        switch type {
        case .integer where Int64(text) != nil: buffer.writeString(text)
        case .double where Double(text)?.isFinite == true: buffer.writeString(text)
        case .boolean: buffer.writeStaticString(text == "t" || text == "true" ? "true" : "false")
        default: writeString(text, to: &buffer)
        }
    }

    private static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    /// A JSON string: `"` and `\` escaped, control characters as `\uXXXX`
    /// (or their short forms), everything else as UTF-8.
    static func writeString(_ text: String, to buffer: inout ByteBuffer) {
        buffer.writeStaticString("\"")
        if !text.utf8.contains(where: { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C }) {
            buffer.writeString(text)
        } else {
            for byte in text.utf8 {
                switch byte {
                case 0x22: buffer.writeStaticString("\\\"")
                case 0x5C: buffer.writeStaticString("\\\\")
                case 0x0A: buffer.writeStaticString("\\n")
                case 0x0D: buffer.writeStaticString("\\r")
                case 0x09: buffer.writeStaticString("\\t")
                case 0x00..<0x20: buffer.writeBytes([0x5C, 0x75, 0x30, 0x30, hex[Int(byte >> 4)], hex[Int(byte & 0xF)]])
                default: buffer.writeInteger(byte)
                }
            }
        }
        buffer.writeStaticString("\"")
    }
}
