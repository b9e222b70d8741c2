import Catalog
import Foundation
import Postgres
import XLSXReader

/// The transaction of one dataset version (see ``Ingest``): claim the
/// version under the dataset's lock, create the table, COPY, finish.
extension Ingest {
    /// What the transaction has claimed before rows arrive.
    struct Claim {
        var datasetID: Int64
        var viewName: String
        var number: Int
        var table: String
        var versionID: Int64
    }

    /// Lock, idempotency check under the lock, next number, version row.
    /// Returns the existing version instead when the source was already ingested.
    func claim(_ ref: DatasetRef, sheet: String, request: IngestRequest, on conn: PostgresConnection) throws
        -> Result<Claim, CommittedVersionBox>
    {
        try catalog.lockDataset(ref, on: conn)
        let dataset = try catalog.ensureDataset(ref, on: conn)
        if let done = try catalog.committedVersion(datasetID: dataset.id, source: request.source, on: conn) {
            return .failure(CommittedVersionBox(version: Self.existing(done, ref: ref, viewName: dataset.viewName)))
        }
        let number = try catalog.nextVersionNumber(datasetID: dataset.id, on: conn)
        let table = TableNaming.tableName(viewName: dataset.viewName, datasetID: dataset.id, version: number)
        let versionID = try catalog.insertLoadingVersion(
            datasetID: dataset.id, version: number, source: request.source, sheet: sheet, tableName: table,
            createdBy: request.actor, on: conn)
        return .success(Claim(datasetID: dataset.id, viewName: dataset.viewName, number: number, table: table, versionID: versionID))
    }

    /// Marks the version committed (with the workbook's notes and the
    /// plan's own), points the view, audits, runs the hook.
    func finishVersion(
        _ claim: Claim, plan: SheetPlan, rows: Int, request: IngestRequest, timings: VersionTimings, notes workbookNotes: [String],
        on conn: PostgresConnection
    ) throws -> CommittedVersion {
        let columns = plan.columns
        let notes = workbookNotes + plan.notes
        try catalog.markCommitted(versionID: claim.versionID, rowCount: rows, columns: columns, timings: timings, notes: notes, on: conn)
        try catalog.pointView(claim.viewName, at: claim.table, on: conn)
        try catalog.audit(who: request.actor, what: "ingest \(plan.dataset)", outcome: "committed",
                          detail: "{\"version\": \(claim.number), \"rows\": \(rows), \"source\": \(Self.jsonString(request.source.uri))}",
                          on: conn)
        let committed = CommittedVersion(
            dataset: plan.dataset, datasetID: claim.datasetID, versionID: claim.versionID, version: claim.number,
            sheet: plan.sheet.name, rowCount: rows, columns: columns, tableName: claim.table, viewName: claim.viewName,
            timings: timings, alreadyIngested: false, notes: notes)
        try onCommitted?(committed, conn)
        logger.info("version committed", metadata: [
            "dataset.name": "\(plan.dataset)", "dataset.version": "\(claim.number)", "dataset.rows": "\(rows)",
            "dataset.table": "\(claim.table)",
        ])
        return committed
    }

    func startCopy(_ claim: Claim, plan: SheetPlan, on conn: PostgresConnection) throws -> PostgresCopyWriter {
        try catalog.createTable(claim.table, columns: zip(plan.names, plan.types).map { ($0, $1.sqlName) }, on: conn)
        return try conn.copyIn("COPY \(catalog.schemas.dataRelation(claim.table)) FROM STDIN (FORMAT binary)",
                               purpose: "copy rows into \(claim.table)")
    }

    /// Pass 2 of a planned sheet into a new table.
    func copyPass2(
        _ claim: Claim, plan: SheetPlan, request: IngestRequest, reader: ReaderBox, dateSystem: DateSystem,
        progress: (@Sendable (IngestProgress) -> Void)?, on conn: PostgresConnection
    ) throws -> Int {
        let copyStart = DispatchTime.now()
        let writer = try startCopy(claim, plan: plan, on: conn)
        do {
            let rows = try SheetLoader(plan: plan, file: request.displayName, dateSystem: dateSystem)
                .load(reader: reader, into: writer) { copied in
                    progress?(IngestProgress(dataset: plan.dataset, rowsCopied: copied, totalRows: plan.dataRowCount,
                                             elapsedSeconds: Self.seconds(since: copyStart)))
                }
            try writer.finish()
            return rows
        } catch {
            writer.abort(message: "ingest failed")
            throw IngestError.tooWide(error, columns: plan.names.count, file: request.displayName, sheet: plan.sheet.name)
        }
    }

