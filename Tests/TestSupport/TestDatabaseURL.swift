import Foundation

/// The test server's database (`scripts/test-services.sh`): the
/// `PYRAMYDAL_TEST_DATABASE_URL` it exports, else its loopback default.
/// The one place that default is written.
public enum TestDatabaseURL {
    public static let loopbackDefault = "postgresql://pyramydal@127.0.0.1:55432/pyramydal_test"

    public static var value: String {
        ProcessInfo.processInfo.environment["PYRAMYDAL_TEST_DATABASE_URL"] ?? loopbackDefault
    }
}
