import Foundation
import Hummingbird
import ObjectStore

/// `GET /api/v1/reports/{id}/download`: the report's bytes streamed from
/// the store (S3 or the directory) through this service, with
/// `Content-Disposition: attachment`. The store hands each chunk over on
/// its transfer thread and waits until it is written to the client, so
/// memory stays flat however large the report. A failure after the headers
/// went out ends the response without its final chunk (a broken transfer,
/// never a short file).
///
/// Why not a redirect to a presigned S3 URL: the service stays the one
/// origin clients talk to (its CSP is `default-src 'self'`; the S3 endpoint
/// may not be reachable from the client at all, e.g. a VPC endpoint), both
/// stores answer the same way, and no bearer URL ends up in browser history
/// or proxy logs. `pyramydal download --url` still makes presigned URLs.
enum ReportDownload {
    /// The last segment of the key.
    static func fileName(of key: String) -> String {
        key.split(separator: "/").last.map(String.init) ?? key
    }

    static func contentType(of kind: String) -> String {
        switch kind {
        case "csv": "text/csv; charset=utf-8"
        case "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        case "pdf": "application/pdf"
        default: "application/octet-stream"
        }
    }

    /// `attachment; filename="<ASCII>"; filename*=UTF-8''<percent-encoded>` (RFC 6266).
    static func contentDisposition(fileName: String) -> String {
        let ascii = String(fileName.unicodeScalars.map { scalar -> Character in
            scalar.isASCII && scalar.value >= 0x20 && scalar != "\"" && scalar != "\\" && scalar.value != 0x7F ? Character(scalar) : "_"
        })
        var allowed = CharacterSet.alphanumerics.intersection(CharacterSet(charactersIn: Unicode.Scalar(0)...Unicode.Scalar(0x7F)))
        allowed.insert(charactersIn: "!#$&+-.^_`|~")
        let encoded = fileName.addingPercentEncoding(withAllowedCharacters: allowed) ?? ascii
        return "attachment; filename=\"\(ascii)\"; filename*=UTF-8''\(encoded)"
    }

    /// A response body that streams `key` from `store`.
    static func body(store: any ObjectStore, key: String, size: Int64) -> ResponseBody {
        ResponseBody(contentLength: Int(size)) { writer in
            let handover = ChunkHandover()
            try await handover.relay(to: &writer) {
                _ = try await store.get(key, range: nil) { bytes in try handover.hand(ByteBuffer(bytes: bytes)) }
            }
            try await writer.finish(nil)
        }
    }
}
