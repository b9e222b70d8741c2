internal import CHaru

/// A PDF document built with libharu: pages, embedded TrueType fonts with
/// UTF-8 text, filled rectangles, lines and text.
///
/// libharu keeps every page in memory until ``save(to:)``, so memory grows
/// with the page count (compressed content streams keep it small).
///
/// Not `Sendable`: a document and its pages belong to one thread. Saving
/// is blocking file I/O; call it off Swift's cooperative pool.
public final class PDFDocument {
    var handle: HPDF_Doc?
    private var pageCount = 0

    /// A4 and US Letter in points (1/72 inch), portrait.
    public enum Paper: String, Sendable, CaseIterable {
        case a4, letter
        public var size: (width: Double, height: Double) {
            switch self {
            case .a4: (595.276, 841.89)
            case .letter: (612, 792)
            }
        }
    }

    /// - Parameter compress: deflate page content streams and fonts.
    public init(compress: Bool = true) throws(PDFError) {
        guard let doc = HPDF_New(nil, nil) else {
            throw PDFError(code: .creatingDocument, step: "HPDF_New", errorNumber: 0, detailNumber: 0)
        }
        handle = doc
        try check(HPDF_UseUTFEncodings(doc), .creatingDocument, "enable UTF-8 encodings")
        if compress {
            try check(HPDF_SetCompressionMode(doc, HPDF_UINT(HPDF_COMP_ALL)), .creatingDocument, "set compression")
        }
    }

    deinit {
        if let handle { HPDF_Free(handle) }
    }

    /// Sets the document's title and creator (the Info dictionary).
    public func setInfo(title: String, creator: String) throws(PDFError) {
        let doc = try open()
        try check(HPDF_SetInfoAttr(doc, HPDF_INFO_TITLE, title), .creatingDocument, "set title")
        try check(HPDF_SetInfoAttr(doc, HPDF_INFO_CREATOR, creator), .creatingDocument, "set creator")
    }

    /// Loads a TrueType font from `path`, embeds it, and returns it with a
    /// UTF-8 encoder (so any text in the font's repertoire can be shown).
    public func loadTrueTypeFont(path: String) throws(PDFError) -> PDFFont {
        let doc = try open()
        guard let name = HPDF_LoadTTFontFromFile(doc, path, HPDF_TRUE) else {
            throw error(.loadingFont, "load font \(path)")
        }
        guard let font = HPDF_GetFont(doc, name, "UTF-8") else {
            throw error(.loadingFont, "get font \(String(cString: name)) with UTF-8")
        }
        return PDFFont(handle: font, name: String(cString: name))
    }

    /// Appends a page of the given size in points.
    public func addPage(width: Double, height: Double) throws(PDFError) -> PDFPage {
        let doc = try open()
        guard let page = HPDF_AddPage(doc) else { throw error(.drawing, "add page \(pageCount + 1)") }
        try check(HPDF_Page_SetWidth(page, HPDF_REAL(width)), .drawing, "set page width")
        try check(HPDF_Page_SetHeight(page, HPDF_REAL(height)), .drawing, "set page height")
        pageCount += 1
        return PDFPage(document: self, handle: page, width: width, height: height)
    }

    /// Writes the document to `path`; the document can't be used afterwards
    /// (its memory is freed either way).
    public func save(to path: String) throws(PDFError) {
        let doc = try open()
        defer {
            HPDF_Free(doc)
            handle = nil
        }
        try check(HPDF_SaveToFile(doc, path), .saving, "save \(path)")
    }

    // MARK: - errors

    func open() throws(PDFError) -> HPDF_Doc {
        guard let handle else {
            throw PDFError(code: .alreadySaved, step: "use a saved document", errorNumber: 0, detailNumber: 0)
        }
        return handle
    }

    @inline(__always)
    func check(_ status: HPDF_STATUS, _ code: PDFError.Code, _ step: @autoclosure () -> String) throws(PDFError) {
        if status != HPDF_OK { throw error(code, step(), status: status) }
    }

    /// The document's current error (read right after the failing call), reset.
    func error(_ code: PDFError.Code, _ step: String, status: HPDF_STATUS = 0) -> PDFError {
        guard let handle else { return PDFError(code: code, step: step, errorNumber: UInt(status), detailNumber: 0) }
        let number = HPDF_GetError(handle)
        let detail = HPDF_GetErrorDetail(handle)
        HPDF_ResetError(handle)
        return PDFError(code: code, step: step, errorNumber: UInt(number != 0 ? number : status), detailNumber: UInt(detail))
    }
}

