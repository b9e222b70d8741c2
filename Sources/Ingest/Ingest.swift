import Basics
public import Catalog
import Crypto
import Foundation
public import Logging
public import Postgres
public import XLSXReader

/// What to ingest: a local file (downloaded already, if it came from a
/// store) and where it came from.
public struct IngestRequest: Sendable {
    /// The file to read (xlsx needs random access, so always a local file).
    public var path: String
    /// The workbook's dataset (see ``SourceNaming``); sheets of a
    /// multi-sheet workbook become `<name>:<sheet>`.
    public var workbook: DatasetRef
    public var source: SourceIdentity
    /// Who asked (local user or IAM principal), for the audit log.
    public var actor: String
    /// Seconds already spent downloading, recorded in the timings.
    public var downloadSeconds: Double
    /// How to read the table where detection gets it wrong (`pyramydal
    /// ingest --header-row …`): used instead of the dataset's stored
    /// settings, and stored as them once the ingest succeeds. Nil: the
    /// dataset's stored settings, if any, apply.
    public var overrides: IngestSettings?
    /// The workbook already being opened (see ``WorkbookOpening``), or nil.
    public var opening: WorkbookOpening? = nil

    public init(path: String, workbook: DatasetRef, source: SourceIdentity, actor: String = IngestActor.current(),
                downloadSeconds: Double = 0, overrides: IngestSettings? = nil) {
        self.path = path
        self.workbook = workbook
        self.source = source
        self.actor = actor
        self.downloadSeconds = downloadSeconds
        self.overrides = overrides
    }

    /// How people know the source in error messages (key or path).
    var displayName: String { source.key ?? source.uri }
}

/// One dataset version made (or found already made) by an ingest.
public struct CommittedVersion: Sendable, Hashable {
    public var dataset: DatasetRef
    public var datasetID: Int64
    public var versionID: Int64
    public var version: Int
    public var sheet: String
    public var rowCount: Int
    public var columns: [ColumnInfo]
    public var tableName: String
    public var viewName: String
    public var timings: VersionTimings
    /// true when the same object had already been ingested: nothing new was made.
    public var alreadyIngested: Bool
    /// What the ingest did that a person should know (sheets skipped,
    /// numbers rounded), as recorded on the version.
    public var notes: [String] = []
}

/// Boxes an already-made version so it can travel as a `Result` failure.
struct CommittedVersionBox: Error {
    var version: CommittedVersion
}

/// Progress of the COPY of one sheet.
public struct IngestProgress: Sendable {
    public var dataset: DatasetRef
    public var rowsCopied: Int
    /// The sheet's data rows, or 0 while unknown (a one-sheet ingest learns
    /// it only at the end of its single pass).
    public var totalRows: Int
    public var elapsedSeconds: Double
    /// While `totalRows` is unknown: about how many rows the sheet holds,
    /// from its `<dimension>` (the writer's word, not checked), or nil.
    public var expectedRows: Int? = nil

    /// How far along, 0 … 1: rows copied of the total, else of the
    /// expected rows (below 1 until the end), else nil.
    public var fraction: Double? {
        if totalRows > 0 { return min(1, Double(rowsCopied) / Double(totalRows)) }
        guard let expectedRows, expectedRows > 0 else { return nil }
        return min(0.99, Double(rowsCopied) / Double(expectedRows))
    }
}

/// Who is ingesting, for the audit log: `PYRAMYDAL_ACTOR` if set (e.g. the
/// IAM principal of a worker), else the local user.
public enum IngestActor {
    public static func current(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        AuditActor.current(environment: environment)
    }
}

/// The ingest pipeline: a workbook file becomes one typed, versioned
/// dataset per visible, non-empty sheet (see docs/ingest.md).
///
/// For each sheet: pass 1 infers the column types over the whole column;
/// then one transaction takes the dataset's lock, checks idempotency
/// again, creates `data.<table>`, streams pass 2 through a binary COPY,
/// marks the version committed, repoints the view, writes the audit row,
/// runs ``onCommitted`` and commits. Any failure rolls that back and a
/// separate short transaction records the failed attempt.
///
/// Blocking: ``run(_:progress:)`` does file and database I/O on the calling
/// thread (plus one parsing thread); call it from a dedicated thread, or
/// use the async ``ingest(_:progress:)`` which does so.
public final class Ingest: Sendable {
    /// Called inside each version's transaction just before COMMIT (e.g. to
    /// enqueue report jobs for `pyramydal.report_requests`); throwing rolls
    /// the version back.
    public typealias CommitHook = @Sendable (CommittedVersion, PostgresConnection) throws -> Void

