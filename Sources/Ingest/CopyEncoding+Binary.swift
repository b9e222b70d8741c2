#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Postgres
import XLSXReader

/// COPY BINARY: one field per cell (4-byte big-endian length, -1 for NULL,
/// then the type's `*_send` representation), written through
/// ``PostgresBinaryCopy``, which also has the file header, trailer and
/// tuple headers.
extension CopyEncoder {
    /// Appends one field in COPY binary format: int8, numeric (base-10000
    /// digits with weight, sign and display scale, exact from the text),
    /// float8, date (days since 2000-01-01), timestamp (microseconds since
    /// 2000-01-01), interval (microseconds, days 0, months 0), bool, or
    /// text (UTF-8).
    package func appendBinary(_ value: CellValue, as type: ColumnType, to out: inout [UInt8]) throws(CopyEncodingError) {
        let failure: CopyEncodingError.Code?
        switch value {
        case .empty:
            PostgresBinaryCopy.appendNull(to: &out)
            return
        case .error(let t):
            failure = t.withDecimalBytes { appendBinaryField(.error, $0, as: type, to: &out) }
        case .text(let t):
            failure = t.withDecimalBytes { appendBinaryField(.text, $0, as: type, to: &out) }
        case .boolean(let v):
            failure = appendBinaryField(.boolean, UnsafeBufferPointer(start: nil, count: 0), flag: v, as: type, to: &out)
        case .number(let t, let kind):
            failure = t.withDecimalBytes { appendBinaryField(.number, $0, kind, as: type, to: &out) }
        }
        if let code = failure { throw CopyEncodingError(code: code, columnType: type, value: value) }
    }

    /// Appends the cell of a raw row as one COPY binary field, as
    /// ``appendBinary(_:as:to:)`` does with its value.
    func appendBinary(_ cell: RawCell, in row: RawRow, as type: ColumnType, to out: inout [UInt8]) throws(CopyEncodingError) {
        let failure = row.withBytes(cell) { appendBinaryField(cell.type, $0, flag: cell.start != 0, cell.numberKind, as: type, to: &out) }
        if let code = failure { throw CopyEncodingError(code: code, columnType: type, value: row.value(cell)) }
    }

    /// One field from a value's bytes (`flag`: a boolean's value); nil when
    /// written, else why it doesn't fit (nothing written then).
    @inline(__always)
    func appendBinaryField(
        _ kind: RawCell.Kind, _ b: UnsafeBufferPointer<UInt8>, flag: Bool = false, _ numberKind: NumberKind = .plain,
        as type: ColumnType, to out: inout [UInt8]
    ) -> CopyEncodingError.Code? {
        switch kind {
        case .error:
            if type == .text { Self.appendBinaryText(b, to: &out) } else { PostgresBinaryCopy.appendNull(to: &out) }
        case .text, .shared:
            guard type == .text else { return .valueDoesNotFitColumnType }
            Self.appendBinaryText(b, to: &out)
        case .boolean:
            switch type {
            case .boolean:
                PostgresBinaryCopy.appendBool(flag, to: &out)
            case .text:
                let lengthAt = PostgresBinaryCopy.beginField(&out)
                Self.appendDisplayBoolean(flag, to: &out)
                PostgresBinaryCopy.patchLength(at: lengthAt, in: &out)
            default:
                return .valueDoesNotFitColumnType
            }
        case .number:
            guard let d = DecimalText(b) else {
                guard type == .text else { return .valueDoesNotFitColumnType }
                Self.appendBinaryText(b, to: &out)
                return nil
            }
            if d.exceedsExcelPrecision {
                return ColumnTypeInference.asStored(d, b, numberKind) { d, b, _ in appendStoredNumberField(d, b, numberKind, as: type, to: &out) }
            }
            return appendStoredNumberField(d, b, numberKind, as: type, to: &out)
        }
        return nil
    }

