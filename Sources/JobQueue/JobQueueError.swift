/// The one error type of the `JobQueue` library: a ``Code`` plus context
/// (the job, the step, the underlying error). Never holds a connection
/// string or a credential.
public struct JobQueueError: Error, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(_ rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// No job with that id.
        public static let notFound = Code("notFound")
        /// The job is not in a state that allows the operation.
        public static let invalidState = Code("invalidState")
        /// The job's attempt is no longer this worker's (another attempt or a cancel took over).
        public static let leaseLost = Code("leaseLost")
        /// `PYRAMYDAL_JOB_ID` or another worker variable is missing or malformed.
        public static let badEnvironment = Code("badEnvironment")
        /// A task definition (`tasks/<kind>.json`) is missing or malformed.
        public static let taskDefinition = Code("taskDefinition")
        /// The worker's task or process could not be started.
        public static let launchFailed = Code("launchFailed")
        /// A row could not be read back.
        public static let unexpectedResult = Code("unexpectedResult")
        /// A schedule is invalid (cron expression, time zone).
        public static let invalidSchedule = Code("invalidSchedule")
    }

    public var code: Code
    public var message: String
    public var jobID: Int64?
    /// What we were doing, e.g. "completing job 12".
    public var step: String?
    public var underlying: (any Error & Sendable)?

    public init(code: Code, message: String, jobID: Int64? = nil, step: String? = nil, underlying: (any Error & Sendable)? = nil) {
        self.code = code
        self.message = message
        self.jobID = jobID
        self.step = step
        self.underlying = underlying
    }

    public var description: String {
        var text = message
        if let jobID { text = "job \(jobID): " + text }
        if let step { text += " (while \(step))" }
        if let underlying { text += ": \(underlying)" }
        return text
    }
}
