/// Bounds the reader enforces while inflating and parsing, so a hostile or
/// broken file (a zip bomb, a gigantic token) fails with `.tooLarge`
/// instead of exhausting memory or disk. Sizes are counted as bytes are
/// actually inflated; the sizes in zip headers are never trusted alone.
public struct ReaderLimits: Sendable, Equatable {
    /// Largest inflated size of any one zip entry (a sheet's XML, the
    /// shared strings). Default 4 GiB.
    public var maxEntryBytes: Int64
    /// Largest total inflated size over every read of every entry of the
    /// archive (an entry read twice, as a workbook of several sheets is by
    /// the ingest's two passes, counts twice). Default 16 GiB.
    public var maxTotalBytes: Int64
    /// Largest inflated size of a structural part read whole into memory
    /// (`[Content_Types].xml`, relationships, `workbook.xml`, `styles.xml`).
    /// Default 64 MiB.
    public var maxStructuralPartBytes: Int64
    /// Largest inflated : compressed ratio, enforced once an entry has
    /// inflated more than `ratioThresholdBytes`. Default 200.
    public var maxCompressionRatio: Int64
    /// The ratio limit applies only above this many inflated bytes (small
    /// highly compressible parts are normal). Default 16 MiB.
    public var ratioThresholdBytes: Int64
    /// Largest single XML token (a tag, or a text run such as one string)
    /// the sheet scanner buffers. Default 64 MiB.
    public var maxTokenBytes: Int
    /// Largest shared-strings table (UTF-8 bytes) at all. Default 2 GiB.
    public var maxSharedStringBytes: Int64
    /// Largest shared-strings table held in memory; a larger one is
    /// spilled to an unlinked temporary file (in `TMPDIR`) and read through
    /// a block cache of a quarter of this size, plus 1 MiB of short strings
    /// read again. A part whose declared inflated
    /// size is larger is spilled from its start (1 MiB buffered at a time);
    /// one declared within it gets its buffer reserved once. Default 16 MiB.
    public var sharedStringMemoryBytes: Int

    public init(
        maxEntryBytes: Int64 = 4 << 30,
        maxTotalBytes: Int64 = 16 << 30,
        maxStructuralPartBytes: Int64 = 64 << 20,
        maxCompressionRatio: Int64 = 200,
        ratioThresholdBytes: Int64 = 16 << 20,
        maxTokenBytes: Int = 64 << 20,
        maxSharedStringBytes: Int64 = 2 << 30,
        sharedStringMemoryBytes: Int = 16 << 20
    ) {
        self.maxEntryBytes = maxEntryBytes
        self.maxTotalBytes = maxTotalBytes
        self.maxStructuralPartBytes = maxStructuralPartBytes
        self.maxCompressionRatio = maxCompressionRatio
        self.ratioThresholdBytes = ratioThresholdBytes
        self.maxTokenBytes = maxTokenBytes
        self.maxSharedStringBytes = maxSharedStringBytes
        self.sharedStringMemoryBytes = sharedStringMemoryBytes
    }

    public static let `default` = ReaderLimits()
}
