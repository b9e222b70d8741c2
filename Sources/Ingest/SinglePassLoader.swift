import Catalog
import Foundation
import Postgres
import Workbook

/// The one-pass path for a workbook with one visible sheet: parsing,
/// inference and the COPY all overlap, so the sheet is parsed once.
///
/// The producer thread reads the sheet once. The first ``guessRows`` data
/// rows are held and give a *guess* of the column types; the consumer
/// creates the table with the guessed types and starts the COPY, and from
/// then on each row is both observed by the whole-column inference and
/// encoded with the guessed types. At the end the whole-sheet plan is
/// compared with the guess: if they are equal (the usual case: a column's
/// type rarely changes after its first thousand values) the COPY is kept;
/// otherwise (or if a later row did not fit the guess) the consumer
/// abandons it (ROLLBACK TO SAVEPOINT) and runs pass 2 with the final
/// types, as for multi-sheet workbooks. Either way the stored types are
/// those of the whole column.
struct SinglePassLoader {
    static let guessRows = 1000

    let sheet: SheetInfo
    let dataset: DatasetRef
    let file: String
    let dateSystem: DateSystem

    /// Starts the producer thread; the caller consumes `pipe`.
    func start(reader: ReaderBox, pipe: ChunkPipe) {
        let loader = self
        let thread = Thread {
            do {
                try loader.produce(reader: reader, pipe: pipe)
            } catch {
                pipe.finish(.failure(error))
            }
        }
        thread.name = "pyramydal.ingest.parse"
        thread.stackSize = 1 << 20
        thread.start()
    }

    private func produce(reader: ReaderBox, pipe: ChunkPipe) throws {
        var builder = SheetPlan.Builder(sheet: sheet, dataset: dataset, file: file, dateSystem: dateSystem)
        let encoder = CopyEncoder(dateSystem: dateSystem)
        var pending: [Row] = []
        var guess: SheetPlan? = nil
        var speculating = true
        var cancelled = false
        var buffer = pipe.takeBuffer()
        var rowsInBuffer = 0

        /// Encodes a row with the guessed types; false when it doesn't fit.
        func encode(_ row: Row, _ plan: SheetPlan) -> Bool {
            let types = plan.types
            let first = plan.firstColumn
            guard let low = row.cells.first?.column, let high = row.cells.last?.column,
                  low >= first, high < first + types.count else { return false }
            let mark = buffer.count
            CopyEncoder.appendBinaryTupleStart(fieldCount: types.count, to: &buffer)
            var next = 0
            let cells = row.cells
            for i in 0..<types.count {
                if next < cells.count && cells[next].column == first + i {
                    do {
                        try encoder.appendBinary(cells[next].value, as: types[i], to: &buffer)
                    } catch {
                        buffer.removeSubrange(mark...)
                        return false
                    }
                    next += 1
                } else {
                    CopyEncoder.appendBinaryNull(to: &buffer)
                }
            }
            rowsInBuffer += 1
            if buffer.count >= pipe.chunkBytes {
                if !pipe.push(buffer, rows: rowsInBuffer) { cancelled = true }
                buffer = pipe.takeBuffer()
                rowsInBuffer = 0
            }
            return true
        }

        func announce(_ plan: SheetPlan) {
            guess = plan
            pipe.announce(.guess(plan))
            for row in pending where speculating && !cancelled {
                speculating = encode(row, plan)
            }
            pending = []
        }

        /// Records the row's cells and encodes them with the guessed types in
        /// one go (each number's text is read once); false when the row
        /// doesn't fit (then every cell is still recorded, nothing encoded).
        func observeAndEncode(_ row: Row, _ plan: SheetPlan) -> Bool {
            let types = plan.types
            let first = plan.firstColumn
            let cells = row.cells
            guard let low = cells.first?.column, let high = cells.last?.column,
                  low >= first, high < first + types.count else {
                for cell in cells { builder.inference[cell.column].observe(cell.value) }
                return false
            }
            let mark = buffer.count
            CopyEncoder.appendBinaryTupleStart(fieldCount: types.count, to: &buffer)
            var next = 0
            for i in 0..<types.count {
                if next < cells.count && cells[next].column == first + i {
                    do {
                        try builder.inference[first + i].observe(cells[next].value, appendingBinaryAs: types[i], with: encoder, to: &buffer)
                    } catch {
                        buffer.removeSubrange(mark...)
                        for cell in cells[(next + 1)...] { builder.inference[cell.column].observe(cell.value) }
                        return false
                    }
                    next += 1
                } else {
                    CopyEncoder.appendBinaryNull(to: &buffer)
                }
            }
            rowsInBuffer += 1
            if buffer.count >= pipe.chunkBytes {
                if !pipe.push(buffer, rows: rowsInBuffer) { cancelled = true }
                buffer = pipe.takeBuffer()
                rowsInBuffer = 0
            }
            return true
        }

        struct Stop: Error {}
        do {
            try reader.readRows(of: sheet) { row in
                if let plan = guess, speculating {
                    guard builder.observeShape(row) else { return }
                    speculating = observeAndEncode(row, plan)
                    if cancelled { throw Stop() }
                    return
                }
                guard builder.observe(row) else { return }
                if let plan = guess {
                    if speculating { speculating = encode(row, plan) }
                    if cancelled { throw Stop() }
                } else {
                    pending.append(row)
                    if pending.count == Self.guessRows, let plan = try builder.plan() { announce(plan) }
                }
            }
        } catch is Stop {
            pipe.finish(.end)
            return
        }
        let final = try builder.plan()
        if guess == nil, let final { announce(final) }
        let held = speculating && !cancelled && guess.map { g in
            final.map { $0.firstColumn == g.firstColumn && $0.names == g.names && $0.types == g.types } ?? false
        } ?? false
        if held && rowsInBuffer > 0 { _ = pipe.push(buffer, rows: rowsInBuffer) }
        pipe.finish(.inferred(final, guessHeld: held))
    }
}
