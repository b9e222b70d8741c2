/// An Excel number format code (`#,##0.00 "€"`, `0.0%`, `dd.mm.yyyy`),
/// read well enough to say what it is and to show a number the way Excel
/// shows it:
///
/// - sections `positive;negative;zero;text` (a negative number without a
///   section of its own gets a minus sign before the first);
/// - literal text: `"…"`, `\x`, `[$€-407]` currency tags (the symbol), the
///   characters Excel shows as themselves (`$ - + / ( ) : space` and any
///   non-ASCII character such as `€`); `_x` (a space) and `*x` (one `x`);
/// - digits: `0` (a digit always), `#` and `?` (a digit when needed), `,`
///   between digits (thousands separators), trailing `,` (÷ 1000), `.`
///   (decimals), `%` (× 100), `E+`/`E-` (scientific);
/// - dates and times: `yy` `yyyy`, `m` … `mmmm`, `d` … `dddd`, `h` `hh`,
///   `m` `mm` as minutes after `h` or before `s`, `s` `ss`, `.0` fractions
///   of a second, `AM/PM` and `A/P`, and the elapsed `[h]` `[m]` `[s]`.
///
/// Colours (`[Red]`) and locale tags without a symbol (`[$-409]`) are
/// ignored, and conditions (`[>100]`) keep the sections' usual order.
/// Month and day names are English. Fractions (`# ?/?`) are shown as
/// decimals. `General` and text formats show nothing of their own: ``format(_:)``
/// returns nil and the caller shows the value as it is.
public struct ExcelNumberFormat: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable, Codable {
        case general, number, currency, percent, scientific, date, dateTime, time, duration, text
    }

    public let code: String
    public let kind: Kind
    /// The currency symbol of a currency format (`€`, `$`, `CHF`).
    public let currencySymbol: String?
    /// The decimals a number format shows (its `0` and `#` after the point).
    public let decimals: Int?
    /// Whether a number format groups thousands.
    public let thousands: Bool

    private let sections: [Section]

    public init(_ code: String) {
        self.code = code
        sections = Self.split(code).map(Section.init)
        let first = sections.first ?? Section("General")
        currencySymbol = first.currency ?? first.literalCurrency
        if first.isGeneral {
            kind = .general
        } else if first.isText {
            kind = .text
        } else if first.hasDate || first.hasTime {
            kind = first.elapsed ? .duration : first.hasDate && first.hasTime ? .dateTime : first.hasDate ? .date : .time
        } else if first.percent > 0 {
            kind = .percent
        } else if first.exponent != nil {
            kind = .scientific
        } else if currencySymbol != nil {
            kind = .currency
        } else {
            kind = .number
        }
        switch kind {
        case .number, .currency, .percent, .scientific:
            decimals = first.decimalDigits
            thousands = first.thousands
        default:
            decimals = nil
            thousands = false
        }
    }

    /// `value` (a date-time as its 1900-system serial) as Excel shows it;
    /// nil for General and text formats, and for NaN or infinities.
    public func format(_ value: Double) -> String? {
        guard value.isFinite, kind != .general, kind != .text else { return nil }
        var section = sections[0]
        var value = value
        var minus = false
        if value < 0 {
            if sections.count > 1 {
                section = sections[1]
                value = -value
            } else {
                minus = true
                value = -value
            }
        } else if value == 0 && sections.count > 2 {
            section = sections[2]
        }
        guard !section.isGeneral else { return nil }
        let text = section.hasDate || section.hasTime ? section.formatDate(value) : section.formatNumber(value)
        guard let text else { return nil }
        return minus && text.contains(where: \.isNumber) ? "-" + text : text
    }

    // MARK: Sections

    /// The code's sections, split at `;` outside quotes, brackets and escapes.
    static func split(_ code: String) -> [String] {
        var sections: [String] = []
        var current = ""
        var quoted = false, bracket = false, escaped = false
        for c in code {
            if escaped {
                escaped = false
            } else if quoted {
                if c == "\"" { quoted = false }
            } else if bracket {
                if c == "]" { bracket = false }
            } else if c == "\"" {
                quoted = true
            } else if c == "[" {
                bracket = true
            } else if c == "\\" {
                escaped = true
            } else if c == ";" {
                sections.append(current)
                current = ""
                continue
            }
            current.append(c)
        }
        sections.append(current)
        return sections
    }

    enum Token: Hashable {
        case literal(String)
        /// The number's digits (one run of placeholders, however split).
        case number
        case exponent
        case year(Int), month(Int), day(Int), hour(Int), minute(Int), second(Int), fraction(Int), ampm(short: Bool)
        case elapsed(Character, Int)
    }

    struct Section: Hashable {
        var tokens: [Token] = []
        var isGeneral = false
        var isText = false
        var hasDate = false
        var hasTime = false
        var elapsed = false
        var twelveHour = false
        var currency: String?
        var percent = 0
        var thousands = false
        var scale = 0
        var integerZeros = 0
        var decimalZeros = 0
        var decimalDigits = 0
        var hasPoint = false
        var exponent: (sign: Bool, zeros: Int)?

        static func == (a: Section, b: Section) -> Bool { a.tokens == b.tokens && a.isGeneral == b.isGeneral }
        func hash(into hasher: inout Hasher) { hasher.combine(tokens) }

        init(_ code: String) {
            let chars = Array(code)
            var i = 0
            var inDecimals = false
            var sawNumber = false
            var lastDigit = -1
            var literal = ""
            func flush() {
                if !literal.isEmpty { tokens.append(.literal(literal)); literal = "" }
            }
            func add(_ token: Token) { flush(); tokens.append(token) }
            func run(_ c: Character) -> Int {
                var n = 0
                while i + n < chars.count, chars[i + n].lowercased() == c.lowercased() { n += 1 }
                return n
            }
            while i < chars.count {
                let c = chars[i]
                let lower = c.isASCII ? Character(c.lowercased()) : c
                switch lower {
                case "\"":
                    var j = i + 1
                    while j < chars.count, chars[j] != "\"" { literal.append(chars[j]); j += 1 }
                    i = j + 1
                case "\\":
                    if i + 1 < chars.count { literal.append(chars[i + 1]) }
                    i += 2
                case "_":
                    literal.append(" ")
                    i += 2
                case "*":
                    if i + 1 < chars.count { literal.append(chars[i + 1]) }
                    i += 2
                case "[":
                    var j = i + 1
                    var inner = ""
                    while j < chars.count, chars[j] != "]" { inner.append(chars[j]); j += 1 }
                    i = j + 1
                    let low = inner.lowercased()
                    if let first = low.first, ["h", "m", "s"].contains(first), low.allSatisfy({ $0 == first }) {
                        add(.elapsed(first, low.count))
                        elapsed = true
                        hasTime = true
                    } else if inner.hasPrefix("$") {
                        let symbol = inner.dropFirst().prefix { $0 != "-" }
                        if !symbol.isEmpty {
                            currency = String(symbol)
                            literal += symbol
                        }
                    }
                case "0", "#", "?":
                    if !sawNumber { add(.number); sawNumber = true }
                    if exponent != nil {
                        exponent!.zeros += 1
                    } else if inDecimals {
                        decimalDigits += 1
                        if c == "0" { decimalZeros += 1 }
                    } else if c == "0" {
                        integerZeros += 1
                    }
                    lastDigit = i
                    i += 1
                case ".":
                    let afterSeconds = tokens.last.map { if case .second = $0 { return true }; return false } ?? false
                    let next = i + 1 < chars.count ? chars[i + 1] : " "
                    if afterSeconds && literal.isEmpty && next == "0" {
                        // `ss.0`: fractions of a second.
                        let zeros = chars[(i + 1)...].prefix { $0 == "0" }.count
                        add(.fraction(zeros))
                        i += 1 + zeros
                    } else if sawNumber || "0#?".contains(next) {
                        if !sawNumber { add(.number); sawNumber = true }
                        inDecimals = true
                        hasPoint = true
                        i += 1
                    } else {
                        literal.append(c)
                        i += 1
                    }
                case ",":
                    if sawNumber && i + 1 < chars.count && "0#?".contains(chars[i + 1]) && !inDecimals {
                        thousands = true
                    } else if sawNumber && lastDigit == i - 1 - scale {
                        scale += 1
                    } else {
                        literal.append(c)
                    }
                    i += 1
                case "%":
                    percent += 1
                    literal.append("%")
                    i += 1
                case "e" where sawNumber && i + 1 < chars.count && (chars[i + 1] == "+" || chars[i + 1] == "-"):
                    exponent = (chars[i + 1] == "+", 0)
                    add(.exponent)
                    i += 2
                case "y":
                    let n = run("y"); add(.year(n)); hasDate = true; i += n
                case "d":
                    let n = run("d"); add(.day(n)); hasDate = true; i += n
                case "h":
                    let n = run("h"); add(.hour(n)); hasTime = true; i += n
                case "s":
                    // An `m` right before the seconds is minutes.
                    if case .month(let m)? = tokens.last, m <= 2 {
                        tokens[tokens.count - 1] = .minute(m)
                    }
                    let n = run("s"); add(.second(n)); hasTime = true; i += n
                case "m":
                    let n = run("m")
                    let afterHour = tokens.last(where: { if case .literal = $0 { return false }; return true }).map {
                        if case .hour = $0 { return true }
                        if case .elapsed(let e, _) = $0, e == "h" { return true }
                        return false
                    } ?? false
                    if afterHour && n <= 2 { add(.minute(n)); hasTime = true } else { add(.month(n)); hasDate = true }
                    i += n
                case "a":
                    let rest = String(chars[i...]).lowercased()
                    if rest.hasPrefix("am/pm") {
                        add(.ampm(short: false)); twelveHour = true; i += 5
                    } else if rest.hasPrefix("a/p") {
                        add(.ampm(short: true)); twelveHour = true; i += 3
                    } else {
                        literal.append(c); i += 1
                    }
                case "g" where String(chars[i...]).lowercased().hasPrefix("general"):
                    isGeneral = tokens.allSatisfy { if case .literal = $0 { return true }; return false } && !sawNumber
                    if isGeneral { i += 7 } else { literal.append(c); i += 1 }
                case "@":
                    isText = true
                    i += 1
                default:
                    literal.append(c)
                    i += 1
                }
            }
            flush()
            // An `m` turned into minutes by the seconds after it.
            hasDate = tokens.contains {
                switch $0 {
                case .year, .month, .day: true
                default: false
                }
            }
            if tokens.isEmpty && !isText { isGeneral = true }
            if isGeneral && (hasDate || hasTime || sawNumber) { isGeneral = false }
        }

        static let currencySymbols: Set<String> = ["€", "$", "£", "¥", "₹", "₽", "₩", "₺", "₪", "฿", "₫", "zł", "kr", "Kč", "Fr.",
                                                   "CHF", "EUR", "USD", "GBP", "JPY", "SEK", "NOK", "DKK", "PLN", "CZK"]

        /// A currency symbol written as literal text next to the digits
        /// (`#,##0.00 "€"`, `\$#,##0`).
        var literalCurrency: String? {
            guard tokens.contains(.number) else { return nil }
            for token in tokens {
                guard case .literal(let text) = token else { continue }
                let symbol = text.trimmingCharacters(in: " ()-+")
                if Self.currencySymbols.contains(symbol) { return symbol }
            }
            return nil
        }

        // MARK: Numbers

        func formatNumber(_ value: Double) -> String? {
            guard tokens.contains(.number) else {
                // Only literals: Excel shows them as they are.
                return tokens.map { if case .literal(let s) = $0 { return s }; return "" }.joined()
            }
            var v = value
            for _ in 0..<percent { v *= 100 }
            for _ in 0..<scale { v /= 1000 }
            var exponentValue = 0
            if exponent != nil, v != 0 {
                let integerDigits = max(1, integerZeros)
                exponentValue = Int(log10(v).rounded(.down)) - (integerDigits - 1)
                v /= pow10(exponentValue)
            }
            let digits = Self.fixed(v, decimals: decimalDigits)
            var integer = String(digits.prefix { $0 != "." })
            var fraction = digits.contains(".") ? String(digits.split(separator: ".", omittingEmptySubsequences: false)[1]) : ""
            while fraction.count > decimalZeros, fraction.last == "0" { fraction.removeLast() }
            if integer == "0" && integerZeros == 0 { integer = "" }
            while integer.count < integerZeros { integer = "0" + integer }
            if thousands { integer = Self.grouped(integer) }
            var number = integer
            if hasPoint { number += "." + fraction }
            var out = ""
            for token in tokens {
                switch token {
                case .literal(let s): out += s
                case .number: out += number
                case .exponent:
                    let sign = exponentValue < 0 ? "-" : (exponent?.sign == true ? "+" : "")
                    var e = String(abs(exponentValue))
                    while e.count < max(1, exponent?.zeros ?? 1) { e = "0" + e }
                    out += "E" + sign + e
                default: break
                }
            }
            return out
        }

        private func pow10(_ n: Int) -> Double {
            var r = 1.0
            for _ in 0..<abs(n) { r *= 10 }
            return n < 0 ? 1 / r : r
        }

        /// `value` (≥ 0) with exactly `decimals` digits after the point,
        /// rounded half away from zero as Excel does.
        static func fixed(_ value: Double, decimals: Int) -> String {
            var scaled = value
            for _ in 0..<decimals { scaled *= 10 }
            // Half away from zero, with a tolerance of Excel's 15 digits
            // (2.675 shows as 2.68, though its double is 2.67499…).
            let tolerance = max(1, scaled) * 1e-12
            var rounded = (scaled + tolerance).rounded(.down)
            if scaled - rounded + tolerance >= 0.5 { rounded += 1 }
            if scaled >= 9.0e15 { return String(format15(value)) }
            var digits = String(UInt64(rounded))
            guard decimals > 0 else { return digits }
            while digits.count <= decimals { digits = "0" + digits }
            let cut = digits.index(digits.endIndex, offsetBy: -decimals)
            return digits[..<cut] + "." + digits[cut...]
        }

        private static func format15(_ value: Double) -> String {
            var digits = String(UInt64(min(value, 1.8e19)))
            if digits.count > 15 { digits = String(digits.prefix(15)) + String(repeating: "0", count: digits.count - 15) }
            return digits
        }

        static func grouped(_ integer: String) -> String {
            var out: [Character] = []
            for (n, c) in integer.reversed().enumerated() {
                if n > 0 && n % 3 == 0 { out.append(",") }
                out.append(c)
            }
            return String(out.reversed())
        }

        // MARK: Dates and times

        static let months = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
                             "October", "November", "December"]
        static let days = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]

        func formatDate(_ serial: Double) -> String? {
            guard serial >= 0, serial < 2_958_466 else { return nil }
            let fractionDigits = tokens.reduce(0) { if case .fraction(let n) = $1 { return max($0, n) }; return $0 }
            var unit = 86_400.0
            for _ in 0..<fractionDigits { unit *= 10 }
            let ticks = (serial * unit).rounded()
            let perSecond = unit / 86_400
            var whole = Int64((ticks / unit).rounded(.down))
            var rest = ticks - Double(whole) * unit
            if rest < 0 { rest = 0 }
            let secondsOfDay = Int64(rest / perSecond)
            let fraction = Int64(rest - Double(secondsOfDay) * perSecond)
            // The 1900 system: serial 60 is Excel's 29 February 1900.
            let date: (year: Int, month: Int, day: Int)
            if whole == 60 {
                date = (1900, 2, 29)
            } else {
                if whole > 60 { whole -= 1 }
                date = CivilDate.civil(daysSince1970: whole - 25_568)
            }
            let weekday = Int((Int64(serial.rounded(.down)) + 6) % 7)
            let hour = Int(secondsOfDay / 3600), minute = Int(secondsOfDay / 60 % 60), second = Int(secondsOfDay % 60)
            func pad(_ n: Int, _ width: Int) -> String {
                var s = String(n)
                while s.count < width { s = "0" + s }
                return s
            }
            var out = ""
            for token in tokens {
                switch token {
                case .literal(let s): out += s
                case .year(let n): out += n <= 2 ? pad(date.year % 100, 2) : pad(date.year, 4)
                case .month(let n):
                    let name = Self.months[date.month - 1]
                    out += n == 1 ? String(date.month) : n == 2 ? pad(date.month, 2) : n == 3 ? String(name.prefix(3))
                        : n == 5 ? String(name.prefix(1)) : name
                case .day(let n):
                    let name = Self.days[weekday]
                    out += n == 1 ? String(date.day) : n == 2 ? pad(date.day, 2) : n == 3 ? String(name.prefix(3)) : name
                case .hour(let n):
                    let h = twelveHour ? (hour % 12 == 0 ? 12 : hour % 12) : hour
                    out += n >= 2 ? pad(h, 2) : String(h)
                case .minute(let n): out += n >= 2 ? pad(minute, 2) : String(minute)
                case .second(let n): out += n >= 2 ? pad(second, 2) : String(second)
                case .fraction(let n): out += "." + pad(Int(fraction), n)
                case .ampm(let short): out += short ? (hour < 12 ? "A" : "P") : (hour < 12 ? "AM" : "PM")
                case .elapsed(let c, let n):
                    let totalSeconds = (Double(Int64((ticks / unit).rounded(.down))) * 86_400) + Double(secondsOfDay)
                    let v = c == "h" ? Int(totalSeconds / 3600) : c == "m" ? Int(totalSeconds / 60) : Int(totalSeconds)
                    out += pad(v, n)
                case .number, .exponent: break
                }
            }
            return out
        }
    }
}

private func log10(_ x: Double) -> Double {
    // Enough for an exponent: the count of digits before the point, less one.
    var e = 0.0
    var v = x
    while v >= 10 { v /= 10; e += 1 }
    while v < 1 && v > 0 { v *= 10; e -= 1 }
    return e
}

private extension String {
    func trimmingCharacters(in set: String) -> String {
        let skip = Set(set)
        let chars = Array(self)
        var start = 0, end = chars.count
        while start < end, skip.contains(chars[start]) { start += 1 }
        while end > start, skip.contains(chars[end - 1]) { end -= 1 }
        return String(chars[start..<end])
    }
}
