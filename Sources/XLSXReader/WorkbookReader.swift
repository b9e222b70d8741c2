/// Reads an `.xlsx` workbook as a stream: opening reads the package
/// structure, the number formats and the shared strings (the only thing
/// held in memory, compactly); `readRows` then streams one sheet's rows
/// from the inflating zip entry through a purpose-built byte scanner.
///
/// One reader per file, used by one thread (it is not `Sendable`). All its
/// calls block on file I/O and inflation: call it from a dedicated thread,
/// not from Swift's cooperative pool.
///
/// ```swift
/// let reader = try WorkbookReader(path: "/tmp/sales.xlsx")
/// for sheet in reader.sheets where sheet.visibility == .visible {
///     try reader.readRows(of: sheet) { row in
///         for (column, value) in row.cells { … }
///     }
/// }
/// ```
public final class WorkbookReader {
    /// The file as given.
    public let path: String
    public let limits: ReaderLimits
    /// The worksheets in workbook order, hidden ones included.
    public let sheets: [SheetInfo]
    /// The sheets of the workbook that are not read, and why: chart, dialog
    /// and macro sheets, parts of other types, sheets of an unknown state.
    public let skippedSheets: [SkippedSheet]
    /// Whether the workbook uses the 1904 date system (`workbookPr date1904`).
    public let date1904: Bool
    /// How many shared strings the workbook holds.
    public var sharedStringCount: Int { strings.count }
    /// Whether the shared strings were too large to hold in memory and are
    /// read from a temporary file (see `ReaderLimits.sharedStringMemoryBytes`).
    public var sharedStringsSpilled: Bool { strings.isSpilled }
    /// Spilled shared strings: blocks read back from the temporary file so far.
    public var sharedStringBlockReads: Int { strings.cacheMisses }

    private let archive: ZipArchive
    private let parts: PackageParts
    let strings: SharedStrings
    private let formats: NumberFormats
    /// The workbook's distinct number format codes, by the slot a number
    /// cell carries (slot 0: General).
    package var numberFormatCodes: [String] { formats.codes }
    private let chunkSize: Int

    /// Opens the workbook and reads its structure, styles and shared strings.
    /// Throws `WorkbookError` (`.notAZip`, `.encrypted`, `.legacyXLS`,
    /// `.corruptZip`, `.missingPart`, `.malformedXML`, `.dtdNotAllowed`,
    /// `.tooLarge`, `.noSheets`, …).
    public convenience init(path: String, limits: ReaderLimits = .default) throws {
        try self.init(path: path, limits: limits, chunkSize: 256 << 10)
    }

    /// `chunkSize`: bytes inflated per read; tests use tiny chunks to put
    /// every token across a chunk boundary (and tiny spilled shared-string
    /// blocks to put strings across block boundaries).
    init(path: String, limits: ReaderLimits, chunkSize: Int, sharedStringBlockSize: Int = 64 << 10) throws {
        self.path = path
        self.chunkSize = chunkSize
        self.limits = limits
        let archive = try ZipArchive(path: path, limits: limits)
        let parts = try PackageParts(archive: archive)
        self.archive = archive
        self.parts = parts
        self.sheets = parts.sheets
        self.skippedSheets = parts.skipped
        self.date1904 = parts.date1904
        if let styles = parts.stylesPart {
            formats = NumberFormats(styles: try StructuralXML(bytes: try archive.readAll(styles), file: path, part: styles))
        } else {
            formats = NumberFormats()
        }
        if let part = parts.sharedStringsPart {
            // Inflated on a second thread too; the stream (and its thread)
            // ends with `tok`, before anything else uses the archive.
            let stream = try archive.open(part)
            stream.prefetch(slotSize: chunkSize)
            let tok = XMLTokenizer(input: ByteInput(stream), context: PartContext(file: path, part: part),
                                   chunkSize: chunkSize, maxTokenBytes: limits.maxTokenBytes)
            strings = try SharedStrings(tokenizer: tok, maxBytes: limits.maxSharedStringBytes, memoryBytes: limits.sharedStringMemoryBytes,
                                        declaredBytes: stream.declaredSize, blockSize: sharedStringBlockSize)
        } else {
            strings = SharedStrings()
        }
    }

    /// The sheet with this name (exact match), if any.
    public func sheet(named name: String) -> SheetInfo? {
        sheets.first { $0.name == name }
    }

    /// Streams the rows of `sheet` that hold at least one value, in
    /// document order, calling `body` for each. The `Row` passed is reused
    /// between calls. Rows keep their own numbers: a sheet whose rows are
    /// out of order is reported in file order (not sorted); consecutive
    /// `<row>` elements with one number are one row. Throw from
    /// `body` to stop early; the error is rethrown as is.
    public func readRows(of sheet: SheetInfo, _ body: (Row) throws -> Void) throws {
        var row = Row(number: 0, cells: [])
        row.cells.reserveCapacity(64)
        try scan(sheet) { try $0.scan(into: &row, body) }
    }

    /// `readRows` without a `String` per cell: the ingest's hot path. The
    /// `RawRow` passed is reused between calls (copy it to keep it).
    /// `dimension` hears the last row the sheet's `<dimension>` names, if
    /// any, before the first row (an estimate, for progress).
    package func readRawRows(of sheet: SheetInfo, dimension: ((Int) -> Void)? = nil, _ body: (RawRow) throws -> Void) throws {
        try scan(sheet) { try $0.scanRaw(dimension: dimension, body) }
    }

    private func scan(_ sheet: SheetInfo, _ body: (SheetScanner) throws -> Void) throws {
        let stream: ZipEntryStream
        do {
            stream = try archive.open(sheet.partName)
        } catch var error as WorkbookError {
            error.sheet = sheet.name
            throw error
        }
        // Inflate on a second thread while this one scans the XML.
        stream.prefetch(slotSize: chunkSize)
        let tok = XMLTokenizer(input: ByteInput(stream), context: PartContext(file: path, part: sheet.partName, sheet: sheet.name),
                               chunkSize: chunkSize, maxTokenBytes: limits.maxTokenBytes)
        strings.scanStarts()
        let scanner = SheetScanner(tok: tok, strings: strings, formats: formats, date1904: date1904)
        do {
            try body(scanner)
        } catch var error as WorkbookError {
            if error.sheet == nil && error.file == path { error.sheet = sheet.name }
            throw error
        }
        try checkSharedStrings(sheet: sheet)
    }

    /// Throws when a string of a spilled shared-strings table could not be
    /// read back from its temporary file (it came back empty): every scan
    /// ends with this, and a caller that reads a kept row's strings after
    /// its scan calls it before trusting them.
    package func checkSharedStrings(sheet: SheetInfo) throws {
        guard strings.unreadable else { return }
        throw WorkbookError(.io, file: path, sheet: sheet.name, part: "xl/sharedStrings.xml",
                            message: "the shared strings' temporary file can't be read")
    }
}

/// A reader holds a libzip handle and caches: one thread at a time.
@available(*, unavailable)
extension WorkbookReader: Sendable {}
