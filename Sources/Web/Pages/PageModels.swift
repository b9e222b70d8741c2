import Accounts
import Catalog
import Foundation
import JobContracts
import Mustache
import Reports

// What the templates render (swift-mustache reads stored properties by
// name). Every value reaches the page through `{{…}}`, HTML-escaped; no
// template uses `{{{…}}}`.

/// The frame around every signed-in page: who is signed in and the sidebar.
struct PageFrame: Sendable {
    struct Department: Sendable {
        var name: String
        var role: String
        var datasets: [Dataset]
        /// Editors and admins get the upload form.
        var canUpload = false
        var uploadURL = ""
    }

    struct Dataset: Sendable {
        var id: Int64
        var name: String
        var rows: String
        var current: Bool
    }

    var username: String
    /// "global admin", or the roles: "viewer in dept-a".
    var roles: String
    var csrf: String?
    var departments: [Department]
    /// Global and department admins get the link to the admin area.
    var isAdmin: Bool

    /// The sidebar of `principal`: their departments as folders, each with
    /// the datasets in it (`datasets` already scoped), `current` marked.
    init(principal: Principal, datasets: [DatasetSummary], current: Int64?) {
        username = principal.user.username
        roles = principal.user.isAdmin ? "global admin"
            : principal.user.grants.sorted { $0.key < $1.key }.map { "\($0.value.rawValue) in \($0.key)" }.joined(separator: ", ")
        if case .session(_, let token) = principal.credential { csrf = token }
        isAdmin = UserAdministration.isAdmin(principal)
        var names = Set(datasets.map(\.ref.department))
        if !principal.user.isAdmin { names.formUnion(principal.user.grants.keys) }
        departments = names.sorted().map { name in
            Department(name: name, role: principal.user.role(in: name)?.rawValue ?? "",
                       datasets: datasets.filter { $0.ref.department == name }.map {
                           Dataset(id: $0.id, name: $0.ref.name, rows: $0.rowCount.map { PageFormat.count($0) } ?? $0.status,
                                   current: $0.id == current)
                       },
                       canUpload: principal.user.role(in: name).map { $0 >= .editor } ?? false,
                       uploadURL: "/departments/\(TableViewState.encode(name))/upload")
        }
    }
}

/// Numbers and times as the pages show them.
enum PageFormat {
    /// `1234567` → `1,234,567`.
    static func count(_ n: Int64) -> String {
        let digits = String(n.magnitude)
        var out = ""
        for (index, ch) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { out.append(",") }
            out.append(ch)
        }
        return n < 0 ? "-" + out : out
    }

    static func rows(_ n: Int64) -> String { "\(count(n)) \(n == 1 ? "row" : "rows")" }

    /// `512 bytes`, `12.3 KB`, `4.5 MB` (powers of 1,000).
    static func bytes(_ n: Int64) -> String {
        if n < 1000 { return "\(n) \(n == 1 ? "byte" : "bytes")" }
        var value = Double(n)
        for unit in ["KB", "MB", "GB", "TB"] {
            value /= 1000
            if value < 999.95 || unit == "TB" { return String(format: value < 9.995 ? "%.2f" : "%.1f", value) + " " + unit }
        }
        return "\(n) bytes"
    }

    /// `2026-12-06 19:24 UTC`.
    static func time(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm 'UTC'"
        return formatter.string(from: date)
    }

    static func iso(_ date: Date) -> String { ISO8601DateFormatter().string(from: date) }

    /// The CSS class of a column's cells: numbers right, booleans centred.
    static func align(_ type: ReportColumnType) -> String {
        switch type {
        case .integer, .numeric, .double: return "num"
        case .boolean: return "bool"
        case .date, .timestamp, .interval: return "time"
        case .text: return "text"
        }
    }

    /// A column type in a word, under its name.
    static func typeName(_ type: ReportColumnType) -> String {
        switch type {
        case .integer: return "integer"
        case .numeric: return "decimal"
        case .double: return "number"
        case .date: return "date"
        case .timestamp: return "timestamp"
        case .interval: return "interval"
        case .boolean: return "boolean"
        case .text: return "text"
        }
    }

    /// The filter operators that fit a column's type, the default first.
    static func operators(_ type: ReportColumnType) -> [ReportFilter.Operator] {
        switch type {
        case .text: return [.contains, .equal, .notEqual, .less, .greater]
        case .boolean: return [.equal, .notEqual]
        default: return [.equal, .notEqual, .less, .lessOrEqual, .greater, .greaterOrEqual]
        }
    }
}

