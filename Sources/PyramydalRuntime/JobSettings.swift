import Foundation

/// The job queue's and dispatcher's settings (`PYRAMYDAL_LAUNCHER`,
/// `PYRAMYDAL_TASKS_DIR`, `PYRAMYDAL_JOB_RETENTION`, …), part of
/// ``Configuration``.
public struct JobSettings: Sendable, Hashable {
    /// How the dispatcher starts workers.
    public enum LauncherKind: String, Sendable, Hashable {
        /// Child processes on this machine (the embedded default).
        case local
        /// ECS RunTask.
        case ecs
    }

    public enum Variable {
        public static let launcher = "PYRAMYDAL_LAUNCHER"
        public static let tasksDirectory = "PYRAMYDAL_TASKS_DIR"
        public static let schema = "PYRAMYDAL_JOBS_SCHEMA"
        public static let retention = "PYRAMYDAL_JOB_RETENTION"
        public static let launchRate = "PYRAMYDAL_LAUNCH_RATE"
        public static let maxConcurrent = "PYRAMYDAL_MAX_CONCURRENT"
        /// `PYRAMYDAL_MAX_CONCURRENT_<KIND>` (kind upper-cased).
        public static let maxConcurrentKindPrefix = "PYRAMYDAL_MAX_CONCURRENT_"
        public static let ecsCluster = "PYRAMYDAL_ECS_CLUSTER"
        public static let ecsSubnets = "PYRAMYDAL_ECS_SUBNETS"
        public static let ecsSecurityGroups = "PYRAMYDAL_ECS_SECURITY_GROUPS"
        public static let ecsTaskFamilyPrefix = "PYRAMYDAL_ECS_TASK_FAMILY_PREFIX"
        public static let ecsEndpoint = "PYRAMYDAL_ECS_ENDPOINT"
        public static let sqsQueueURL = "PYRAMYDAL_SQS_QUEUE_URL"
        public static let sqsEndpoint = "PYRAMYDAL_SQS_ENDPOINT"

        public static let all = [
            launcher, tasksDirectory, schema, retention, launchRate, maxConcurrent,
            ecsCluster, ecsSubnets, ecsSecurityGroups, ecsTaskFamilyPrefix, ecsEndpoint, sqsQueueURL, sqsEndpoint,
        ]
    }

    public var launcher: LauncherKind = .local
    /// Directory of `<kind>.json` task definitions.
    public var tasksDirectory: String
    /// The schema of `jobs` and `schedules`.
    public var schema: String = "pyramydal"
    /// Finished jobs are deleted after this many seconds.
    public var retentionSeconds: Int = 7 * 86_400
    /// Launches per second.
    public var launchRate: Double = 20
    /// Tasks in flight per dispatcher.
    public var maxConcurrent: Int = 16
    /// Per-kind limits, keyed by lower-cased kind.
    public var maxConcurrentPerKind: [String: Int] = [:]
    /// ECS cluster name or ARN (required with `PYRAMYDAL_LAUNCHER=ecs`).
    public var ecsCluster: String?
    public var ecsSubnets: [String] = []
    public var ecsSecurityGroups: [String] = []
    /// Task definition family of a kind: `<prefix><kind>`.
    public var ecsTaskFamilyPrefix: String = "pyramydal-"
    /// A non-AWS ECS endpoint (tests); `nil` means AWS.
    public var ecsEndpoint: String?
    /// The queue of S3 "Object Created" events; `nil`: no event intake.
    public var sqsQueueURL: String?
    public var sqsEndpoint: String?

    public init(tasksDirectory: String) {
        self.tasksDirectory = tasksDirectory
    }

