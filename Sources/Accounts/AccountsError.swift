/// What an accounts operation refused, with the field it is about.
public struct AccountsError: Error, Sendable, Hashable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(_ rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        public static let invalidUsername = Code("invalidUsername")
        public static let weakPassword = Code("weakPassword")
        public static let userExists = Code("userExists")
        public static let unknownUser = Code("unknownUser")
        public static let invalidRole = Code("invalidRole")
        public static let invalidScope = Code("invalidScope")
        public static let tokenExists = Code("tokenExists")
        public static let unknownToken = Code("unknownToken")
        public static let invalidDepartment = Code("invalidDepartment")
    }

    public var code: Code
    /// The input it is about (`username`, `password`, `role`, …).
    public var field: String
    public var message: String

    public init(_ code: Code, field: String, _ message: String) {
        self.code = code
        self.field = field
        self.message = message
    }

    public var description: String { message }
}
