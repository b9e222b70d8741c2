import ArgumentParser
import Catalog
import Foundation
import Ingest
import JobContracts
import JobQueue
import Logging
import Postgres
import PyramydalRuntime
import WorkerSupport

/// The ingest container's entry point: one object (or local file) in, its
/// dataset versions committed, and an exit status the job queue acts on
/// (``WorkerExitCode``): 0 success (or already ingested), 65 bad input (do
/// not retry; the error is on the version and in `errors/<key>.json`), 75
/// transient (retry), 64 bad arguments or configuration. Launched by the
/// dispatcher it runs that `ingest` job (``IngestJob``).
@main
struct IngestWorker: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "IngestWorker",
        abstract: "Ingest one workbook from the store (or a local file) into a new dataset version.")

    static func main() async {
        await WorkerMain.run(Self.self, kinds: [IngestArgs.kind]) { job in try await IngestJob.run(job) }
    }

    @Option(help: "The store holding the object (s3://bucket[/prefix] or file:///path); default PYRAMYDAL_STORE.")
    var store: String?
    @Option(help: "The object's key (incoming/<department>/<name>.xlsx).")
    var key: String?
    @Option(help: "The etag the event announced.")
    var etag: String?
    @Option(help: "A local file to ingest instead of a store object.")
    var file: String?
    @Option(help: "Department for --file (default: default).")
    var department: String?
    @Option(help: "Dataset name for --file (default: the file's base name).")
    var name: String?

    func validate() throws {
        guard (key == nil) != (file == nil) else { throw ValidationError("give exactly one of --key or --file") }
    }

    func run() async throws {
        let configuration: Configuration
        do {
            configuration = try Configuration.fromProcessEnvironment()
        } catch {
            throw WorkerFailure(.usage, error.description)
        }
        LoggingSetup.bootstrap(configuration)
        let logger = Logger(label: "pyramydal.ingest-worker")
        IngestJob.sweepStaleDownloads(logger: logger)
        var limits = Ingest.defaultReaderLimits
        if let mb = ProcessInfo.processInfo.environment["PYRAMYDAL_INGEST_STRINGS_MB"].flatMap(Int.init), mb > 0 {
            limits.sharedStringMemoryBytes = mb << 20
        }
        let path = file.map { $0.hasPrefix("/") ? $0 : FileManager.default.currentDirectoryPath + "/" + $0 }
        // A local file is opened (its shared strings read) while we connect.
        let opening = path.flatMap { WorkbookOpening.start(path: $0, limits: limits) }
        do {
            let (connection, catalog) = try await IngestJob.connectToCatalog(configuration: configuration, logger: logger)
            defer { connection.close() }
            let ingest = Ingest(connection: connection, catalog: catalog, logger: logger, readerLimits: limits)
            let versions: [CommittedVersion]
            if let path {
                var workbook = SourceNaming.workbook(path: path)
                if let department { workbook.department = department }
                if let name { workbook.name = name }
                var request = IngestRequest(path: path, workbook: workbook, source: SourceIdentity(uri: "file://" + path))
                request.opening = opening
                versions = try await ingest.ingest(request)
            } else {
                let objectStore = try IngestStores.open(store, configuration: configuration)
                versions = try await StoreIngest(ingest: ingest, store: objectStore).run(key: key!, etag: etag)
            }
            for v in versions {
                print("\(v.dataset) version \(v.version): \(v.rowCount) rows, \(v.columns.count) columns\(v.alreadyIngested ? " (already ingested)" : "")")
            }
        } catch let error as IngestError {
            throw WorkerFailure(error.kind == .badInput ? .badInput : .transient, error.description)
        } catch let error as ConfigurationError {
            throw WorkerFailure(.usage, error.description)
        } catch {
            throw WorkerFailure(.transient, String(describing: error))
        }
    }
}
