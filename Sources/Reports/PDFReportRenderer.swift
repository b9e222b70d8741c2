import Foundation
import Workbook

/// The TrueType fonts a printed report embeds.
public struct PDFFontFiles: Sendable, Hashable {
    public var regular: String
    public var bold: String
    /// Used for runs of CJK characters (DejaVu has none); loaded only when
    /// the report contains some. Debian: `fonts-droid-fallback`.
    public var cjkFallback: String?

    public init(regular: String = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
                bold: String = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
                cjkFallback: String? = "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf") {
        self.regular = regular
        self.bold = bold
        self.cjkFallback = cjkFallback
    }
}

/// Prints rows as a paginated table with libharu: title line, header row
/// on every page, zebra striping, right-aligned numbers, cells cut with
/// "…" (or wrapped), "Page N of M", and column bands (key column repeated)
/// when the columns don't fit the page width. Bands are printed "over,
/// then down": each page of rows is printed band by band, so one pass
/// over the rows suffices.
final class PDFReportRenderer {
    static let sampleSize = 1000
    static let maxWrappedLines = 6

    private var document: PDFDocument?
    private let path: String
    private let columns: [ReportColumn]
    private let options: PDFOptions
    private let title: String
    private let fontFiles: PDFFontFiles
    private var regular: PDFFont?
    private var bold: PDFFont?
    private var cjk: PDFFont?
    private var cjkMissing = false
    private let pageSize: (width: Double, height: Double)
    /// A counting pass draws nothing (wrapping needs one to know M).
    private let counting: Bool
    /// M of "Page N of M" when known in advance (wrapping); otherwise
    /// computed from `totalRows` and the layout.
    private let totalPages: Int?
    private let totalRows: Int
    /// libharu holds a document's pages in memory until it is saved: every
    /// this many pages the document is saved as a segment and a new one
    /// begun; ``finish()`` joins the segments (``PDFSegmentMerger``).
    private let segmentPages: Int
    private var pagesInDocument = 0
    private var segments: [String] = []
    private var segmentDirectory: String { path + ".segments" }

    private var layout: PDFReportLayout?
    private var sample: [[String?]] = []
    private var pageRows: [[String]] = []
    private var pageHeight = 0.0
    private(set) var rows = 0
    private(set) var pages = 0

    /// - Parameters:
    ///   - totalRows: the rows that will be passed (from `count(*)`).
    ///   - totalPages: M, when a counting pass found it (wrapping).
    ///   - counting: count pages only, draw nothing.
    ///   - segmentPages: pages per in-memory document (see ``segmentPages``).
    init(path: String, columns: [ReportColumn], options: PDFOptions, title: String,
         fonts: PDFFontFiles, totalRows: Int, totalPages: Int? = nil, counting: Bool = false,
         segmentPages: Int = 400) throws(PDFError) {
        self.path = path
        self.columns = columns
        self.options = options
        self.title = title
        self.fontFiles = fonts
        self.totalPages = totalPages
        self.totalRows = totalRows
        self.counting = counting
        self.segmentPages = max(1, segmentPages)
        let paper = (options.paper == .a4 ? PDFDocument.Paper.a4 : .letter).size
        pageSize = options.landscape ? (paper.height, paper.width) : (paper.width, paper.height)
        try startDocument()
    }

    deinit {
        if !segments.isEmpty { try? FileManager.default.removeItem(atPath: segmentDirectory) }
    }

    /// A new libharu document with the title and the two fonts (the CJK
    /// fallback is loaded again when a row needs it).
    private func startDocument() throws(PDFError) {
        let doc = try PDFDocument()
        try doc.setInfo(title: title, creator: "Pyramydal")
        document = doc
        regular = try doc.loadTrueTypeFont(path: fontFiles.regular)
        bold = try doc.loadTrueTypeFont(path: fontFiles.bold)
        cjk = nil
        pagesInDocument = 0
    }

