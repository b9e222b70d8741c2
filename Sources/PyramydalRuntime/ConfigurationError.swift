/// A `PYRAMYDAL_*` variable that has a value Pyramydal can't use.
///
/// The description names the variable, the value (redacted when the variable
/// can hold a secret) and what is wrong, so a person can fix it from the
/// message alone: `PYRAMYDAL_S3_PART_SIZE_MB: must be at least 5 (got "4")`.
public struct ConfigurationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of problem the value has; extensible.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }

        /// The value can't be parsed (not a number, an unknown word, a malformed URL).
        public static let invalidValue = Code("invalidValue")
        /// The value parses but is outside the allowed range.
        public static let outOfRange = Code("outOfRange")
        /// The value names a file or directory that isn't there or isn't usable.
        public static let notFound = Code("notFound")

        public var description: String { name }
    }

    public let code: Code
    /// The environment variable, e.g. `PYRAMYDAL_STORE`.
    public let variable: String
    /// The offending value as it may be shown: secrets already replaced by `***`.
    public let value: String
    /// What is wrong, for a person.
    public let reason: String

    public init(code: Code, variable: String, value: String, reason: String) {
        self.code = code
        self.variable = variable
        // Whatever the caller passed, a value that holds a URL or a libpq
        // string is shown with its secrets replaced (any setting can be
        // mistyped into a URL with credentials in it).
        self.value = Redaction.redactingSecrets(in: value)
        self.reason = reason
    }

    public var description: String {
        "\(variable): \(reason) (got \"\(value)\")"
    }
}
