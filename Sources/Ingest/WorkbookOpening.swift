import Foundation
public import XLSXReader

/// A workbook opened ahead of its ingest, on a thread of its own: the
/// reader's set-up (zip directory, workbook, styles and the whole shared
/// strings table: ~60 ms of a 100k-row workbook's ingest) and the file's
/// hash run while the worker connects to PostgreSQL and migrates the
/// catalog, instead of after. Give it to the ingest as
/// ``IngestRequest/opening``; an ingest of another path or with other
/// reader limits opens the file itself, as without it.
///
/// Errors (a damaged or hostile workbook) are kept and thrown by the
/// ingest where it would have thrown them, so they are recorded on the
/// dataset the same way.
///
/// `@unchecked Sendable`: `result` is written once, before `done` is
/// signalled, and read only after waiting for it; the reader moves to the
/// ingest thread with it and is used by one thread at a time.
public final class WorkbookOpening: @unchecked Sendable {
    let path: String
    let limits: ReaderLimits
    let hash: Ingest.BackgroundHash
    private let done = DispatchSemaphore(value: 0)
    private var result: Result<WorkbookReader, any Error> = .failure(CancellationError())

    /// Starts opening the workbook at `path` with `limits` (the ingest's);
    /// nil for a CSV or text file, which is read as it is ingested.
    public static func start(path: String, limits: ReaderLimits) -> WorkbookOpening? {
        guard !Ingest.isCSV(name: path) else { return nil }
        return WorkbookOpening(path: path, limits: limits)
    }

    private init(path: String, limits: ReaderLimits) {
        self.path = path
        self.limits = limits
        hash = Ingest.BackgroundHash(path: path)
        let thread = Thread { [self] in
            result = Result { try WorkbookReader(path: path, limits: limits) }
            done.signal()
        }
        thread.name = "pyramydal.ingest.open"
        thread.start()
    }

    /// The opened reader, waiting for it; throws what opening threw.
    func reader() throws -> WorkbookReader {
        done.wait()
        done.signal()  // a second call sees the same result
        return try result.get()
    }
}
