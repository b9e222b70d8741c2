import Foundation
public import Hummingbird

/// An RFC 9457 problem (`application/problem+json`): what went wrong, in
/// words, with the request field it is about.
public struct Problem: Error, HTTPResponseError, Sendable {
    public var status: HTTPResponse.Status
    /// A short, fixed summary of the kind of problem.
    public var title: String
    /// What happened this time, naming the field.
    public var detail: String
    /// The request field (query parameter, path segment or body member) it is about.
    public var field: String?
    public var headers: HTTPFields = [:]

    public init(_ status: HTTPResponse.Status, _ title: String, _ detail: String, field: String? = nil) {
        self.status = status
        self.title = title
        self.detail = detail
        self.field = field
    }

    /// A `type` URI per status (`…/problems/not-found`).
    var type: String { "https://pyramydal.invalid/problems/" + title.lowercased().replacingOccurrences(of: " ", with: "-") }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(ProblemBody(type: type, title: title, status: status.code, detail: detail,
                                           instance: request.uri.path, field: field))
        var fields = headers
        fields[.contentType] = "application/problem+json"
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    // MARK: the usual ones

    static func notFound(_ what: String) -> Problem {
        Problem(.notFound, "Not found", "\(what) does not exist or is not yours to see")
    }

    static func badRequest(_ detail: String, field: String) -> Problem {
        Problem(.badRequest, "Bad request", detail, field: field)
    }

    static let unauthorized: Problem = {
        var p = Problem(.unauthorized, "Unauthorized", "sign in (POST /api/v1/session) or send Authorization: Bearer <token>")
        p.headers[.wwwAuthenticate] = "Bearer"
        return p
    }()

    static func forbidden(_ detail: String) -> Problem {
        Problem(.forbidden, "Forbidden", detail)
    }
}

/// The problem document's members.
private struct ProblemBody: Encodable {
    var type: String, title: String, status: Int, detail: String, instance: String, field: String?
}