    /// Saves the current document as the next segment and starts another.
    private func saveSegment() throws(PDFError) {
        guard let document else { return }
        if segments.isEmpty { try PDFSegmentMerger.createDirectory(segmentDirectory) }
        let segment = segmentDirectory + "/\(segments.count).pdf"
        try document.save(to: segment)
        segments.append(segment)
        self.document = nil
    }

    /// The layout chosen from the first rows (after the first ``sampleSize``
    /// rows or ``finish()``).
    var chosenLayout: PDFReportLayout? { layout }

    func consume(_ fields: [String?]) throws(PDFError) {
        rows += 1
        if layout == nil {
            sample.append(fields)
            if sample.count >= Self.sampleSize { try flushSample() }
            return
        }
        try add(fields)
    }

    /// Prints the last page and saves (not in a counting pass).
    func finish() throws(PDFError) {
        if layout == nil { try flushSample() }
        if !pageRows.isEmpty || pages == 0 { try emitPage() }
        guard !counting else { return }
        if segments.isEmpty {
            try document?.save(to: path)
            return
        }
        try saveSegment()
        try PDFSegmentMerger.merge(segments: segments, into: path)
        try? FileManager.default.removeItem(atPath: segmentDirectory)
        segments = []
    }

    // MARK: - layout

    private func flushSample() throws(PDFError) {
        let size = options.fontSize
        let padding = size * 0.45 * 2
        var natural: [Double] = []
        var minimum: [Double] = []
        for (i, c) in columns.enumerated() {
            let headerWidth = try width(c.name, bold: true) * size / 1000 + padding
            var widest = 0.0
            for row in sample.prefix(Self.sampleSize) {
                widest = max(widest, try width(display(row[i], c.type), bold: false) * size / 1000)
            }
            natural.append(max(headerWidth, widest + padding, size * 3))
            minimum.append(max(min(headerWidth, size * 8), size * 3))
        }
        layout = PDFReportLayout(pageWidth: pageSize.width, pageHeight: pageSize.height, fontSize: size,
                                 natural: natural, minimum: minimum)
        let buffered = sample
        sample = []
        for r in buffered { try add(r) }
    }

    private func display(_ value: String?, _ type: ReportColumnType) -> String {
        guard let value else { return "" }
        if type == .boolean { return value == "t" ? "true" : value == "f" ? "false" : value }
        if type == .text, value.utf8.contains(where: { $0 < 0x20 }) {
            return String(value.unicodeScalars.map { $0.value < 0x20 ? " " : Character($0) })
        }
        return value
    }

    private func add(_ fields: [String?]) throws(PDFError) {
        guard let layout else { return }
        let row = columns.indices.map { display(fields[$0], columns[$0].type) }
        var height = layout.lineHeight
        if options.wrap {
            var lines = 1
            for band in layout.bands {
                for (k, c) in band.columns.enumerated() {
                    lines = max(lines, try wrapped(row[c], width: band.widths[k] - 2 * layout.cellPadding).count)
                }
            }
            height = Double(lines) * layout.lineHeight
        }
        if !pageRows.isEmpty, pageHeight + height > layout.bodyHeight { try emitPage() }
        pageRows.append(row)
        pageHeight += height
    }

    // MARK: - drawing