    /// One field from a number as stored (already rounded to Excel's
    /// precision where it is to be: see ``ColumnTypeInference/asStored(_:_:_:_:)``).
    @inline(__always)
    func appendStoredNumberField(
        _ d: DecimalText, _ b: UnsafeBufferPointer<UInt8>, _ numberKind: NumberKind, as type: ColumnType, to out: inout [UInt8]
    ) -> CopyEncodingError.Code? {
        switch type {
        case .text:
            let lengthAt = PostgresBinaryCopy.beginField(&out)
            if !appendDisplayNumber(d, b, numberKind, to: &out) { Self.appendReplacingNUL(b, to: &out) }
            PostgresBinaryCopy.patchLength(at: lengthAt, in: &out)
            return nil
        case .doublePrecision:
            // strtod on the text: correctly rounded, and the same value
            // PostgreSQL's float8in would read from the text format.
            guard let v = Double(String(decoding: b, as: UTF8.self)), v.isFinite else { return .valueDoesNotFitColumnType }
            PostgresBinaryCopy.appendFloat8(v, to: &out)
            return nil
        default:
            return appendNumberBinary(d, b, numberKind, type, to: &out)
        }
    }

    func appendNumberBinary(
        _ d: DecimalText, _ b: UnsafeBufferPointer<UInt8>, _ kind: NumberKind, _ type: ColumnType, to out: inout [UInt8]
    ) -> CopyEncodingError.Code? {
        switch type {
        case .bigint:
            guard let v = d.int64Value(in: b) else { return d.isIntegral ? .valueOutOfRange : .valueDoesNotFitColumnType }
            PostgresBinaryCopy.appendInt8(v, to: &out)
        case .numeric:
            return Self.appendNumeric(d, b, to: &out)
        case .date, .timestamp:
            guard Self.fitsDateColumn(kind, type) else { return .valueDoesNotFitColumnType }
            guard let ts = ExcelDate.timestamp(d, in: b, system: dateSystem) else { return .valueOutOfRange }
            if type == .date {
                guard ts.microsecondOfDay == 0 else { return .valueOutOfRange }
                PostgresBinaryCopy.appendDate(daysSince2000: ts.daysSince2000, to: &out)
            } else {
                PostgresBinaryCopy.appendTimestamp(microsecondsSince2000: ts.microsecondsSince2000, to: &out)
            }
        case .interval:
            guard Self.fitsIntervalColumn(d, b, kind) else { return .valueDoesNotFitColumnType }
            guard let micros = ExcelDate.durationMicroseconds(d, in: b) else { return .valueOutOfRange }
            PostgresBinaryCopy.appendInterval(microseconds: micros, to: &out)
        case .boolean:
            return .valueDoesNotFitColumnType
        case .doublePrecision, .text:
            preconditionFailure("handled by appendBinary")
        }
        return nil
    }

    /// A text field: the UTF-8 bytes (NUL made U+FFFD) behind their length.
    static func appendBinaryText(_ b: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        if b.count <= 64 && !containsNUL(b) {
            // The usual short text: its length is known before it is written.
            PostgresBinaryCopy.appendBigEndian(Int32(b.count), to: &out)
            out.append(contentsOf: b)
            return
        }
        let lengthAt = PostgresBinaryCopy.beginField(&out)
        appendReplacingNUL(b, to: &out)
        PostgresBinaryCopy.patchLength(at: lengthAt, in: &out)
    }

    static func appendReplacingNUL(_ b: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        guard let base = b.baseAddress, b.count > 0 else { return }
        if b.count <= 64 && !containsNUL(b) {
            // Short text (most cells): no memchr call, one copy.
            out.append(contentsOf: b)
            return
        }
        var runStart = 0
        // memchr finds the (rare) NULs; runs between them are copied whole.
        while runStart < b.count, let hit = memchr(base + runStart, 0, b.count - runStart) {
            let i = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
            if i > runStart { out.append(contentsOf: UnsafeBufferPointer(rebasing: b[runStart..<i])) }
            out.append(0xEF); out.append(0xBF); out.append(0xBD)
            runStart = i + 1
        }
        if b.count > runStart { out.append(contentsOf: UnsafeBufferPointer(rebasing: b[runStart..<b.count])) }
    }

