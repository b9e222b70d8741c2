import ArgumentParser
import Catalog
import Foundation
import Logging
import PyramydalRuntime

/// What every subcommand starts from: the configuration, parsed once, and a logger.
struct CommandContext {
    let configuration: Configuration
    let logger: Logger

    /// The catalog in the configured schemas (``Configuration/catalogSchemas``).
    var catalog: Catalog { Catalog(schemas: configuration.catalogSchemas) }

    /// Exit statuses (sysexits.h where one fits).
    enum Status {
        static let failure: Int32 = 1
        /// EX_USAGE: bad arguments or a bad PYRAMYDAL_* value.
        static let usage: Int32 = 64
    }

    /// Runs `body` with the configuration of this process. A bad variable
    /// prints `pyramydal: PYRAMYDAL_X: …` and exits 64; any other error prints
    /// `pyramydal: …` and exits 1.
    static func run(label: String, _ body: (CommandContext) async throws -> Void) async throws {
        let configuration: Configuration
        do {
            configuration = try Configuration.fromProcessEnvironment()
        } catch {
            printError(error.description)
            throw ExitCode(Status.usage)
        }
        LoggingSetup.bootstrap(configuration)
        let context = CommandContext(configuration: configuration, logger: Logger(label: label))
        do {
            try await body(context)
        } catch let exit as ExitCode {
            throw exit
        } catch let error as ConfigurationError {
            printError(error.description)
            throw ExitCode(Status.usage)
        } catch {
            printError(String(describing: error))
            throw ExitCode(Status.failure)
        }
    }

    static func printError(_ message: String) {
        FileHandle.standardError.write(Data("pyramydal: \(message)\n".utf8))
    }
}
