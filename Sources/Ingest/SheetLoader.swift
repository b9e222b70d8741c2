import Foundation
import Postgres
import Basics
import XLSXReader

/// Pass 2 of one sheet: a producer thread re-reads the sheet and encodes
/// each data row in COPY binary format into ~512 KiB chunks; the calling
/// thread feeds the chunks to the COPY as they come, so parsing and the
/// server's COPY work overlap on the two cores.
struct SheetLoader {
    let plan: SheetPlan
    let file: String
    let dateSystem: DateSystem

    /// Streams the sheet's data rows into `writer` (a binary COPY already
    /// started, its header written by the writer). Returns the rows sent.
    /// `progress` is called on this thread after each chunk with the rows
    /// sent so far.
    func load(reader: ReaderBox, into writer: PostgresCopyWriter, progress: (Int) -> Void) throws -> Int {
        let pipe = ChunkPipe()
        let plan = self.plan
        let file = self.file
        let encoder = CopyEncoder(dateSystem: dateSystem)
        let thread = Thread {
            do {
                try Self.produce(plan: plan, file: file, encoder: encoder, reader: reader, pipe: pipe)
                pipe.finish(.end)
            } catch {
                pipe.finish(.failure(error))
            }
        }
        thread.name = "pyramydal.ingest.parse"
        thread.stackSize = 1 << 20
        thread.start()

        var rows = 0
        do {
            loop: while true {
                switch pipe.pop() {
                case .chunk(let buffer, let count):
                    try buffer.withUnsafeBytes { try writer.appendRawRows($0, rows: count) }
                    rows += count
                    pipe.recycle(buffer)
                    progress(rows)
                case .end:
                    break loop
                case .failure(let error):
                    throw error
                case .guess, .inferred:
                    preconditionFailure("pass 2 sends chunks only")
                }
            }
        } catch {
            pipe.cancelAndWait()
            throw error
        }
        return rows
    }

    /// The producer: every data row (the rows from the plan's first data
    /// row to its last) as a COPY
    /// binary tuple with one field per column, NULL where the row has no cell.
    static func produce(plan: SheetPlan, file: String, encoder: CopyEncoder, reader: ReaderBox, pipe: ChunkPipe) throws {
        let rows = BinaryRowEncoder(firstColumn: plan.firstColumn, types: plan.types, encoder: encoder)
        var buffer = pipe.takeBuffer()
        var rowsInBuffer = 0
        struct Stop: Error {}
        do {
            let columns = plan.table.map { $0.firstColumn...$0.lastColumn }
            try reader.readRawRows(of: plan.sheet) { whole in
                // The rows pass 1 found to be data: those above (the header,
                // titles) and below (a total, footnotes) are left out; an
                // Excel Table's rows are cut to its columns.
                guard whole.number >= plan.firstDataRow, whole.number <= plan.lastDataRow else { return }
                let row = columns.map { whole.restricted(to: $0) } ?? whole
                guard !row.cells.isEmpty else { return }
                do {
                    try rows.encode(row, to: &buffer)
                } catch let error as BinaryRowEncoder.CellError {
                    let i = error.index
                    throw IngestError.badInput(
                        error.error.code.description, file: file, sheet: plan.sheet.name,
                        cell: CellReference.name(column: plan.firstColumn + i, row: row.number),
                        "the value can't be stored in column \"\(plan.names[i])\" (\(rows.types[i].sqlName)): \(error.error)")
                }
                rowsInBuffer += 1
                if buffer.count >= pipe.chunkBytes {
                    guard pipe.push(buffer, rows: rowsInBuffer) else { throw Stop() }
                    buffer = pipe.takeBuffer()
                    rowsInBuffer = 0
                }
            }
        } catch is Stop {
            return
        }
        if rowsInBuffer > 0 { _ = pipe.push(buffer, rows: rowsInBuffer) }
    }
}

/// Hands the workbook reader (not `Sendable`: one thread at a time) or the
/// CSV reader to the parsing thread and back.
///
/// `@unchecked Sendable`: ownership moves with the box. The ingest thread
/// does not touch the reader while a producer runs, and the loaders return
/// only after the producer has finished with it (its last item, or
/// `cancelAndWait`).
final class ReaderBox: @unchecked Sendable {
    private let workbook: WorkbookReader?
    private let csv: CSVReader?
    init(_ reader: WorkbookReader) { workbook = reader; csv = nil }
    init(csv: CSVReader) { workbook = nil; self.csv = csv }

    /// The workbook's number format codes (none for CSV).
    var numberFormatCodes: [String] { workbook?.numberFormatCodes ?? [] }

    /// Throws if a shared string read after the sheet's scan (a held row's)
    /// could not be read back (see ``WorkbookReader/checkSharedStrings(sheet:)``).
    func checkSharedStrings(sheet: SheetInfo) throws {
        try workbook?.checkSharedStrings(sheet: sheet)
    }

    /// The sheet's rows as raw rows (the CSV reader's rows converted);
    /// `dimension` as ``WorkbookReader/readRawRows(of:dimension:_:)`` has it.
    func readRawRows(of sheet: SheetInfo, dimension: ((Int) -> Void)? = nil, _ body: (RawRow) throws -> Void) throws {
        if let workbook {
            try workbook.readRawRows(of: sheet, dimension: dimension, body)
        } else if let csv {
            var raw = RawRow(Row(number: 0, cells: []))
            try csv.readRows { row in
                raw.set(row)
                try body(raw)
            }
        }
    }
}