    public let connection: PostgresConnection
    public let catalog: Catalog
    public let logger: Logger
    public let onCommitted: CommitHook?
    /// Bounds on inflated sizes, ratios and tokens (zip bombs).
    public let readerLimits: ReaderLimits

    /// The reader's default limits, with at most 16 MiB of shared strings
    /// held in memory (the 100k-row benchmark's table fits; a table whose
    /// part is declared larger is spilled while it is parsed and read
    /// through an 8 MiB cache): keeps a 1M-row ingest under 64 MiB peak
    /// RSS at the cost of a few % more CPU when the table spills.
    public static let defaultReaderLimits: ReaderLimits = {
        var limits = ReaderLimits()
        limits.sharedStringMemoryBytes = 16 << 20
        return limits
    }()

    public init(connection: PostgresConnection, catalog: Catalog, logger: Logger, readerLimits: ReaderLimits = Ingest.defaultReaderLimits,
                onCommitted: CommitHook? = nil) {
        self.connection = connection
        self.catalog = catalog
        self.logger = logger
        self.readerLimits = readerLimits
        self.onCommitted = onCommitted
    }

    /// What becomes a dataset: a visible sheet, or each Excel Table of a
    /// sheet that has them (named by the table; a table named like another
    /// unit is named `<sheet> <table>`).
    struct Unit {
        var sheet: SheetInfo
        var table: ExcelTable?
        var name: String
    }

    static func units(of sheets: [SheetInfo]) -> [Unit] {
        var units: [Unit] = []
        for sheet in sheets {
            if sheet.tables.isEmpty {
                units.append(Unit(sheet: sheet, table: nil, name: sheet.name))
            } else {
                units += sheet.tables.map { Unit(sheet: sheet, table: $0, name: $0.name) }
            }
        }
        for i in units.indices where units[i].table != nil {
            let clash = units.indices.contains { $0 != i && units[$0].name.lowercased() == units[i].name.lowercased() }
            if clash { units[i].name = "\(units[i].sheet.name) \(units[i].name)" }
        }
        return units
    }

