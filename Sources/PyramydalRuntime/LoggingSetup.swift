import Foundation
import Logging

/// Installs Pyramydal's log handler for the whole process.
public enum LoggingSetup {
    private static let state = BootstrapState()

    /// Sends every `Logger` to standard error in `configuration.logFormat`,
    /// dropping messages below `configuration.logLevel`.
    ///
    /// swift-log allows one bootstrap per process; later calls are ignored,
    /// so tests and commands may call this freely.
    public static func bootstrap(_ configuration: Configuration) {
        guard state.claimFirst() else { return }
        let level = configuration.logLevel
        let format = configuration.logFormat
        LoggingSystem.bootstrap { label in
            StderrLogHandler(label: label, format: format, logLevel: level)
        }
    }
}

/// Remembers whether bootstrap ran. `NSLock` rather than `Mutex`, which
/// needs macOS 15 while the package supports macOS 14.
private final class BootstrapState: @unchecked Sendable {
    private let lock = NSLock()
    private var done = false

    /// `true` for the first caller only.
    func claimFirst() -> Bool {
        lock.lock()
        defer { lock.unlock() }
        let first = !done
        done = true
        return first
    }
}
