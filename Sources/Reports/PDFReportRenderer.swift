import Basics
import Foundation
import PDF

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

/// Prints rows as a paginated table: title line, header row on every
/// page, zebra striping, right-aligned numbers, cells cut with "…" (or
/// wrapped), "Page N of M", and column bands (key column repeated) when
/// the columns don't fit the page width. Bands are printed "over, then
/// down": each page of rows is printed band by band, so one pass over the
/// rows suffices.
///
/// libharu (``PDFDocument``) holds only the fonts, which measure the text;
/// each page's content is written by ``PDFPageContent`` and handed to a
/// ``PDFPageStream``, whose thread deflates and writes it while the next
/// page is drawn. The fonts (subset to the glyphs measured) follow the
/// pages at ``finish()``.
final class PDFReportRenderer {
    static let sampleSize = 1000
    static let maxWrappedLines = 6

    private let document: PDFDocument
    private let stream: PDFPageStream?
    private var content = PDFPageContent()
    private let columns: [ReportColumn]
    /// Right-aligned columns (numbers).
    private let rightAligned: [Bool]
    /// Each number or date column's workbook format, to show its values as
    /// Excel did (`1,234.50 €`, `31.12.2024`).
    private let formats: [ExcelNumberFormat?]
    private let options: PDFOptions
    private let title: String
    private let fontFiles: PDFFontFiles
    private let regular: PDFFont
    private let bold: PDFFont
    private var cjk: PDFFont?
    private var cjkMissing = false
    private let pageSize: (width: Double, height: Double)
    /// A counting pass draws nothing (wrapping needs one to know M).
    private let counting: Bool
    /// M of "Page N of M" when known in advance (wrapping); otherwise
    /// computed from `totalRows` and the layout.
    private let totalPages: Int?
    private let totalRows: Int

    private var layout: PDFReportLayout?
    private var sample: [[String?]] = []
    private var pageRows: [[String]] = []
    private var pageHeight = 0.0
    private(set) var rows = 0
    private(set) var pages = 0

