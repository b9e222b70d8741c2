import Foundation
import Basics
import XLSXReader

/// Streams a CSV file as rows of typed cells, the way `WorkbookReader`
/// streams a sheet, so CSV goes through the same inference and COPY.
///
/// - Delimiter: `,` `;` tab or `|`, whichever splits the first lines of
///   the file (up to 64 KiB, quotes respected) into the same number of
///   fields most often, more fields winning ties.
/// - Encoding: UTF-16 LE or BE when the file starts with that byte-order
///   mark (Excel's "Unicode Text"); else UTF-8 (a BOM is skipped) when the
///   first 64 KiB are valid UTF-8, else Windows-1252. Invalid UTF-8 or
///   UTF-16 anywhere in the file, and a NUL byte in any encoding, are
///   errors naming the line (never turned into U+FFFD).
/// - Quoting per RFC 4180: `"…"` fields may hold delimiters, line breaks
///   and `""` for a quote; CRLF, LF or CR end records. A quoted field that
///   is still open at the end of the file, or after
///   `maxQuotedLineBreaks` line breaks, is an error naming the record,
///   column and line where its quote opened.
/// - Values are typed like xlsx cells: numbers (`-12`, `3.50`, `1e-3`)
///   become numbers (a leading-zero code such as `007` stays text, as in a
///   sheet where it was typed as text); ISO dates `YYYY-MM-DD` and
///   date-times `YYYY-MM-DD[T ]HH:MM[:SS[.ffffff]]` become date serials;
///   `true` / `false` (any case) booleans; empty fields blank; anything
///   else text exactly as written (no trimming).
final class CSVReader {
    enum Encoding { case utf8, windows1252, utf16LE, utf16BE }

    /// The file read (a temporary download, perhaps).
    let path: String
    /// The name people know the file by, for errors.
    let file: String
    let delimiter: UInt8
    /// Numbers written the continental way (`1.234,56`): decided from the
    /// first 64 KiB when the delimiter is not a comma.
    let decimalComma: Bool
    let encoding: Encoding
    private let bomLength: Int

    /// Most line breaks one quoted field may hold: past this many, an
    /// unterminated quote is reported rather than swallowing the file.
    static let maxQuotedLineBreaks = 10_000

    init(path: String, file: String) throws {
        self.path = path
        self.file = file
        let handle = try Self.open(path, file: file)
        defer { try? handle.close() }
        let sample = [UInt8]((try handle.read(upToCount: 64 << 10)) ?? Data())
        let text: [UInt8]
        if sample.starts(with: [0xFF, 0xFE]) || sample.starts(with: [0xFE, 0xFF]) {
            encoding = sample[0] == 0xFF ? .utf16LE : .utf16BE
            bomLength = 2
            var transcoder = UTF16Transcoder(bigEndian: encoding == .utf16BE)
            text = transcoder.transcode(Array(sample.dropFirst(2)), last: false).utf8
        } else {
            bomLength = sample.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
            text = Array(sample.dropFirst(bomLength))
            encoding = Self.isValidUTF8Prefix(text, complete: sample.count < 64 << 10) ? .utf8 : .windows1252
        }
        delimiter = Self.detectDelimiter(text)
        decimalComma = delimiter != 0x2C && Self.detectDecimalComma(text, delimiter: delimiter)
    }

