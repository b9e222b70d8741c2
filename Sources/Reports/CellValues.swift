/// Conversions from PostgreSQL's text output (DateStyle ISO) to the
/// values Excel stores. Pure.
enum CellValues {
    /// Days from 1970-01-01 to the civil date (Howard Hinnant's algorithm).
    static func daysFromCivil(_ y0: Int, _ m: Int, _ d: Int) -> Int {
        let y = m <= 2 ? y0 - 1 : y0
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }

    /// 1899-12-30 is serial 0 in Excel's 1900 date system (for dates from
    /// 1900-03-01 on; earlier ones are off by Excel's phantom 1900-02-29).
    static let excelEpoch = daysFromCivil(1899, 12, 30)

    @inline(__always)
    private static func digits(_ u: String.UTF8View, _ start: String.UTF8View.Index, _ count: Int) -> Int? {
        var value = 0
        var i = start
        for _ in 0..<count {
            guard i < u.endIndex else { return nil }
            let b = u[i]
            guard b >= 0x30, b <= 0x39 else { return nil }
            value = value * 10 + Int(b - 0x30)
            i = u.index(after: i)
        }
        return value
    }

    /// `YYYY-MM-DD` → (year, month, day); nil for BC dates, infinity, other shapes.
    static func date(_ s: String) -> (Int, Int, Int)? {
        let u = s.utf8
        guard u.count >= 10 else { return nil }
        let start = u.startIndex
        guard let y = digits(u, start, 4), u[u.index(start, offsetBy: 4)] == 0x2D,
              let m = digits(u, u.index(start, offsetBy: 5), 2), u[u.index(start, offsetBy: 7)] == 0x2D,
              let d = digits(u, u.index(start, offsetBy: 8), 2) else { return nil }
        if u.count > 10, u[u.index(start, offsetBy: 10)] != 0x20 { return nil } // "… BC" or a 5-digit year
        return (y, m, d)
    }

    /// The Excel serial of a date (`YYYY-MM-DD`) or timestamp
    /// (`YYYY-MM-DD HH:MM:SS[.ffffff]`), nil before 1900-03-01 or unparsable.
    static func excelSerial(_ s: String, withTime: Bool) -> Double? {
        guard let (y, m, d) = date(s), y >= 1900, !(y == 1900 && m < 3) else { return nil }
        var serial = Double(daysFromCivil(y, m, d) - excelEpoch)
        let u = s.utf8
        if !withTime {
            return u.count == 10 ? serial : nil
        }
        guard u.count >= 19, !s.hasSuffix(" BC") else { return u.count == 10 ? serial : nil }
        let start = u.startIndex
        guard let h = digits(u, u.index(start, offsetBy: 11), 2),
              let mi = digits(u, u.index(start, offsetBy: 14), 2),
              let se = digits(u, u.index(start, offsetBy: 17), 2) else { return nil }
        var seconds = Double(h * 3600 + mi * 60 + se)
        if u.count > 20, u[u.index(start, offsetBy: 19)] == 0x2E {
            var fraction = 0.0, scale = 0.1
            var i = u.index(start, offsetBy: 20)
            while i < u.endIndex, u[i] >= 0x30, u[i] <= 0x39 {
                fraction += Double(u[i] - 0x30) * scale
                scale /= 10
                i = u.index(after: i)
            }
            seconds += fraction
        }
        serial += seconds / 86400
        return serial
    }

    /// A decimal's value as a double, when the double holds it exactly
    /// enough for Excel (at most 15 significant digits); nil otherwise
    /// (NaN, too many digits), so the cell keeps the exact text.
    static func exactDouble(_ s: String) -> Double? {
        var significant = 0
        var leading = true
        for b in s.utf8 {
            if b >= 0x31 && b <= 0x39 { leading = false; significant += 1 }
            else if b == 0x30 { if !leading { significant += 1 } }
            else if b == 0x2E || b == 0x2D || b == 0x2B { continue }
            else { return nil }
        }
        guard significant <= 15 else { return nil }
        return Double(s)
    }

    /// A whole number that a double holds exactly (|n| ≤ 2^53).
    static func exactInteger(_ s: String) -> Double? {
        guard let n = Int64(s), n.magnitude <= (1 << 53) else { return nil }
        return Double(n)
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
