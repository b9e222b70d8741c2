/// A libharu failure: libharu's error and detail numbers (see `hpdf_error.h`)
/// and the step that failed.
public struct PDFError: Error, Sendable, Equatable, CustomStringConvertible {
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        let name: String
        /// `HPDF_New` or the document setup failed (out of memory).
        public static let creatingDocument = Code(name: "creatingDocument")
        /// A TrueType font couldn't be loaded (missing file, unsupported font).
        public static let loadingFont = Code(name: "loadingFont")
        /// A page couldn't be added or drawn on.
        public static let drawing = Code(name: "drawing")
        /// Writing the file failed (directory missing, disk full).
        public static let saving = Code(name: "saving")
        /// The document was already saved.
        public static let alreadySaved = Code(name: "alreadySaved")
        public var description: String { name }
    }

    public var code: Code
    /// What was being done (`load font /usr/share/…`, `show text`).
    public var step: String
    /// libharu's `HPDF_STATUS` error number (hex in libharu's docs), 0 if none.
    public var errorNumber: UInt
    /// libharu's detail number (often an errno), 0 if none.
    public var detailNumber: UInt

    public var description: String {
        let hex = String(errorNumber, radix: 16, uppercase: true)
        return "PDFError.\(code): \(step) failed (libharu error 0x\(hex), detail \(detailNumber))"
    }
}
