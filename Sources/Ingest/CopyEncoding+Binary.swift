#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
public import XLSXReader

/// COPY BINARY: the file header and trailer, tuple headers, and one field
/// per cell (4-byte big-endian length, -1 for NULL, then the type's
/// `*_send` representation).
extension CopyEncoder {
    /// `PGCOPY\n\377\r\n\0`, flags 0, no header extension.
    public static func appendBinaryHeader(to out: inout [UInt8]) {
        out.append(contentsOf: [0x50, 0x47, 0x43, 0x4F, 0x50, 0x59, 0x0A, 0xFF, 0x0D, 0x0A, 0x00] as [UInt8])
        appendBigEndian(Int32(0), to: &out)
        appendBigEndian(Int32(0), to: &out)
    }

    /// The field count that starts each tuple.
    public static func appendBinaryTupleStart(fieldCount: Int, to out: inout [UInt8]) {
        appendBigEndian(Int16(truncatingIfNeeded: fieldCount), to: &out)
    }

    /// A NULL field (a length of -1).
    @inlinable
    public static func appendBinaryNull(to out: inout [UInt8]) {
        out.append(0xFF); out.append(0xFF); out.append(0xFF); out.append(0xFF)
    }

    /// The end-of-data marker (a field count of -1).
    public static func appendBinaryTrailer(to out: inout [UInt8]) {
        appendBigEndian(Int16(-1), to: &out)
    }

    /// Appends one field in COPY binary format: int8, numeric (base-10000
    /// digits with weight, sign and display scale, exact from the text),
    /// float8, date (days since 2000-01-01), timestamp (microseconds since
    /// 2000-01-01), interval (microseconds, days 0, months 0), bool, or
    /// text (UTF-8).
    public func appendBinary(_ value: CellValue, as type: ColumnType, to out: inout [UInt8]) throws(CopyEncodingError) {
        let failure: CopyEncodingError.Code?
        switch value {
        case .empty:
            Self.appendBigEndian(Int32(-1), to: &out)
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
            if type == .text { Self.appendBinaryText(b, to: &out) } else { Self.appendBigEndian(Int32(-1), to: &out) }
        case .text, .shared:
            guard type == .text else { return .valueDoesNotFitColumnType }
            Self.appendBinaryText(b, to: &out)
        case .boolean:
            switch type {
            case .boolean:
                Self.appendBigEndian(Int32(1), to: &out)
                out.append(flag ? 1 : 0)
            case .text:
                let lengthAt = out.count
                Self.appendBigEndian(Int32(0), to: &out)
                Self.appendDisplayBoolean(flag, to: &out)
                Self.patchLength(at: lengthAt, in: &out)
            default:
                return .valueDoesNotFitColumnType
            }
        case .number:
            if type == .text {
                let lengthAt = out.count
                Self.appendBigEndian(Int32(0), to: &out)
                if let d = DecimalText(b), appendDisplayNumber(d, b, numberKind, to: &out) {} else { Self.appendReplacingNUL(b, to: &out) }
                Self.patchLength(at: lengthAt, in: &out)
                return nil
            }
            if type == .doublePrecision {
                // strtod on the text: correctly rounded, and the same value
                // PostgreSQL's float8in would read from the text format.
                guard DecimalText(b) != nil, let v = Double(String(decoding: b, as: UTF8.self)), v.isFinite else {
                    return .valueDoesNotFitColumnType
                }
                Self.appendBigEndian(Int32(8), to: &out)
                Self.appendBigEndian(v.bitPattern, to: &out)
                return nil
            }
            guard let d = DecimalText(b) else { return .valueDoesNotFitColumnType }
            return appendNumberBinary(d, b, numberKind, type, to: &out)
        }
        return nil
    }

    func appendNumberBinary(
        _ d: DecimalText, _ b: UnsafeBufferPointer<UInt8>, _ kind: NumberKind, _ type: ColumnType, to out: inout [UInt8]
    ) -> CopyEncodingError.Code? {
        switch type {
        case .bigint:
            guard let v = d.int64Value(in: b) else { return d.isIntegral ? .valueOutOfRange : .valueDoesNotFitColumnType }
            Self.appendBigEndian(Int32(8), to: &out)
            Self.appendBigEndian(v, to: &out)
        case .numeric:
            return Self.appendNumeric(d, b, to: &out)
        case .date, .timestamp:
            guard kind == .date || kind == .dateTime else { return .valueDoesNotFitColumnType }
            guard let ts = ExcelDate.timestamp(d, in: b, system: dateSystem) else { return .valueOutOfRange }
            if type == .date {
                guard ts.microsecondOfDay == 0 else { return .valueOutOfRange }
                Self.appendBigEndian(Int32(4), to: &out)
                Self.appendBigEndian(Int32(ts.daysSince2000), to: &out)
            } else {
                Self.appendBigEndian(Int32(8), to: &out)
                Self.appendBigEndian(ts.microsecondsSince2000, to: &out)
            }
        case .interval:
            guard kind == .duration || kind == .time else { return .valueDoesNotFitColumnType }
            guard let micros = ExcelDate.durationMicroseconds(d, in: b) else { return .valueOutOfRange }
            Self.appendBigEndian(Int32(16), to: &out)
            Self.appendBigEndian(micros, to: &out)
            Self.appendBigEndian(Int32(0), to: &out)  // days
            Self.appendBigEndian(Int32(0), to: &out)  // months
        case .boolean:
            return .valueDoesNotFitColumnType
        case .doublePrecision, .text:
            preconditionFailure("handled by appendBinary")
        }
        return nil
    }