    /// One planned sheet's transaction (several-sheet workbooks).
    func commit(
        _ plan: SheetPlan, request: IngestRequest, reader: ReaderBox, dateSystem: DateSystem, inferSeconds: Double,
        notes: [String], started: DispatchTime, progress: (@Sendable (IngestProgress) -> Void)?
    ) throws -> CommittedVersion {
        try connection.transaction(purpose: "ingest \(plan.dataset)") { conn in
            let claim: Claim
            switch try self.claim(plan.dataset, sheet: plan.sheet.name, request: request, on: conn) {
            case .failure(let done): return done.version
            case .success(let c): claim = c
            }
            let copyStart = DispatchTime.now()
            let rows = try copyPass2(claim, plan: plan, request: request, reader: reader, dateSystem: dateSystem,
                                     progress: progress, on: conn)
            let timings = VersionTimings(download: request.downloadSeconds, parseInfer: inferSeconds,
                                         copy: Self.seconds(since: copyStart),
                                         total: request.downloadSeconds + Self.seconds(since: started))
            return try finishVersion(claim, plan: plan, rows: rows, request: request, timings: timings, notes: notes, on: conn)
        }
    }

    /// A one-sheet workbook's transaction: one parse, inference and COPY
    /// overlapped (see ``SinglePassLoader``).
    func commitSinglePass(
        _ sheet: SheetInfo, dataset ref: DatasetRef, request: IngestRequest, reader: ReaderBox, dateSystem: DateSystem,
        settings: IngestSettings?, notes: [String], started: DispatchTime, progress: (@Sendable (IngestProgress) -> Void)?
    ) throws -> CommittedVersion {
        try connection.transaction(purpose: "ingest \(ref)") { conn in
            let claim: Claim
            switch try self.claim(ref, sheet: sheet.name, request: request, on: conn) {
            case .failure(let done): return done.version
            case .success(let c): claim = c
            }
            try conn.execute("SAVEPOINT speculative_copy", purpose: "savepoint")
            let passStart = DispatchTime.now()
            let pipe = ChunkPipe()
            SinglePassLoader(sheet: sheet, dataset: ref, file: request.displayName, dateSystem: dateSystem, settings: settings)
                .start(reader: reader, pipe: pipe)
            var writer: PostgresCopyWriter? = nil
            var columns = 0
            var rows = 0
            let outcome: (plan: SheetPlan?, held: Bool)
            do {
                loop: while true {
                    switch pipe.pop() {
                    case .guess(let guess):
                        columns = guess.names.count
                        writer = try startCopy(claim, plan: guess, on: conn)
                    case .chunk(let buffer, let count):
                        try buffer.withUnsafeBytes { try writer?.appendRawRows($0, rows: count) }
                        rows += count
                        pipe.recycle(buffer)
                        progress?(IngestProgress(dataset: ref, rowsCopied: rows, totalRows: 0,
                                                 elapsedSeconds: Self.seconds(since: passStart),
                                                 expectedRows: pipe.sheetLastRow.map { max(0, $0 - 1) }))
                    case .inferred(let plan, let held):
                        outcome = (plan, held)
                        break loop
                    case .failure(let error):
                        throw error
                    case .end:
                        throw IngestError(kind: .transient, detail: VersionError(kind: "transient", code: "cancelled",
                                                                                 file: request.displayName, message: "the parse stopped"))
                    }
                }
            } catch {
                pipe.cancelAndWait()
                writer?.abort(message: "ingest failed")
                throw IngestError.tooWide(error, columns: columns, file: request.displayName, sheet: sheet.name)
            }
            guard let plan = outcome.plan else {
                writer?.abort(message: "empty sheet")
                throw Self.emptyWorkbook(request, notes: notes)
            }
            let parseSeconds = Self.seconds(since: passStart)
            if outcome.held, let writer {
                do { try writer.finish() } catch {
                    throw IngestError.tooWide(error, columns: columns, file: request.displayName, sheet: sheet.name)
                }
                progress?(IngestProgress(dataset: ref, rowsCopied: rows, totalRows: rows, elapsedSeconds: parseSeconds))
            } else {
                // The guess didn't hold (or there was none: a sheet without
                // header): start over with the whole-column types.
                writer?.abort(message: "column types changed after the first rows")
                try conn.execute("ROLLBACK TO SAVEPOINT speculative_copy", purpose: "abandon the speculative COPY")
                if writer != nil {
                    logger.info("column types changed after the first rows; copying again", metadata: ["dataset.name": "\(ref)"])
                }
                rows = try copyPass2(claim, plan: plan, request: request, reader: reader, dateSystem: dateSystem,
                                     progress: progress, on: conn)
            }
            let timings = VersionTimings(download: request.downloadSeconds, parseInfer: parseSeconds,
                                         copy: Self.seconds(since: passStart),
                                         total: request.downloadSeconds + Self.seconds(since: started))
            return try finishVersion(claim, plan: plan, rows: rows, request: request, timings: timings, notes: notes, on: conn)
        }
    }
}
