/// A parsed view of a number's text exactly as the sheet XML wrote it
/// (`-12.50`, `007`, `1.5E-3`), over borrowed UTF-8 bytes: no allocation,
/// no binary floating point. Type inference, Excel dates and the COPY
/// encoders all read numbers through it.
///
/// The digits before and after the point form one "digit string"
/// (indices `0..<digitCount`); the value is that digit string with the
/// decimal point after ``pointPosition`` digits (which may be negative or
/// beyond `digitCount` once the exponent is applied).
@usableFromInline package struct DecimalText {
    @usableFromInline package var negative = false
    @usableFromInline package var intStart = 0
    @usableFromInline package var intCount = 0
    @usableFromInline package var fracStart = 0
    @usableFromInline package var fracCount = 0
    @usableFromInline package var exponent = 0
    @usableFromInline package var hasPoint = false
    @usableFromInline package var hasExponent = false
    /// Index (in the digit string) of the first non-zero digit; equals
    /// `lastSignificant` when the value is zero.
    @usableFromInline package var firstSignificant = 0
    /// One past the index of the last non-zero digit.
    @usableFromInline package var lastSignificant = 0
    /// The integer digits' value and the fraction digits' value (as an
    /// integer: `12.050` → 12 and 50), read as the text is parsed: exact
    /// when ``hasShortDigits`` (the hot path's numbers), wrapped garbage
    /// otherwise.
    @usableFromInline package var intValue: UInt64 = 0
    @usableFromInline package var fracValue: UInt64 = 0

    /// Exponents beyond this are rejected (the text is then not a number):
    /// far outside double precision and PostgreSQL numeric alike.
    @usableFromInline package static let maxExponent = 100_000

    /// Parses `[+-]digits[.digits][(e|E)[+-]digits]` with at least one
    /// digit in the mantissa; anything else (spaces, `NaN`, `INF`,
    /// thousands separators) is `nil`.
    @inlinable
    package init?(_ b: UnsafeBufferPointer<UInt8>) {
        let n = b.count
        var i = 0
        if i < n, b[i] == UInt8(ascii: "-") || b[i] == UInt8(ascii: "+") {
            negative = b[i] == UInt8(ascii: "-")
            i += 1
        }
        var first = -1
        var last = 0
        var k = 0  // index in the digit string
        intStart = i
        intValue = Self.readDigits(b, &i, &k, &first, &last)
        intCount = i &- intStart
        fracStart = i
        if i < n, b[i] == UInt8(ascii: ".") {
            hasPoint = true
            i &+= 1
            fracStart = i
            fracValue = Self.readDigits(b, &i, &k, &first, &last)
            fracCount = i &- fracStart
        }
        guard intCount + fracCount > 0 else { return nil }
        if i < n, b[i] | 0x20 == UInt8(ascii: "e") {
            hasExponent = true
            i += 1
            var expNegative = false
            if i < n, b[i] == UInt8(ascii: "-") || b[i] == UInt8(ascii: "+") {
                expNegative = b[i] == UInt8(ascii: "-")
                i += 1
            }
            let expStart = i
            var e = 0
            while i < n, b[i] &- 48 < 10 {
                if e <= Self.maxExponent { e = e * 10 + Int(b[i] &- 48) }
                i += 1
            }
            guard i > expStart, e <= Self.maxExponent else { return nil }
            exponent = expNegative ? -e : e
        }
        guard i == n else { return nil }
        if first < 0 {
            firstSignificant = 0
            lastSignificant = 0
        } else {
            firstSignificant = first
            lastSignificant = last
        }
    }

    /// Positional, with at most 18 digits on either side of the point:
    /// ``intValue`` and ``fracValue`` are exact.
    @inlinable
    package var hasShortDigits: Bool { !hasExponent && intCount <= 18 && fracCount <= 18 }

    /// Reads the run of digits at `i` (advancing it and the digit-string
    /// index `k`, noting the first and one past the last non-zero digit);
    /// returns their value (wrapped beyond 19 digits).
    @inlinable @inline(__always)
    static func readDigits(_ b: UnsafeBufferPointer<UInt8>, _ i: inout Int, _ k: inout Int, _ first: inout Int, _ last: inout Int) -> UInt64 {
        var value: UInt64 = 0
        while i < b.count {
            let digit = b[i] &- 48
            guard digit < 10 else { break }
            if digit != 0 {
                if first < 0 { first = k }
                last = k &+ 1
            }
            value = value &* 10 &+ UInt64(digit)
            i &+= 1
            k &+= 1
        }
        return value
    }

    @inlinable
    package var digitCount: Int { intCount + fracCount }
    /// How many digits of the digit string stand before the decimal point.
    @inlinable
    package var pointPosition: Int { intCount + exponent }
    @inlinable
    package var isZero: Bool { firstSignificant >= lastSignificant }
    /// True when the value has no fractional part (`-0`, `1E3`, `12.000`).
    @inlinable
    package var isIntegral: Bool { isZero || lastSignificant <= pointPosition }
    /// Digits needed to write the value positionally without its leading
    /// zeros (`1000` → 4, `0.0012` → 2).
    @inlinable
    package var precision: Int { isZero ? 1 : max(lastSignificant, pointPosition) - firstSignificant }
    /// Fraction digits as written, after the exponent shift (`1.50` → 2,
    /// `15E-1` → 1, `1.5E1` → 0): PostgreSQL numeric's display scale.
    @inlinable
    package var scale: Int { max(0, fracCount - exponent) }

    /// Digit `k` of the digit string, or 0 outside it.
    @inlinable @inline(__always)
    package func digit(_ k: Int, in b: UnsafeBufferPointer<UInt8>) -> UInt8 {
        if k < 0 || k >= digitCount { return 0 }
        return k < intCount ? b[intStart + k] &- 48 : b[fracStart + k - intCount] &- 48
    }

    /// Excel's precision: it keeps 15 significant decimal digits of a
    /// number (and shows at most those).
    @usableFromInline package static let excelSignificantDigits = 15

    /// True when the text has more significant digits than Excel keeps
    /// (`84.73999999999999`, as XlsxWriter and pandas write doubles).
    @inlinable
    package var exceedsExcelPrecision: Bool { lastSignificant - firstSignificant > Self.excelSignificantDigits }

    /// Calls `body` with the number rounded to Excel's 15 significant
    /// digits (half away from zero, on the written digits: no binary
    /// floating point), as text and parsed. Positional text stays
    /// positional, with the fewest fraction digits (`84.73999999999999` →
    /// `84.74`, `0.30000000000000004` → `0.3`, `1.9999999999999999` → `2`,
    /// `12345678901234567` → `12345678901234600`); exponent notation stays
    /// exponent notation, normalised (`1.2345678901234567E-5` →
    /// `1.23456789012346E-5`, `123456789012345678E-2` →
    /// `1.23456789012346E15`). Only for numbers that
    /// ``exceedsExcelPrecision``.
    @inlinable
    package func withExcelPrecision<R>(in b: UnsafeBufferPointer<UInt8>, _ body: (DecimalText, UnsafeBufferPointer<UInt8>) -> R) -> R {
        // The rounded text is at most a few bytes longer than the written
        // one (a carried `1`, a `0` before a bare fraction, the exponent).
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: b.count + 16) { out in
            let count = writeRounded(in: b, to: out)
            let text = UnsafeBufferPointer(start: out.baseAddress, count: count)
            return body(DecimalText(text)!, text)
        }
    }

    /// Writes the text of ``withExcelPrecision(in:_:)`` into `out`
    /// (capacity `b.count + 16`); returns its length.
    @usableFromInline
    func writeRounded(in b: UnsafeBufferPointer<UInt8>, to out: UnsafeMutableBufferPointer<UInt8>) -> Int {
        let keep = Self.excelSignificantDigits
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: keep + 1) { kept in
            // kept[0] is room for a carried digit; the kept digits are
            // kept[1 ... keep], digit-string indices lead ..< lead + keep.
            kept[0] = 0
            for i in 0..<keep { kept[i + 1] = digit(firstSignificant + i, in: b) }
            var lead = firstSignificant
            var first = 1
            var i = keep
            var carry = digit(firstSignificant + keep, in: b) >= 5
            while carry && i >= 1 {
                if kept[i] == 9 { kept[i] = 0; i -= 1 } else { kept[i] += 1; carry = false }
            }
            if carry {  // 99…9 became 100…0: one digit further left
                kept[0] = 1
                first = 0
                lead -= 1
            }
            var last = keep  // the last non-zero kept digit
            while last > first && kept[last] == 0 { last -= 1 }
            let count = last - first + 1
            let pp = pointPosition
            var n = 0
            if negative { out[n] = UInt8(ascii: "-"); n += 1 }
            if hasExponent {
                out[n] = kept[first] + 48; n += 1
                if count > 1 {
                    out[n] = UInt8(ascii: "."); n += 1
                    for k in (first + 1)...last { out[n] = kept[k] + 48; n += 1 }
                }
                out[n] = UInt8(ascii: "E"); n += 1
                var e = pp - 1 - lead
                if e < 0 { out[n] = UInt8(ascii: "-"); n += 1; e = -e }
                var digits = 1
                var scale = 10
                while e >= scale { digits += 1; scale *= 10 }
                for k in stride(from: digits - 1, through: 0, by: -1) { out[n + k] = UInt8(e % 10) + 48; e /= 10 }
                return n + digits
            }
            // Positional: digit-string index k written out is kept[k - lead + first]
            // inside the kept digits, else 0.
            let end = lead + count
            if lead >= pp {
                out[n] = 48; n += 1
            } else {
                for k in lead..<pp { out[n] = k < end ? kept[k - lead + first] + 48 : 48; n += 1 }
            }
            if end > pp {
                out[n] = UInt8(ascii: "."); n += 1
                for k in pp..<end { out[n] = k >= lead ? kept[k - lead + first] + 48 : 48; n += 1 }
            }
            return n
        }
    }

    /// The value as Int64 when it is integral and fits (`-0` → 0, `1E3`
    /// → 1000, `007` → 7).
    @inlinable
    package func int64Value(in b: UnsafeBufferPointer<UInt8>) -> Int64? {
        if hasShortDigits {
            // The digits were read while parsing (below 10^18: no overflow).
            guard fracValue == 0 else { return nil }
            return negative ? -Int64(intValue) : Int64(intValue)
        }
        guard isIntegral else { return nil }
        if isZero { return 0 }
        let end = pointPosition
        guard end - firstSignificant <= 19 else { return nil }
        var magnitude: UInt64 = 0
        for k in firstSignificant..<end {
            let (m, o1) = magnitude.multipliedReportingOverflow(by: 10)
            let (s, o2) = m.addingReportingOverflow(UInt64(digit(k, in: b)))
            if o1 || o2 { return nil }
            magnitude = s
        }
        if negative {
            if magnitude == UInt64(Int64.max) + 1 { return Int64.min }
            return magnitude <= UInt64(Int64.max) ? -Int64(magnitude) : nil
        }
        return magnitude <= UInt64(Int64.max) ? Int64(magnitude) : nil
    }

    /// The integer part's magnitude and the fractional part as a fraction
    /// of `scale` (rounded to the nearest multiple of `1/scale`), both
    /// computed from the digits; `nil` when the integer part has more than
    /// 18 digits. The rounding may carry into the integer part.
    @inlinable
    package func splitMagnitude(in b: UnsafeBufferPointer<UInt8>, fractionScale: UInt64) -> (integer: UInt64, fraction: UInt64)? {
        if hasShortDigits {
            // The digits were read while parsing: the fraction is
            // fracValue / 10^fracCount (trailing zeros change nothing).
            if fracValue == 0 { return (intValue, 0) }
            var denominator: UInt64 = 1
            for _ in 0..<fracCount { denominator &*= 10 }
            return Self.roundFraction(integer: intValue, numerator: fracValue, denominator: denominator, scale: fractionScale)
        }
        let pp = pointPosition
        var integer: UInt64 = 0
        if !isZero, pp > firstSignificant {
            guard pp - firstSignificant <= 18 else { return nil }
            for k in firstSignificant..<pp { integer = integer * 10 + UInt64(digit(k, in: b)) }
        }
        // Fraction digits: digit-string indices pp ..< lastSignificant
        // (implicit zeros where pp < 0), at most 19 of them.
        var numerator: UInt64 = 0
        var denominator: UInt64 = 1
        if !isZero, lastSignificant > pp {
            var k = pp
            var taken = 0
            while k < lastSignificant, taken < 19 {
                numerator = numerator * 10 + UInt64(digit(k, in: b))
                denominator *= 10
                k += 1
                taken += 1
            }
        }
        if numerator == 0 { return (integer, 0) }
        return Self.roundFraction(integer: integer, numerator: numerator, denominator: denominator, scale: fractionScale)
    }

    /// `integer + numerator / denominator` (numerator < denominator) with
    /// the fraction as the nearest multiple of `1/scale`, half up; the
    /// rounding may carry into the integer part.
    @inlinable @inline(__always)
    package static func roundFraction(integer: UInt64, numerator: UInt64, denominator: UInt64, scale: UInt64) -> (integer: UInt64, fraction: UInt64) {
        let product = numerator.multipliedFullWidth(by: scale)
        var (q, r) = denominator.dividingFullWidth(product)
        if r >= denominator - r { q += 1 }  // round half up
        if q >= scale { return (integer + 1, q - scale) }
        return (integer, q)
    }
}

extension String {
    /// Runs `body` over the string's UTF-8 bytes without copying them when
    /// the string is native (as every string from the reader is).
    @inlinable @inline(__always)
    package func withDecimalBytes<R>(_ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        if let r = utf8.withContiguousStorageIfAvailable(body) { return r }
        var copy = self
        return copy.withUTF8(body)
    }
}
