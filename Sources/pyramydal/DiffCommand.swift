import ArgumentParser
import Catalog
import Foundation
import JobQueue
import Reports

/// `pyramydal diff <dataset> <v1> <v2> [--key column …] [--rows N] [--report [--wait]]`:
/// what changed between two versions, computed in PostgreSQL
/// (``VersionDiffer``) and printed as a summary; with `--report`, an
/// `export` job that writes the XLSX diff report into `reports/` instead.
struct DiffCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "Compare two versions of a dataset: rows added, removed, changed, and column changes.",
        discussion: """
            With --key, rows are matched on the key columns and changed cells are shown (old → new); a key
            with NULLs or repeated values is refused. Without a key, rows are compared by content (as
            multisets) on the columns both versions have. A column whose type changed compares as a number
            when both types are numbers, as text otherwise.
            --report enqueues an export job that writes the diff as XLSX (Summary, Added, Removed, Changed)
            under reports/<department>/<dataset>/v<v2>/; a running dispatcher (pyramydal dispatch) runs it.
            """)

    @Argument(help: "The dataset, [department/]name.")
    var dataset: String
    @Argument(help: "The older version.")
    var from: Int
    @Argument(help: "The newer version.")
    var to: Int
    @Option(name: .long, help: "A key column (repeat for a compound key).")
    var key: [String] = []
    @Option(name: .long, help: "Changed, added and removed rows to show.")
    var rows: Int = 10
    @Flag(name: .long, help: "Enqueue the XLSX diff report job instead of printing.")
    var report = false
    @Flag(name: .long, help: "With --report: wait for the job and print where the report is.")
    var wait = false
    @Option(name: .long, help: "With --wait: give up after this many seconds.")
    var timeout: Int = 600

    func validate() throws {
        guard from > 0, to > 0 else { throw ValidationError("versions are whole numbers from 1") }
        guard rows >= 0 else { throw ValidationError("--rows must be 0 or more") }
        guard !wait || report else { throw ValidationError("--wait goes with --report") }
    }

    func run() async throws {
        let request = DiffRequest(dataset: dataset, from: from, to: to, key: key)
        try await CommandContext.run(label: "pyramydal.diff") { context in
            if report {
                try await enqueueReport(request, context: context)
                return
            }
            let support = ReportsCommandSupport(context: context)
            let connection = try await support.connect()
            defer { connection.close() }
            let differ = VersionDiffer(sources: support.sources,
                                       sampleSize: rows)
            let diff = try await differ.diff(request, connection: connection)
            print(Self.summary(diff))
        }
    }

    private func enqueueReport(_ request: DiffRequest, context: CommandContext) async throws {
        let (queue, _) = try await JobsSupport.openQueue(context)
        defer { queue.connection.close() }
        let support = ReportsCommandSupport(context: context)
        // Refuse a missing version or key column now rather than in the job.
        try await VersionDiffer(sources: support.sources)
            .validate(request, connection: queue.connection)
        let arguments = ExportJobArguments(diff: request, requestedBy: AuditActor.current())
        let job = try await queue.enqueue(arguments)
        print("job \(job.id) (\(job.kind)) enqueued: the diff report of \(request.dataset) v\(request.from) → v\(request.to)")
        guard wait else { return }
        let deadline = ContinuousClock.now + .seconds(timeout)
        while ContinuousClock.now < deadline {
            guard let current = try await queue.job(id: job.id) else { throw CLIError("job \(job.id) disappeared") }
            switch current.state {
            case .completed:
                guard let result = try? current.result?.decode(DiffReportResult.self) else {
                    throw CLIError("job \(job.id) completed without a report key")
                }
                print(try await support.location(of: result.key, store: try support.store()))
                return
            case .discarded, .cancelled:
                throw CLIError("job \(job.id) is \(current.state): \(current.lastError ?? "no error recorded")")
            default:
                try await Task.sleep(for: .milliseconds(500))
            }
        }
        throw CLIError("job \(job.id) has not finished after \(timeout) s (is a dispatcher running?); see pyramydal jobs show \(job.id)")
    }

    /// The terminal summary: counts, column changes, then the first rows.
    static func summary(_ diff: VersionDiff) -> String {
        var lines = ["\(diff.dataset): v\(diff.from) → v\(diff.to)"
                     + (diff.key.isEmpty ? " (no key: rows compared by content)" : " (key: \(diff.key.joined(separator: ", ")))")]
        var counts = "  rows: \(diff.added) added, \(diff.removed) removed"
        if !diff.key.isEmpty { counts += ", \(diff.changed) changed" }
        lines.append(counts + ", \(diff.unchanged) unchanged")
        let c = diff.columns
        if c.isEmpty {
            lines.append("  columns: no change")
        } else {
            if !c.added.isEmpty { lines.append("  columns added: \(c.added.joined(separator: ", "))") }
            if !c.removed.isEmpty { lines.append("  columns removed: \(c.removed.joined(separator: ", "))") }
            for t in c.typeChanged { lines.append("  column \(t.column): type \(t.from) → \(t.to)") }
        }
        if !diff.changedCells.isEmpty {
            lines.append("  changed cells: " + diff.changedCells.map { "\($0.column) \($0.count)" }.joined(separator: ", "))
        }
        func row(_ values: [String?]) -> String { values.map { show($0) }.joined(separator: ", ") }
        let keyLabel = diff.key.isEmpty ? diff.comparedColumns.joined(separator: ", ") : diff.key.joined(separator: ", ")
        if !diff.sampleChanged.isEmpty {
            lines.append("\nchanged (\(keyLabel)):" + (diff.changed > diff.sampleChanged.count ? " first \(diff.sampleChanged.count) of \(diff.changed)" : ""))
            for r in diff.sampleChanged {
                lines.append("  (\(row(r.key))): " + r.cells.map { "\($0.column) \(show($0.old)) → \(show($0.new))" }.joined(separator: "; "))
            }
        }
        for (title, sample, total) in [("added", diff.sampleAdded, diff.added), ("removed", diff.sampleRemoved, diff.removed)] where !sample.isEmpty {
            lines.append("\n\(title) (\(keyLabel)):" + (total > sample.count ? " first \(sample.count) of \(total)" : ""))
            for r in sample { lines.append("  (\(row(r)))") }
        }
        return lines.joined(separator: "\n")
    }

    /// A value for the terminal: NULL shown as such, long text cut.
    static func show(_ value: String?) -> String {
        guard let value else { return "NULL" }
        return value.count > 40 ? String(value.prefix(39)) + "…" : value
    }
}