    /// The file opened for reading; a directory or an unreadable file is bad input.
    private static func open(_ path: String, file: String) throws -> FileHandle {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue {
            throw IngestError.badInput("io", file: file, "is a directory, not a CSV file")
        }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw IngestError.badInput("io", file: file, "the file can't be opened")
        }
        return handle
    }

    /// The one "sheet" of a CSV file.
    static func sheet(named name: String) -> SheetInfo {
        SheetInfo(name: name, index: 0, visibility: .visible, partName: "")
    }

    /// Calls `body` for each record with at least one non-empty field.
    func readRows(_ body: (Row) throws -> Void) throws {
        let handle = try Self.open(path, file: file)
        defer { try? handle.close() }
        if bomLength > 0 { _ = try handle.read(upToCount: bomLength) }
        var transcoder: UTF16Transcoder? = switch encoding {
        case .utf16LE: UTF16Transcoder(bigEndian: false)
        case .utf16BE: UTF16Transcoder(bigEndian: true)
        case .utf8, .windows1252: nil
        }
        var row = Row(number: 0, cells: [])
        var field: [UInt8] = []
        var column = 0
        var record = 1
        var line = 1         // the physical line of the byte being read
        var fieldLine = 1    // the line the current field starts on
        var inQuotes = false
        var quoteSeen = false  // a closing quote just passed (for "")
        var fieldQuoted = false
        var pendingCR = false

        func cell() -> String { CellReference.name(column: column, row: record) }
        func place(_ line: Int) -> String { "line \(line), record \(record), column \(CellReference.columnName(column))" }
        func encodingError(_ what: String, line: Int) -> IngestError {
            IngestError.badInput("encoding", file: file, cell: cell(), "\(what) at \(place(line))")
        }
        func unterminatedQuote(_ what: String) -> IngestError {
            IngestError.badInput("unterminatedQuote", file: file, cell: cell(),
                                 "the quoted field that opens at \(place(fieldLine)) \(what); is a closing quote missing?")
        }
        func endField() throws {
            if !field.isEmpty {
                // Quoting is only escaping: "42" is the number 42, as Excel reads it.
                let value = Self.typed(try decode(field), decimalComma: decimalComma)
                if value != .empty { row.cells.append((column, value)) }
            }
            field.removeAll(keepingCapacity: true)
            fieldQuoted = false
            fieldLine = line
            column += 1
        }
        func endRecord() throws {
            try endField()
            if !row.cells.isEmpty {
                row.number = record
                try body(row)
            }
            row.cells.removeAll(keepingCapacity: true)
            column = 0
            record += 1
        }
        func decode(_ bytes: [UInt8]) throws -> String {
            if encoding == .windows1252 {
                var scalars = String.UnicodeScalarView()
                for b in bytes { scalars.append(Self.windows1252Scalar(b)) }
                return String(scalars)
            }
            if let text = String(validating: bytes, as: UTF8.self) { return text }
            let bad = Self.invalidUTF8Index(bytes) ?? 0
            throw encodingError("invalid UTF-8 (the start of the file is UTF-8, so all of it must be)",
                                line: fieldLine + Self.lineBreaks(in: bytes[..<bad]))
        }
        /// NUL, CR and LF inside quotes: the rare bytes, off the common path.
        func quotedControl(_ byte: UInt8) throws {
            switch byte {
            case 0x00: throw encodingError("a NUL byte (a binary file, or UTF-16 without a byte-order mark?)", line: line)
            case 0x0A where field.last == 0x0D: return
            case 0x0A, 0x0D: line += 1
            default: return
            }
            if line - fieldLine > Self.maxQuotedLineBreaks {
                throw unterminatedQuote("runs past \(Self.maxQuotedLineBreaks) lines")
            }
        }

        while true {
            let data = try handle.read(upToCount: 1 << 20) ?? Data()
            let chunk: [UInt8]
            var validUTF16 = true
            if transcoder != nil {
                let result = transcoder!.transcode([UInt8](data), last: data.isEmpty)
                chunk = result.utf8
                validUTF16 = result.valid
            } else {
                chunk = [UInt8](data)
            }
            for byte in chunk {
                if pendingCR {
                    pendingCR = false
                    if byte == 0x0A { continue }
                }
                if inQuotes {
                    if byte == 0x22 { inQuotes = false; quoteSeen = true; continue }
                    if byte <= 0x0D { try quotedControl(byte) }
                    field.append(byte)
                    continue
                }
                if byte == 0x22 {
                    if quoteSeen { field.append(0x22) }  // "" inside a quoted field
                    else if field.isEmpty { fieldQuoted = true }
                    else { field.append(byte); continue }  // a stray quote inside a bare field: kept
                    inQuotes = true
                    quoteSeen = false
                    continue
                }
                quoteSeen = false
                if byte == delimiter {
                    try endField()
                } else if byte == 0x0A || byte == 0x0D {
                    try endRecord()
                    line += 1
                    fieldLine = line
                    pendingCR = byte == 0x0D
                } else if byte == 0 {
                    throw encodingError("a NUL byte (a binary file, or UTF-16 without a byte-order mark?)", line: line)
                } else {
                    field.append(byte)
                }
            }
            if !validUTF16 {
                throw encodingError("invalid UTF-16 (a lone surrogate, or an odd number of bytes)", line: line)
            }
            if data.isEmpty { break }
        }
        if inQuotes { throw unterminatedQuote("is never closed: the quote runs to the end of the file") }
        if !field.isEmpty || fieldQuoted || column > 0 { try endRecord() }
    }

    // MARK: - typing

    static func typed(_ text: String, decimalComma: Bool = false) -> CellValue {
        if text.isEmpty { return .empty }
        let bytes = Array(text.utf8)
        if decimalComma {
            // `1.234,56` → 1234.56, `1.234` → 1234, `31.12.2024` → a date;
            // `3.5` is not read as a number in a file that writes `3,5`.
            if let plain = continentalNumber(bytes) { return .number(plain, .plain) }
            if let serial = dottedDateSerial(bytes) { return .number(serial, .date) }
            if bytes.contains(0x2E) && !bytes.contains(where: { $0 == 0x65 || $0 == 0x45 }) { return .text(text) }
        }
        if isNumber(bytes) { return .number(text, .plain) }
        if let serial = dateSerial(bytes) { return .number(serial.text, serial.hasTime ? .dateTime : .date) }
        if let boolean = booleanWord(bytes) { return .boolean(boolean) }
        return .text(text)
    }

    private static let trueWord = Array("true".utf8), falseWord = Array("false".utf8)

    /// `true` / `false` in any case, compared on the bytes (a Unicode
    /// lowercasing of every text field was a fifth of a CSV ingest's time).
    static func booleanWord(_ b: [UInt8]) -> Bool? {
        func matches(_ word: [UInt8]) -> Bool {
            guard b.count == word.count else { return false }
            for i in 0..<b.count where b[i] | 0x20 != word[i] { return false }
            return true
        }
        if matches(trueWord) { return true }
        if matches(falseWord) { return false }
        return nil
    }

    /// `[-+]digits[.digits][e[-+]digits]`, not a leading-zero code like `007`.
    static func isNumber(_ b: [UInt8]) -> Bool {
        var i = 0
        if i < b.count && (b[i] == 0x2D || b[i] == 0x2B) { i += 1 }
        let intStart = i
        while i < b.count && b[i] >= 0x30 && b[i] <= 0x39 { i += 1 }
        let intDigits = i - intStart
        var fracDigits = 0
        if i < b.count && b[i] == 0x2E {
            i += 1
            let s = i
            while i < b.count && b[i] >= 0x30 && b[i] <= 0x39 { i += 1 }
            fracDigits = i - s
        }
        guard intDigits + fracDigits > 0 else { return false }
        if intDigits > 1 && b[intStart] == 0x30 { return false }
        if i < b.count && (b[i] == 0x65 || b[i] == 0x45) {
            i += 1
            if i < b.count && (b[i] == 0x2D || b[i] == 0x2B) { i += 1 }
            let s = i
            while i < b.count && b[i] >= 0x30 && b[i] <= 0x39 { i += 1 }
            guard i > s else { return false }
        }
        return i == b.count
    }

    /// The 1900-system serial of an ISO date or date-time, as exact decimal
    /// text (the time of day with 15 fraction digits, which the reader's
    /// conversion rounds back to the exact microsecond).
    static func dateSerial(_ b: [UInt8]) -> (text: String, hasTime: Bool)? {
        func num(_ from: Int, _ count: Int) -> Int? {
            guard from + count <= b.count else { return nil }
            var v = 0
            for k in from..<(from + count) {
                guard b[k] >= 0x30 && b[k] <= 0x39 else { return nil }
                v = v * 10 + Int(b[k] - 0x30)
            }
            return v
        }
        guard b.count >= 10, b[4] == 0x2D, b[7] == 0x2D, let y = num(0, 4), let m = num(5, 2), let d = num(8, 2),
              (1...12).contains(m), (1...31).contains(d), y >= 1900 else { return nil }
        let days = ExcelDate.daysSince2000(year: y, month: m, day: d)
        let (cy, cm, cd) = ExcelDate.civil(daysSince2000: days)
        guard cy == y, cm == m, cd == d else { return nil }  // 2023-02-30
        let serial = ExcelDate.serial(year: y, month: m, day: d, system: .excel1900)
        if b.count == 10 { return ("\(serial)", false) }
        guard b[10] == 0x54 || b[10] == 0x20, b.count >= 16, b[13] == 0x3A, let hh = num(11, 2), let mi = num(14, 2),
              hh < 24, mi < 60 else { return nil }
        var seconds = 0
        var micros = 0
        var i = 16
        if i < b.count {
            guard b[i] == 0x3A, let ss = num(i + 1, 2), ss < 60 else { return nil }
            seconds = ss
            i += 3
            if i < b.count {
                guard b[i] == 0x2E else { return nil }
                var digits = 0
                i += 1
                while i < b.count, b[i] >= 0x30, b[i] <= 0x39, digits < 6 {
                    micros = micros * 10 + Int(b[i] - 0x30)
                    digits += 1
                    i += 1
                }
                guard digits > 0, i == b.count else { return nil }
                for _ in digits..<6 { micros *= 10 }
            }
        }
        let total = UInt64(((hh * 60 + mi) * 60 + seconds) * 1_000_000 + micros)
        if total == 0 { return ("\(serial)", true) }
        let perDay: UInt64 = 86_400_000_000
        var fraction = "."
        var rem = total
        for _ in 0..<15 {
            rem *= 10
            fraction.append(Character(Unicode.Scalar(UInt8(48 + rem / perDay))))
            rem %= perDay
        }
        return ("\(serial)\(fraction)", true)
    }

    /// A number written with a decimal comma and optional dots between
    /// groups of three (`-1.234,56`, `0,5`, `1.234.567`), as plain decimal
    /// text (`-1234.56`); nil otherwise (`007`, `1,2,3`, `1.23`).
    static func continentalNumber(_ b: [UInt8]) -> String? {
        var i = 0
        var out: [UInt8] = []
        if i < b.count && (b[i] == 0x2D || b[i] == 0x2B) {
            if b[i] == 0x2D { out.append(0x2D) }
            i += 1
        }
        let start = i
        var group = 0, groups = 0, dotted = false
        while i < b.count {
            let c = b[i]
            if c >= 0x30 && c <= 0x39 {
                out.append(c)
                group += 1
            } else if c == 0x2E {
                // A dot between digit groups: the first of 1–3 digits, then exactly 3.
                guard group > 0, groups == 0 ? group <= 3 : group == 3 else { return nil }
                dotted = true
                groups += 1
                group = 0
            } else {
                break
            }
            i += 1
        }
        let intDigits = out.count - (out.first == 0x2D ? 1 : 0)
        guard intDigits > 0, !dotted || group == 3 else { return nil }
        if intDigits > 1 && b[start] == 0x30 { return nil }   // a code such as 007
        guard i < b.count else { return dotted ? String(decoding: out, as: UTF8.self) : nil }
        guard b[i] == 0x2C, i + 1 < b.count else { return nil }
        out.append(0x2E)
        i += 1
        while i < b.count, b[i] >= 0x30, b[i] <= 0x39 { out.append(b[i]); i += 1 }
        guard i == b.count, out.last != 0x2E else { return nil }
        return String(decoding: out, as: UTF8.self)
    }

    /// `31.12.2024` (day, month, four-digit year) as its 1900-system serial.
    static func dottedDateSerial(_ b: [UInt8]) -> String? {
        guard b.count == 10, b[2] == 0x2E, b[5] == 0x2E else { return nil }
        let iso = Array(b[6..<10]) + [0x2D] + Array(b[3..<5]) + [0x2D] + Array(b[0..<2])
        return dateSerial(iso).flatMap { $0.hasTime ? nil : $0.text }
    }

    // MARK: - detection

    /// Whether the sample's numbers are written with decimal commas: more
    /// fields like `1.234,56` or `0,5` than like `3.50` (a field like
    /// `1.234` says nothing).
    static func detectDecimalComma(_ sample: [UInt8], delimiter: UInt8) -> Bool {
        var commas = 0, points = 0
        var field: [UInt8] = []
        var inQuotes = false
        func judge() {
            var f = field[...]
            while let first = f.first, first == 0x20 || first == 0x22 { f = f.dropFirst() }
            while let last = f.last, last == 0x20 || last == 0x22 || last == 0x0D { f = f.dropLast() }
            let bytes = Array(f)
            if bytes.contains(0x2C), continentalNumber(bytes) != nil {
                commas += 1
            } else if isNumber(bytes), bytes.contains(0x2E), continentalNumber(bytes) == nil {
                points += 1
            }
            field.removeAll(keepingCapacity: true)
        }
        for byte in sample {
            if byte == 0x22 { inQuotes.toggle() }
            if !inQuotes && (byte == delimiter || byte == 0x0A) { judge() } else { field.append(byte) }
        }
        return commas > 0 && commas > points
    }

    static func detectDelimiter(_ sample: [UInt8]) -> UInt8 {
        let candidates: [UInt8] = [0x2C, 0x3B, 0x09, 0x7C]
        var best: (delimiter: UInt8, score: Int, fields: Int) = (0x2C, -1, 0)
        for candidate in candidates {
            var counts: [Int] = []
            var count = 0
            var inQuotes = false
            for byte in sample {
                if byte == 0x22 { inQuotes.toggle() }
                else if !inQuotes && byte == candidate { count += 1 }
                else if !inQuotes && (byte == 0x0A) {
                    counts.append(count)
                    count = 0
                    if counts.count == 20 { break }
                }
            }
            if count > 0 && counts.count < 20 { counts.append(count) }
            // The most common field count of the lines that have any (a
            // title line above the header has none).
            var frequency: [Int: Int] = [:]
            for c in counts where c > 0 { frequency[c, default: 0] += 1 }
            guard let (fields, consistent) = frequency.max(by: { $0.value == $1.value ? $0.key < $1.key : $0.value < $1.value }) else { continue }
            if consistent > best.score || (consistent == best.score && fields > best.fields) {
                best = (candidate, consistent, fields)
            }
        }
        return best.delimiter
    }

    /// Whether `bytes` is valid UTF-8 (a sequence cut at the end of an
    /// incomplete sample is allowed).
    static func isValidUTF8Prefix(_ bytes: [UInt8], complete: Bool) -> Bool {
        guard let bad = invalidUTF8Index(bytes) else { return true }
        // Only a sequence cut by the sample's end: its lead byte is in the last 3.
        return !complete && bytes.count - bad < 4 && invalidUTF8Index(bytes[bad...] + [0x80, 0x80, 0x80]) != 0
    }

    /// The index of the first byte of `bytes` that starts no valid UTF-8
    /// sequence (overlong forms and surrogates included), or nil.
    static func invalidUTF8Index(_ bytes: some Collection<UInt8>) -> Int? {
        var position = 0
        var iterator = bytes.makeIterator()
        var decoder = UTF8()
        while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let scalar): position += UTF8.width(scalar)
            case .emptyInput: return nil
            case .error: return position
            }
        }
    }

    /// Line breaks (LF, CR, CRLF counted once) in `bytes`.
    static func lineBreaks(in bytes: ArraySlice<UInt8>) -> Int {
        var count = 0
        var previous: UInt8 = 0
        for byte in bytes {
            if byte == 0x0D || (byte == 0x0A && previous != 0x0D) { count += 1 }
            previous = byte
        }
        return count
    }

    static let windows1252High: [UInt32] = [
        0x20AC, 0x81, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x8D, 0x017D, 0x8F,
        0x90, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x9D, 0x017E, 0x0178,
    ]

    static func windows1252Scalar(_ b: UInt8) -> Unicode.Scalar {
        if b >= 0x80 && b < 0xA0 { return Unicode.Scalar(windows1252High[Int(b - 0x80)]) ?? "\u{FFFD}" }
        return Unicode.Scalar(b)
    }
}

