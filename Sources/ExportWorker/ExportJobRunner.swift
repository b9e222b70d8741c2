import Catalog
import Foundation
import JobQueue
import Logging
import Postgres
import PyramydalRuntime
import Reports

/// The `export` and `print` jobs as the dispatcher launches them
/// (`PYRAMYDAL_JOB_ID` set): arguments ``ExportJobArguments``; the report
/// is rendered, uploaded under `reports/…` and recorded as an artifact
/// (``ExportJob``). A ``ReportError`` that is the request's fault (unknown
/// dataset, version or column, a bad filter, too many rows) discards the
/// job; anything else is retried.
enum ExportJobRunner {
    static func run(kind: String) async -> Int32 {
        let configuration: Configuration
        do {
            configuration = try Configuration.fromProcessEnvironment()
        } catch {
            FileHandle.standardError.write(Data("ExportWorker: \(error)\n".utf8))
            return WorkerExitCode.badInput.rawValue
        }
        LoggingSetup.bootstrap(configuration)
        let logger = Logger(label: "pyramydal.\(kind)-worker")
        return await runWorker(kind: kind, logger: logger) { job in
            let arguments = try job.decodeArguments(ExportJobArguments.self)
            guard arguments.request.format.jobKind == kind else {
                throw WorkerError.badInput("a \(arguments.request.format.rawValue) report is a \(arguments.request.format.jobKind) job, not \(kind)")
            }
            let environment = ProcessInfo.processInfo.environment
            let schemas = CatalogSchemas(environment: environment)
            let url = try await EmbeddedStack.databaseURL(for: configuration, logger: logger)
            let connection = try await PostgresConnection.connect(url: url, variable: Configuration.Variable.databaseURL,
                                                                  applicationName: "pyramydal-\(kind)", logger: logger)
            defer { connection.close() }
            let exportJob = ExportJob(
                sources: CatalogReportSources(catalogSchema: schemas.catalog, dataSchema: schemas.data),
                publisher: ReportPublisher(
                    exporter: ReportExporter(maxRows: try ReportLimits.maxRows(for: arguments.request.format, environment: environment)),
                    store: try configuration.openStore(logger: logger),
                    recorder: CatalogArtifactRecorder(schema: schemas.catalog)))
            do {
                let format = arguments.request.format.rawValue
                try? await job.progress(0.05, message: "rendering \(format) of \(arguments.request.dataset)")
                let published = try await exportJob.run(arguments, jobID: job.id, connection: connection) { output in
                    var rendered = "\(output.rows) rows, \(output.bytes) bytes"
                    if let pages = output.pages { rendered += ", \(pages) pages" }
                    try? await job.progress(0.8, message: "rendered \(rendered); uploading")
                }
                return .object(["key": .string(published.key), "artifact": .number(Double(published.artifactID)),
                                "rows": .number(Double(published.output.rows)), "bytes": .number(Double(published.bytes))])
            } catch let error as ReportError where error.isBadInput {
                throw WorkerError.badInput(error.description)
            }
        }
    }
}
