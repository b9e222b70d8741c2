internal import CXlsxWriter

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
internal import Basics

/// A libxlsxwriter failure, with libxlsxwriter's own message
/// (`lxw_strerror`) and where it happened.
public struct XLSXWriterError: Error, Sendable, Equatable, CustomStringConvertible {
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        let name: String
        /// `workbook_new_opt` failed (out of memory, bad options).
        public static let creatingWorkbook = Code(name: "creatingWorkbook")
        /// A worksheet couldn't be added (bad or duplicate name).
        public static let addingWorksheet = Code(name: "addingWorksheet")
        /// A cell couldn't be written (out of range, string too long, a row
        /// before the current one in constant-memory mode).
        public static let writingCell = Code(name: "writingCell")
        /// Column widths, freeze panes or an autofilter were refused.
        public static let settingLayout = Code(name: "settingLayout")
        /// Writing the file at `close()` failed (directory missing, disk
        /// full, temp files).
        public static let closing = Code(name: "closing")
        /// The workbook was already closed.
        public static let alreadyClosed = Code(name: "alreadyClosed")
        public var description: String { name }
    }

    public var code: Code
    /// libxlsxwriter's description of the error.
    public var message: String
    /// The workbook being written.
    public var path: String
    public var sheet: String?
    public var row: Int?
    public var column: Int?

    public var description: String {
        var s = "XLSXWriterError.\(code): \(message) (\(path)"
        if let sheet { s += ", sheet \"\(sheet)\"" }
        if let row, let column { s += ", cell \(CellReference.columnName(column))\(row + 1)" }
        return s + ")"
    }
}

/// Cell formatting; equal specs share one libxlsxwriter format.
public struct XLSXFormat: Sendable, Hashable {
    public var bold: Bool
    public var italic: Bool
    /// An Excel number format code (`#,##0.00`, `yyyy-mm-dd hh:mm:ss`).
    public var numberFormat: String?
    public var textWrap: Bool
    /// A solid background fill, `0xRRGGBB` (nil: none).
    public var fillColor: UInt32?

    public init(bold: Bool = false, italic: Bool = false, numberFormat: String? = nil, textWrap: Bool = false,
                fillColor: UInt32? = nil) {
        self.bold = bold
        self.italic = italic
        self.numberFormat = numberFormat
        self.textWrap = textWrap
        self.fillColor = fillColor
    }
}

/// A calendar date and time for ``XLSXWorksheet/writeDateTime(row:column:_:format:)``;
/// libxlsxwriter turns it into a serial in the workbook's date system.
public struct XLSXDateTime: Sendable, Hashable {
    public var year, month, day, hour, minute: Int
    public var second: Double

    public init(year: Int, month: Int, day: Int, hour: Int = 0, minute: Int = 0, second: Double = 0) {
        (self.year, self.month, self.day, self.hour, self.minute, self.second) = (year, month, day, hour, minute, second)
    }
}

/// Writes an `.xlsx` file with libxlsxwriter.
///
/// In constant-memory mode (the default) each row goes to a temp file as
/// soon as a later row is started, so memory stays flat however many rows
/// are written; rows must then be written in order (cells within a row in
/// any order) and strings are stored inline rather than in a shared
/// strings table. The file itself is written by ``close()``.
///
/// Not `Sendable`: one writer and its worksheets belong to one thread.
/// Every call is blocking file I/O; run it off Swift's cooperative pool
/// (a dedicated thread) when called from async code.
public final class XLSXWriter {
    /// A format registered with ``format(_:)``.
    public struct Format: Sendable, Hashable {
        let index: Int
    }

    public let path: String
    var handle: UnsafeMutablePointer<lxw_workbook>?
    private var formats: [UnsafeMutablePointer<lxw_format>] = []
    private var formatIndex: [XLSXFormat: Int] = [:]
    private var sheetNames: [String] = []
    private var sheetStates: [XLSXWorksheet.State] = []
    private let temporaryDirectory: UnsafeMutablePointer<CChar>?
    /// Where libxlsxwriter's temp files and the streamed rows go (nil: `TMPDIR`).
    let temporaryDirectoryPath: String?

