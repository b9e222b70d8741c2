import ArgumentParser
import Foundation
import JobQueue
import Logging
import PyramydalRuntime

/// The one entry point every worker executable's `@main` calls
/// (`IngestWorker`, `ExportWorker`, `SnapshotWorker`), so each stays thin.
///
/// Launched by the dispatcher (`PYRAMYDAL_JOB_ID` set, no arguments) it
/// runs that job: reads the ``Configuration``, sets up logging, and runs
/// `handler` under ``runWorker(kind:environment:logger:body:)`` (heartbeats,
/// outcome, exit code). Run by hand it parses the command line with
/// swift-argument-parser and runs the command. Either way the process
/// exits with a ``WorkerExitCode``: 0 done, 64 usage, 65 bad input, 70 an
/// unexpected failure, 75 transient.
///
/// ```swift
/// @main struct SnapshotWorker: AsyncParsableCommand {
///     static func main() async {
///         await WorkerMain.run(Self.self, kinds: [SnapshotArgs.kind]) { job in … return SnapshotResult(…) }
///     }
/// }
/// ```
public enum WorkerMain {
    /// Runs the worker and exits.
    ///   - kinds: the job kinds this worker runs; the job's kind comes from
    ///     `PYRAMYDAL_JOB_KIND` when it is one of them, else the first.
    ///   - handler: one job's work; what it returns is the job's result.
    public static func run<Command: AsyncParsableCommand>(
        _ command: Command.Type, kinds: [String],
        job handler: @escaping @Sendable (WorkerJob) async throws -> (any Encodable & Sendable)?
    ) async -> Never {
        let arguments = Array(CommandLine.arguments.dropFirst())
        let environment = ProcessInfo.processInfo.environment
        let code: WorkerExitCode
        if arguments.isEmpty, environment[WorkerEnvironment.jobID] != nil {
            code = await runJob(name: name(of: command), kinds: kinds, environment: environment, handler: handler)
        } else {
            code = await runCommand(command, arguments: arguments)
        }
        exit(code.rawValue)
    }

    static func runJob(name: String, kinds: [String], environment: [String: String],
                       handler: @escaping @Sendable (WorkerJob) async throws -> (any Encodable & Sendable)?) async -> WorkerExitCode {
        let configuration: Configuration
        do {
            configuration = try Configuration.fromProcessEnvironment()
        } catch {
            printError(name, "\(error)")
            return .badInput
        }
        LoggingSetup.bootstrap(configuration)
        let kind = environment[WorkerEnvironment.kind].flatMap { kinds.contains($0) ? $0 : nil } ?? kinds[0]
        let logger = Logger(label: "pyramydal.\(kind)-worker")
        let status = await runWorker(kind: kind, environment: environment, logger: logger) { job in
            let result = try await handler(WorkerJob(context: job, kind: kind, configuration: configuration, logger: logger))
            return try result.map { try JSONValue(encoding: $0) }
        }
        return WorkerExitCode(rawValue: status) ?? .internalError
    }

    /// Parses and runs the command: a ``WorkerFailure`` exits with its
    /// code (and message), argument errors and `--help` as
    /// swift-argument-parser does (64, 0), anything else with 70.
    static func runCommand<Command: AsyncParsableCommand>(_ command: Command.Type, arguments: [String]) async -> WorkerExitCode {
        var parsed: any ParsableCommand
        do {
            parsed = try Command.parseAsRoot(arguments)
        } catch {
            Command.exit(withError: error)
        }
        do {
            if var asyncCommand = parsed as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try parsed.run()
            }
            return .success
        } catch let failure as WorkerFailure {
            if let message = failure.message { printError(name(of: command), message) }
            return failure.code
        } catch {
            // swift-argument-parser's own (help, validation, ExitCode) exit as it decides.
            if Command.exitCode(for: error) != .failure { Command.exit(withError: error) }
            printError(name(of: command), "\(error)")
            return .internalError
        }
    }

    static func name<Command: ParsableCommand>(of command: Command.Type) -> String {
        Command.configuration.commandName ?? "\(Command.self)"
    }

    static func printError(_ name: String, _ message: String) {
        FileHandle.standardError.write(Data("\(name): \(message)\n".utf8))
    }
}

/// One job as a worker's handler sees it.
public struct WorkerJob: Sendable {
    /// The claimed job: arguments, attempt, progress.
    public let context: JobContext
    public let kind: String
    public let configuration: Configuration
    public let logger: Logger
}

/// How a worker command run by hand fails: the exit code, and a message
/// for stderr (nil when the command already logged it).
public struct WorkerFailure: Error, CustomStringConvertible {
    public var code: WorkerExitCode
    public var message: String?

    public init(_ code: WorkerExitCode, _ message: String?) {
        self.code = code
        self.message = message
    }

    public var description: String { message ?? "\(code)" }
}
