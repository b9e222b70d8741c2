import XLSXReader
import Basics

/// A cell that can't be written as its column's type (a caller mixing up
/// columns, or a type chosen from other data).
package struct CopyEncodingError: Error, Sendable, Equatable, CustomStringConvertible {
    package struct Code: Sendable, Hashable, CustomStringConvertible {
        let name: String
        /// The value's kind doesn't belong in the column (text in a bigint
        /// column, a plain number in a date column).
        package static let valueDoesNotFitColumnType = Code(name: "valueDoesNotFitColumnType")
        /// The value has the right kind but not a representable value
        /// (an integer beyond Int64, a fraction in a date column, a serial
        /// outside the calendar, a numeric beyond PostgreSQL's limits).
        package static let valueOutOfRange = Code(name: "valueOutOfRange")
        package var description: String { name }
    }

    package var code: Code
    package var columnType: ColumnType
    /// The offending cell (sheet data, never a secret).
    package var value: CellValue

    package init(code: Code, columnType: ColumnType, value: CellValue) {
        self.code = code
        self.columnType = columnType
        self.value = value
    }

    package var description: String {
        let shown: String
        switch value {
        case .empty: shown = "blank"
        case .number(let t, let k): shown = "number \(t.prefix(64)) (\(k))"
        case .text(let t): shown = "text \"\(t.prefix(64))\(t.count > 64 ? "…" : "")\""
        case .boolean(let v): shown = "boolean \(v)"
        case .error(let e): shown = "error \(e)"
        }
        return "CopyEncodingError.\(code): \(shown) can't be written as \(columnType.sqlName)"
    }
}

