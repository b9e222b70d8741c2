import Foundation

/// Where the repository and the package's built executables are, for tests
/// that run `pyramydal` and the workers as child processes. A library the
/// test targets share (not a product; it ships nowhere).
public enum BuiltProducts {
    /// The repository root (this file is `Tests/TestSupport/BuiltProducts.swift`).
    public static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    /// `.build/<config>/`: the directory of the running test bundle, or the
    /// nearest one above it, that holds `executable`.
    public static func directory(containing executable: String = "pyramydal") -> String {
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var dir = URL(fileURLWithPath: exe).deletingLastPathComponent()
        while dir.path != "/" && !FileManager.default.fileExists(atPath: dir.appendingPathComponent(executable).path) {
            dir = dir.deletingLastPathComponent()
        }
        return dir.path
    }

    /// The built `executable` (see ``directory(containing:)``).
    public static func path(of executable: String) -> String {
        directory(containing: executable) + "/" + executable
    }
}
