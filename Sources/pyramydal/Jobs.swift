import ArgumentParser
import Dispatching
import JobQueue

/// `pyramydal jobs [--state …]`, `pyramydal jobs show|retry|cancel <id>`.
struct Jobs: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "jobs",
        abstract: "List, inspect, retry and cancel jobs.",
        discussion: """
            States: available, scheduled, launching, running, retryable, completed, discarded, cancelled
            (docs/jobs.md has the diagram).
            """,
        subcommands: [JobsList.self, JobsShow.self, JobsRetry.self, JobsCancel.self, JobsSchedules.self],
        defaultSubcommand: JobsList.self
    )
}

struct JobsList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List jobs, newest first.")

    @Option(name: .long, help: "Only jobs in this state (repeat for several).")
    var state: [String] = []
    @Option(name: .long, help: "Only jobs of this kind.")
    var kind: String?
    @Option(name: .long, help: "At most this many jobs.")
    var limit: Int = 50

    func run() async throws {
        var states: [JobState] = []
        for name in state {
            guard let value = JobState(rawValue: name.lowercased()) else {
                throw ValidationError("unknown state \"\(name)\"; expected one of \(JobState.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            states.append(value)
        }
        try await CommandContext.run(label: "pyramydal.jobs") { context in
            let (queue, _) = try await JobsSupport.openQueue(context)
            defer { queue.connection.close() }
            let jobs = try await queue.jobs(states: states, kind: kind, limit: limit)
            if jobs.isEmpty {
                print(states.isEmpty ? "No jobs." : "No jobs in state \(states.map(\.rawValue).joined(separator: " or ")).")
                return
            }
            print(JobsSupport.table(jobs))
            let counts = try await queue.countsByState()
            print("\n" + JobState.allCases.compactMap { state in counts[state].map { "\(state): \($0)" } }.joined(separator: ", "))
        }
    }
}

struct JobsShow: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Show one job with its attempts and timings.")
    @Argument(help: "The job id.") var id: String

    func run() async throws {
        try await JobsSupport.withJob(id) { queue, jobID, context in
            guard let job = try await queue.job(id: jobID) else { throw CLIError("no job \(jobID)") }
            print(JobsSupport.details(job))
        }
    }
}

struct JobsRetry: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retry", abstract: "Run a failed, cancelled, waiting or completed job again now.")
    @Argument(help: "The job id.") var id: String

    func run() async throws {
        try await JobsSupport.withJob(id) { queue, jobID, context in
            let job = try await queue.retry(id: jobID)
            try await JobAudit.record(job, what: "retry job \(job.id)", outcome: "requested", connection: queue.connection,
                                      catalog: context.catalog)
            print("job \(job.id) (\(job.kind)) is available again: attempt \(job.attempt + 1) of \(job.maxAttempts) runs next.")
        }
    }
}

struct JobsCancel: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cancel", abstract: "Cancel a job; a running worker is stopped (SIGTERM, then SIGKILL).")
    @Argument(help: "The job id.") var id: String

    func run() async throws {
        try await JobsSupport.withJob(id) { queue, jobID, context in
            let job = try await queue.cancel(id: jobID)
            try await JobAudit.record(job, what: "cancel job \(job.id)", outcome: "cancelled", connection: queue.connection,
                                      catalog: context.catalog)
            print("job \(job.id) (\(job.kind)) is cancelled.")
        }
    }
}

struct JobsSchedules: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "schedules", abstract: "List cron schedules and their next slot.")

    func run() async throws {
        try await CommandContext.run(label: "pyramydal.jobs") { context in
            let (queue, _) = try await JobsSupport.openQueue(context)
            defer { queue.connection.close() }
            for schedule in try await queue.schedules() {
                let next = schedule.nextSlot.map(JobsSupport.timestamp) ?? "(set when a dispatcher first runs)"
                print("\(schedule.name)  \(schedule.cron) \(schedule.timeZone)  kind \(schedule.kind)  "
                      + "\(schedule.enabled ? "next \(next)" : "disabled")"
                      + (schedule.lastJobID.map { "  last job \($0)" } ?? ""))
            }
        }
    }
}
