/// Page geometry of a printed report: which columns go on which band of
/// pages, how wide each is, and how many rows fit a page. Pure: widths in,
/// geometry out (unit-tested without a PDF).
public struct PDFReportLayout: Sendable, Hashable {
    /// One horizontal slice of the columns; the key (first) column is
    /// repeated at the left of every band after the first.
    public struct Band: Sendable, Hashable {
        /// Column indexes, left to right.
        public var columns: [Int]
        /// Width in points of each of ``columns``.
        public var widths: [Double]
    }

    public var pageWidth: Double
    public var pageHeight: Double
    public var margin: Double
    public var fontSize: Double
    public var bands: [Band]

    /// Space above the table for the title line, and below it for the page number.
    public var titleHeight: Double { fontSize * 3 }
    public var footerHeight: Double { fontSize * 2.5 }
    /// Height of one text line of a row.
    public var lineHeight: Double { (fontSize * 1.45).rounded(.up) }
    public var cellPadding: Double { fontSize * 0.45 }
    public var usableWidth: Double { pageWidth - 2 * margin }
    /// The table's top edge (below the title).
    public var tableTop: Double { pageHeight - margin - titleHeight }
    /// Space for body rows (below the header row).
    public var bodyHeight: Double { tableTop - lineHeight - (margin + footerHeight) }
    /// Single-line rows per page.
    public var rowsPerPage: Int { max(1, Int(bodyHeight / lineHeight)) }

    /// - Parameters:
    ///   - natural: the width each column wants (its header and the widest
    ///     sampled value, plus padding).
    ///   - minimum: the least each column may get (its header, roughly).
    public init(pageWidth: Double, pageHeight: Double, margin: Double = 28, fontSize: Double,
                natural: [Double], minimum: [Double]) {
        self.pageWidth = pageWidth
        self.pageHeight = pageHeight
        self.margin = margin
        self.fontSize = fontSize
        bands = []
        let usable = pageWidth - 2 * margin
        // No column wider than 40% of the page (ellipsis/wrap for the rest);
        // minimums never exceed what was wanted.
        let want = natural.map { min($0, usable * 0.4) }
        let least = zip(minimum, want).map { Swift.min($0, $1) }
        let keyWidth = want.isEmpty ? 0 : want[0]
        var current: [Int] = []
        var used = 0.0
        for i in want.indices {
            // Start a new band when this column doesn't fit and the band
            // already has a column of its own (besides the repeated key).
            let own = bands.isEmpty ? current.count : current.count - 1
            if own > 0, used + want[i] > usable {
                bands.append(Self.band(current, want, least, usable))
                current = [0]
                used = keyWidth
            }
            current.append(i)
            used += want[i]
        }
        if !current.isEmpty || bands.isEmpty { bands.append(Self.band(current, want, least, usable)) }
    }

    /// Widths for one band: natural widths stretched to fill the page, or
    /// shrunk (towards the minimums) when a single column is too wide.
    private static func band(_ columns: [Int], _ want: [Double], _ least: [Double], _ usable: Double) -> Band {
        let w = columns.map { want[$0] }
        let total = w.reduce(0, +)
        guard total > 0 else { return Band(columns: columns, widths: w) }
        if total <= usable {
            let scale = usable / total
            return Band(columns: columns, widths: w.map { $0 * scale })
        }
        // Too wide: take the excess from the columns above their minimum.
        let floor = columns.map { least[$0] }
        let slack = zip(w, floor).map { $0 - $1 }.reduce(0, +)
        let excess = total - usable
        let f = slack > 0 ? min(1, excess / slack) : 0
        return Band(columns: columns, widths: zip(w, floor).map { $0 - ($0 - $1) * f })
    }

    /// Pages for `rows` single-line rows: every band of every page of rows.
    public func pageCount(rows: Int) -> Int {
        let pagesDown = max(1, (rows + rowsPerPage - 1) / rowsPerPage)
        return pagesDown * bands.count
    }
}
