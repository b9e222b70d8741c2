public import Catalog
import Foundation
import ObjectStore
import Postgres
import XLSXReader

/// Why an ingest failed: ``Kind/badInput`` (the file itself is wrong:
/// retrying can't help; exit 65) or ``Kind/transient`` (the database or the
/// store failed: retry; exit 75). ``detail`` is what is recorded on the
/// version and written to `errors/<key>.json`.
public struct IngestError: Error, Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable { case badInput, transient }

    public var kind: Kind
    public var detail: VersionError

    public init(kind: Kind, detail: VersionError) {
        self.kind = kind
        self.detail = detail
    }

    public var description: String { detail.description }

    /// A bad-input error about `file`.
    static func badInput(_ code: String, file: String, sheet: String? = nil, cell: String? = nil, _ message: String) -> IngestError {
        IngestError(kind: .badInput, detail: VersionError(kind: Kind.badInput.rawValue, code: code, file: file, sheet: sheet,
                                                          cell: cell, message: message))
    }

    /// PostgreSQL's "row is too big" (SQLSTATE 54000) in words: a row of
    /// `columns` values needs more than one 8 KiB page holds. The server
    /// says `row is too big: size S, maximum size M`; about `columns × M / S`
    /// columns of the same kind would fit. Any other error is returned as it is.
    static func tooWide(_ error: any Error, columns: Int, file: String, sheet: String) -> any Error {
        guard let e = error as? PostgresError, e.sqlState == "54000", columns > 0 else { return error }
        let numbers = e.message.split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
        var message = "rows are too wide for one table: \(columns) columns"
        if numbers.count >= 2, numbers[0] > 0 {
            let fitting = columns * numbers[1] / numbers[0]
            message += "; at most about \(fitting) columns of these kinds fit in one row (a row needs \(numbers[0]) bytes, "
                + "PostgreSQL allows \(numbers[1]))"
        }
        return badInput("tooWide", file: file, sheet: sheet, message + "; split the sheet into narrower ones")
    }

    /// Any error from the pipeline, classified. `file` is the name people
    /// know the source by (the key or path), never the temporary download.
    static func classify(_ error: any Error, file: String, sheet: String? = nil) -> IngestError {
        switch error {
        case let e as IngestError:
            return e
        case let e as PostgresTransactionError:
            return classify(e.error, file: file, sheet: sheet)
        case let e as WorkbookError:
            var message = e.message
            if let part = e.part { message += " (part \(part)\(e.line.map { ", line \($0)" } ?? ""))" }
            return badInput(e.code.name, file: file, sheet: e.sheet ?? sheet, cell: e.cell, message)
        case let e as ColumnNamesError:
            return badInput(e.code.description, file: file, sheet: sheet,
                            "the sheet has \(e.columnCount) columns; PostgreSQL allows at most \(ColumnNames.maxColumns)")
        case let e as PostgresError:
            // Classes 22, 23, 42, 54: what was sent is refused; retrying can't help.
            let kind: Kind = e.isBadInput ? .badInput : .transient
            return IngestError(kind: kind, detail: VersionError(kind: kind.rawValue, code: "postgres.\(e.code)", file: file,
                                                                sheet: sheet, message: e.description))
        case let e as ObjectStoreError:
            let kind: Kind = e.code == .notFound ? .badInput : .transient
            return IngestError(kind: kind, detail: VersionError(kind: kind.rawValue, code: "store.\(e.code)", file: file,
                                                                message: e.description))
        default:
            return IngestError(kind: .transient, detail: VersionError(kind: Kind.transient.rawValue, code: "unexpected",
                                                                      file: file, sheet: sheet, message: String(describing: error)))
        }
    }
}