/// Encodes cells for PostgreSQL `COPY … FROM STDIN`, in the text format
/// (`appendText`) or the binary format (`appendBinary`), appending bytes to
/// a caller-owned buffer: no `String` is made per cell.
///
/// Values follow ``ColumnTypeInference``: blanks are NULL everywhere; error
/// cells are NULL in typed columns and their text (`#N/A`) in text
/// columns. In a text column, non-text cells are written as people read
/// them: numbers as written in the sheet, date serials as `YYYY-MM-DD` or
/// `YYYY-MM-DD HH:MM:SS[.ffffff]`, durations and times as `H:MM:SS`,
/// booleans `TRUE`/`FALSE`. NUL characters (from `_x0000_`), which
/// PostgreSQL text can't hold, become U+FFFD.
package struct CopyEncoder: Sendable, Equatable, Hashable {
    package var dateSystem: DateSystem

    package init(dateSystem: DateSystem = .excel1900) {
        self.dateSystem = dateSystem
    }

    // MARK: - text format

    /// Appends one field in COPY text format (no separator).
    package func appendText(_ value: CellValue, as type: ColumnType, to out: inout [UInt8]) throws(CopyEncodingError) {
        switch value {
        case .empty:
            Self.appendNullText(to: &out)
        case .error(let e):
            if type == .text { Self.appendEscaped(e, to: &out) } else { Self.appendNullText(to: &out) }
        case .text(let t):
            guard type == .text else { throw CopyEncodingError(code: .valueDoesNotFitColumnType, columnType: type, value: value) }
            Self.appendEscaped(t, to: &out)
        case .boolean(let v):
            switch type {
            case .boolean: out.append(v ? UInt8(ascii: "t") : UInt8(ascii: "f"))
            case .text: Self.appendDisplayBoolean(v, to: &out)
            default: throw CopyEncodingError(code: .valueDoesNotFitColumnType, columnType: type, value: value)
            }
        case .number(let t, let kind):
            let failure: CopyEncodingError.Code? = t.withDecimalBytes { b in
                guard let d = DecimalText(b) else {
                    if type == .text { Self.appendEscaped(b, to: &out); return nil }
                    return .valueDoesNotFitColumnType
                }
                return ColumnTypeInference.asStored(d, b, kind) { d, b, _ in appendNumberText(d, b, kind, type, to: &out) }
            }
            if let code = failure { throw CopyEncodingError(code: code, columnType: type, value: value) }
        }
    }

    /// The field separator of COPY text format.
    package static func appendTextFieldSeparator(to out: inout [UInt8]) { out.append(0x09) }
    /// The row terminator of COPY text format.
    package static func appendTextRowEnd(to out: inout [UInt8]) { out.append(0x0A) }

    /// The text a text column holds for `value` (see the type's
    /// documentation), unescaped: also used for header cells.
    package func displayText(_ value: CellValue) -> String {
        var out: [UInt8] = []
        switch value {
        case .empty: return ""
        case .text(let t): return t
        case .error(let e): return e
        case .boolean(let v): Self.appendDisplayBoolean(v, to: &out)
        case .number(let t, let kind):
            // Numbers as stored: a plain number rounded to Excel's precision
            // if it has more digits, else as written.
            let handled = t.withDecimalBytes { b -> Bool in
                guard let d = DecimalText(b) else { return false }
                return ColumnTypeInference.asStored(d, b, kind) { d, b, rounded in
                    if appendDisplayNumber(d, b, kind, to: &out) { return true }
                    if rounded { out.append(contentsOf: b) }
                    return rounded
                }
            }
            if !handled { return t }
        }
        return String(decoding: out, as: UTF8.self)
    }

    private func appendNumberText(
        _ d: DecimalText, _ b: UnsafeBufferPointer<UInt8>, _ kind: NumberKind, _ type: ColumnType, to out: inout [UInt8]
    ) -> CopyEncodingError.Code? {
        switch type {
        case .bigint:
            guard let v = d.int64Value(in: b) else { return (d.isIntegral ? .valueOutOfRange : .valueDoesNotFitColumnType) }
            DecimalDigits.appendInteger(v, to: &out)
        case .numeric, .doublePrecision:
            out.append(contentsOf: b)
        case .date, .timestamp:
            guard Self.fitsDateColumn(kind, type) else { return (.valueDoesNotFitColumnType) }
            guard let ts = ExcelDate.timestamp(d, in: b, system: dateSystem) else { return (.valueOutOfRange) }
            if type == .date {
                guard ts.microsecondOfDay == 0 else { return (.valueOutOfRange) }
                Self.appendDate(ts.daysSince2000, to: &out)
            } else {
                Self.appendTimestamp(ts, to: &out)
            }
        case .interval:
            guard Self.fitsIntervalColumn(d, b, kind) else { return (.valueDoesNotFitColumnType) }
            guard let micros = ExcelDate.durationMicroseconds(d, in: b) else { return (.valueOutOfRange) }
            Self.appendInterval(micros, to: &out)
        case .boolean:
            return (.valueDoesNotFitColumnType)
        case .text:
            if !appendDisplayNumber(d, b, kind, to: &out) { out.append(contentsOf: b) }
        }
        return nil
    }

    /// A number as people read it; `false` (nothing written) when it is
    /// to be shown as written.
    func appendDisplayNumber(_ d: DecimalText, _ b: UnsafeBufferPointer<UInt8>, _ kind: NumberKind, to out: inout [UInt8]) -> Bool {
        switch kind {
        case .plain:
            return false
        case .date, .dateTime:
            guard let ts = ExcelDate.timestamp(d, in: b, system: dateSystem) else { return false }
            if kind == .date && ts.microsecondOfDay == 0 {
                Self.appendDate(ts.daysSince2000, to: &out)
            } else {
                Self.appendTimestamp(ts, to: &out)
            }
        case .time:
            switch ExcelDate.timeSerial(d, in: b) {
            case .timeOfDay:
                guard let micros = ExcelDate.durationMicroseconds(d, in: b) else { return false }
                Self.appendInterval(micros, to: &out)
            case .dateTime:
                guard let ts = ExcelDate.timestamp(d, in: b, system: dateSystem) else { return false }
                Self.appendTimestamp(ts, to: &out)
            case .number:
                return false
            }
        case .duration:
            guard let micros = ExcelDate.durationMicroseconds(d, in: b) else { return false }
            Self.appendInterval(micros, to: &out)
        }
        return true
    }

    /// Whether a number of this kind belongs in a date or timestamp column:
    /// date and date-time formats, and time-of-day formats in a timestamp
    /// column (a serial ≥ 1 is a date-time; one in [0, 1) a time on
    /// 1899-12-31, see ``ColumnTypeInference``).
    @inline(__always)
    static func fitsDateColumn(_ kind: NumberKind, _ type: ColumnType) -> Bool {
        kind == .date || kind == .dateTime || (kind == .time && type == .timestamp)
    }

    /// Whether a number belongs in an interval column: a duration, or a
    /// time of day (a serial in [0, 1) under a time-of-day format).
    @inline(__always)
    static func fitsIntervalColumn(_ d: DecimalText, _ b: UnsafeBufferPointer<UInt8>, _ kind: NumberKind) -> Bool {
        kind == .duration || (kind == .time && ExcelDate.timeSerial(d, in: b) == .timeOfDay)
    }

    // MARK: - text pieces

    static func appendNullText(to out: inout [UInt8]) {
        out.append(0x5C)
        out.append(UInt8(ascii: "N"))
    }

    static func appendDisplayBoolean(_ v: Bool, to out: inout [UInt8]) {
        if v {
            out.append(contentsOf: [0x54, 0x52, 0x55, 0x45] as [UInt8])  // TRUE
        } else {
            out.append(contentsOf: [0x46, 0x41, 0x4C, 0x53, 0x45] as [UInt8])  // FALSE
        }
    }

    static func appendEscaped(_ s: String, to out: inout [UInt8]) {
        s.withDecimalBytes { appendEscaped($0, to: &out) }
    }

    /// COPY text escaping: `\` `\t` `\n` `\r` get a backslash; NUL becomes
    /// U+FFFD. Runs of ordinary bytes are copied in one go.
    static func appendEscaped(_ b: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        var runStart = 0
        var i = 0
        let n = b.count
        while i < n {
            let c = b[i]
            if c >= 0x20 && c != 0x5C {
                i += 1
                continue
            }
            let replacement: UInt8
            switch c {
            case 0x5C: replacement = 0x5C
            case 0x09: replacement = UInt8(ascii: "t")
            case 0x0A: replacement = UInt8(ascii: "n")
            case 0x0D: replacement = UInt8(ascii: "r")
            case 0x00: replacement = 0
            default:
                i += 1
                continue
            }
            if i > runStart { out.append(contentsOf: UnsafeBufferPointer(rebasing: b[runStart..<i])) }
            if replacement == 0 {
                out.append(contentsOf: [0xEF, 0xBF, 0xBD] as [UInt8])
            } else {
                out.append(0x5C)
                out.append(replacement)
            }
            i += 1
            runStart = i
        }
        if n > runStart { out.append(contentsOf: UnsafeBufferPointer(rebasing: b[runStart..<n])) }
    }

    /// `YYYY-MM-DD` (years before 1 or after 9999 can't come from a serial).
    static func appendDate(_ days: Int64, to out: inout [UInt8]) {
        let (y, m, d) = ExcelDate.civil(daysSince2000: days)
        DecimalDigits.appendUnsigned(UInt64(y), minimumDigits: 4, to: &out)
        out.append(UInt8(ascii: "-"))
        DecimalDigits.appendUnsigned(UInt64(m), minimumDigits: 2, to: &out)
        out.append(UInt8(ascii: "-"))
        DecimalDigits.appendUnsigned(UInt64(d), minimumDigits: 2, to: &out)
    }

    /// `YYYY-MM-DD HH:MM:SS[.ffffff]` (fraction without trailing zeros, as
    /// PostgreSQL prints it).
    static func appendTimestamp(_ ts: ExcelTimestamp, to out: inout [UInt8]) {
        appendDate(ts.daysSince2000, to: &out)
        out.append(UInt8(ascii: " "))
        appendClock(UInt64(ts.microsecondOfDay), to: &out)
    }

    /// `[-]H:MM:SS[.ffffff]` with at least two hour digits (`36:00:00`),
    /// which PostgreSQL reads as an interval of hours, minutes and seconds.
    static func appendInterval(_ micros: Int64, to out: inout [UInt8]) {
        if micros < 0 { out.append(UInt8(ascii: "-")) }
        appendClock(micros.magnitude, to: &out)
    }

    static func appendClock(_ micros: UInt64, to out: inout [UInt8]) {
        let seconds = micros / 1_000_000
        let fraction = micros % 1_000_000
        DecimalDigits.appendUnsigned(seconds / 3600, minimumDigits: 2, to: &out)
        out.append(UInt8(ascii: ":"))
        DecimalDigits.appendUnsigned(seconds / 60 % 60, minimumDigits: 2, to: &out)
        out.append(UInt8(ascii: ":"))
        DecimalDigits.appendUnsigned(seconds % 60, minimumDigits: 2, to: &out)
        if fraction != 0 {
            out.append(UInt8(ascii: "."))
            var f = fraction
            var digits = 6
            while f % 10 == 0 {
                f /= 10
                digits -= 1
            }
            DecimalDigits.appendUnsigned(f, minimumDigits: digits, to: &out)
        }
    }
}