    /// Whether `b` holds a 0 byte, eight bytes at a time (the classic
    /// `(x - 0x01…) & ~x & 0x80…` test: non-zero exactly when some byte
    /// of `x` is 0).
    @inline(__always)
    static func containsNUL(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = b.baseAddress else { return false }
        let raw = UnsafeRawPointer(base)
        let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
        var i = 0
        while i &+ 8 <= b.count {
            let x = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            if (x &- ones) & ~x & highs != 0 { return true }
            i &+= 8
        }
        while i < b.count {
            if base[i] == 0 { return true }
            i &+= 1
        }
        return false
    }

    // MARK: - numeric

    /// ``appendNumeric(_:_:to:)`` for a non-zero positional number of at
    /// most 18 digits before the point and 16 after it (so the padded
    /// fraction fits in 64 bits), from the digit values
    /// the parse kept (no walk over the digits): the integer part's
    /// base-10000 groups, then the fraction's (padded to four digits),
    /// without zero groups at either end, as `numeric_send` writes them.
    @inline(__always)
    static func appendShortNumeric(_ d: DecimalText, to out: inout [UInt8]) {
        withUnsafeTemporaryAllocation(of: UInt16.self, capacity: 10) { groups in
            // Integer part: at most 18 digits, so at most 5 groups.
            var intGroups = 0
            var v = d.intValue
            while v > 0 {
                intGroups &+= 1
                v /= 10_000
            }
            v = d.intValue
            var k = intGroups
            while k > 0 {
                k &-= 1
                groups[k] = UInt16(truncatingIfNeeded: v % 10_000)
                v /= 10_000
            }
            // Fraction: padded to a whole number of groups (at most 5).
            var n = intGroups
            if d.fracCount > 0 {
                let fracGroups = (d.fracCount &+ 3) / 4
                var f = d.fracValue
                for _ in 0..<(fracGroups &* 4 &- d.fracCount) { f &*= 10 }
                var j = fracGroups
                while j > 0 {
                    j &-= 1
                    groups[n &+ j] = UInt16(truncatingIfNeeded: f % 10_000)
                    f /= 10_000
                }
                n &+= fracGroups
            }
            // Without zero groups at either end (the value is not zero).
            var first = 0
            while groups[first] == 0 { first &+= 1 }
            var last = n &- 1
            while groups[last] == 0 { last &-= 1 }
            let weight = intGroups &- 1 &- first
            let ndigits = last &- first &+ 1
            PostgresBinaryCopy.appendBigEndian(Int32(8 &+ 2 &* ndigits), to: &out)
            PostgresBinaryCopy.appendBigEndian(Int16(ndigits), to: &out)
            PostgresBinaryCopy.appendBigEndian(Int16(weight), to: &out)
            PostgresBinaryCopy.appendBigEndian(UInt16(d.negative ? 0x4000 : 0), to: &out)
            PostgresBinaryCopy.appendBigEndian(Int16(d.fracCount), to: &out)
            for i in first...last { PostgresBinaryCopy.appendBigEndian(groups[i], to: &out) }
        }
    }

    /// `numeric_send` of the number exactly as written (through
    /// ``PostgresBinaryCopy/appendNumeric(negative:pointPosition:firstSignificant:lastSignificant:displayScale:digit:to:)``).
    static func appendNumeric(_ d: DecimalText, _ b: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) -> CopyEncodingError.Code? {
        if d.hasShortDigits && d.fracCount <= 16 && !d.isZero {
            appendShortNumeric(d, to: &out)
            return nil
        }
        let written = PostgresBinaryCopy.appendNumeric(
            negative: d.negative, pointPosition: d.pointPosition, firstSignificant: d.firstSignificant,
            lastSignificant: d.lastSignificant, displayScale: d.scale, digit: { d.digit($0, in: b) }, to: &out)
        return written ? nil : .valueOutOfRange
    }
}
