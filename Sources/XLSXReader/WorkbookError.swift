/// Everything the workbook reader can report: a `Code` saying what went
/// wrong plus the context a person needs to find it — the file, the sheet,
/// the cell, the zip entry / XML part and the line or byte position.
///
/// The description never contains cell contents beyond the cell reference,
/// and never a password (the reader never sees one).
public struct WorkbookError: Error, CustomStringConvertible, Sendable {
    /// What kind of failure this is. Extensible: new codes may be added.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        init(_ name: String) { self.name = name }
        public var description: String { name }

        /// The file is not a zip archive (and not an OLE file either).
        public static let notAZip = Code("notAZip")
        /// A password-protected workbook (OLE compound file with an
        /// `EncryptionInfo` stream), or encrypted zip entries.
        public static let encrypted = Code("encrypted")
        /// An Excel 97-2003 `.xls` file (OLE compound file), not `.xlsx`.
        public static let legacyXLS = Code("legacyXLS")
        /// The zip archive is damaged (bad headers, CRC, truncated data).
        public static let corruptZip = Code("corruptZip")
        /// A part the package needs (workbook, a sheet, a relationship) is missing.
        public static let missingPart = Code("missingPart")
        /// XML that is not well-formed (truncated, bad entity, bad nesting).
        public static let malformedXML = Code("malformedXML")
        /// XML with a document type declaration (`<!DOCTYPE`): refused, never resolved.
        public static let dtdNotAllowed = Code("dtdNotAllowed")
        /// A size bound was exceeded: inflated size, compression ratio (zip bomb) or token size.
        public static let tooLarge = Code("tooLarge")
        /// A package that breaks a rule of the format the reader relies on:
        /// two sheets with one name, two sheets sharing one part.
        public static let invalidPackage = Code("invalidPackage")
        /// The workbook has no worksheets.
        public static let noSheets = Code("noSheets")
        /// Something valid but not supported by this reader.
        public static let unsupported = Code("unsupported")
        /// The file could not be opened or read.
        public static let io = Code("io")
    }

    public var code: Code
    /// The workbook file as given to the reader.
    public var file: String
    /// The sheet's name, when the failure is inside a sheet.
    public var sheet: String?
    /// The cell reference (`B7`), when known.
    public var cell: String?
    /// The zip entry / package part (`xl/worksheets/sheet1.xml`), when known.
    public var part: String?
    /// 1-based line in the part, when known.
    public var line: Int?
    /// 0-based byte offset in the part (after inflating; in UTF-8 for
    /// UTF-16 parts), when known.
    public var byteOffset: Int?
    /// What went wrong, for people.
    public var message: String

    public init(
        _ code: Code, file: String, sheet: String? = nil, cell: String? = nil,
        part: String? = nil, line: Int? = nil, byteOffset: Int? = nil, message: String
    ) {
        self.code = code
        self.file = file
        self.sheet = sheet
        self.cell = cell
        self.part = part
        self.line = line
        self.byteOffset = byteOffset
        self.message = message
    }

    public var description: String {
        var where_ = [file]
        if let sheet { where_.append("sheet \"\(sheet)\"") }
        if let cell { where_.append("cell \(cell)") }
        if let part { where_.append("part \(part)") }
        if let line { where_.append("line \(line)") }
        if let byteOffset { where_.append("byte \(byteOffset)") }
        return "\(code): \(message) (\(where_.joined(separator: ", ")))"
    }
}
