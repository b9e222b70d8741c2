import ArgumentParser
import Foundation
import Ingest
import ObjectStore
import PyramydalRuntime

/// `pyramydal drop <file> [--department D] [--name N]`: copies a file to
/// the store's `incoming/[<department>/]<name>.<ext>`, where the
/// dispatcher picks it up. The file itself is not ingested here.
struct DropCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "drop", abstract: "Put a workbook into the store's incoming/ folder.")

    @Argument(help: "The .xlsx (or .csv) file.") var file: String
    @Option(help: "Department (default: none, i.e. default).") var department: String?
    @Option(help: "Dataset name (default: the file's base name).") var name: String?

    func run() async throws {
        try await CommandContext.run(label: "pyramydal.drop") { context in
            guard FileManager.default.isReadableFile(atPath: file) else { throw ValidationError("cannot read \(file)") }
            let base = (file as NSString).lastPathComponent
            let ext = (base as NSString).pathExtension.isEmpty ? "xlsx" : (base as NSString).pathExtension.lowercased()
            let stem = name ?? (base as NSString).deletingPathExtension
            let key = "incoming/" + (department.map { $0 + "/" } ?? "") + stem + "." + ext
            try EmbeddedStack.prepareLocalStore(context.configuration)
            let store = try IngestStores.open(configuration: context.configuration)
            let info = try await store.put(key, fromFile: file, options: PutOptions())
            print("\(store.location)/\(key) (\(info.size) bytes\(info.etag.map { ", etag \($0)" } ?? ""))")
        }
    }
}
