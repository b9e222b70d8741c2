import Foundation
import JobContracts

// Parsing of the request's pieces as people write them (CLI options,
// `ExportWorker render`); their errors are ``ReportError``s.

extension ReportFilter {
    /// Parses `amount >= 10`, `city contains Köln`, `name=Ann` (operators
    /// may be written without spaces; `contains` needs spaces around it).
    public init(parsing text: String) throws(ReportError) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        // " contains " first, then the two-character operators before their prefixes.
        if let range = trimmed.range(of: " contains ", options: .caseInsensitive) {
            let column = trimmed[..<range.lowerBound].trimmingCharacters(in: .whitespaces)
            let value = trimmed[range.upperBound...].trimmingCharacters(in: .whitespaces)
            guard !column.isEmpty else { throw Self.malformed(text) }
            self.init(column: column, op: .contains, value: value)
            return
        }
        for op in [Operator.notEqual, .lessOrEqual, .greaterOrEqual, .equal, .less, .greater] {
            if let range = trimmed.range(of: op.rawValue) {
                let column = trimmed[..<range.lowerBound].trimmingCharacters(in: .whitespaces)
                var value = trimmed[range.upperBound...].trimmingCharacters(in: .whitespaces)
                guard !column.isEmpty else { throw Self.malformed(text) }
                if value.count >= 2, value.hasPrefix("'"), value.hasSuffix("'") {
                    value = String(value.dropFirst().dropLast())
                }
                self.init(column: column, op: op, value: value)
                return
            }
        }
        throw Self.malformed(text)
    }

    private static func malformed(_ text: String) -> ReportError {
        ReportError(.badFilter, "filter \"\(text)\" is not `column op value` (op: = != < <= > >= contains)")
    }
}

extension ReportSort {
    public init(parsing text: String) throws(ReportError) {
        var t = text.trimmingCharacters(in: .whitespaces)
        var descending = false
        if t.hasPrefix("-") {
            descending = true
            t.removeFirst()
        } else if t.lowercased().hasSuffix(" desc") {
            descending = true
            t = String(t.dropLast(5))
        } else if t.lowercased().hasSuffix(" asc") {
            t = String(t.dropLast(4))
        }
        t = t.trimmingCharacters(in: .whitespaces)
        guard !t.isEmpty else { throw ReportError(.badOption, "empty sort key in \"\(text)\"") }
        self.init(column: t, descending: descending)
    }
}
