import Foundation
import XLSXReader

/// Streams a CSV file as rows of typed cells, the way `WorkbookReader`
/// streams a sheet, so CSV goes through the same inference and COPY.
///
/// - Delimiter: `,` `;` tab or `|`, whichever splits the first lines of
///   the file (up to 64 KiB, quotes respected) into the same number of
///   fields most often, more fields winning ties.
/// - Encoding: UTF-8 (a BOM is skipped) when the first 64 KiB are valid
///   UTF-8, else Windows-1252.
/// - Quoting per RFC 4180: `"…"` fields may hold delimiters, line breaks
///   and `""` for a quote; CRLF, LF or CR end records.
/// - Values are typed like xlsx cells: numbers (`-12`, `3.50`, `1e-3`)
///   become numbers (a leading-zero code such as `007` stays text, as in a
///   sheet where it was typed as text); ISO dates `YYYY-MM-DD` and
///   date-times `YYYY-MM-DD[T ]HH:MM[:SS[.ffffff]]` become date serials;
///   `true` / `false` (any case) booleans; empty fields blank; anything
///   else text exactly as written (no trimming).
final class CSVReader {
    let path: String
    let delimiter: UInt8
    let windows1252: Bool
    private let bomLength: Int

    init(path: String, file: String) throws {
        self.path = path
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw IngestError.badInput("io", file: file, "the file can't be opened")
        }
        defer { try? handle.close() }
        let sample = [UInt8]((try handle.read(upToCount: 64 << 10)) ?? Data())
        bomLength = sample.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        let body = Array(sample.dropFirst(bomLength))
        windows1252 = !Self.isValidUTF8Prefix(body, complete: sample.count < 64 << 10)
        delimiter = Self.detectDelimiter(body)
    }

    /// The one "sheet" of a CSV file.
    static func sheet(named name: String) -> SheetInfo {
        SheetInfo(name: name, index: 0, visibility: .visible, partName: "")
    }

    /// Calls `body` for each record with at least one non-empty field.
    func readRows(_ body: (Row) throws -> Void) throws {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw IngestError.badInput("io", file: path, "the file can't be opened")
        }
        defer { try? handle.close() }
        if bomLength > 0 { _ = try handle.read(upToCount: bomLength) }
        var row = Row(number: 0, cells: [])
        var field: [UInt8] = []
        var column = 0
        var record = 1
        var inQuotes = false
        var quoteSeen = false  // a closing quote just passed (for "")
        var fieldQuoted = false
        var pendingCR = false

        func endField() {
            if !field.isEmpty {
                // Quoting is only escaping: "42" is the number 42, as Excel reads it.
                let value = Self.typed(decode(field))
                if value != .empty { row.cells.append((column, value)) }
            }
            field.removeAll(keepingCapacity: true)
            fieldQuoted = false
            column += 1
        }
        func endRecord() throws {
            endField()
            if !row.cells.isEmpty {
                row.number = record
                try body(row)
            }
            row.cells.removeAll(keepingCapacity: true)
            column = 0
            record += 1
        }

        while let data = try handle.read(upToCount: 1 << 20), !data.isEmpty {
            try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
                for byte in raw {
                    if pendingCR {
                        pendingCR = false
                        if byte == 0x0A { continue }
                    }
                    if inQuotes {
                        if byte == 0x22 { inQuotes = false; quoteSeen = true } else { field.append(byte) }
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
                        endField()
                    } else if byte == 0x0A || byte == 0x0D {
                        try endRecord()
                        pendingCR = byte == 0x0D
                    } else {
                        field.append(byte)
                    }
                }
            }
        }
        if !field.isEmpty || fieldQuoted || column > 0 { try endRecord() }
    }

    private func decode(_ bytes: [UInt8]) -> String {
        if !windows1252 { return String(decoding: bytes, as: UTF8.self) }
        var scalars = String.UnicodeScalarView()
        for b in bytes { scalars.append(Self.windows1252Scalar(b)) }
        return String(scalars)
    }

    // MARK: - typing

    static func typed(_ text: String) -> CellValue {
        if text.isEmpty { return .empty }
        let bytes = Array(text.utf8)
        if isNumber(bytes) { return .number(text, .plain) }
        if let serial = dateSerial(bytes) { return .number(serial.text, serial.hasTime ? .dateTime : .date) }
        switch text.lowercased() {
        case "true": return .boolean(true)
        case "false": return .boolean(false)
        default: return .text(text)
        }
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

    // MARK: - detection

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
            guard let first = counts.first, first > 0 else { continue }
            let consistent = counts.filter { $0 == first }.count
            if consistent > best.score || (consistent == best.score && first > best.fields) {
                best = (candidate, consistent, first)
            }
        }
        return best.delimiter
    }

    /// Whether `bytes` is valid UTF-8 (a sequence cut at the end of an
    /// incomplete sample is allowed).
    static func isValidUTF8Prefix(_ bytes: [UInt8], complete: Bool) -> Bool {
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            let need: Int
            switch b {
            case 0x00...0x7F: i += 1; continue
            case 0xC2...0xDF: need = 1
            case 0xE0...0xEF: need = 2
            case 0xF0...0xF4: need = 3
            default: return false
            }
            if i + need >= bytes.count + (complete ? 0 : 1) && !complete { return true }
            guard i + need < bytes.count else { return false }
            for k in 1...need where bytes[i + k] & 0xC0 != 0x80 { return false }
            i += need + 1
        }
        return true
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
