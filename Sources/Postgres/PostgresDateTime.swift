import Foundation

/// Calendar arithmetic and PostgreSQL text formats for dates and timestamps,
/// without `DateFormatter` (slow, and not what COPY's hot path needs).
/// All times are UTC; the proleptic Gregorian calendar, as PostgreSQL uses.
enum PostgresDateTime {
    /// Days from 1970-01-01 to 2000-01-01, PostgreSQL's binary epoch.
    static let postgresEpochDays: Int64 = 10_957
    static let microsecondsPerDay: Int64 = 86_400_000_000

    /// Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm).
    static func days(year: Int, month: Int, day: Int) -> Int64 {
        let y = Int64(month <= 2 ? year - 1 : year)
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let m = Int64(month)
        let doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + Int64(day) - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// The civil date of a day count since 1970-01-01.
    static func civil(days: Int64) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        return (Int(year), Int(month), Int(day))
    }

    static func microseconds(since1970 date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 * 1_000_000).rounded())
    }

    static func date(microsecondsSince1970 micros: Int64) -> Date {
        Date(timeIntervalSince1970: Double(micros) / 1_000_000)
    }

    // MARK: formatting

    /// Appends `YYYY-MM-DD` (with ` BC` for years before 1).
    static func appendDate(days: Int64, to out: inout [UInt8]) {
        let (year, month, day) = civil(days: days)
        let bc = year <= 0
        appendPadded(bc ? 1 - year : year, width: 4, to: &out)
        out.append(UInt8(ascii: "-"))
        appendPadded(month, width: 2, to: &out)
        out.append(UInt8(ascii: "-"))
        appendPadded(day, width: 2, to: &out)
        if bc { out.append(contentsOf: " BC".utf8) }
    }

    /// Appends `YYYY-MM-DD HH:MM:SS[.ffffff]+00`. The `+00` makes the text mean
    /// the same instant for `timestamptz` whatever the session time zone; a
    /// `timestamp` column ignores it and stores the UTC wall-clock time.
    static func appendTimestamp(microsecondsSince1970 micros: Int64, to out: inout [UInt8]) {
        var days = micros / microsecondsPerDay
        var rest = micros % microsecondsPerDay
        if rest < 0 { rest += microsecondsPerDay; days -= 1 }
        let (year, month, day) = civil(days: days)
        let bc = year <= 0
        appendPadded(bc ? 1 - year : year, width: 4, to: &out)
        out.append(UInt8(ascii: "-"))
        appendPadded(month, width: 2, to: &out)
        out.append(UInt8(ascii: "-"))
        appendPadded(day, width: 2, to: &out)
        out.append(UInt8(ascii: " "))
        let seconds = rest / 1_000_000
        let fraction = Int(rest % 1_000_000)
        appendPadded(Int(seconds / 3600), width: 2, to: &out)
        out.append(UInt8(ascii: ":"))
        appendPadded(Int(seconds / 60 % 60), width: 2, to: &out)
        out.append(UInt8(ascii: ":"))
        appendPadded(Int(seconds % 60), width: 2, to: &out)
        if fraction != 0 {
            out.append(UInt8(ascii: "."))
            appendPadded(fraction, width: 6, to: &out)
        }
        out.append(contentsOf: "+00".utf8)
        if bc { out.append(contentsOf: " BC".utf8) }
    }

    static func timestampText(_ date: Date) -> String {
        var bytes: [UInt8] = []
        appendTimestamp(microsecondsSince1970: microseconds(since1970: date), to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func appendPadded(_ value: Int, width: Int, to out: inout [UInt8]) {
        var divisor = 1
        var digitCount = 1
        while divisor <= value / 10 {
            divisor *= 10
            digitCount += 1
        }
        for _ in digitCount..<max(width, digitCount) { out.append(UInt8(ascii: "0")) }
        var rest = value
        while divisor > 0 {
            out.append(UInt8(ascii: "0") + UInt8(rest / divisor))
            rest %= divisor
            divisor /= 10
        }
    }

    // MARK: parsing (DateStyle ISO output)

    /// Parses PostgreSQL's ISO output of `date`, `timestamp` and `timestamptz`
    /// (`2024-01-02`, `2024-01-02 03:04:05.5`, `… +05:30`); `nil` for
    /// anything else (`infinity`, BC dates, other DateStyles).
    static func parse(_ text: UnsafeBufferPointer<UInt8>) -> Date? {
        var index = 0
        func number(maxDigits: Int) -> Int? {
            var value = 0
            var count = 0
            while index < text.count, count < maxDigits, let digit = digitValue(text[index]) {
                value = value * 10 + digit
                index += 1
                count += 1
            }
            return count == 0 ? nil : value
        }
        func expect(_ char: Character) -> Bool {
            guard index < text.count, text[index] == char.asciiValue! else { return false }
            index += 1
            return true
        }
        guard let year = number(maxDigits: 7), expect("-"),
              let month = number(maxDigits: 2), expect("-"),
              let day = number(maxDigits: 2),
              (1...12).contains(month), (1...31).contains(day)
        else { return nil }
        var micros = days(year: year, month: month, day: day) * microsecondsPerDay
        if index == text.count { return date(microsecondsSince1970: micros) }
        guard expect(" ") || expect("T"),
              let hour = number(maxDigits: 2), expect(":"),
              let minute = number(maxDigits: 2), expect(":"),
              let second = number(maxDigits: 2)
        else { return nil }
        micros += Int64(hour * 3600 + minute * 60 + second) * 1_000_000
        if expect(".") {
            var fraction: Int64 = 0
            var scale: Int64 = 1_000_000
            var any = false
            while index < text.count, let digit = digitValue(text[index]) {
                if scale > 1 { scale /= 10; fraction += Int64(digit) * scale }
                index += 1
                any = true
            }
            guard any else { return nil }
            micros += fraction
        }
        if index < text.count, text[index] == UInt8(ascii: "+") || text[index] == UInt8(ascii: "-") {
            let sign: Int64 = text[index] == UInt8(ascii: "-") ? -1 : 1
            index += 1
            guard let offsetHours = number(maxDigits: 2) else { return nil }
            var offset = Int64(offsetHours) * 3600
            if expect(":") {
                guard let offsetMinutes = number(maxDigits: 2) else { return nil }
                offset += Int64(offsetMinutes) * 60
                if expect(":") {
                    guard let offsetSeconds = number(maxDigits: 2) else { return nil }
                    offset += Int64(offsetSeconds)
                }
            }
            micros -= sign * offset * 1_000_000
        }
        guard index == text.count else { return nil }
        return date(microsecondsSince1970: micros)
    }

    private static func digitValue(_ byte: UInt8) -> Int? {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") ? Int(byte - UInt8(ascii: "0")) : nil
    }
}
