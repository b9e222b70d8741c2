import ArgumentParser
import Catalog
import Foundation
import JobContracts
import JobQueue
import Postgres
import PyramydalRuntime
import Snapshots

/// `pyramydal snapshots`: the snapshots in the store (docs/snapshots.md).
struct SnapshotsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "snapshots",
        abstract: "List the snapshots in the store: complete ones, and incomplete or pruned prefixes marked as such.")

    func run() async throws {
        try await CommandContext.run(label: "pyramydal.snapshots") { context in
            let repository = SnapshotRepository(store: try context.configuration.openStore(logger: context.logger))
            let entries = try await repository.entries()
            guard !entries.isEmpty else {
                print("no snapshots yet (`pyramydal snapshot --now` takes one)")
                return
            }
            var rows: [[String]] = []
            for entry in entries {
                var row = [entry.id, entry.state.rawValue, "-", "-", "-", "-", SnapshotCommandFormat.bytes(entry.bytes)]
                if entry.state == .complete, let manifest = try? await repository.manifest(entry.id).manifest {
                    row[2] = manifest.kind.rawValue
                    row[3] = manifest.previous ?? "-"
                    row[4] = "\(manifest.dataObjects.count) (\(manifest.objects.count) new)"
                    row[5] = "\(manifest.dataObjects.reduce(0) { $0 + $1.rows })"
                } else if entry.state == .incomplete {
                    row[1] = "INCOMPLETE (no manifest)"
                }
                rows.append(row)
            }
            print(TextTable.render(header: ["SNAPSHOT", "STATE", "KIND", "BUILDS ON", "VERSIONS", "ROWS", "SIZE"], rows: rows))
        }
    }
}

/// `pyramydal snapshot --now [--wait]` / `--schedule CRON`.
struct SnapshotCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "snapshot",
        abstract: "Enqueue a snapshot job now, or change the nightly snapshot's schedule.",
        discussion: """
            The dispatcher runs the job (SnapshotWorker): a snapshot of every version committed since the last
            complete snapshot, then retention (PYRAMYDAL_SNAPSHOT_KEEP_DAILY/WEEKLY/MONTHLY).
            The nightly schedule (`nightly-snapshot`, default '0 2 * * *' UTC) changes with --schedule.
            """)

    @Flag(name: .long, help: "Enqueue a snapshot job now.") var now = false
    @Flag(name: .long, help: "With --now: wait until the job finishes (launching it from here when no dispatcher runs).")
    var wait = false
    @Option(name: .long, help: "A new cron expression for the nightly snapshot (e.g. '30 3 * * *').") var schedule: String?
    @Option(name: .customLong("time-zone"), help: "With --schedule: its IANA time zone.") var timeZone = "UTC"

    func validate() throws {
        guard now || schedule != nil else { throw ValidationError("say --now (take one) or --schedule CRON") }
        guard !wait || now else { throw ValidationError("--wait goes with --now") }
    }

    func run() async throws {
        try await CommandContext.run(label: "pyramydal.snapshot") { context in
            let (queue, url) = try await JobsSupport.openQueue(context)
            defer { queue.connection.close() }
            if let schedule {
                let nightly = Schedule(name: "nightly-snapshot", cron: schedule, timeZone: timeZone, kind: SnapshotArgs.kind)
                do {
                    try await queue.saveSchedule(nightly)
                } catch {
                    throw CLIError("--schedule '\(schedule)': \(error)")
                }
                print("nightly-snapshot: '\(schedule)' \(timeZone)")
            }
            guard now else { return }
            let job = try await queue.enqueue(SnapshotArgs(), maxAttempts: 3)
            guard wait else {
                print("job \(job.id) (snapshot) enqueued: \(job.state)")
                return
            }
            JobWait.note("job \(job.id) (snapshot) enqueued; Ctrl-C stops waiting, not the job")
            let finished = try await JobWait.wait(for: job.id, queue: queue, databaseURL: url, timeout: .seconds(24 * 3600),
                                                  context: context)
            print("job \(job.id): \(finished.state)" + (finished.result.map { " \($0.jsonText)" } ?? ""))
        }
    }
}

/// `pyramydal restore <snapshot> [--dataset …] [--into URL] [--catalog-schema S --data-schema S]`.
struct RestoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Rebuild the catalog and data tables from a snapshot chain, every checksum verified first.",
        discussion: """
            The target (PYRAMYDAL_DATABASE_URL, or --into) must hold no datasets and no data tables in the
            target schemas; to restore beside a live installation give new schema names
            (--catalog-schema restored --data-schema restored_data). A missing or corrupted object stops the
            restore before anything is written; everything else happens in one transaction.
            """)

    @Argument(help: "The snapshot id (see `pyramydal snapshots`), or 'latest'.") var snapshot: String
    @Option(name: .long, help: "Restore only this dataset ([department/]name); repeatable.") var dataset: [String] = []
    @Option(name: .long, help: "A libpq URL of the database to restore into (default PYRAMYDAL_DATABASE_URL).") var into: String?
    @Option(name: .customLong("catalog-schema"), help: "The target catalog schema (default PYRAMYDAL_CATALOG_SCHEMA or pyramydal).")
    var catalogSchema: String?
    @Option(name: .customLong("data-schema"), help: "The target data schema (default PYRAMYDAL_DATA_SCHEMA or data).")
    var dataSchema: String?

    func run() async throws {
        try await CommandContext.run(label: "pyramydal.restore") { context in
            let store = try context.configuration.openStore(logger: context.logger)
            var id = snapshot
            if id == "latest" {
                guard let latest = try await SnapshotRepository(store: store).latestComplete() else {
                    throw CLIError("there is no complete snapshot")
                }
                id = latest.id
            }
            var url = into ?? ""
            if into == nil { url = try await EmbeddedStack.databaseURL(for: context.configuration, logger: context.logger) }
            let connection = try await PostgresConnection.connect(
                url: url, variable: into == nil ? Configuration.Variable.databaseURL : "--into",
                applicationName: "pyramydal-restore", logger: context.logger)
            defer { connection.close() }
            var schemas = context.configuration.catalogSchemas
            if let catalogSchema { schemas.catalog = catalogSchema }
            if let dataSchema { schemas.data = dataSchema }
            let summary = try await SnapshotRestorer(store: store, logger: context.logger).restore(
                snapshot: id, datasets: dataset.map(DatasetRef.init(parsing:)), into: connection, schemas: schemas,
                actor: AuditActor.current())
            print("restored \(summary.snapshot) into \(schemas.catalog)/\(schemas.data): \(summary.datasets) datasets, "
                  + "\(summary.versions) versions, \(summary.rows) rows (\(SnapshotCommandFormat.bytes(summary.bytes)) verified)")
        }
    }
}

enum SnapshotCommandFormat {
    static func bytes(_ n: Int64) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(n)
        var unit = 0
        while value >= 1024 && unit < units.count - 1 { value /= 1024; unit += 1 }
        return unit == 0 ? "\(n) B" : String(format: "%.1f %@", value, units[unit])
    }
}
