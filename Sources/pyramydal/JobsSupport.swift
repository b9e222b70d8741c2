import Foundation
import JobQueue
import Logging
import PyramydalRuntime

/// What `jobs`, `enqueue` and `dispatch` share: opening the queue of this
/// configuration (the embedded cluster when `PYRAMYDAL_DATABASE_URL` is unset)
/// and printing jobs for people.
enum JobsSupport {
    static func openQueue(_ context: CommandContext) async throws -> (queue: JobQueue, url: String) {
        let url = try await EmbeddedStack.databaseURL(for: context.configuration, logger: context.logger)
        let queue = try await JobQueue.connect(url: url, schema: context.configuration.jobs.schema,
                                               applicationName: "pyramydal-cli", logger: context.logger)
        try await queue.migrate()
        return (queue, url)
    }

    /// Runs `body` with the queue and the parsed job id: what `jobs show`,
    /// `retry` and `cancel` share. The connection is closed afterwards.
    static func withJob(_ idText: String, label: String = "pyramydal.jobs",
                        _ body: (JobQueue, Int64, CommandContext) async throws -> Void) async throws {
        try await CommandContext.run(label: label) { context in
            let jobID = try parseID(idText)
            let (queue, _) = try await openQueue(context)
            defer { queue.connection.close() }
            try await body(queue, jobID, context)
        }
    }

    static func parseID(_ text: String) throws -> Int64 {
        guard let id = Int64(text), id > 0 else { throw CLIError("\"\(text)\" is not a job id") }
        return id
    }

    static func age(_ date: Date?, now: Date = Date()) -> String {
        guard let date else { return "-" }
        let seconds = Int(now.timeIntervalSince(date).rounded())
        let suffix = seconds >= 0 ? " ago" : " from now"
        let value = abs(seconds)
        switch value {
        case ..<60: return "\(value)s" + suffix
        case ..<3600: return "\(value / 60)m" + suffix
        case ..<86_400: return "\(value / 3600)h" + suffix
        default: return "\(value / 86_400)d" + suffix
        }
    }

    static func seconds(_ value: Double?) -> String {
        guard let value else { return "-" }
        return value < 10 ? String(format: "%.3fs", value) : String(format: "%.1fs", value)
    }

    static func timestamp(_ date: Date?) -> String {
        date.map { $0.formatted(.iso8601) } ?? "-"
    }

    /// One line per job: `id kind state attempt updated error`.
    static func table(_ jobs: [Job]) -> String {
        var rows: [[String]] = []
        for job in jobs {
            var error = job.lastError ?? ""
            if error.count > 60 { error = String(error.prefix(57)) + "..." }
            rows.append([String(job.id), job.kind, job.state.rawValue, "\(job.attempt)/\(job.maxAttempts)", age(job.createdAt), error])
        }
        return TextTable.render(header: ["ID", "KIND", "STATE", "ATTEMPT", "CREATED", "LAST ERROR"], rows: rows)
    }

    /// Everything about one job, including its attempts.
    static func details(_ job: Job) -> String {
        var lines = [
            "job \(job.id)  \(job.kind)  \(job.state)",
            "  arguments:   \(job.arguments.jsonText)",
            "  attempt:     \(job.attempt) of \(job.maxAttempts)",
            "  priority:    \(job.priority)",
            "  created:     \(timestamp(job.createdAt))",
            "  scheduled:   \(timestamp(job.scheduledAt))",
        ]
        if let key = job.uniqueKey { lines.append("  unique key:  \(key)") }
        if let task = job.taskID { lines.append("  task:        \(task)") }
        if let dispatcher = job.dispatcher { lines.append("  dispatcher:  \(dispatcher)") }
        if let progress = job.progress {
            lines.append("  progress:    \(Int((progress * 100).rounded()))%" + (job.progressMessage.map { " \($0)" } ?? ""))
        }
        if let heartbeat = job.heartbeatAt, job.state == .running { lines.append("  heartbeat:   \(age(heartbeat))") }
        let timings = job.timings
        lines.append("  timings:     waiting \(seconds(timings.waiting)), starting \(seconds(timings.starting)), running \(seconds(timings.running))")
        if let result = job.result { lines.append("  result:      \(result.jsonText)") }
        if let error = job.lastError { lines.append("  last error:  \(error)") }
        if !job.history.isEmpty {
            lines.append("  attempts:")
            for attempt in job.history {
                var parts = ["    #\(attempt.attempt) \(attempt.outcome)"]
                if let code = attempt.exitCode { parts.append("exit \(code)") }
                if let signal = attempt.signal { parts.append("signal \(signal)") }
                if let reason = attempt.stopReason { parts.append("(\(reason))") }
                if let task = attempt.taskID { parts.append("task \(task)") }
                if let finished = attempt.finishedAt { parts.append("finished \(timestamp(finished))") }
                lines.append(parts.joined(separator: "  "))
                if let error = attempt.error { lines.append("       error: \(error)") }
            }
        }
        return lines.joined(separator: "\n")
    }
}

/// A usage problem found after parsing (exit 64 is for configuration; this is a plain failure).
struct CLIError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