    private func emitPage() throws(PDFError) {
        guard let layout else { return }
        defer {
            pageRows.removeAll(keepingCapacity: true)
            pageHeight = 0
        }
        // A new segment starts between pages of rows (all bands of a page of
        // rows stay in one segment).
        if !counting, pagesInDocument >= segmentPages {
            try saveSegment()
            try startDocument()
        }
        for (b, band) in layout.bands.enumerated() {
            pages += 1
            guard !counting, let document, let regular, let bold else { continue }
            let total = totalPages ?? layout.pageCount(rows: totalRows)
            let page = try document.addPage(width: layout.pageWidth, height: layout.pageHeight)
            pagesInDocument += 1
            let size = layout.fontSize
            let left = layout.margin
            let tableWidth = band.widths.reduce(0, +)
            let line = layout.lineHeight
            let baseline = line * 0.3 // text baseline above a line's bottom edge
            // Row heights (wrapping) and the zebra stripes first, then one text object.
            var cells: [[[String]]] = []
            var heights: [Double] = []
            for row in pageRows {
                var rowCells: [[String]] = []
                var lines = 1
                for (k, c) in band.columns.enumerated() {
                    let w = band.widths[k] - 2 * layout.cellPadding
                    let parts = options.wrap ? try wrapped(row[c], width: w) : [try fitted(row[c], width: w)]
                    lines = max(lines, parts.count)
                    rowCells.append(parts)
                }
                cells.append(rowCells)
                heights.append(Double(lines) * line)
            }
            var y = layout.tableTop
            try page.fillRectangle(x: left, y: y - line, width: tableWidth, height: line, gray: 0.82)
            y -= line
            for (r, h) in heights.enumerated() {
                if r % 2 == 1 { try page.fillRectangle(x: left, y: y - h, width: tableWidth, height: h, gray: 0.93) }
                y -= h
            }
            try page.strokeLine(x1: left, y1: layout.tableTop - line, x2: left + tableWidth, y2: layout.tableTop - line,
                                gray: 0.4, lineWidth: 0.5)

            try page.beginText()
            let bandNote = layout.bands.count > 1 ? "  ·  columns \(b + 1) of \(layout.bands.count)" : ""
            try drawText(page, title + bandNote, x: left, y: layout.pageHeight - layout.margin - size * 1.5,
                         bold: true, size: size * 1.3, regular: regular, boldFont: bold)
            // Header row.
            var x = left
            for (k, c) in band.columns.enumerated() {
                let w = band.widths[k] - 2 * layout.cellPadding
                let text = try fitted(columns[c].name, width: w, bold: true)
                try drawCell(page, text, x: x, width: band.widths[k], y: layout.tableTop - line + baseline,
                             right: columns[c].type.isNumber, bold: true, layout: layout, regular: regular, boldFont: bold)
                x += band.widths[k]
            }
            // Body rows.
            y = layout.tableTop - line
            for (r, rowCells) in cells.enumerated() {
                x = left
                for (k, c) in band.columns.enumerated() {
                    for (l, text) in rowCells[k].enumerated() where !text.isEmpty {
                        try drawCell(page, text, x: x, width: band.widths[k], y: y - Double(l + 1) * line + baseline,
                                     right: columns[c].type.isNumber, bold: false, layout: layout,
                                     regular: regular, boldFont: bold)
                    }
                    x += band.widths[k]
                }
                y -= heights[r]
            }
            let footer = "Page \(pages) of \(total)"
            let footerWidth = try width(footer, bold: false) * size / 1000
            try drawText(page, footer, x: (layout.pageWidth - footerWidth) / 2, y: layout.margin,
                         bold: false, size: size, regular: regular, boldFont: bold)
            try page.endText()
        }
    }

    private func drawCell(_ page: PDFPage, _ text: String, x: Double, width: Double, y: Double, right: Bool, bold: Bool,
                          layout: PDFReportLayout, regular: PDFFont, boldFont: PDFFont) throws(PDFError) {
        var tx = x + layout.cellPadding
        if right {
            tx = x + width - layout.cellPadding - (try self.width(text, bold: bold)) * layout.fontSize / 1000
        }
        try drawText(page, text, x: tx, y: y, bold: bold, size: layout.fontSize, regular: regular, boldFont: boldFont)
    }

    /// Shows `text`, switching to the CJK font for runs of CJK characters.
    private func drawText(_ page: PDFPage, _ text: String, x: Double, y: Double, bold: Bool, size: Double,
                          regular: PDFFont, boldFont: PDFFont) throws(PDFError) {
        let main = bold ? boldFont : regular
        if text.utf8.allSatisfy({ $0 < 0x80 }) || !text.unicodeScalars.contains(where: Self.isCJK) {
            return try page.showText(text, x: x, y: y, font: main, size: size)
        }
        var tx = x
        var run = String.UnicodeScalarView()
        var runIsCJK = false
        func flush() throws(PDFError) {
            guard !run.isEmpty else { return }
            let font = runIsCJK ? (try cjkFont() ?? main) : main
            let s = String(run)
            try page.showText(s, x: tx, y: y, font: font, size: size)
            tx += font.width(of: Substring(s).unicodeScalars, size: size)
            run = String.UnicodeScalarView()
        }
        for scalar in text.unicodeScalars {
            let cjk = Self.isCJK(scalar)
            if cjk != runIsCJK { try flush(); runIsCJK = cjk }
            run.append(scalar)
        }
        try flush()
    }

