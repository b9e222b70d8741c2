import Foundation
import Logging
import Synchronization

/// Installs Pyramydal's log handler for the whole process.
public enum LoggingSetup {
    private static let bootstrapped = Mutex(false)

    /// Sends every `Logger` to standard error in `configuration.logFormat`,
    /// dropping messages below `configuration.logLevel`.
    ///
    /// swift-log allows one bootstrap per process; later calls are ignored,
    /// so tests and commands may call this freely.
    public static func bootstrap(_ configuration: Configuration) {
        let first = bootstrapped.withLock { done in
            defer { done = true }
            return !done
        }
        guard first else { return }
        let level = configuration.logLevel
        let format = configuration.logFormat
        LoggingSystem.bootstrap { label in
            StderrLogHandler(label: label, format: format, logLevel: level)
        }
    }
}
