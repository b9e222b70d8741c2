import Foundation

/// Finds the system's PostgreSQL server binaries (`initdb`, `pg_ctl`, …).
enum PostgresBinaries {
    /// The newest `/usr/lib/postgresql/<version>/bin` (Debian, Ubuntu), else the
    /// real directory of the first `pg_ctl` on `searchPath`; `nil` if neither.
    static func defaultDirectory(searchPath: String?, root: String = "/usr/lib/postgresql") -> String? {
        let fileManager = FileManager.default
        if let versions = try? fileManager.contentsOfDirectory(atPath: root) {
            let newest =
                versions
                .compactMap { name -> (version: [Int], name: String)? in
                    let parts = name.split(separator: ".").compactMap { Int($0) }
                    return parts.isEmpty ? nil : (parts, name)
                }
                .filter { fileManager.isExecutableFile(atPath: "\(root)/\($0.name)/bin/pg_ctl") }
                .max { $0.version.lexicographicallyPrecedes($1.version) }
            if let newest { return "\(root)/\(newest.name)/bin" }
        }
        for directory in (searchPath ?? "").split(separator: ":") {
            let candidate = "\(directory)/pg_ctl"
            if fileManager.isExecutableFile(atPath: candidate) {
                // Follow symlinks (e.g. /usr/local/bin/pg_ctl → …/15/bin/pg_ctl)
                // so initdb, psql and createdb are found beside it.
                let real = URL(fileURLWithPath: candidate).resolvingSymlinksInPath().path
                return String(real.dropLast("/pg_ctl".count))
            }
        }
        return nil
    }
}
