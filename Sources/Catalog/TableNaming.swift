/// How datasets are named in the `data` schema. Every name is used quoted,
/// so it keeps the person's text (Unicode, case, spaces); PostgreSQL
/// identifiers are at most 63 bytes, so names are cut on a character
/// boundary and never left for the server to cut silently.
///
/// - The **view** of a dataset (always the latest committed version) is
///   its name in department `default` (`orders`, `sales:Q1`) and
///   `<department>/<name>` otherwise (`finance/budget`), with `@` replaced
///   by `_` (so no view name ever contains `@`), cut to 63 bytes. If that
///   name is already another dataset's view (two long names cut to the
///   same prefix), `~2`, `~3`, … is appended (the base cut to fit). The
///   chosen name is stored in `datasets.view_name` (unique).
/// - The **table** of version N is `<view>@v<N>` (`orders@v3`); when that
///   exceeds 63 bytes it is `<view cut short>@<dataset id>v<N>`. Tables
///   always contain `@` and views never do, so a table never collides with
///   a view; the view name (unique) or the dataset id (unique) makes
///   tables of different datasets distinct, and N distinguishes versions.
public enum TableNaming {
    public static let maxBytes = 63

    /// The preferred view name of a dataset (before collision handling).
    public static func viewBase(department: String, name: String) -> String {
        let display = department == "default" ? name : "\(department)/\(name)"
        let cleaned = String(display.unicodeScalars.map { $0 == "@" || $0 == "\0" ? "_" : Character($0) })
        return truncate(cleaned, toBytes: maxBytes)
    }

    /// The `attempt`-th candidate (1 is the base, then `~2`, `~3`, …).
    public static func viewCandidate(base: String, attempt: Int) -> String {
        guard attempt > 1 else { return base }
        let suffix = "~\(attempt)"
        return truncate(base, toBytes: maxBytes - suffix.utf8.count) + suffix
    }

    /// The table of version `version` of the dataset whose view is `viewName`.
    public static func tableName(viewName: String, datasetID: Int64, version: Int) -> String {
        let short = "\(viewName)@v\(version)"
        if short.utf8.count <= maxBytes { return short }
        let suffix = "@\(datasetID)v\(version)"
        return truncate(viewName, toBytes: maxBytes - suffix.utf8.count) + suffix
    }

    /// The longest prefix of `s` of at most `limit` UTF-8 bytes ending on a
    /// scalar boundary.
    public static func truncate(_ s: String, toBytes limit: Int) -> String {
        if s.utf8.count <= limit { return s }
        var out = String.UnicodeScalarView()
        var bytes = 0
        for scalar in s.unicodeScalars {
            let width = UTF8.width(scalar)
            if bytes + width > limit { break }
            bytes += width
            out.append(scalar)
        }
        return String(out)
    }
}
