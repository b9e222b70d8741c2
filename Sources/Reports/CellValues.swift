import Basics

/// Conversions from PostgreSQL's text output (DateStyle ISO) to the
/// values Excel stores. Pure.
enum CellValues {
    /// Days from 1970-01-01 to the civil date.
    static func daysFromCivil(_ y: Int, _ m: Int, _ d: Int) -> Int {
        Int(CivilDate.daysSince1970(year: y, month: m, day: d))
    }

    /// 1899-12-30 is serial 0 in Excel's 1900 date system (for dates from
    /// 1900-03-01 on; earlier ones are off by Excel's phantom 1900-02-29).
    static let excelEpoch = daysFromCivil(1899, 12, 30)

    @inline(__always)
    private static func digits(_ u: UnsafeRawBufferPointer, _ start: Int, _ count: Int) -> Int? {
        guard start + count <= u.count else { return nil }
        var value = 0
        for i in start..<(start + count) {
            let b = u[i]
            guard b >= 0x30, b <= 0x39 else { return nil }
            value = value * 10 + Int(b - 0x30)
        }
        return value
    }

    /// `YYYY-MM-DD` → (year, month, day); nil for BC dates, infinity, other shapes.
    static func date(_ u: UnsafeRawBufferPointer) -> (Int, Int, Int)? {
        guard u.count >= 10, let y = digits(u, 0, 4), u[4] == 0x2D, let m = digits(u, 5, 2), u[7] == 0x2D,
              let d = digits(u, 8, 2) else { return nil }
        if u.count > 10, u[10] != 0x20 { return nil } // "… BC" or a 5-digit year
        return (y, m, d)
    }

    /// The Excel serial of a date (`YYYY-MM-DD`), nil before 1900-03-01 or
    /// unparsable.
    static func excelDay(_ u: UnsafeRawBufferPointer) -> Int? {
        guard u.count == 10, let (y, m, d) = date(u), y >= 1900, !(y == 1900 && m < 3) else { return nil }
        return daysFromCivil(y, m, d) - excelEpoch
    }

    /// The Excel serial of a date (`YYYY-MM-DD`) or timestamp
    /// (`YYYY-MM-DD HH:MM:SS[.ffffff]`), nil before 1900-03-01 or unparsable.
    static func excelSerial(_ u: UnsafeRawBufferPointer, withTime: Bool) -> Double? {
        guard let (y, m, d) = date(u), y >= 1900, !(y == 1900 && m < 3) else { return nil }
        var serial = Double(daysFromCivil(y, m, d) - excelEpoch)
        if !withTime || u.count == 10 {
            return u.count == 10 ? serial : nil
        }
        guard u.count >= 19, u[u.count - 1] != 0x43 /* "… BC" */ else { return nil }
        guard let h = digits(u, 11, 2), let mi = digits(u, 14, 2), let se = digits(u, 17, 2) else { return nil }
        var seconds = Double(h * 3600 + mi * 60 + se)
        if u.count > 20, u[19] == 0x2E {
            var fraction = 0.0, scale = 0.1
            var i = 20
            while i < u.count, u[i] >= 0x30, u[i] <= 0x39 {
                fraction += Double(u[i] - 0x30) * scale
                scale /= 10
                i += 1
            }
            seconds += fraction
        }
        serial += seconds / 86400
        return serial
    }

    static func excelSerial(_ s: String, withTime: Bool) -> Double? {
        var s = s
        return s.withUTF8 { excelSerial(UnsafeRawBufferPointer($0), withTime: withTime) }
    }

    /// A decimal a double holds exactly enough for Excel (at most 15
    /// significant digits; digits, point and sign only), so its text can
    /// be the cell's value; false for NaN and longer ones, which stay text.
    static func isExactDecimal(_ u: UnsafeRawBufferPointer) -> Bool {
        var significant = 0
        var any = false
        var leading = true
        for b in u {
            if b >= 0x31 && b <= 0x39 { leading = false; significant += 1; any = true }
            else if b == 0x30 { if !leading { significant += 1 }; any = true }
            else if b == 0x2E || b == 0x2D || b == 0x2B { continue }
            else { return false }
        }
        return any && significant <= 15
    }

    static func exactDouble(_ s: String) -> Double? {
        var s = s
        return s.withUTF8 { isExactDecimal(UnsafeRawBufferPointer($0)) } ? Double(s) : nil
    }

    /// A whole number that a double holds exactly (|n| ≤ 2^53), in
    /// PostgreSQL's output (`-` and digits).
    static func isExactInteger(_ u: UnsafeRawBufferPointer) -> Bool {
        var i = 0
        if i < u.count, u[i] == 0x2D { i += 1 }
        let n = u.count - i
        guard n >= 1, n <= 16 else { return false }
        var value: UInt64 = 0
        while i < u.count {
            let b = u[i]
            guard b >= 0x30, b <= 0x39 else { return false }
            value = value * 10 + UInt64(b - 0x30)
            i += 1
        }
        return value <= 1 << 53
    }

    static func exactInteger(_ s: String) -> Double? {
        var s = s
        return s.withUTF8 { isExactInteger(UnsafeRawBufferPointer($0)) } ? Double(s) : nil
    }

    /// A finite double in PostgreSQL's output (`1.5`, `1e-05`, not
    /// `Infinity` or `NaN`), usable as the cell's value text.
    static func isFiniteDouble(_ u: UnsafeRawBufferPointer) -> Bool {
        var any = false
        for b in u {
            if b >= 0x30 && b <= 0x39 { any = true }
            else if !(b == 0x2E || b == 0x2D || b == 0x2B || b == 0x65 || b == 0x45) { return false }
        }
        return any
    }

    /// A column's Excel number format: the workbook's own for a number or
    /// date column that had one, else one for its type.
    static func numberFormat(_ column: ReportColumn) -> String? {
        switch column.type {
        case .integer, .numeric, .double, .date, .timestamp: column.format ?? numberFormat(column.type)
        case .interval, .boolean, .text: nil
        }
    }

    /// An Excel number format for a column type.
    static func numberFormat(_ type: ReportColumnType) -> String? {
        switch type {
        case .integer: "0"
        case .numeric(let scale?): scale > 0 ? "#,##0." + String(repeating: "0", count: min(scale, 15)) : "#,##0"
        case .numeric(nil), .double: "General"
        case .date: "yyyy-mm-dd"
        case .timestamp: "yyyy-mm-dd hh:mm:ss"
        case .interval, .boolean, .text: nil
        }
    }
}
