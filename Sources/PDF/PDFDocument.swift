internal import CHaru

/// A libharu document that holds a report's embedded TrueType fonts (with
/// UTF-8 encoders) and its Info dictionary. Pages are not drawn here: their
/// content is ``PDFPageContent`` and ``PDFPageStream`` writes them, then
/// takes this document's fonts (each subset to the glyphs measured) into
/// the file at the end, so libharu's memory does not grow with the pages.
///
/// Not `Sendable`: a document and its fonts belong to one thread.
public final class PDFDocument {
    var handle: HPDF_Doc?
    /// The fonts loaded, in order (resource names `F1`, `F2`, …).
    private(set) var fonts: [PDFFont] = []

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

    /// - Parameter compress: deflate the font files and maps (once per report).
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

    /// The document's title and creator, for the Info dictionary that
    /// ``PDFPageStream`` writes (as UTF-16 text strings: libharu would write
    /// UTF-8 bytes, which readers take for PDFDocEncoding, so "·" showed
    /// as "Â·").
    public private(set) var title: String?
    public private(set) var creator: String?

    /// Sets the document's title and creator (the Info dictionary).
    public func setInfo(title: String, creator: String) throws(PDFError) {
        _ = try open()
        self.title = title
        self.creator = creator
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
        // libharu numbers an object when it is made; the number is the one
        // it has in the saved file.
        let number = Int(font.pointee.header.obj_id & 0x00FF_FFFF)
        let loaded = PDFFont(handle: font, name: String(cString: name), resourceName: "F\(fonts.count + 1)",
                             objectNumber: number)
        fonts.append(loaded)
        return loaded
    }

    /// The document as a PDF file in memory; the document can't be used
    /// afterwards (its memory is freed either way).
    public func saveToMemory() throws(PDFError) -> [UInt8] {
        let doc = try open()
        defer {
            HPDF_Free(doc)
            handle = nil
        }
        try check(HPDF_SaveToStream(doc), .saving, "save to memory")
        var size = HPDF_UINT32(HPDF_GetStreamSize(doc))
        var bytes = [UInt8](repeating: 0, count: Int(size))
        let status = bytes.withUnsafeMutableBufferPointer { HPDF_ReadFromStream(doc, $0.baseAddress, &size) }
        // The whole stream at once ends with HPDF_STREAM_EOF.
        if status != HPDF_OK && status != HPDF_STATUS(HPDF_STREAM_EOF) { throw error(.saving, "read saved document", status: status) }
        return Array(bytes[0..<Int(size)])
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
/// the first use of a character. Valid while its ``PDFDocument`` is (not
/// after the document is saved).
public final class PDFFont {
    public let name: String
    let handle: HPDF_Font
    /// The name pages use for it (`F1`) and its object in the saved document.
    let resourceName: [UInt8]
    let objectNumber: Int
    private let asciiWidths: [Int32]
    private var otherWidths: [UInt32: Int32] = [:]

    /// Measures every ASCII character once (marking their glyphs for the
    /// subset: libharu's width lookup marks the glyph it finds).
    init(handle: HPDF_Font, name: String, resourceName: String, objectNumber: Int) {
        self.handle = handle
        self.name = name
        self.resourceName = Array(resourceName.utf8)
        self.objectNumber = objectNumber
        asciiWidths = (0..<128).map { HPDF_Font_GetUnicodeWidth(handle, HPDF_UNICODE($0)) }
    }

    /// The advance width of an ASCII character (`byte` < 0x80).
    @inline(__always)
    public func advance(ascii byte: UInt8) -> Int { Int(asciiWidths[Int(byte & 0x7F)]) }

    /// The advance width of `text` in 1/1000 of the font size when it is
    /// all ASCII; nil otherwise.
    public func width(ofASCII text: String) -> Int? {
        var text = text
        return text.withUTF8 { utf8 -> Int? in
            var total = 0
            for byte in utf8 {
                if byte >= 0x80 { return nil }
                total += Int(asciiWidths[Int(byte)])
            }
            return total
        }
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
}