/// An embedded font. Widths are in thousandths of the font size and are
/// cached per character, so measuring text costs no libharu call after
/// the first use of a character.
public final class PDFFont {
    public let name: String
    let handle: HPDF_Font
    private var asciiWidths: [Int32]
    private var otherWidths: [UInt32: Int32] = [:]

    init(handle: HPDF_Font, name: String) {
        self.handle = handle
        self.name = name
        asciiWidths = (0..<128).map { HPDF_Font_GetUnicodeWidth(handle, HPDF_UNICODE($0)) }
    }

    /// The advance width of `scalar` in 1/1000 of the font size.
    @inline(__always)
    public func advance(_ scalar: Unicode.Scalar) -> Int {
        let v = scalar.value
        if v < 128 { return Int(asciiWidths[Int(v)]) }
        if let w = otherWidths[v] { return Int(w) }
        let w = v <= 0xFFFF ? HPDF_Font_GetUnicodeWidth(handle, HPDF_UNICODE(v)) : 1000
        otherWidths[v] = w
        return Int(w)
    }

    /// The width of `text` at `size` points.
    public func width(of text: Substring.UnicodeScalarView, size: Double) -> Double {
        var total = 0
        for s in text { total += advance(s) }
        return Double(total) * size / 1000
    }

    /// The font's ascent and descent in 1/1000 of the font size.
    public var ascent: Int { Int(HPDF_Font_GetAscent(handle)) }
    public var descent: Int { Int(HPDF_Font_GetDescent(handle)) }
}

/// One page of a ``PDFDocument``; coordinates in points from the bottom left.
/// Text is drawn between ``beginText()`` and ``endText()``; shapes outside.
public final class PDFPage {
    public let width: Double
    public let height: Double
    unowned let document: PDFDocument
    let handle: HPDF_Page
    private var currentFont: HPDF_Font?
    private var currentSize = 0.0

    init(document: PDFDocument, handle: HPDF_Page, width: Double, height: Double) {
        self.document = document
        self.handle = handle
        self.width = width
        self.height = height
    }

    /// Fills a rectangle with a gray level (0 black … 1 white).
    public func fillRectangle(x: Double, y: Double, width: Double, height: Double, gray: Double) throws(PDFError) {
        try document.check(HPDF_Page_SetGrayFill(handle, HPDF_REAL(gray)), .drawing, "set fill")
        try document.check(HPDF_Page_Rectangle(handle, HPDF_REAL(x), HPDF_REAL(y), HPDF_REAL(width), HPDF_REAL(height)),
                           .drawing, "rectangle")
        try document.check(HPDF_Page_Fill(handle), .drawing, "fill")
    }

    /// Strokes a straight line.
    public func strokeLine(x1: Double, y1: Double, x2: Double, y2: Double, gray: Double, lineWidth: Double) throws(PDFError) {
        try document.check(HPDF_Page_SetGrayStroke(handle, HPDF_REAL(gray)), .drawing, "set stroke")
        try document.check(HPDF_Page_SetLineWidth(handle, HPDF_REAL(lineWidth)), .drawing, "set line width")
        try document.check(HPDF_Page_MoveTo(handle, HPDF_REAL(x1), HPDF_REAL(y1)), .drawing, "move to")
        try document.check(HPDF_Page_LineTo(handle, HPDF_REAL(x2), HPDF_REAL(y2)), .drawing, "line to")
        try document.check(HPDF_Page_Stroke(handle), .drawing, "stroke")
    }

    public func beginText(gray: Double = 0) throws(PDFError) {
        try document.check(HPDF_Page_BeginText(handle), .drawing, "begin text")
        try document.check(HPDF_Page_SetGrayFill(handle, HPDF_REAL(gray)), .drawing, "set text color")
        currentFont = nil
    }

    public func endText() throws(PDFError) {
        try document.check(HPDF_Page_EndText(handle), .drawing, "end text")
    }

    /// Shows `text` with its baseline starting at (`x`, `y`).
    @inline(__always)
    public func showText(_ text: String, x: Double, y: Double, font: PDFFont, size: Double) throws(PDFError) {
        if currentFont != font.handle || currentSize != size {
            try document.check(HPDF_Page_SetFontAndSize(handle, font.handle, HPDF_REAL(size)), .drawing, "set font")
            currentFont = font.handle
            currentSize = size
        }
        try document.check(HPDF_Page_TextOut(handle, HPDF_REAL(x), HPDF_REAL(y), text), .drawing, "show text")
    }
}
