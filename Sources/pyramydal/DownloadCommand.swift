import ArgumentParser
import Foundation
import ObjectStore

/// `pyramydal download <artifact>`: fetches a stored report to a file, or
/// prints a short-lived presigned URL (`--url`).
struct DownloadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "download",
        abstract: "Download a stored report (by artifact id) or print a short-lived URL for it.")

    @Argument(help: "The artifact id (see `pyramydal reports`).")
    var artifact: Int64

    @Option(name: .shortAndLong, help: "Where to write it (default: the report's file name, here).")
    var output: String?

    @Flag(help: "Print a presigned URL (S3, 15 minutes) or the file's path instead of downloading.")
    var url = false

    func run() async throws {
        try await CommandContext.run(label: "pyramydal.download") { context in
            let support = ReportsCommandSupport(context: context)
            let connection = try await support.connect()
            defer { connection.close() }
            let catalog = support.catalog, id = artifact
            guard let key = try await connection.run({ conn in try catalog.artifact(id: id, on: conn) })?.key else {
                CommandContext.printError("no artifact \(artifact) (see `pyramydal reports`)")
                throw ExitCode(CommandContext.Status.failure)
            }
            let store = try support.store()
            if url {
                print(try await support.location(of: key, store: store))
                return
            }
            let path = output ?? (key as NSString).lastPathComponent
            let info = try await store.get(key, toFile: path)
            FileHandle.standardError.write(Data("\(key) → \(path) (\(info.size) bytes)\n".utf8))
            print(path)
        }
    }
}
