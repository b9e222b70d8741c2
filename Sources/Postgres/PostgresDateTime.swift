import Basics
import Foundation

/// Calendar arithmetic and PostgreSQL text formats for dates and timestamps,
/// without `DateFormatter` (slow, and not what COPY's hot path needs).
/// All times are UTC; the proleptic Gregorian calendar, as PostgreSQL uses.
enum PostgresDateTime {
    /// Days from 1970-01-01 to 2000-01-01, PostgreSQL's binary epoch.
    static let postgresEpochDays: Int64 = CivilDate.daysFrom1970To2000
    static let microsecondsPerDay: Int64 = 86_400_000_000

    /// Days since 1970-01-01 of a civil date.
    @inline(__always)
    static func days(year: Int, month: Int, day: Int) -> Int64 {
        CivilDate.daysSince1970(year: year, month: month, day: day)
    }

    /// The civil date of a day count since 1970-01-01.
    @inline(__always)
    static func civil(days: Int64) -> (year: Int, month: Int, day: Int) {
        CivilDate.civil(daysSince1970: days)
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
        DecimalDigits.appendUnsigned(UInt64(value), minimumDigits: width, to: &out)
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
