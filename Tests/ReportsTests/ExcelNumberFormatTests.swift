import Basics
import Testing

/// Numbers shown as Excel shows them under their format code (the PDF print
/// and the web view), and what each code is.
@Suite struct ExcelNumberFormatTests {
    func shown(_ code: String, _ value: Double) -> String? { ExcelNumberFormat(code).format(value) }

    @Test func currencies() {
        #expect(shown("#,##0.00 \"€\"", 1234.5) == "1,234.50 €")
        #expect(shown("#,##0.00\\ [$€-407]", 1234.5) == "1,234.50 €")
        #expect(shown("[$$-409]#,##0.00", 1234567.891) == "$1,234,567.89")
        #expect(shown("#,##0.00 \"€\";[Red]-#,##0.00 \"€\"", -84.74) == "-84.74 €")
        #expect(shown("\"CHF\" #,##0.00;\"CHF\" -#,##0.00", -3) == "CHF -3.00")
        let euro = ExcelNumberFormat("#,##0.00 [$€-407]")
        #expect(euro.kind == .currency && euro.currencySymbol == "€" && euro.decimals == 2 && euro.thousands)
        #expect(ExcelNumberFormat("#,##0.00\\ \"€\"").currencySymbol == "€")
        #expect(ExcelNumberFormat("\\$#,##0").kind == .currency)
        #expect(ExcelNumberFormat("0.00 \"kg\"").kind == .number)
    }

    @Test func numbersAndPercents() {
        #expect(shown("0.0 %", 0.125) == "12.5 %")
        #expect(shown("0%", 0.5) == "50%")
        #expect(shown("0.00", 2.675) == "2.68")            // Excel's 15 digits, not the double's 2.67499…
        #expect(shown("0.00", 84.73999999999999) == "84.74")
        #expect(shown("#,##0", 1234567.4) == "1,234,567")
        #expect(shown("#,##0", -1234.5) == "-1,235")
        #expect(shown("0.###", 1.5) == "1.5")
        #expect(shown("0.###", 2) == "2.")
        #expect(shown("000", 7) == "007")
        #expect(shown("#,##0,", 1234567) == "1,235")        // a trailing comma: thousands
        #expect(shown("0.00E+00", 12345) == "1.23E+04")
        #expect(shown("General", 1.5) == nil)
        #expect(shown("@", 1.5) == nil)
        #expect(shown("0.00;;\"zero\"", 0) == "zero")
        #expect(ExcelNumberFormat("0.0 %").kind == .percent)
        #expect(ExcelNumberFormat("#,##0.00").kind == .number && ExcelNumberFormat("#,##0.00").decimals == 2)
        #expect(ExcelNumberFormat("0.00E+00").kind == .scientific)
    }

    @Test func datesAndTimes() {
        // 45657 is 2024-12-31 (a Tuesday); .75 is 18:00.
        #expect(shown("dd.mm.yyyy", 45657) == "31.12.2024")
        #expect(shown("yyyy-mm-dd hh:mm:ss", 45657.75) == "2024-12-31 18:00:00")
        #expect(shown("d mmm yy", 45657) == "31 Dec 24")
        #expect(shown("dddd, mmmm d", 45657) == "Tuesday, December 31")
        #expect(shown("h:mm AM/PM", 0.75) == "6:00 PM")
        #expect(shown("[h]:mm:ss", 1.5) == "36:00:00")
        #expect(shown("mm:ss.0", 0.000_5) == "00:43.2")
        #expect(shown("m/d/yyyy", 61) == "3/1/1900")
        #expect(shown("m/d/yyyy", 60) == "2/29/1900")       // Excel's leap day
        #expect(ExcelNumberFormat("dd.mm.yyyy").kind == .date)
        #expect(ExcelNumberFormat("dd.mm.yyyy hh:mm").kind == .dateTime)
        #expect(ExcelNumberFormat("hh:mm").kind == .time)
        #expect(ExcelNumberFormat("mm:ss").kind == .time)
        #expect(ExcelNumberFormat("[h]:mm").kind == .duration)
    }
}
