import Foundation
import Testing
@testable import JobQueue

@Suite struct CronExpressionTests {
    let utc = TimeZone(identifier: "UTC")!

    func date(_ text: String) -> Date {
        let formatter = ISO8601DateFormatter()
        return formatter.date(from: text)!
    }

    @Test func parsesFields() throws {
        let cron = try CronExpression("*/15 2,14 1-7 JAN-MAR mon-fri")
        #expect(cron.minutes == [0, 15, 30, 45])
        #expect(cron.hours == [2, 14])
        #expect(cron.daysOfMonth == Set(1...7))
        #expect(cron.months == [1, 2, 3])
        #expect(cron.daysOfWeek == [1, 2, 3, 4, 5])
        #expect(try CronExpression("0 0 * * 7").daysOfWeek == [0])
        #expect(try CronExpression("@daily") .minutes == [0])
        #expect(try CronExpression("5-20/5 * * * *").minutes == [5, 10, 15, 20])
    }

    @Test(arguments: ["", "* * * *", "60 * * * *", "* 24 * * *", "*/0 * * * *", "a * * * *", "5-1 * * * *", "* * 0 * *", "1,,2 * * * *"])
    func rejectsBadExpressions(_ text: String) {
        #expect(throws: CronExpressionError.self) { try CronExpression(text) }
    }

    @Test func errorNamesTheField() {
        #expect { try CronExpression("0 25 * * *") } throws: { error in
            "\(error)" == #"invalid cron expression "0 25 * * *": hour field "25": 25 is outside 0-23"#
        }
    }

    @Test func nightlyInUTC() throws {
        let cron = try CronExpression("0 2 * * *")
        #expect(cron.nextSlot(after: date("2026-11-23T01:30:00Z"), in: utc) == date("2026-11-23T02:00:00Z"))
        // Strictly after: the slot itself moves to the next day.
        #expect(cron.nextSlot(after: date("2026-11-23T02:00:00Z"), in: utc) == date("2026-11-24T02:00:00Z"))
        #expect(cron.nextSlot(after: date("2026-12-31T02:00:30Z"), in: utc) == date("2027-01-01T02:00:00Z"))
    }

    @Test func followsTheTimeZoneAcrossDST() throws {
        let newYork = TimeZone(identifier: "America/New_York")!
        let cron = try CronExpression("0 2 * * *")
        // Winter: 02:00 EST = 07:00 UTC; summer: 02:00 EDT = 06:00 UTC.
        #expect(cron.nextSlot(after: date("2026-01-10T00:00:00Z"), in: newYork) == date("2026-01-10T07:00:00Z"))
        #expect(cron.nextSlot(after: date("2026-07-10T00:00:00Z"), in: newYork) == date("2026-07-10T06:00:00Z"))
        // 2026-03-08 02:00 doesn't exist in New York: it runs when the clocks jump (03:00 EDT = 07:00 UTC).
        #expect(cron.nextSlot(after: date("2026-03-08T05:00:00Z"), in: newYork) == date("2026-03-08T07:00:00Z"))
        // 2026-11-01 01:30 happens twice; it runs once, the first time (EDT, 05:30 UTC).
        let repeated = try CronExpression("30 1 * * *")
        let first = repeated.nextSlot(after: date("2026-11-01T04:00:00Z"), in: newYork)
        #expect(first == date("2026-11-01T05:30:00Z"))
        #expect(repeated.nextSlot(after: first!, in: newYork) == date("2026-11-02T06:30:00Z"))
    }

    @Test func berlinMorning() throws {
        let berlin = TimeZone(identifier: "Europe/Berlin")!
        let cron = try CronExpression("30 8 * * 1-5")
        // Friday 2026-11-20 after 08:30 → Monday 2026-11-23 08:30 CET = 07:30 UTC.
        #expect(cron.nextSlot(after: date("2026-11-20T09:00:00Z"), in: berlin) == date("2026-11-23T07:30:00Z"))
    }

    @Test func dayOfMonthOrDayOfWeek() throws {
        // Both restricted: the 13th or any Friday (Vixie cron).
        let cron = try CronExpression("0 0 13 * 5")
        #expect(cron.nextSlot(after: date("2026-11-01T00:00:00Z"), in: utc) == date("2026-11-06T00:00:00Z"))
        #expect(cron.nextSlot(after: date("2026-11-06T00:00:00Z"), in: utc) == date("2026-11-13T00:00:00Z"))
    }

    @Test func leapDayAndImpossibleDates() throws {
        #expect(try CronExpression("0 0 29 2 *").nextSlot(after: date("2026-03-01T00:00:00Z"), in: utc) == date("2028-02-29T00:00:00Z"))
        #expect(try CronExpression("0 0 31 2 *").nextSlot(after: date("2026-03-01T00:00:00Z"), in: utc) == nil)
    }

    @Test func everyMinute() throws {
        let cron = try CronExpression("* * * * *")
        #expect(cron.nextSlot(after: date("2026-11-23T01:30:20Z"), in: utc) == date("2026-11-23T01:31:00Z"))
    }

    @Test func slotUniqueKey() {
        #expect(Schedule.uniqueKey(name: "nightly-snapshot", slot: date("2026-11-24T02:00:00Z")) == "schedule:nightly-snapshot:2026-11-24T02:00:00Z")
    }
}