    /// Runs ``run(_:progress:)`` on a dedicated thread.
    public func ingest(_ request: IngestRequest, progress: (@Sendable (IngestProgress) -> Void)? = nil) async throws -> [CommittedVersion] {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                continuation.resume(with: Result { try self.run(request, progress: progress) })
            }
            thread.name = "pyramydal.ingest"
            thread.start()
        }
    }

    /// Ingests the file; returns one entry per dataset. Throws
    /// ``IngestError`` (the failure already recorded in the catalog).
    public func run(_ request: IngestRequest, progress: (@Sendable (IngestProgress) -> Void)? = nil) throws -> [CommittedVersion] {
        let versions = try ingestOnce(request, progress: progress)
        // Settings given with this ingest are the dataset's from now on.
        if let overrides = request.overrides, versions.contains(where: { $0.dataset == request.workbook }) {
            do {
                try catalog.setIngestSettings(overrides, for: request.workbook, actor: request.actor, on: connection)
            } catch {
                logger.error("could not store the ingest settings", metadata: ["dataset": "\(request.workbook)", "error": "\(error)"])
            }
        }
        return versions
    }

    private func ingestOnce(_ request: IngestRequest, progress: (@Sendable (IngestProgress) -> Void)?) throws -> [CommittedVersion] {
        let started = DispatchTime.now()
        var request = request
        var failedDataset = request.workbook
        var failedSheet: String? = nil
        do {
            // Hash the file on another thread while the reader opens it
            // (both already under way when the workbook is being opened).
            let opening = request.opening.flatMap { $0.path == request.path && $0.limits == readerLimits ? $0 : nil }
            let hashing = request.source.sha256 == nil ? (opening?.hash ?? BackgroundHash(path: request.path)) : nil
            let settings = try request.overrides ?? catalog.ingestSettings(of: request.workbook, on: connection)
            var settingsNotes: [String] = []
            if let settings, !settings.isEmpty {
                if let range = settings.range, CellReference.parseRange(range) == nil {
                    throw IngestError.badInput("badSettings", file: request.displayName,
                                               "the range \"\(range)\" of the ingest settings is not a cell range like A4:F1004")
                }
                settingsNotes.append("read with the dataset's ingest settings: \(settings.description)")
            }
            if Self.isCSV(request) {
                let csv: CSVReader
                do {
                    csv = try CSVReader(path: request.path, file: request.displayName)
                } catch {
                    _ = try? hashing?.wait()
                    throw error
                }
                if let hashing { request.source.sha256 = try hashing.wait() }
                let sheet = CSVReader.sheet(named: request.workbook.name)
                failedSheet = sheet.name
                if let done = try alreadyIngested([request.workbook], source: request.source) { return done }
                return [try commitSinglePass(sheet, dataset: request.workbook, request: request, reader: ReaderBox(csv: csv),
                                             dateSystem: .excel1900, settings: settings, notes: settingsNotes, started: started,
                                             progress: progress)]
            }
            let reader: WorkbookReader
            do {
                reader = try opening?.reader() ?? WorkbookReader(path: request.path, limits: readerLimits)
            } catch {
                _ = try? hashing?.wait()
                throw error
            }
            if let hashing { request.source.sha256 = try hashing.wait() }
            var visible = reader.sheets.filter { $0.visibility == .visible }
            if let name = settings?.sheet {
                guard let named = reader.sheets.first(where: { $0.name == name }) else {
                    throw IngestError.badInput(
                        "badSettings", file: request.displayName,
                        "the sheet \"\(name)\" the dataset's ingest settings name is not in the workbook (its sheets: "
                            + reader.sheets.map { "\"\($0.name)\"" }.joined(separator: ", ") + ")")
                }
                visible = [named]
            }
            let laidOut = settings.map { $0.headerRow != nil || $0.range != nil } ?? false
            if laidOut && visible.count > 1 {
                throw IngestError.badInput("badSettings", file: request.displayName,
                                           "a header row or range needs a sheet: the workbook has \(visible.count) sheets; name one (--sheet)")
            }
            // A dataset per visible sheet, or per Excel Table on sheets that
            // have them (settings with a header row or range: the sheet as they say).
            let units = laidOut ? [Unit(sheet: visible[0], table: nil, name: visible[0].name)] : Self.units(of: visible)
            let refs = units.map { SourceNaming.dataset(workbook: request.workbook, sheet: $0.name, visibleSheets: units.count) }
            if let done = try alreadyIngested(refs, source: request.source) {
                logger.info("already ingested", metadata: ["source": "\(request.source.uri)"])
                return done
            }
            let dateSystem: DateSystem = reader.date1904 ? .excel1904 : .excel1900
            let box = ReaderBox(reader)
            // Sheets the reader skipped (chart, dialog and macro sheets, an
            // unknown state) are noted on every version the workbook makes.
            var notes = reader.skippedSheets.map(\.description) + settingsNotes
            if units.count == 1 && units[0].table == nil {
                failedDataset = refs[0]
                failedSheet = units[0].sheet.name
                return [try commitSinglePass(units[0].sheet, dataset: refs[0], request: request, reader: box, dateSystem: dateSystem,
                                             settings: settings, notes: notes, started: started, progress: progress)]
            }
            // Several sheets: pass 1 over every sheet first, so a bad sheet
            // fails the whole workbook before anything is committed.
            let inferStart = DispatchTime.now()
            var plans: [SheetPlan] = []
            for sheet in visible {
                let mine = zip(units, refs).filter { $0.0.sheet == sheet }
                failedDataset = mine.first?.1 ?? request.workbook
                failedSheet = sheet.name
                let tables = mine.compactMap { unit, ref in unit.table.map { ($0, ref) } }
                if !tables.isEmpty {
                    let found = try SheetPlan.infer(sheet, tables: tables, reader: reader, file: request.displayName)
                    for (table, _) in tables where !found.contains(where: { $0.table == table }) {
                        notes.append("sheet \"\(sheet.name)\": Excel table \"\(table.name)\" (\(table.range)) skipped: it has no rows of data")
                    }
                    plans += found
                } else if let ref = mine.first?.1,
                          let plan = try SheetPlan.infer(sheet, dataset: ref, reader: reader, file: request.displayName) {
                    plans.append(plan)
                } else {
                    notes.append("sheet \"\(sheet.name)\" skipped: it is empty")
                }
            }
            failedSheet = nil
            failedDataset = request.workbook
            // A sheet with a single row of values and no table (a cover
            // note) beside sheets with tables is skipped with a warning; when
            // no sheet has a table, such sheets land under letter names.
            if plans.contains(where: { !$0.isLoneRow }) {
                for plan in plans where plan.isLoneRow {
                    notes.append("warning: sheet \"\(plan.sheet.name)\" skipped: a single row of values "
                                 + "(row \(plan.headerRow)) and no table, beside sheets with tables")
                }
                plans.removeAll(where: \.isLoneRow)
            }
            guard !plans.isEmpty else { throw Self.emptyWorkbook(request, notes: notes) }
            let inferSeconds = Self.seconds(since: inferStart) / Double(plans.count)
            var results: [CommittedVersion] = []
            for plan in plans {
                failedDataset = plan.dataset
                failedSheet = plan.sheet.name
                results.append(try commit(plan, request: request, reader: box, dateSystem: dateSystem,
                                          inferSeconds: inferSeconds, notes: notes, started: started, progress: progress))
            }
            return results
        } catch {
            let failure = IngestError.classify(error, file: request.displayName, sheet: failedSheet)
            var detail = failure.detail
            detail.dataset = failedDataset.description
            detail.key = request.source.key
            let timings = VersionTimings(download: request.downloadSeconds, total: request.downloadSeconds + Self.seconds(since: started))
            do {
                try catalog.recordFailure(failedDataset, source: request.source, sheet: detail.sheet, error: detail, timings: timings,
                                          createdBy: request.actor, on: connection)
            } catch {
                logger.error("could not record the failed ingest", metadata: ["error": "\(error)"])
            }
            logger.warning("ingest failed", metadata: ["dataset": "\(failedDataset)", "error": "\(detail)", "kind": "\(failure.kind)"])
            throw IngestError(kind: failure.kind, detail: detail)
        }
    }

    /// The versions already made from this source, when every dataset of
    /// the workbook has one (then nothing is to be done).
    private func alreadyIngested(_ refs: [DatasetRef], source: SourceIdentity) throws -> [CommittedVersion]? {
        var found: [CommittedVersion] = []
        for ref in refs {
            guard let dataset = try catalog.dataset(ref, on: connection),
                  let version = try catalog.committedVersion(datasetID: dataset.id, source: source, on: connection)
            else { continue }
            found.append(Self.existing(version, ref: ref, viewName: dataset.viewName))
        }
        return !found.isEmpty && found.count == refs.count ? found : nil
    }

    static func existing(_ v: VersionRecord, ref: DatasetRef, viewName: String) -> CommittedVersion {
        CommittedVersion(dataset: ref, datasetID: v.datasetID, versionID: v.id, version: v.version ?? 0, sheet: v.sheet ?? "",
                         rowCount: Int(v.rowCount ?? 0), columns: v.columns, tableName: v.tableName ?? "", viewName: viewName,
                         timings: v.timings ?? VersionTimings(), alreadyIngested: true, notes: v.notes)
    }

    /// CSV by name: `.csv` / `.txt` (any case) on the key or path.
    static func isCSV(_ request: IngestRequest) -> Bool {
        isCSV(name: request.source.key ?? request.path)
    }

    /// A `.csv` or `.txt` name (any case): read as CSV, not as a workbook.
    static func isCSV(name: String) -> Bool {
        let name = name.lowercased()
        return name.hasSuffix(".csv") || name.hasSuffix(".txt")
    }

    /// No value in any visible sheet; `notes` say what was skipped.
    static func emptyWorkbook(_ request: IngestRequest, notes: [String] = []) -> IngestError {
        let skipped = notes.isEmpty ? "" : " (" + notes.joined(separator: "; ") + ")"
        return IngestError.badInput("emptyWorkbook", file: request.displayName,
                                    "the workbook has no value in any visible sheet: nothing to land\(skipped)")
    }

    static func seconds(since start: DispatchTime) -> Double {
        Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
    }

    static func jsonString(_ s: String) -> String {
        String(decoding: (try? JSONEncoder().encode(s)) ?? Data("\"\"".utf8), as: UTF8.self)
    }

    /// A file's SHA-256 computed on a Dispatch thread.
    ///
    /// `@unchecked Sendable`: `result` is written once before
    /// `done.signal()` and read only after `done.wait()`.
    final class BackgroundHash: @unchecked Sendable {
        private let done = DispatchSemaphore(value: 0)
        private var result: Result<String, any Error> = .success("")

        init(path: String) {
            DispatchQueue.global().async {
                self.result = Result { try Ingest.sha256(ofFile: path) }
                self.done.signal()
            }
        }

        func wait() throws -> String {
            done.wait()
            return try result.get()
        }
    }

    /// Hex SHA-256 of a file, read in 1 MiB blocks.
    static func sha256(ofFile path: String) throws -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw IngestError.badInput("io", file: path, "the file can't be opened")
        }
        defer { try? handle.close() }
        var hasher = SHA256()
        while let data = try handle.read(upToCount: 1 << 20), !data.isEmpty {
            hasher.update(data: data)
        }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }
}