    // MARK: - measuring

    /// Width in 1/1000 of the font size.
    private func width(_ text: String, bold: Bool) throws(PDFError) -> Double {
        guard let regular, let boldFont = self.bold else { return 0 }
        let main = bold ? boldFont : regular
        var total = 0
        for s in text.unicodeScalars { total += try advance(s, main) }
        return Double(total)
    }

    @inline(__always)
    private func advance(_ s: Unicode.Scalar, _ main: PDFFont) throws(PDFError) -> Int {
        if s.value < 0x2E80 || !Self.isCJK(s) { return main.advance(s) }
        return (try cjkFont() ?? main).advance(s)
    }

    private func cjkFont() throws(PDFError) -> PDFFont? {
        if let cjk { return cjk }
        guard !cjkMissing, let path = fontFiles.cjkFallback, let document else { return nil }
        do {
            cjk = try document.loadTrueTypeFont(path: path)
        } catch {
            cjkMissing = true // print with the main font (missing glyphs) rather than fail
        }
        return cjk
    }

    /// `text` cut to `width` points with "…".
    private func fitted(_ text: String, width: Double, bold: Bool = false) throws(PDFError) -> String {
        let limit = width * 1000 / options.fontSize
        if try self.width(text, bold: bold) <= limit { return text }
        guard let regular, let boldFont = self.bold else { return text }
        let main = bold ? boldFont : regular
        let ellipsis = Double(main.advance("…"))
        var used = 0.0
        var out = String.UnicodeScalarView()
        for s in text.unicodeScalars {
            let a = Double(try advance(s, main))
            if used + a + ellipsis > limit { break }
            used += a
            out.append(s)
        }
        return String(out) + "…"
    }

    /// `text` broken into lines of at most `width` points, at spaces where
    /// possible; at most ``maxWrappedLines`` (the last cut with "…").
    private func wrapped(_ text: String, width: Double) throws(PDFError) -> [String] {
        let limit = width * 1000 / options.fontSize
        if try self.width(text, bold: false) <= limit { return [text] }
        guard let regular else { return [text] }
        func string(_ scalars: ArraySlice<Unicode.Scalar>) -> String {
            var v = String.UnicodeScalarView()
            v.append(contentsOf: scalars)
            return String(v)
        }
        var lines: [String] = []
        var line: [Unicode.Scalar] = []
        var widths: [Double] = []
        var lastSpace: Int?
        for s in text.unicodeScalars {
            let a = Double(try advance(s, regular))
            if widths.reduce(0, +) + a > limit, !line.isEmpty {
                if let space = lastSpace, s != " " {
                    lines.append(string(line[..<space]))
                    line.removeSubrange(...space)
                    widths.removeSubrange(...space)
                } else {
                    lines.append(string(line[...]))
                    line.removeAll()
                    widths.removeAll()
                }
                lastSpace = nil
                if lines.count == Self.maxWrappedLines { break }
            }
            if s == " " { lastSpace = line.count }
            line.append(s)
            widths.append(a)
        }
        if lines.count < Self.maxWrappedLines {
            if !line.isEmpty { lines.append(string(line[...])) }
        } else if let last = lines.popLast() {
            lines.append(try fitted(last + "…", width: width))
        }
        return lines
    }

    static func isCJK(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x1100...0x11FF, 0x2E80...0x9FFF, 0xA960...0xA97F, 0xAC00...0xD7AF, 0xF900...0xFAFF,
             0xFE30...0xFE4F, 0xFF00...0xFFEF, 0x20000...0x3FFFF: true
        default: false
        }
    }
}
