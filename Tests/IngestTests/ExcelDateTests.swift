import Testing
@testable import Ingest
@testable import XLSXReader
import Basics

@Suite("Excel dates")
struct ExcelDateTests {
    private func ts(_ serial: String, _ system: DateSystem = .excel1900) -> String? {
        guard let t = ExcelDate.timestamp(serial: serial, system: system) else { return nil }
        var out: [UInt8] = []
        CopyEncoder.appendTimestamp(t, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    private func date(_ serial: String, _ system: DateSystem = .excel1900) -> String? {
        ts(serial, system).map { String($0.prefix(10)) }
    }

    @Test func knownSerials1900() {
        #expect(date("1") == "1900-01-01")
        #expect(date("59") == "1900-02-28")
        #expect(date("61") == "1900-03-01")
        #expect(date("43831") == "2020-01-01")
        #expect(date("36526") == "2000-01-01")
        #expect(date("2958465") == "9999-12-31")
        #expect(ExcelDate.timestamp(serial: "36526", system: .excel1900)?.daysSince2000 == 0)
    }

    @Test func lotusLeapDayAndSerialZero() {
        // Serial 60 is the fictitious 1900-02-29: read as 1900-03-01.
        #expect(date("60") == "1900-03-01")
        #expect(ts("60.5") == "1900-03-01 12:00:00")
        #expect(date("0") == "1899-12-31")
        #expect(ts("0.5") == "1899-12-31 12:00:00")
    }

    @Test func outOfRangeSerials() {
        #expect(ExcelDate.timestamp(serial: "-1", system: .excel1900) == nil)
        #expect(ExcelDate.timestamp(serial: "2958466", system: .excel1900) == nil)
        #expect(ExcelDate.timestamp(serial: "1E30", system: .excel1900) == nil)
        #expect(ExcelDate.timestamp(serial: "x", system: .excel1900) == nil)
        #expect(date("-0") == "1899-12-31")
    }

    @Test func system1904() {
        #expect(date("0", .excel1904) == "1904-01-01")
        #expect(date("1", .excel1904) == "1904-01-02")
        #expect(date("42369", .excel1904) == "2020-01-01")
        #expect(ExcelDate.serial(year: 2020, month: 1, day: 1, system: .excel1904) == 42369)
    }

    @Test func timeOfDayFromDigits() {
        #expect(ts("0.5") == "1899-12-31 12:00:00")
        #expect(ts("43831.5") == "2020-01-01 12:00:00")
        #expect(ts("43831.1") == "2020-01-01 02:24:00")
        #expect(ts("43831.75") == "2020-01-01 18:00:00")
        // 12:34:56 as Excel writes it (17 significant digits).
        #expect(ts("43831.524259259262") == "2020-01-01 12:34:56")
        // 00:00:00.123 (Excel keeps milliseconds).
        #expect(ts("43831.000001423611") == "2020-01-01 00:00:00.123")
        #expect(ts("43831.99999999999") == "2020-01-01 23:59:59.999999")
        // Rounds up across midnight.
        #expect(ts("43831.9999999999999") == "2020-01-02 00:00:00")
        #expect(ts("4.38315E4") == "2020-01-01 12:00:00")
    }

    @Test func durations() {
        #expect(ExcelDate.durationMicroseconds(serial: "1.5") == Int64(129_600_000_000))
        #expect(ExcelDate.durationMicroseconds(serial: "0.5") == Int64(43_200_000_000))
        #expect(ExcelDate.durationMicroseconds(serial: "-0.25") == -6 * 3_600_000_000)
        #expect(ExcelDate.durationMicroseconds(serial: "0.000011574074074074073") == 1_000_000)
        #expect(ExcelDate.durationMicroseconds(serial: "200000000") == nil)
        var out: [UInt8] = []
        CopyEncoder.appendInterval(36 * 3_600_000_000, to: &out)
        #expect(String(decoding: out, as: UTF8.self) == "36:00:00")
        out.removeAll()
        CopyEncoder.appendInterval(-(45 * 60_000_000 + 6_500_000), to: &out)
        #expect(String(decoding: out, as: UTF8.self) == "-00:45:06.5")
        out.removeAll()
        CopyEncoder.appendInterval(123 * 3_600_000_000 + 45 * 60_000_000 + 6_000_000, to: &out)
        #expect(String(decoding: out, as: UTF8.self) == "123:45:06")
    }

    @Test func serialRoundTripsAndCalendar() {
        #expect(ExcelDate.serial(year: 1900, month: 1, day: 1, system: .excel1900) == 1)
        #expect(ExcelDate.serial(year: 1900, month: 2, day: 28, system: .excel1900) == 59)
        #expect(ExcelDate.serial(year: 1900, month: 3, day: 1, system: .excel1900) == 61)
        #expect(ExcelDate.serial(year: 2020, month: 1, day: 1, system: .excel1900) == 43831)
        for serial in stride(from: Int64(61), through: 2_958_465, by: 997) {
            let t = ExcelDate.timestamp(serial: String(serial), system: .excel1900)!
            let (y, m, d) = t.calendarDate
            #expect(ExcelDate.serial(year: y, month: m, day: d, system: .excel1900) == serial)
        }
        #expect(ExcelDate.civil(daysSince2000: 0) == (2000, 1, 1))
        #expect(ExcelDate.civil(daysSince2000: 59) == (2000, 2, 29))
        #expect(ExcelDate.daysSince2000(year: 1970, month: 1, day: 1) == -10957)
        let t = ExcelTimestamp(year: 2020, month: 1, day: 1, hour: 12, minute: 34, second: 56, microsecond: 7)
        #expect((t.hour, t.minute, t.second, t.microsecond) == (12, 34, 56, 7))
    }
}
