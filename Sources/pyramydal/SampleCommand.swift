import ArgumentParser
import Foundation
import XLSXWriter

/// `pyramydal sample --rows N --out F.xlsx`: a realistic 20-column workbook.
struct SampleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "sample", abstract: "Write a realistic 20-column sample workbook.")

    @Option(help: "Data rows.") var rows: Int = 100_000
    @Option(help: "The .xlsx file to write.") var out: String
    @Option(help: "Random seed (same seed, same workbook).") var seed: UInt64 = 42

    func run() async throws {
        try await CommandContext.run(label: "pyramydal.sample") { _ in
            guard rows >= 0 else { throw ValidationError("--rows must be at least 0") }
            try await SampleWorkbook.writeDetached(rows: rows, to: out, seed: seed)
            print("\(out): \(rows) rows × \(SampleWorkbook.columns.count) columns")
        }
    }
}
