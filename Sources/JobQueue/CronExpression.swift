import Foundation

/// A five-field cron expression (`minute hour day-of-month month day-of-week`)
/// evaluated in a time zone.
///
/// Fields accept `*`, numbers, ranges `a-b`, steps `*/n` and `a-b/n`, lists
/// `a,b,c`, month names `JAN`…`DEC` and weekday names `SUN`…`SAT` (0 and 7
/// are both Sunday). `@yearly`, `@monthly`, `@weekly`, `@daily` (`@midnight`)
/// and `@hourly` are shorthands. As in Vixie cron, when both day fields are
/// restricted a day matching either runs. Pure: no I/O, testable.
public struct CronExpression: Sendable, Hashable, CustomStringConvertible {
    public let source: String
    let minutes: Set<Int>
    let hours: Set<Int>
    let daysOfMonth: Set<Int>
    let months: Set<Int>
    /// 0 = Sunday … 6 = Saturday.
    let daysOfWeek: Set<Int>
    let dayOfMonthRestricted: Bool
    let dayOfWeekRestricted: Bool

    public var description: String { source }

    public init(_ text: String) throws(CronExpressionError) {
        source = text
        var expression = text.trimmingCharacters(in: .whitespaces)
        switch expression.lowercased() {
        case "@yearly", "@annually": expression = "0 0 1 1 *"
        case "@monthly": expression = "0 0 1 * *"
        case "@weekly": expression = "0 0 * * 0"
        case "@daily", "@midnight": expression = "0 0 * * *"
        case "@hourly": expression = "0 * * * *"
        default: break
        }
        let fields = expression.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard fields.count == 5 else {
            throw CronExpressionError(expression: text, reason: "expected 5 fields (minute hour day month weekday), got \(fields.count)")
        }
        minutes = try Self.parse(fields[0], name: "minute", range: 0...59, names: [:], expression: text)
        hours = try Self.parse(fields[1], name: "hour", range: 0...23, names: [:], expression: text)
        daysOfMonth = try Self.parse(fields[2], name: "day of month", range: 1...31, names: [:], expression: text)
        months = try Self.parse(fields[3], name: "month", range: 1...12, names: Self.monthNames, expression: text)
        let weekdays = try Self.parse(fields[4], name: "day of week", range: 0...7, names: Self.weekdayNames, expression: text)
        daysOfWeek = Set(weekdays.map { $0 % 7 })
        dayOfMonthRestricted = !fields[2].hasPrefix("*")
        dayOfWeekRestricted = !fields[4].hasPrefix("*")
    }

    private static let monthNames = ["jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
                                     "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12]
    private static let weekdayNames = ["sun": 0, "mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6]

    private static func parse(
        _ field: String, name: String, range: ClosedRange<Int>, names: [String: Int], expression: String
    ) throws(CronExpressionError) -> Set<Int> {
        func fail(_ reason: String) -> CronExpressionError {
            CronExpressionError(expression: expression, reason: "\(name) field \"\(field)\": \(reason)")
        }
        func number(_ text: Substring) throws(CronExpressionError) -> Int {
            if let value = Int(text) ?? names[text.lowercased()] {
                guard range.contains(value) else { throw fail("\(value) is outside \(range.lowerBound)-\(range.upperBound)") }
                return value
            }
            throw fail("\"\(text)\" is not a number")
        }
        var result = Set<Int>()
        for part in field.split(separator: ",", omittingEmptySubsequences: false) {
            guard !part.isEmpty else { throw fail("empty list item") }
            let pieces = part.split(separator: "/", omittingEmptySubsequences: false)
            guard pieces.count <= 2 else { throw fail("more than one /") }
            var step = 1
            if pieces.count == 2 {
                guard let value = Int(pieces[1]), value > 0 else { throw fail("step \"\(pieces[1])\" must be a positive number") }
                step = value
            }
            let lower: Int
            let upper: Int
            if pieces[0] == "*" {
                (lower, upper) = (range.lowerBound, range.upperBound)
            } else if let dash = pieces[0].firstIndex(of: "-") {
                lower = try number(pieces[0][..<dash])
                upper = try number(pieces[0][pieces[0].index(after: dash)...])
                guard lower <= upper else { throw fail("range \(lower)-\(upper) is backwards") }
            } else {
                lower = try number(pieces[0])
                upper = pieces.count == 2 ? range.upperBound : lower
            }
            result.formUnion(stride(from: lower, through: upper, by: step))
        }
        return result
    }

    /// Whether the local day `year-month-day` matches the day fields.
    func matchesDay(year: Int, month: Int, day: Int) -> Bool {
        let weekday = Self.weekday(year: year, month: month, day: day)
        let domMatch = daysOfMonth.contains(day)
        let dowMatch = daysOfWeek.contains(weekday)
        if dayOfMonthRestricted && dayOfWeekRestricted { return domMatch || dowMatch }
        return domMatch && dowMatch
    }

    /// The first slot strictly after `date`, in `timeZone`'s wall-clock time;
    /// `nil` if none within eight years (e.g. `0 0 31 2 *`). A local time
    /// that doesn't exist (the hour skipped when clocks go forward) runs at
    /// the instant the clocks jump to; a repeated one runs once, the first time.
    public func nextSlot(after date: Date, in timeZone: TimeZone) -> Date? {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let start = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: date)
        guard var year = start.year, var month = start.month, var day = start.day,
              var hour = start.hour, var minute = start.minute else { return nil }
        // Begin at the next whole minute.
        minute += 1
        let lastYear = year + 8
        while year <= lastYear {
            if minute > 59 { minute = 0; hour += 1 }
            if hour > 23 { hour = 0; day += 1 }
            if day > Self.daysIn(year: year, month: month) { day = 1; month += 1 }
            if month > 12 { month = 1; year += 1; continue }
            guard months.contains(month) else { month += 1; day = 1; hour = 0; minute = 0; continue }
            guard matchesDay(year: year, month: month, day: day) else { day += 1; hour = 0; minute = 0; continue }
            guard hours.contains(hour) else { hour += 1; minute = 0; continue }
            guard minutes.contains(minute) else { minute += 1; continue }
            let components = DateComponents(year: year, month: month, day: day, hour: hour, minute: minute)
            if let candidate = calendar.date(from: components), candidate > date {
                return candidate
            }
            minute += 1
        }
        return nil
    }

    static func daysIn(year: Int, month: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// 0 = Sunday (Sakamoto's method, proleptic Gregorian).
    static func weekday(year: Int, month: Int, day: Int) -> Int {
        let offsets = [0, 3, 2, 5, 0, 3, 5, 1, 4, 6, 2, 4]
        let y = month < 3 ? year - 1 : year
        return (y + y / 4 - y / 100 + y / 400 + offsets[month - 1] + day) % 7
    }
}

/// A cron expression that can't be parsed, with the reason.
public struct CronExpressionError: Error, Sendable, Hashable, CustomStringConvertible {
    public var expression: String
    public var reason: String
    public var description: String { "invalid cron expression \"\(expression)\": \(reason)" }
}