/// The table page of a version (and, for an htmx request, its `rows` partial).
struct TablePage: Sendable {
    struct Column: Sendable {
        struct Op: Sendable {
            var value: String
            var label: String
            var selected: Bool
        }

        var name: String
        var type: String
        var align: String
        var sortURL: String
        var arrow: String
        var ops: [Op]
        var filterValue: String
    }

    struct Cell: Sendable {
        var isNull: Bool
        var text: String
        var align: String
        /// The whole text, for a cell the one-line view may cut (not `title`:
        /// a nil one would find the page's title further up the context).
        var full: String?
    }

    struct Row: Sendable {
        var number: String
        var cells: [Cell]
    }

    struct Field: Sendable {
        var name: String
        var value: String
    }

    struct Choice: Sendable {
        var name: String
        var shown: Bool
    }

    var title: String
    var frame: PageFrame
    var dataset: String
    var datasetID: Int64
    var version: String
    var path: String
    var q: String
    var sort: String?
    /// Filters the filter row does not show (a second one on a column, or one on a hidden column).
    var hiddenFilters: [String]
    var allColumns: [Choice]
    var columns: [Column]
    var rows: [Row]
    var problem: String?
    var countExact: Bool
    var countText: String
    var countURL: String
    var first: String
    var last: String
    /// The first row's number as the "go to row" field's value.
    var firstRow: Int
    var previousURL: String?
    var nextURL: String?
    var gotoFields: [Field]
    /// The print view of this view (``ReportPageRoutes``).
    var printURL: String
    /// The dataset's earlier reports.
    var reportsURL: String
    /// An editor's form that makes a report of this view.
    var report: ReportForm?
}

/// The versions page of a dataset.
struct VersionsPage: Sendable {
    struct Version: Sendable {
        var label: String
        var url: String?
        var status: String
        var who: String
        var when: String
        var iso: String
        var source: String
        var sourceFile: String
        var sheet: String
        var rows: String
        var notes: [String]
        var error: String?
        /// "Make this the latest", for an editor (``ManagePageRoutes``).
        var revert: ConfirmDialog? = nil
    }

    var title: String
    var frame: PageFrame
    var dataset: String
    var datasetID: Int64
    var latestURL: String?
    var versions: [Version]
    // Set by ``ManagePageRoutes/decorate(_:summary:versions:principal:query:)``.
    var notice: String? = nil
    var canCompare = false
    /// An editor: the column of "Make this the latest" buttons.
    var canRevert = false
    var compareVersions: [DiffPageModel.Choice] = []
    var keyChoices: [DiffPageModel.KeyChoice] = []
    var actions: [ConfirmDialog] = []
}

/// The home page: the datasets of the user's departments.
struct HomePage: Sendable {
    var title: String
    var frame: PageFrame
}

/// The sign-in form.
struct LoginPage: Sendable {
    var title = "Sign in"
    var frame: PageFrame? = nil
    var csrf: String
    var next: String
    var username: String
    var message: String?
}

/// A page that says one thing: not found, a count, an error.
struct NoticePage: Sendable {
    var title: String
    var frame: PageFrame?
    var heading: String
    var detail: String
    var link: String?
    var linkText: String?
}

// The table's rows and cells are most of a page's lookups: they answer by
// name directly instead of through `Mirror` (a page of 100 rows × 20
// columns is thousands of lookups).
extension TablePage.Row: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "number": return number
        case "cells": return cells
        default: return nil
        }
    }
}

extension TablePage.Cell: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "isNull": return isNull
        case "text": return text
        case "align": return align
        // A cell that is not cut answers false, not nil: the lookup stops here
        // instead of searching every context above the cell (and finding a
        // `full` of the page's).
        case "full": return full ?? false
        default: return nil
        }
    }
}
