import Hummingbird

/// `limit` (1…1000, default 100) and `cursor` (the last id of the previous
/// page) of a listing paged by descending id: the audit log, the reports.
struct IDPage {
    var limit: Int
    /// Only ids below this one.
    var before: Int64?

    init(_ query: Parameters) throws(Problem) {
        limit = 100
        if let text = query["limit"] {
            guard let n = Int(String(text)), (1...1000).contains(n) else {
                throw Problem.badRequest("limit must be between 1 and 1000", field: "limit")
            }
            limit = n
        }
        if let text = query["cursor"] {
            guard let n = Int64(String(text)) else { throw Problem.badRequest("not a cursor this listing returned", field: "cursor") }
            before = n
        }
    }
}
