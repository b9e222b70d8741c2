import XLSXReader
import Basics

/// Too many columns for one PostgreSQL table.
package struct ColumnNamesError: Error, Sendable, Equatable, CustomStringConvertible {
    package struct Code: Sendable, Hashable, CustomStringConvertible {
        let name: String
        /// More than ``ColumnNames/maxColumns`` columns.
        package static let tooManyColumns = Code(name: "tooManyColumns")
        package var description: String { name }
    }

    package var code: Code
    /// How many columns the sheet has.
    package var columnCount: Int

    package var description: String {
        "ColumnNamesError.\(code): the sheet has \(columnCount) columns; PostgreSQL allows at most \(ColumnNames.maxColumns) per table"
    }
}

/// Readable, unique PostgreSQL column names from a sheet's header row.
///
/// - Each header cell's text is trimmed, and every run of whitespace
///   inside it (line breaks included) becomes one space; otherwise the
///   person's text is kept as is, Unicode and case included (our SQL
///   always quotes identifiers).
/// - Numbers, dates, booleans and errors in the header become the text a
///   text column would show for them (`2024`, `2024-01-31`, `TRUE`, `#N/A`).
/// - A blank header cell becomes `column_<letter>` after its spreadsheet
///   column (`column_C`).
/// - Names are cut to 63 bytes (PostgreSQL's NAMEDATALEN - 1) on a UTF-8
///   character boundary, as PostgreSQL would otherwise cut them silently.
/// - Uniqueness is case-insensitive (`Amount` and `amount` would be two
///   legal but confusing columns, and BI tools often fold case): a name
///   already taken gets `_2`, `_3`, … (the base shortened so the suffix
///   fits in 63 bytes), skipping any name that appears literally elsewhere
///   in the header, so `a, a, a_2` becomes `a, a_3, a_2`. Earlier columns
///   keep their names; the result depends only on the header.
package enum ColumnNames {
    /// PostgreSQL's limit on the columns of a table.
    package static let maxColumns = 1600
    /// PostgreSQL's identifier length in bytes (NAMEDATALEN - 1).
    package static let maxNameBytes = 63

    /// One name per column: `header` is the header row's cells (the first
    /// non-empty row), `header[i]` being spreadsheet column
    /// `firstColumn + i` (0 is `A`); `columnCount` the sheet's column count
    /// when data rows are wider than the header.
    package static func make(
        header: [CellValue], columnCount: Int = 0, firstColumn: Int = 0, dateSystem: DateSystem = .excel1900
    ) throws(ColumnNamesError) -> [String] {
        let count = max(header.count, columnCount)
        guard count <= maxColumns else { throw ColumnNamesError(code: .tooManyColumns, columnCount: count) }
        let encoder = CopyEncoder(dateSystem: dateSystem)
        var bases: [String] = []
        bases.reserveCapacity(count)
        for i in 0..<count {
            let cleaned = i < header.count ? normalize(encoder.displayText(header[i])) : ""
            bases.append(truncate(cleaned.isEmpty ? "column_\(columnLetters(firstColumn + i))" : cleaned, toBytes: maxNameBytes))
        }
        let literal = Set(bases.map { $0.lowercased() })
        var used = Set<String>()
        var names: [String] = []
        names.reserveCapacity(count)
        for base in bases {
            var name = base
            if used.contains(base.lowercased()) {
                var n = 2
                repeat {
                    let suffix = "_\(n)"
                    name = truncate(base, toBytes: maxNameBytes - suffix.utf8.count) + suffix
                    n += 1
                } while used.contains(name.lowercased()) || literal.contains(name.lowercased())
            }
            used.insert(name.lowercased())
            names.append(name)
        }
        return names
    }

    /// The spreadsheet letters of a zero-based column index (0 → `A`,
    /// 26 → `AA`).
    package static func columnLetters(_ index: Int) -> String {
        var n = index + 1
        var letters: [UInt8] = []
        while n > 0 {
            n -= 1
            letters.append(UInt8(ascii: "A") + UInt8(n % 26))
            n /= 26
        }
        return String(decoding: letters.reversed(), as: UTF8.self)
    }

    /// Trims and collapses whitespace runs to one space.
    static func normalize(_ s: String) -> String {
        var out = String.UnicodeScalarView()
        var pendingSpace = false
        for scalar in s.unicodeScalars {
            if scalar.properties.isWhitespace || scalar == "\u{0}" {
                pendingSpace = !out.isEmpty
            } else {
                if pendingSpace { out.append(" ") }
                pendingSpace = false
                out.append(scalar)
            }
        }
        return String(out)
    }

    /// The longest prefix of `s` of at most `limit` UTF-8 bytes that ends
    /// on a character (scalar) boundary.
    static func truncate(_ s: String, toBytes limit: Int) -> String {
        if s.utf8.count <= limit { return s }
        var bytes = 0
        var end = s.unicodeScalars.startIndex
        for index in s.unicodeScalars.indices {
            let width = UTF8.width(s.unicodeScalars[index])
            if bytes + width > limit { break }
            bytes += width
            end = s.unicodeScalars.index(after: index)
        }
        return String(s.unicodeScalars[..<end])
    }
}
