/// A date and time of day (read from an Excel serial, or made by the
/// sample generator), held the way PostgreSQL holds it: days since
/// 2000-01-01 and microseconds into the day.
public struct ExcelTimestamp: Sendable, Equatable, Hashable, Comparable {
    /// Days since 2000-01-01 (PostgreSQL's epoch); negative before it.
    public var daysSince2000: Int64
    /// Microseconds since midnight, `0..<86_400_000_000`.
    public var microsecondOfDay: Int64

    @inlinable
    public init(daysSince2000: Int64, microsecondOfDay: Int64) {
        self.daysSince2000 = daysSince2000
        self.microsecondOfDay = microsecondOfDay
    }

    public init(year: Int, month: Int, day: Int, hour: Int = 0, minute: Int = 0, second: Int = 0, microsecond: Int = 0) {
        daysSince2000 = CivilDate.daysSince2000(year: year, month: month, day: day)
        microsecondOfDay = ((Int64(hour) * 60 + Int64(minute)) * 60 + Int64(second)) * 1_000_000 + Int64(microsecond)
    }

    /// Microseconds since 2000-01-01 00:00:00 (a COPY BINARY `timestamp`).
    @inlinable
    public var microsecondsSince2000: Int64 { daysSince2000 * 86_400_000_000 + microsecondOfDay }

    public var calendarDate: (year: Int, month: Int, day: Int) { CivilDate.civil(daysSince2000: daysSince2000) }
    public var hour: Int { Int(microsecondOfDay / 3_600_000_000) }
    public var minute: Int { Int(microsecondOfDay / 60_000_000 % 60) }
    public var second: Int { Int(microsecondOfDay / 1_000_000 % 60) }
    public var microsecond: Int { Int(microsecondOfDay % 1_000_000) }

    public static func < (a: ExcelTimestamp, b: ExcelTimestamp) -> Bool {
        (a.daysSince2000, a.microsecondOfDay) < (b.daysSince2000, b.microsecondOfDay)
    }
}
