import Foundation
import Hummingbird

/// The upload's workbook format: from `?format=`, else the extension of
/// `?filename=`, else the Content-Type; `application/octet-stream` (or
/// none) means xlsx, as `pyramydal drop` reads a file without extension.
enum UploadFormat: String {
    case xlsx, csv

    static let xlsxMediaType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

    var mediaType: String { self == .xlsx ? Self.xlsxMediaType : "text/csv" }

    init(query format: String?, fileName: String?, contentType: String?) throws {
        if let format {
            guard let known = UploadFormat(rawValue: format.lowercased()) else {
                throw Problem.badRequest("format must be xlsx or csv", field: "format")
            }
            self = known
            return
        }
        if let fileName {
            let ext = (fileName as NSString).pathExtension.lowercased()
            guard let known = UploadFormat(rawValue: ext) else {
                throw Problem.badRequest("the file name must end in .xlsx or .csv", field: "filename")
            }
            self = known
            return
        }
        let media = (contentType ?? "").split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        switch media {
        case Self.xlsxMediaType, "application/octet-stream", "": self = .xlsx
        case "text/csv", "application/csv": self = .csv
        default:
            throw Problem(.unsupportedMediaType, "Unsupported media type",
                          "send the workbook as \(Self.xlsxMediaType), text/csv or application/octet-stream", field: "Content-Type")
        }
    }
}

/// A request body that fails with 413 once more than `limit` bytes came
/// (the client may send no Content-Length, or a wrong one). `exceeded` is
/// set then too: a consumer (Hummingbird's `FileIO`) may wrap the error.
struct BoundedBody<Base: AsyncSequence>: AsyncSequence where Base.Element == ByteBuffer {
    typealias Element = ByteBuffer
    let base: Base
    let limit: Int64
    let exceeded = StopFlag()

    struct AsyncIterator: AsyncIteratorProtocol {
        var base: Base.AsyncIterator
        let limit: Int64
        let exceeded: StopFlag
        var seen: Int64 = 0

        mutating func next() async throws -> ByteBuffer? {
            guard let buffer = try await base.next() else { return nil }
            seen += Int64(buffer.readableBytes)
            if seen > limit {
                exceeded.set()
                throw UploadLimit.problem(limit)
            }
            return buffer
        }
    }

    func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(base: base.makeAsyncIterator(), limit: limit, exceeded: exceeded)
    }
}

enum UploadLimit {
    /// 413 naming the bound and its variable.
    static func problem(_ limit: Int64) -> Problem {
        Problem(.contentTooLarge, "Content too large",
                "the workbook is larger than \(limit) bytes (PYRAMYDAL_UPLOAD_MAX_MB)", field: "body")
    }
}
