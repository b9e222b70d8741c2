/// PostgreSQL's binary COPY format, appended to a caller's byte buffer:
/// the file header and trailer, each tuple's field count, NULL, and the
/// fields' `*_send` representations (4-byte big-endian length, then the
/// value). The one place that knows the layout: ``PostgresCopyWriter``
/// writes its header and trailer from here, and the ingest's row encoder
/// (`Ingest.CopyEncoder`) encodes its fields through these functions.
///
/// Inlinable: the ingest calls them for every cell.
public enum PostgresBinaryCopy {
    /// `PGCOPY\n\377\r\n\0`, flags 0 (no OIDs), header extension length 0.
    public static let header: [UInt8] = [
        0x50, 0x47, 0x43, 0x4F, 0x50, 0x59, 0x0A, 0xFF, 0x0D, 0x0A, 0x00,
        0, 0, 0, 0,
        0, 0, 0, 0,
    ]
    /// The end-of-data marker: a field count of -1.
    public static let trailer: [UInt8] = [0xFF, 0xFF]

    // MARK: framing

    @inlinable
    public static func appendHeader(to out: inout [UInt8]) {
        out.append(contentsOf: header)
    }

    /// The field count that starts each tuple.
    @inlinable
    public static func appendTupleStart(fieldCount: Int, to out: inout [UInt8]) {
        appendBigEndian(Int16(truncatingIfNeeded: fieldCount), to: &out)
    }

    /// A NULL field (a length of -1).
    @inlinable
    public static func appendNull(to out: inout [UInt8]) {
        out.append(0xFF); out.append(0xFF); out.append(0xFF); out.append(0xFF)
    }

    @inlinable
    public static func appendTrailer(to out: inout [UInt8]) {
        out.append(contentsOf: trailer)
    }

    /// Starts a field of yet unknown length; ``patchLength(at:in:)`` with
    /// the returned index fills it in once the value is written.
    @inlinable
    public static func beginField(_ out: inout [UInt8]) -> Int {
        let index = out.count
        appendBigEndian(Int32(0), to: &out)
        return index
    }

    /// Sets the length word at `index` to the bytes written after it.
    @inlinable
    public static func patchLength(at index: Int, in out: inout [UInt8]) {
        let length = UInt32(out.count - index - 4)
        out[index] = UInt8(truncatingIfNeeded: length >> 24)
        out[index + 1] = UInt8(truncatingIfNeeded: length >> 16)
        out[index + 2] = UInt8(truncatingIfNeeded: length >> 8)
        out[index + 3] = UInt8(truncatingIfNeeded: length)
    }

    @inlinable @inline(__always)
    public static func appendBigEndian<T: FixedWidthInteger>(_ v: T, to out: inout [UInt8]) {
        // Byte by byte (unrolled once specialised): cheaper than
        // append(contentsOf:) for 2–8 bytes.
        var shift = T.bitWidth - 8
        while shift >= 0 {
            out.append(UInt8(truncatingIfNeeded: v >> shift))
            shift -= 8
        }
    }

    // MARK: fields (length word included)

    /// `bool`.
    @inlinable
    public static func appendBool(_ v: Bool, to out: inout [UInt8]) {
        appendBigEndian(Int32(1), to: &out)
        out.append(v ? 1 : 0)
    }

    /// `int8`.
    @inlinable
    public static func appendInt8(_ v: Int64, to out: inout [UInt8]) {
        appendBigEndian(Int32(8), to: &out)
        appendBigEndian(v, to: &out)
    }

    /// `float8`.
    @inlinable
    public static func appendFloat8(_ v: Double, to out: inout [UInt8]) {
        appendBigEndian(Int32(8), to: &out)
        appendBigEndian(v.bitPattern, to: &out)
    }

    /// `date`: days since 2000-01-01.
    @inlinable
    public static func appendDate(daysSince2000 days: Int64, to out: inout [UInt8]) {
        appendBigEndian(Int32(4), to: &out)
        appendBigEndian(Int32(truncatingIfNeeded: days), to: &out)
    }