    /// A text field: the UTF-8 bytes (NUL made U+FFFD) behind their length.
    static func appendBinaryText(_ b: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        let lengthAt = out.count
        appendBigEndian(Int32(0), to: &out)
        appendReplacingNUL(b, to: &out)
        patchLength(at: lengthAt, in: &out)
    }

    static func appendReplacingNUL(_ b: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        guard let base = b.baseAddress, b.count > 0 else { return }
        if b.count <= 64 {
            // Short text (most cells): a plain scan beats a memchr call.
            var clean = true
            for c in b where c == 0 {
                clean = false
                break
            }
            if clean {
                out.append(contentsOf: b)
                return
            }
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

    static func patchLength(at index: Int, in out: inout [UInt8]) {
        let length = UInt32(out.count - index - 4)
        out[index] = UInt8(truncatingIfNeeded: length >> 24)
        out[index + 1] = UInt8(truncatingIfNeeded: length >> 16)
        out[index + 2] = UInt8(truncatingIfNeeded: length >> 8)
        out[index + 3] = UInt8(truncatingIfNeeded: length)
    }

    @inline(__always)
    static func appendBigEndian<T: FixedWidthInteger>(_ v: T, to out: inout [UInt8]) {
        // Byte by byte (unrolled once specialised): cheaper than
        // append(contentsOf:) for 2–8 bytes.
        var shift = T.bitWidth - 8
        while shift >= 0 {
            out.append(UInt8(truncatingIfNeeded: v >> shift))
            shift -= 8
        }
    }

    // MARK: - numeric

    /// PostgreSQL's `numeric_send`: ndigits, weight (of the first base-10000
    /// digit, in groups of four decimal digits from the point), sign
    /// (0x0000 or 0x4000), display scale, then the digits. Built straight
    /// from the decimal digits, so `0.1` is exactly 0.1 and `1.50` keeps
    /// its scale of 2; zero (also `-0`) is positive.
    static func appendNumeric(_ d: DecimalText, _ b: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) -> CopyEncodingError.Code? {
        let dscale = d.scale
        guard dscale <= 0x3FFF else { return .valueOutOfRange }  // NUMERIC_DSCALE_MAX
        if d.isZero {
            appendBigEndian(Int32(8), to: &out)
            appendBigEndian(Int16(0), to: &out)
            appendBigEndian(Int16(0), to: &out)
            appendBigEndian(UInt16(0), to: &out)
            appendBigEndian(Int16(dscale), to: &out)
            return nil
        }
        let pp = d.pointPosition
        // Decimal exponent of digit k is pp - 1 - k; its group floor(e / 4).
        @inline(__always) func group(_ e: Int) -> Int { e >= 0 ? e / 4 : -((-e + 3) / 4) }
        let firstWeight = group(pp - 1 - d.firstSignificant)
        let lastWeight = group(pp - 1 - (d.lastSignificant - 1))
        let ndigits = firstWeight - lastWeight + 1
        guard firstWeight <= Int(Int16.max), lastWeight >= Int(Int16.min), ndigits <= Int(Int16.max) else { return .valueOutOfRange }
        appendBigEndian(Int32(8 + 2 * ndigits), to: &out)
        appendBigEndian(Int16(ndigits), to: &out)
        appendBigEndian(Int16(firstWeight), to: &out)
        appendBigEndian(UInt16(d.negative ? 0x4000 : 0), to: &out)
        appendBigEndian(Int16(dscale), to: &out)
        var current = firstWeight
        var acc: UInt16 = 0
        for k in d.firstSignificant..<d.lastSignificant {
            let e = pp - 1 - k
            let g = group(e)
            if g != current {
                appendBigEndian(acc, to: &out)
                acc = 0
                current = g
            }
            let position = e - 4 * g  // 0...3
            let multiplier: UInt16 = position == 0 ? 1 : position == 1 ? 10 : position == 2 ? 100 : 1000
            acc += UInt16(d.digit(k, in: b)) * multiplier
        }
        appendBigEndian(acc, to: &out)
        return nil
    }
}
