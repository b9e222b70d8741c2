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
            // Class 22 (data exception): a value PostgreSQL refuses.
            let kind: Kind = e.sqlState?.hasPrefix("22") == true ? .badInput : .transient
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