/// UTF-16 bytes to UTF-8, one chunk at a time: an odd byte or a high
/// surrogate at a chunk's end waits for the next chunk.
struct UTF16Transcoder {
    let bigEndian: Bool
    private var carry: [UInt8] = []

    init(bigEndian: Bool) {
        self.bigEndian = bigEndian
    }

    /// The UTF-8 of `bytes` (the next chunk; `last` when the file has
    /// ended) up to the first invalid code unit, and whether there was none.
    mutating func transcode(_ bytes: [UInt8], last: Bool) -> (utf8: [UInt8], valid: Bool) {
        let input = carry.isEmpty ? bytes : carry + bytes
        var units: [UInt16] = []
        units.reserveCapacity(input.count / 2)
        var k = 0
        while k + 1 < input.count {
            units.append(bigEndian ? UInt16(input[k]) << 8 | UInt16(input[k + 1]) : UInt16(input[k + 1]) << 8 | UInt16(input[k]))
            k += 2
        }
        if !last, let final = units.last, final & 0xFC00 == 0xD800 {
            units.removeLast()
            k -= 2
        }
        carry = last ? [] : Array(input[k...])
        let oddEnd = last && k < input.count
        if let text = String(validating: units, as: UTF16.self) { return (Array(text.utf8), !oddEnd) }
        var valid = 0
        var iterator = units.makeIterator()
        var decoder = UTF16()
        decoding: while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let scalar): valid += UTF16.width(scalar)
            case .emptyInput, .error: break decoding
            }
        }
        return (Array(String(decoding: units[..<valid], as: UTF16.self).utf8), false)
    }
}