    /// `timestamp` / `timestamptz`: microseconds since 2000-01-01 00:00.
    @inlinable
    public static func appendTimestamp(microsecondsSince2000 micros: Int64, to out: inout [UInt8]) {
        appendBigEndian(Int32(8), to: &out)
        appendBigEndian(micros, to: &out)
    }

    /// `interval` of microseconds only (days 0, months 0).
    @inlinable
    public static func appendInterval(microseconds micros: Int64, to out: inout [UInt8]) {
        appendBigEndian(Int32(16), to: &out)
        appendBigEndian(micros, to: &out)
        appendBigEndian(Int32(0), to: &out)  // days
        appendBigEndian(Int32(0), to: &out)  // months
    }

    /// `numeric` NaN.
    @inlinable
    public static func appendNumericNaN(to out: inout [UInt8]) {
        appendBigEndian(Int32(8), to: &out)
        appendBigEndian(Int16(0), to: &out)
        appendBigEndian(Int16(0), to: &out)
        appendBigEndian(UInt16(0xC000), to: &out)
        appendBigEndian(Int16(0), to: &out)
    }

    /// `numeric` (`numeric_send`): ndigits, weight (of the first base-10000
    /// digit, in groups of four decimal digits from the point), sign
    /// (0x0000 or 0x4000), display scale, then the base-10000 digits. Built
    /// straight from decimal digits, so `0.1` is exactly 0.1 and `1.50`
    /// keeps its scale of 2; zero (also `-0`) is positive.
    ///
    /// The number is `digit(firstSignificant) … digit(lastSignificant - 1)`
    /// (no zeros at either end), the decimal point standing before digit
    /// `pointPosition`; `firstSignificant == lastSignificant` is zero.
    /// Returns false (nothing written) when PostgreSQL can't hold it
    /// (display scale beyond 0x3FFF, weight beyond 16 bits).
    @inlinable
    public static func appendNumeric(
        negative: Bool, pointPosition pp: Int, firstSignificant: Int, lastSignificant: Int, displayScale dscale: Int,
        digit: (Int) -> UInt8, to out: inout [UInt8]
    ) -> Bool {
        guard dscale <= 0x3FFF else { return false }  // NUMERIC_DSCALE_MAX
        if firstSignificant >= lastSignificant {
            appendBigEndian(Int32(8), to: &out)
            appendBigEndian(Int16(0), to: &out)
            appendBigEndian(Int16(0), to: &out)
            appendBigEndian(UInt16(0), to: &out)
            appendBigEndian(Int16(dscale), to: &out)
            return true
        }
        // Decimal exponent of digit k is pp - 1 - k; its group floor(e / 4).
        @inline(__always) func group(_ e: Int) -> Int { e >= 0 ? e / 4 : -((-e + 3) / 4) }
        let firstWeight = group(pp - 1 - firstSignificant)
        let lastWeight = group(pp - 1 - (lastSignificant - 1))
        let ndigits = firstWeight - lastWeight + 1
        guard firstWeight <= Int(Int16.max), lastWeight >= Int(Int16.min), ndigits <= Int(Int16.max) else { return false }
        appendBigEndian(Int32(8 + 2 * ndigits), to: &out)
        appendBigEndian(Int16(ndigits), to: &out)
        appendBigEndian(Int16(firstWeight), to: &out)
        appendBigEndian(UInt16(negative ? 0x4000 : 0), to: &out)
        appendBigEndian(Int16(dscale), to: &out)
        var current = firstWeight
        var acc: UInt16 = 0
        for k in firstSignificant..<lastSignificant {
            let e = pp - 1 - k
            let g = group(e)
            if g != current {
                appendBigEndian(acc, to: &out)
                acc = 0
                current = g
            }
            let position = e - 4 * g  // 0...3
            let multiplier: UInt16 = position == 0 ? 1 : position == 1 ? 10 : position == 2 ? 100 : 1000
            acc += UInt16(digit(k)) * multiplier
        }
        appendBigEndian(acc, to: &out)
        return true
    }
}
