/// Why a report could not be made. Bad input (`unknownColumn`,
/// `badFilter`, …) is the requester's to fix; the rest are failures.
public struct ReportError: Error, Sendable, Equatable, CustomStringConvertible {
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        let name: String
        /// No such dataset or version.
        public static let unknownDataset = Code(name: "unknownDataset")
        /// A column in `columns`, a filter or the sort is not in the version.
        public static let unknownColumn = Code(name: "unknownColumn")
        /// A filter that doesn't parse (`column op value`) or whose operator
        /// doesn't apply to the column's type.
        public static let badFilter = Code(name: "badFilter")
        /// A filter value that isn't a value of the column's type.
        public static let wrongType = Code(name: "wrongType")
        /// A malformed option (format, paper, sort).
        public static let badOption = Code(name: "badOption")
        /// More rows than the configured bound.
        public static let tooManyRows = Code(name: "tooManyRows")
        /// Reading rows or writing the file failed.
        public static let rendering = Code(name: "rendering")
        public var description: String { name }
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// True for errors caused by the request (exit code 65 for a worker).
    public var isBadInput: Bool { code != .rendering }

    public var description: String { "ReportError.\(code): \(message)" }
}