    init(reader: inout EnvironmentReader, environment: [String: String], currentDirectory: String) throws(ConfigurationError) {
        self.init(tasksDirectory: PathUtilities.absolute("tasks", relativeTo: currentDirectory))
        if let value = reader.value(Variable.launcher) {
            guard let kind = LauncherKind(rawValue: value.lowercased()) else {
                throw ConfigurationError(code: .invalidValue, variable: Variable.launcher, value: value, reason: "expected local or ecs")
            }
            launcher = kind
        }
        if let value = reader.value(Variable.tasksDirectory) {
            tasksDirectory = PathUtilities.absolute(value, relativeTo: currentDirectory)
        }
        if let value = reader.value(Variable.schema) {
            guard value.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }), value.first?.isNumber == false else {
                throw ConfigurationError(code: .invalidValue, variable: Variable.schema, value: value,
                                         reason: "expected a schema name of letters, digits and _")
            }
            schema = value
        }
        if let value = reader.value(Variable.retention) {
            guard let seconds = Self.parseDuration(value), seconds > 0 else {
                throw ConfigurationError(code: .invalidValue, variable: Variable.retention, value: value,
                                         reason: "expected a duration such as 7d, 12h, 30m or 3600s")
            }
            retentionSeconds = seconds
        }
        if let value = reader.value(Variable.launchRate) {
            guard let rate = Double(value), rate > 0, rate <= 1000 else {
                throw ConfigurationError(code: .outOfRange, variable: Variable.launchRate, value: value,
                                         reason: "expected launches per second, more than 0 and at most 1000")
            }
            launchRate = rate
        }
        if let value = reader.value(Variable.maxConcurrent) {
            maxConcurrent = try Self.positive(value, variable: Variable.maxConcurrent)
        }
        ecsCluster = reader.value(Variable.ecsCluster)
        ecsSubnets = Self.list(reader.value(Variable.ecsSubnets))
        ecsSecurityGroups = Self.list(reader.value(Variable.ecsSecurityGroups))
        if let value = reader.value(Variable.ecsTaskFamilyPrefix) { ecsTaskFamilyPrefix = value }
        ecsEndpoint = try Self.endpoint(reader.value(Variable.ecsEndpoint), variable: Variable.ecsEndpoint)
        if let value = reader.value(Variable.sqsQueueURL) {
            guard value.hasPrefix("https://") || value.hasPrefix("http://") else {
                throw ConfigurationError(code: .invalidValue, variable: Variable.sqsQueueURL, value: value,
                                         reason: "expected the queue URL, https://sqs.<region>.amazonaws.com/<account>/<name>")
            }
            sqsQueueURL = value
        }
        sqsEndpoint = try Self.endpoint(reader.value(Variable.sqsEndpoint), variable: Variable.sqsEndpoint)
        if launcher == .ecs, ecsCluster == nil {
            throw ConfigurationError(code: .invalidValue, variable: Variable.ecsCluster, value: "",
                                     reason: "required when PYRAMYDAL_LAUNCHER=ecs")
        }
        for name in environment.keys.sorted() where name.hasPrefix(Variable.maxConcurrentKindPrefix) {
            let kind = String(name.dropFirst(Variable.maxConcurrentKindPrefix.count)).lowercased()
            guard !kind.isEmpty, let value = reader.value(name) else { continue }
            maxConcurrentPerKind[kind] = try Self.positive(value, variable: name)
        }
    }

    private static func list(_ value: String?) -> [String] {
        (value ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    private static func endpoint(_ value: String?, variable: String) throws(ConfigurationError) -> String? {
        guard let value else { return nil }
        guard let url = URL(string: value), url.scheme == "http" || url.scheme == "https", url.host != nil else {
            throw ConfigurationError(code: .invalidValue, variable: variable, value: Redaction.redactingSecrets(in: value),
                                     reason: "expected http(s)://host[:port]")
        }
        return value
    }

    private static func positive(_ value: String, variable: String) throws(ConfigurationError) -> Int {
        guard let number = Int(value), number > 0, number <= 10_000 else {
            throw ConfigurationError(code: .outOfRange, variable: variable, value: value, reason: "expected a whole number from 1 to 10000")
        }
        return number
    }

    /// `7d`, `12h`, `30m`, `3600s` or plain seconds.
    static func parseDuration(_ text: String) -> Int? {
        let units: [Character: Int] = ["s": 1, "m": 60, "h": 3600, "d": 86_400]
        if let last = text.last, let unit = units[last] {
            return Int(text.dropLast()).map { $0 * unit }
        }
        return Int(text)
    }

    var summaryLines: [(String, String)] {
        var lines = [
            (Variable.launcher, launcher.rawValue),
            (Variable.tasksDirectory, tasksDirectory),
            (Variable.schema, schema),
            (Variable.retention, "\(retentionSeconds)s"),
            (Variable.launchRate, String(launchRate)),
            (Variable.maxConcurrent, String(maxConcurrent)),
            (Variable.ecsCluster, ecsCluster ?? "(unset)"),
            (Variable.ecsSubnets, ecsSubnets.joined(separator: ",")),
            (Variable.ecsSecurityGroups, ecsSecurityGroups.joined(separator: ",")),
            (Variable.ecsTaskFamilyPrefix, ecsTaskFamilyPrefix),
            (Variable.ecsEndpoint, ecsEndpoint ?? "(unset: AWS)"),
            (Variable.sqsQueueURL, sqsQueueURL ?? "(unset: no S3 event intake)"),
            (Variable.sqsEndpoint, sqsEndpoint ?? "(unset: AWS)"),
        ]
        for (kind, limit) in maxConcurrentPerKind.sorted(by: { $0.key < $1.key }) {
            lines.append((Variable.maxConcurrentKindPrefix + kind.uppercased(), String(limit)))
        }
        return lines
    }
}
