public import Basics

/// The workbook's date system (`<workbookPr date1904="1"/>`).
public enum DateSystem: Sendable, Equatable, Hashable, Codable {
    /// Serial 1 is 1900-01-01, with Lotus 1-2-3's fictitious 1900-02-29 as
    /// serial 60 (Windows Excel's default).
    case excel1900
    /// Serial 0 is 1904-01-01 (old Mac Excel).
    case excel1904
}

/// Excel serial numbers ↔ calendar dates, times and durations, computed
/// from the serial's digits (never through `Double`, so `0.5` is exactly
/// 12:00:00 and `0.1` is exactly 02:24:00). Fractions of a day are rounded
/// to the nearest microsecond (Excel itself keeps milliseconds).
///
/// In the 1900 system, serials 1–59 are 1900-01-01…1900-02-28 and serials
/// from 61 on are one day "late" because Lotus counted a 1900-02-29 that
/// never was. Serial 60, that fictitious day, is read as 1900-03-01 (the
/// day after 1900-02-28, as if the person had typed past the end of
/// February) — keeping the value rather than turning it into an error.
/// Serial 0 (Excel shows 1900-01-00) is 1899-12-31, so a bare time of
/// day under a date-time format has a real date.
public enum ExcelDate {
    public static let microsecondsPerDay: Int64 = 86_400_000_000
    /// The first serial Excel can't show as a date (10000-01-01 in the 1900
    /// system). Serials at or beyond it, and negative ones, are numbers.
    public static let serialLimit: UInt64 = 2_958_466
    /// Durations longer than this many days are plain numbers (they'd
    /// overflow an interval's microseconds).
    public static let durationDayLimit: UInt64 = 100_000_000

    // 1899-12-30, 1899-12-31 and 1904-01-01 as days since 2000-01-01.
    @usableFromInline package static let day18991230: Int64 = daysSince2000(year: 1899, month: 12, day: 30)
    @usableFromInline package static let day18991231: Int64 = day18991230 + 1
    @usableFromInline package static let day19040101: Int64 = daysSince2000(year: 1904, month: 1, day: 1)

    /// The date and time a serial stands for, or `nil` when the text isn't
    /// a number, is negative, or is at or beyond ``serialLimit``.
    public static func timestamp(serial: String, system: DateSystem) -> ExcelTimestamp? {
        serial.withDecimalBytes { b in
            guard let d = DecimalText(b) else { return nil }
            return timestamp(d, in: b, system: system)
        }
    }

    /// The length of time a serial stands for, in microseconds (1 = one
    /// day; may be negative), or `nil` when the text isn't a number or
    /// exceeds ``durationDayLimit`` days.
    public static func durationMicroseconds(serial: String) -> Int64? {
        serial.withDecimalBytes { b in
            guard let d = DecimalText(b) else { return nil }
            return durationMicroseconds(d, in: b)
        }
    }

    /// The 1900- or 1904-system serial of a calendar day (the inverse of
    /// ``timestamp(serial:system:)`` for whole days; 1900-03-01 gives 61).
    public static func serial(year: Int, month: Int, day: Int, system: DateSystem) -> Int64 {
        let d = daysSince2000(year: year, month: month, day: day)
        switch system {
        case .excel1904:
            return d - day19040101
        case .excel1900:
            let s = d - day18991230
            return s <= 60 ? s - 1 : s
        }
    }

    // MARK: - on parsed digits

    @inlinable
    package static func isDateSerial(_ d: DecimalText, in b: UnsafeBufferPointer<UInt8>) -> Bool {
        if d.negative && !d.isZero { return false }
        guard let (days, _) = d.splitMagnitude(in: b, fractionScale: UInt64(microsecondsPerDay)) else { return false }
        return days < serialLimit
    }

    /// How a serial under a time-of-day format (no date part, no elapsed
    /// `[h]`) reads: a time of day in [0, 1); the date and time Excel
    /// shows for a serial ≥ 1 (1.5 is 1900-01-01 12:00, the format hiding
    /// the date); a plain number when negative or beyond the calendar.
    @usableFromInline package enum TimeSerial: Sendable { case timeOfDay, dateTime, number }

    @inlinable
    package static func timeSerial(_ d: DecimalText, in b: UnsafeBufferPointer<UInt8>) -> TimeSerial {
        if d.negative && !d.isZero { return .number }
        guard let (days, _) = d.splitMagnitude(in: b, fractionScale: UInt64(microsecondsPerDay)) else { return .number }
        if days == 0 { return .timeOfDay }
        return days < serialLimit ? .dateTime : .number
    }

    @inlinable
    package static func isDurationSerial(_ d: DecimalText, in b: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let (days, _) = d.splitMagnitude(in: b, fractionScale: UInt64(microsecondsPerDay)) else { return false }
        return days <= durationDayLimit
    }

    @inlinable
    package static func timestamp(_ d: DecimalText, in b: UnsafeBufferPointer<UInt8>, system: DateSystem) -> ExcelTimestamp? {
        if d.negative && !d.isZero { return nil }
        guard let (serialDays, micros) = d.splitMagnitude(in: b, fractionScale: UInt64(microsecondsPerDay)),
              serialDays < serialLimit else { return nil }
        let s = Int64(serialDays)
        let day: Int64
        switch system {
        case .excel1904: day = day19040101 + s
        case .excel1900:
            if s < 60 { day = day18991231 + s }
            else if s == 60 { day = day18991230 + 61 }
            else { day = day18991230 + s }
        }
        return ExcelTimestamp(daysSince2000: day, microsecondOfDay: Int64(micros))
    }

    @inlinable
    package static func durationMicroseconds(_ d: DecimalText, in b: UnsafeBufferPointer<UInt8>) -> Int64? {
        guard let (days, micros) = d.splitMagnitude(in: b, fractionScale: UInt64(microsecondsPerDay)),
              days <= durationDayLimit else { return nil }
        let total = Int64(days) * microsecondsPerDay + Int64(micros)
        return d.negative ? -total : total
    }

    // MARK: - calendar days (one algorithm, in Basics)

    /// Days from 2000-01-01 to the given day.
    @inlinable
    public static func daysSince2000(year: Int, month: Int, day: Int) -> Int64 {
        CivilDate.daysSince2000(year: year, month: month, day: day)
    }

    /// The calendar day `days` after 2000-01-01.
    @inlinable
    public static func civil(daysSince2000 days: Int64) -> (year: Int, month: Int, day: Int) {
        CivilDate.civil(daysSince2000: days)
    }
}
