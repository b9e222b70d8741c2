/// The one rule for keys, shared by every store: a key is a relative path
/// of non-empty segments, none of them `.` or `..`, without NUL. So a key
/// can never leave the store's prefix (S3) or root (a directory): a
/// leading `/`, `//`, `./` or `../` is refused, not normalised (libcurl
/// would squash `/../` in a URL path, and a file system resolves it).
/// Anything else, percent signs included, is stored under its literal name.
enum ObjectKey {
    /// Throws ``ObjectStoreError/Code/invalidKey`` unless `key` follows the
    /// rule and no segment satisfies `alsoRefused`.
    static func check(_ key: String, alsoRefused: (Substring) -> Bool = { _ in false }) throws(ObjectStoreError) {
        let segments = key.split(separator: "/", omittingEmptySubsequences: false)
        guard !key.isEmpty, !key.utf8.contains(0),
              segments.allSatisfy({ !$0.isEmpty && $0 != "." && $0 != ".." && !alsoRefused($0) })
        else {
            throw ObjectStoreError(code: .invalidKey, key: key,
                                   message: "keys are relative paths without '.', '..' or empty segments")
        }
    }
}
