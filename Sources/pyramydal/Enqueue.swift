import ArgumentParser
import Foundation
import JobContracts
import JobQueue

/// `pyramydal enqueue <kind> [key=value …]`.
struct Enqueue: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "enqueue",
        abstract: "Put a job in the queue.",
        discussion: """
            Arguments are key=value pairs (numbers and true/false are typed; key:=<json> takes raw JSON),
            or a whole JSON object with --json. The arguments of the platform's kinds (ingest, export, print,
            snapshot) must have that kind's shape. Example:
              pyramydal enqueue export 'request:={"dataset": "sales/orders", "format": "xlsx"}'
            """
    )

    @Argument(help: "The job kind (ingest, export, print, snapshot, …).") var kind: String
    @Argument(help: "key=value or key:=<json> arguments.") var arguments: [String] = []
    @Option(name: .long, help: "The arguments as one JSON object.") var json: String?
    @Option(name: .long, help: "Higher runs first.") var priority: Int = 0
    @Option(name: .long, help: "Run no earlier than this ISO 8601 time (e.g. 2026-11-24T02:00:00Z).") var at: String?
    @Option(name: .customLong("unique-key"), help: "A second enqueue with this key returns the first job.") var uniqueKey: String?
    @Option(name: .customLong("max-attempts"), help: "Attempts before the job is discarded.") var maxAttempts: Int = 5

    func validate() throws {
        guard maxAttempts > 0 else { throw ValidationError("--max-attempts must be at least 1") }
        try Self.checkContract(kind: kind, arguments: try parsedArguments())
        _ = try scheduledAt()
    }

    /// The arguments of a known kind must decode as its contract (and name that kind).
    static func checkContract(kind: String, arguments: JSONValue) throws {
        guard let type = JobKinds.arguments[kind] else { return }
        let decoded: any JobArgs
        do {
            decoded = try arguments.decode(type)
        } catch {
            throw ValidationError("these are not the arguments of a job of kind \(kind): \(error)")
        }
        guard decoded.kind == kind else {
            throw ValidationError("these arguments make a \(decoded.kind) job, not \(kind)")
        }
    }

    func parsedArguments() throws -> JSONValue {
        var object: [String: JSONValue] = [:]
        if let json {
            guard let parsed = try? JSONValue.parse(json), let fields = parsed.objectValue else {
                throw ValidationError("--json must be a JSON object")
            }
            object = fields
        }
        for argument in arguments {
            if let range = argument.range(of: ":=") {
                let key = String(argument[..<range.lowerBound])
                guard !key.isEmpty, let value = try? JSONValue.parse(String(argument[range.upperBound...])) else {
                    throw ValidationError("\"\(argument)\": expected key:=<valid JSON>")
                }
                object[key] = value
            } else if let equals = argument.firstIndex(of: "=") {
                let key = String(argument[..<equals])
                guard !key.isEmpty else { throw ValidationError("\"\(argument)\": the key is empty") }
                let text = String(argument[argument.index(after: equals)...])
                object[key] = Double(text).map(JSONValue.number) ?? (text == "true" ? .bool(true) : text == "false" ? .bool(false) : .string(text))
            } else {
                throw ValidationError("\"\(argument)\": expected key=value")
            }
        }
        return .object(object)
    }

    func scheduledAt() throws -> Date? {
        guard let at else { return nil }
        guard let date = try? Date(at, strategy: .iso8601) else {
            throw ValidationError("--at \"\(at)\": expected an ISO 8601 time such as 2026-11-24T02:00:00Z")
        }
        return date
    }

    func run() async throws {
        let arguments = try parsedArguments()
        let scheduledAt = try scheduledAt()
        try await CommandContext.run(label: "pyramydal.enqueue") { context in
            let (queue, _) = try await JobsSupport.openQueue(context)
            defer { queue.connection.close() }
            let (job, isNew) = try await queue.enqueueReportingNew(
                kind: kind, arguments: arguments, priority: priority, scheduledAt: scheduledAt,
                uniqueKey: uniqueKey, maxAttempts: maxAttempts)
            if isNew {
                print("job \(job.id) (\(job.kind)) enqueued: \(job.state)"
                      + (job.state == .scheduled ? " for \(JobsSupport.timestamp(job.scheduledAt))" : ""))
            } else {
                print("job \(job.id) (\(job.kind)) already exists with this unique key: \(job.state)")
            }
        }
    }
}
