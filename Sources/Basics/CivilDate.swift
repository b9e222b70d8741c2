/// Day numbers ↔ dates of the proleptic Gregorian calendar, as PostgreSQL
/// and Excel use it: Howard Hinnant's `days_from_civil` and
/// `civil_from_days` (http://howardhinnant.github.io/date_algorithms.html),
/// exact for every `Int64` day a caller can reach. The one copy of the
/// algorithm: the xlsx reader's Excel dates and ISO cells, the COPY
/// encoder, PostgreSQL's date codecs and the reports' Excel serials all
/// count days through it.
public enum CivilDate {
    /// Days from 1970-01-01 to 2000-01-01 (PostgreSQL's binary epoch).
    public static let daysFrom1970To2000: Int64 = 10_957

    /// Days from 1970-01-01 to the given day (negative before it).
    @inlinable
    public static func daysSince1970(year: Int, month: Int, day: Int) -> Int64 {
        let y = Int64(month <= 2 ? year - 1 : year)
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let m = Int64(month)
        let doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + Int64(day) - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// The calendar day `days` after 1970-01-01.
    @inlinable
    public static func civil(daysSince1970 days: Int64) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        let y = yoe + era * 400 + (m <= 2 ? 1 : 0)
        return (Int(y), Int(m), Int(d))
    }

    /// Days from 2000-01-01 to the given day.
    @inlinable
    public static func daysSince2000(year: Int, month: Int, day: Int) -> Int64 {
        daysSince1970(year: year, month: month, day: day) - daysFrom1970To2000
    }

    /// The calendar day `days` after 2000-01-01.
    @inlinable
    public static func civil(daysSince2000 days: Int64) -> (year: Int, month: Int, day: Int) {
        civil(daysSince1970: days + daysFrom1970To2000)
    }
}