    /// - Parameters:
    ///   - totalRows: the rows that will be passed (from `count(*)`).
    ///   - totalPages: M, when a counting pass found it (wrapping).
    ///   - counting: count pages only, draw nothing (no file is written).
    ///   - queuePages: pages drawn ahead of the writer thread at most.
    init(path: String, columns: [ReportColumn], options: PDFOptions, title: String,
         fonts: PDFFontFiles, totalRows: Int, totalPages: Int? = nil, counting: Bool = false,
         queuePages: Int = 16) throws(PDFError) {
        self.columns = columns
        rightAligned = columns.map { $0.type.isNumber }
        formats = columns.map { ExcelNumberFormat.of($0) }
        self.options = options
        self.title = title
        self.fontFiles = fonts
        self.totalPages = totalPages
        self.totalRows = totalRows
        self.counting = counting
        let paper = (options.paper == .a4 ? PDFDocument.Paper.a4 : .letter).size
        pageSize = options.landscape ? (paper.height, paper.width) : (paper.width, paper.height)
        document = try PDFDocument()
        try document.setInfo(title: title, creator: "Pyramydal")
        regular = try document.loadTrueTypeFont(path: fonts.regular)
        bold = try document.loadTrueTypeFont(path: fonts.bold)
        stream = counting ? nil : try PDFPageStream(path: path, queuePages: queuePages)
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

    /// Prints the last page and writes the file (not in a counting pass).
    func finish() throws(PDFError) {
        if layout == nil { try flushSample() }
        if !pageRows.isEmpty || pages == 0 { try emitPage() }
        try stream?.finish(fonts: document)
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
                widest = max(widest, try width(display(row[i], c.type, formats[i]), bold: false) * size / 1000)
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

    private func display(_ value: String?, _ type: ReportColumnType, _ format: ExcelNumberFormat?) -> String {
        guard let value else { return "" }
        if let format, let shown = format.shown(value, as: type) { return shown }
        if type == .boolean { return value == "t" ? "true" : value == "f" ? "false" : value }
        if type == .text, value.utf8.contains(where: { $0 < 0x20 }) {
            return String(value.unicodeScalars.map { $0.value < 0x20 ? " " : Character($0) })
        }
        return value
    }

    private func add(_ fields: [String?]) throws(PDFError) {
        guard let layout else { return }
        let row = columns.indices.map { display(fields[$0], columns[$0].type, formats[$0]) }
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

    /// Draws every band of the current page of rows, each as a page.
    private func emitPage() throws(PDFError) {
        guard let layout else { return }
        defer {
            pageRows.removeAll(keepingCapacity: true)
            pageHeight = 0
        }
        for (b, band) in layout.bands.enumerated() {
            pages += 1
            guard let stream else { continue }
            let total = totalPages ?? layout.pageCount(rows: totalRows)
            let size = layout.fontSize
            let left = layout.margin
            let tableWidth = band.widths.reduce(0, +)
            let line = layout.lineHeight
            let baseline = line * 0.3 // text baseline above a line's bottom edge
            // Wrapped cells (their lines) and row heights first; single-line
            // rows are cut while drawing.
            var wrappedCells: [[[String]]] = []
            var heights: [Double] = []
            if options.wrap {
                for row in pageRows {
                    var rowCells: [[String]] = []
                    var lines = 1
                    for (k, c) in band.columns.enumerated() {
                        let parts = try wrapped(row[c], width: band.widths[k] - 2 * layout.cellPadding)
                        lines = max(lines, parts.count)
                        rowCells.append(parts)
                    }
                    wrappedCells.append(rowCells)
                    heights.append(Double(lines) * line)
                }
            }
            // Header background, zebra stripes (each filled on its own: one fill
            // of all would anti-alias their edges differently), the rule under the header.
            var y = layout.tableTop
            content.setFillGray(0.82)
            content.rectangle(x: left, y: y - line, width: tableWidth, height: line)
            content.fill()
            y -= line
            content.setFillGray(0.93)
            for r in pageRows.indices {
                let h = options.wrap ? heights[r] : line
                if r % 2 == 1 {
                    content.rectangle(x: left, y: y - h, width: tableWidth, height: h)
                    content.fill()
                }
                y -= h
            }
            content.strokeLine(x1: left, y1: layout.tableTop - line, x2: left + tableWidth, y2: layout.tableTop - line,
                               gray: 0.4, lineWidth: 0.5)

            content.beginText()
            let bandNote = layout.bands.count > 1 ? "  ·  columns \(b + 1) of \(layout.bands.count)" : ""
            try drawText(title + bandNote, x: left, y: layout.pageHeight - layout.margin - size * 1.5,
                         bold: true, size: size * 1.3)
            // Header row.
            var x = left
            for (k, c) in band.columns.enumerated() {
                try drawCell(columns[c].name, x: x, width: band.widths[k], y: layout.tableTop - line + baseline,
                             right: rightAligned[c], bold: true, layout: layout)
                x += band.widths[k]
            }
            // Body rows.
            y = layout.tableTop - line
            for (r, row) in pageRows.enumerated() {
                x = left
                for (k, c) in band.columns.enumerated() {
                    if options.wrap {
                        for (l, text) in wrappedCells[r][k].enumerated() where !text.isEmpty {
                            try drawCell(text, x: x, width: band.widths[k], y: y - Double(l + 1) * line + baseline,
                                         right: rightAligned[c], bold: false, layout: layout, fitted: true)
                        }
                    } else if !row[c].isEmpty {
                        try drawCell(row[c], x: x, width: band.widths[k], y: y - line + baseline,
                                     right: rightAligned[c], bold: false, layout: layout)
                    }
                    x += band.widths[k]
                }
                y -= options.wrap ? heights[r] : line
            }
            let footer = "Page \(pages) of \(total)"
            let footerWidth = try width(footer, bold: false) * size / 1000
            try drawText(footer, x: (layout.pageWidth - footerWidth) / 2, y: layout.margin, bold: false, size: size)
            content.endText()
            try stream.addPage(width: layout.pageWidth, height: layout.pageHeight, content: content.take())
        }
    }

    /// Draws a cell's text (cut to the cell with "…" unless already
    /// `fitted`), left-aligned or right-aligned, measuring it once.
    private func drawCell(_ text: String, x: Double, width: Double, y: Double, right: Bool, bold: Bool,
                          layout: PDFReportLayout, fitted alreadyFitted: Bool = false) throws(PDFError) {
        let limit = (width - 2 * layout.cellPadding) * 1000 / layout.fontSize
        let main = bold ? self.bold : regular
        var shown = text
        let ascii = main.width(ofASCII: text)
        var advance = 0
        if let ascii { advance = ascii } else { advance = try units(text, bold: bold) }
        if !alreadyFitted, Double(advance) > limit {
            shown = try fitted(text, limit: limit, bold: bold)
            advance = try units(shown, bold: bold)
        }
        var tx = x + layout.cellPadding
        if right { tx = x + width - layout.cellPadding - Double(advance) * layout.fontSize / 1000 }
        if ascii != nil {
            content.showText(shown, x: tx, y: y, font: main, size: layout.fontSize)
        } else {
            try drawText(shown, x: tx, y: y, bold: bold, size: layout.fontSize)
        }
    }

    /// Shows `text`, switching to the CJK font for runs of CJK characters.
    private func drawText(_ text: String, x: Double, y: Double, bold: Bool, size: Double) throws(PDFError) {
        let main = bold ? self.bold : regular
        if main.width(ofASCII: text) != nil || !text.unicodeScalars.contains(where: Self.isCJK) {
            content.showText(text, x: x, y: y, font: main, size: size)
            return
        }
        var tx = x
        var run = String.UnicodeScalarView()
        var runIsCJK = false
        func flush() throws(PDFError) {
            guard !run.isEmpty else { return }
            let font = runIsCJK ? (try cjkFont() ?? main) : main
            let advance = content.showText(String(run), x: tx, y: y, font: font, size: size)
            tx += Double(advance) * size / 1000
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
        Double(try units(text, bold: bold))
    }

    /// Width in 1/1000 of the font size (CJK characters in the fallback font).
    @inline(__always)
    private func units(_ text: String, bold: Bool) throws(PDFError) -> Int {
        let main = bold ? self.bold : regular
        if let ascii = main.width(ofASCII: text) { return ascii }
        var total = 0
        for s in text.unicodeScalars { total += try advance(s, main) }
        return total
    }

    @inline(__always)
    private func advance(_ s: Unicode.Scalar, _ main: PDFFont) throws(PDFError) -> Int {
        if s.value < 0x2E80 || !Self.isCJK(s) { return main.advance(s) }
        return (try cjkFont() ?? main).advance(s)
    }

    private func cjkFont() throws(PDFError) -> PDFFont? {
        if let cjk { return cjk }
        guard !cjkMissing, let path = fontFiles.cjkFallback else { return nil }
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
        return try fitted(text, limit: limit, bold: bold)
    }

    /// `text` (wider than `limit`, in 1/1000 of the font size) cut with "…".
    private func fitted(_ text: String, limit: Double, bold: Bool) throws(PDFError) -> String {
        let main = bold ? self.bold : regular
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