    public init(path: String, constantMemory: Bool = true, temporaryDirectory: String? = nil) throws(XLSXWriterError) {
        self.path = path
        self.temporaryDirectoryPath = temporaryDirectory
        self.temporaryDirectory = temporaryDirectory.map { strdup($0) }
        var options = lxw_workbook_options()
        options.constant_memory = constantMemory ? UInt8(LXW_TRUE.rawValue) : UInt8(LXW_FALSE.rawValue)
        options.tmpdir = self.temporaryDirectory
        options.use_zip64 = UInt8(LXW_TRUE.rawValue)
        guard let wb = workbook_new_opt(path, &options) else {
            // deinit frees temporaryDirectory (every property is set by now).
            throw XLSXWriterError(code: .creatingWorkbook, message: "workbook_new_opt failed", path: path)
        }
        handle = wb
    }

    deinit {
        // Never closed (an error was thrown on the way): free without
        // writing a half-made file.
        if let handle { lxw_workbook_free(handle) }
        for state in sheetStates { state.part?.cancel() }
        free(temporaryDirectory)
    }

    /// A format for cells, created once per distinct spec.
    public func format(_ spec: XLSXFormat) throws(XLSXWriterError) -> Format {
        if let i = formatIndex[spec] { return Format(index: i) }
        guard let wb = handle else { throw closedError() }
        guard let f = workbook_add_format(wb) else {
            throw XLSXWriterError(code: .creatingWorkbook, message: "workbook_add_format failed", path: path)
        }
        if spec.bold { format_set_bold(f) }
        if spec.italic { format_set_italic(f) }
        if spec.textWrap { format_set_text_wrap(f) }
        if let nf = spec.numberFormat { format_set_num_format(f, nf) }
        if let color = spec.fillColor {
            format_set_pattern(f, UInt8(LXW_PATTERN_SOLID.rawValue))
            format_set_bg_color(f, lxw_color_t(color))
        }
        formats.append(f)
        formatIndex[spec] = formats.count - 1
        return Format(index: formats.count - 1)
    }

    /// Adds a worksheet (`Sheet1`, `Sheet2`, … when `name` is nil).
    public func addWorksheet(named name: String? = nil) throws(XLSXWriterError) -> XLSXWorksheet {
        guard let wb = handle else { throw closedError() }
        if let name {
            let err = workbook_validate_sheet_name(wb, name)
            if err != LXW_NO_ERROR {
                throw XLSXWriterError(code: .addingWorksheet, message: Self.message(err), path: path, sheet: name)
            }
        }
        let sheet: UnsafeMutablePointer<lxw_worksheet>? = if let name { workbook_add_worksheet(wb, name) } else { workbook_add_worksheet(wb, nil) }
        guard let sheet else {
            throw XLSXWriterError(code: .addingWorksheet, message: "workbook_add_worksheet failed", path: path, sheet: name)
        }
        let actual = name ?? "Sheet\(sheetNames.count + 1)"
        sheetNames.append(actual)
        let state = XLSXWorksheet.State()
        sheetStates.append(state)
        return XLSXWorksheet(writer: self, handle: sheet, name: actual, state: state)
    }

    /// Writes the file and frees the workbook; the writer can't be used
    /// afterwards. A failure still frees it. Streamed rows
    /// (``XLSXWorksheet/streamRows()``) are finished and put into their
    /// sheets; their temporary files are removed either way.
    public func close() throws(XLSXWriterError) {
        guard let wb = handle else { throw closedError() }
        defer { for state in sheetStates { state.part?.cancel() } }
        do {
            for state in sheetStates { try state.finish() }
        } catch {
            handle = nil
            lxw_workbook_free(wb)
            throw error
        }
        handle = nil
        let err = workbook_close(wb)
        if err != LXW_NO_ERROR {
            throw XLSXWriterError(code: .closing, message: Self.message(err), path: path)
        }
        do {
            try spliceStreamedSheets(sheetStates)
        } catch {
            unlink(path) // a workbook without its rows must not look finished
            throw error
        }
    }

    var isOpen: Bool { handle != nil }

    func formatPointer(_ format: Format?) -> UnsafeMutablePointer<lxw_format>? {
        guard let format else { return nil }
        return formats[format.index]
    }

    func closedError(sheet: String? = nil) -> XLSXWriterError {
        XLSXWriterError(code: .alreadyClosed, message: "the workbook is closed", path: path, sheet: sheet)
    }

    static func message(_ err: lxw_error) -> String {
        guard let text = lxw_strerror(err) else { return "libxlsxwriter error \(err.rawValue)" }
        return String(cString: text)
    }
}
