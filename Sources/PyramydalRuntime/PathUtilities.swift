/// Pure path arithmetic (no file system access), so configuration parsing
/// stays a function of its inputs.
enum PathUtilities {
    /// `path` made absolute against `directory` and normalised.
    static func absolute(_ path: String, relativeTo directory: String) -> String {
        path.hasPrefix("/") ? normalized(path) : normalized(directory + "/" + path)
    }

    /// An absolute path with `.`/`..` resolved, repeated and trailing `/` removed.
    static func normalized(_ path: String) -> String {
        var parts: [Substring] = []
        for part in path.split(separator: "/", omittingEmptySubsequences: true) {
            switch part {
            case ".": continue
            case "..": _ = parts.popLast()
            default: parts.append(part)
            }
        }
        return "/" + parts.joined(separator: "/")
    }

    /// The directories from `/` down to `path`'s parent, e.g. `/a/b/c` → `/`, `/a`, `/a/b`.
    static func ancestors(of path: String) -> [String] {
        let parts = normalized(path).split(separator: "/")
        var result = ["/"]
        var current = ""
        for part in parts.dropLast() {
            current += "/" + part
            result.append(current)
        }
        return result
    }
}
