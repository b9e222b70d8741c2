import Catalog
import Foundation
import Postgres
import XLSXReader

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
    /// The dataset's ingest settings (nil or empty: the table is detected).
    var settings: IngestSettings? = nil

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
        var state = Producer(
            builder: settings.flatMap { $0.isEmpty ? nil : $0 }.map {
                SheetPlan.Builder(sheet: sheet, dataset: dataset, file: file, dateSystem: dateSystem, settings: $0)
            } ?? SheetPlan.Builder(sheet: sheet, dataset: dataset, file: file, dateSystem: dateSystem),
            encoder: CopyEncoder(dateSystem: dateSystem), pipe: pipe)
        struct Stop: Error {}
        do {
            // The state is a struct captured by a non-escaping closure, so
            // its accesses are checked statically (captured local variables
            // shared with nested functions cost a runtime check each).
            try reader.readRawRows(of: sheet, dimension: { pipe.sheetLastRow = $0 }) { row in
                if try !state.handle(row) { throw Stop() }
            }
        } catch is Stop {
            pipe.finish(.end)
            return
        }
        state.builder.finish()
        try state.processReleased()
        var final = try state.builder.plan()
        final?.formatCodes = reader.numberFormatCodes
        // A sheet without header (one row of values) is copied by pass 2,
        // which reads that row as data: no guess is announced for it.
        if state.guess == nil, let final, final.hasHeader { try state.announce(final) }
        let held = final?.hasHeader == true && state.speculating && !state.cancelled && state.guess.map { g in
            final.map { $0.firstColumn == g.firstColumn && $0.names == g.names && $0.types == state.rows.types } ?? false
        } ?? false
        if held && state.rowsInBuffer > 0 { _ = pipe.push(state.buffer, rows: state.rowsInBuffer) }
        // Held rows' strings were read after the scan ended: check them too.
        try reader.checkSharedStrings(sheet: sheet)
        pipe.finish(.inferred(final, guessHeld: held))
    }

    /// The producer's state between rows.
    private struct Producer {
        var builder: SheetPlan.Builder
        let encoder: CopyEncoder
        let pipe: ChunkPipe
        /// The rows before the guess (copies: the reader reuses its row).
        var pending: [RawRow] = []
        var guess: SheetPlan? = nil
        /// Encodes rows with the guess's types and first column.
        var rows = BinaryRowEncoder(firstColumn: 0, types: [], encoder: CopyEncoder())
        var speculating = true
        var cancelled = false
        var buffer: [UInt8]
        var rowsInBuffer = 0

        init(builder: SheetPlan.Builder, encoder: CopyEncoder, pipe: ChunkPipe) {
            self.builder = builder
            self.encoder = encoder
            self.pipe = pipe
            buffer = pipe.takeBuffer()
        }

        /// One row of the sheet; false once the consumer has cancelled.
        mutating func handle(_ row: RawRow) throws -> Bool {
            let isData = builder.place(row)
            try processReleased()
            if isData { try process(row) }
            return !cancelled
        }

        /// The rows the table's shape has released (held rows now known to
        /// be data), before the current one.
        mutating func processReleased() throws {
            guard !builder.released.isEmpty else { return }
            for row in builder.takeReleased() { try process(row) }
        }

        /// A data row: recorded by the inference and, once there is a
        /// guess, encoded with its types; before it, held for the guess.
        private mutating func process(_ row: RawRow) throws {
            if guess != nil {
                if speculating {
                    speculating = rows.observeAndEncode(row, into: &builder.inference, to: &buffer)
                    if speculating { rowEncoded() }
                } else {
                    BinaryRowEncoder.observe(row, into: &builder.inference)
                }
                return
            }
            BinaryRowEncoder.observe(row, into: &builder.inference)
            pending.append(row.kept())
            if pending.count == SinglePassLoader.guessRows, let plan = try builder.planSoFar() { try announce(plan) }
        }

        mutating func announce(_ plan: SheetPlan) throws {
            guess = plan
            rows = BinaryRowEncoder(firstColumn: plan.firstColumn, types: plan.types, encoder: encoder)
            pipe.announce(.guess(plan))
            for row in pending where speculating && !cancelled {
                speculating = encode(row)
            }
            pending = []
        }

        /// Encodes an (already observed) row with the guessed types; false
        /// when it doesn't fit.
        mutating func encode(_ row: RawRow) -> Bool {
            guard rows.fits(row) else { return false }
            do {
                try rows.encode(row, to: &buffer)
            } catch {
                return false
            }
            rowEncoded()
            return true
        }

        private mutating func rowEncoded() {
            rowsInBuffer += 1
            if buffer.count >= pipe.chunkBytes {
                if !pipe.push(buffer, rows: rowsInBuffer) { cancelled = true }
                buffer = pipe.takeBuffer()
                rowsInBuffer = 0
            }
        }
    }
}
