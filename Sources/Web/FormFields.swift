import Foundation

/// The fields of an `application/x-www-form-urlencoded` body (or a query
/// string), in order, repeated names kept: `+` is a space, then
/// percent-decoding; a field that does not decode is dropped.
struct FormFields: Sendable {
    let fields: [(name: String, value: String)]

    init(_ text: String) {
        fields = text.split(separator: "&").compactMap { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ s: Substring) -> String? { s.replacingOccurrences(of: "+", with: " ").removingPercentEncoding }
            guard let name = decode(parts[0]), let value = parts.count > 1 ? decode(parts[1]) : "" else { return nil }
            return (name, value)
        }
    }

    func first(_ name: String) -> String? { fields.first { $0.name == name }?.value }
    func all(_ name: String) -> [String] { fields.filter { $0.name == name }.map(\.value) }
}
