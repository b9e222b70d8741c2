import Foundation

/// A value behind an `NSLock`.
///
/// `@unchecked Sendable` because every access to `value` goes through
/// ``withLock(_:)``, which holds the lock. Not `Synchronization.Mutex`:
/// the package still builds for macOS 14, where `Mutex` is unavailable.
package final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    package init(_ value: Value) { self.value = value }

    package func withLock<T>(_ body: (inout Value) throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}
