import Foundation
import JobContracts

/// A column whose type differs between the two versions.
public struct DiffTypeChange: Sendable, Hashable {
    public var column: String
    /// The types as PostgreSQL names them (`bigint`, `numeric`, `text`, …).
    public var from: String
    public var to: String

    public init(column: String, from: String, to: String) {
        (self.column, self.from, self.to) = (column, from, to)
    }
}

/// Columns added, removed and retyped from one version to the next.
public struct DiffColumnChanges: Sendable, Hashable {
    public var added: [String]
    public var removed: [String]
    public var typeChanged: [DiffTypeChange]

    public var isEmpty: Bool { added.isEmpty && removed.isEmpty && typeChanged.isEmpty }
}

/// One changed cell of a changed row: values as PostgreSQL prints them (nil = NULL).
public struct DiffCellChange: Sendable, Hashable {
    public var column: String
    public var old: String?
    public var new: String?

    public init(column: String, old: String?, new: String?) {
        (self.column, self.old, self.new) = (column, old, new)
    }
}

/// A changed row: its key values and the cells that changed.
public struct DiffChangedRow: Sendable, Hashable {
    public var key: [String?]
    public var cells: [DiffCellChange]

    public init(key: [String?], cells: [DiffCellChange]) {
        self.key = key
        self.cells = cells
    }
}

/// The outcome of comparing two versions: counts, column changes and the
/// first rows of each kind (ordered by key, or by every column without one).
public struct VersionDiff: Sendable, Hashable {
    public var dataset: String
    public var from: Int
    public var to: Int
    public var key: [String]
    public var columns: DiffColumnChanges
    /// The columns rows were compared on (shared by both versions; without a
    /// key, the columns of the sample rows).
    public var comparedColumns: [String]
    public var added: Int
    public var removed: Int
    /// Rows whose key is in both versions with some cell changed (0 without a key).
    public var changed: Int
    /// Rows in both versions with nothing changed (with a key: matched rows;
    /// without: `from` rows minus removed).
    public var unchanged: Int
    /// Changed cells per compared column (with a key), in column order; columns without changes left out.
    public var changedCells: [DiffCellCount]
    /// With a key: the key values of the first added/removed rows; without:
    /// the rows' compared columns.
    public var sampleAdded: [[String?]]
    public var sampleRemoved: [[String?]]
    public var sampleChanged: [DiffChangedRow]
}

/// How many cells of one column changed.
public struct DiffCellCount: Sendable, Hashable {
    public var column: String
    public var count: Int

    public init(column: String, count: Int) {
        self.column = column
        self.count = count
    }
}

extension ReportError.Code {
    /// A key column with NULLs or duplicate values, or a diff that can't be made.
    public static let badKey = ReportError.Code(name: "badKey")
}
