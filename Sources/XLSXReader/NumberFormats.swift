/// `styles.xml` → `cellXfs` → `numFmtId` → `NumberKind`, one entry per
/// cell style index (the `s` attribute of a cell).
struct NumberFormats {
    private(set) var kinds: [NumberKind] = []
    /// Per style index, its format's slot in ``codes``.
    private(set) var slots: [UInt16] = []
    /// The workbook's distinct number format codes; slot 0 is General.
    private(set) var codes: [String] = ["General"]

    init() {}

    init(styles xml: StructuralXML) {
        var custom: [Int: String] = [:]
        var xfs: [Int] = []
        xml.forEachElement { element in
            switch element.localName {
            case "numFmt":
                if let id = element.attribute("numFmtId").flatMap({ Int($0) }) {
                    custom[id] = element.attribute("formatCode") ?? ""
                }
            case "xf" where element.parentName == "cellXfs":
                xfs.append(element.attribute("numFmtId").flatMap { Int($0) } ?? 0)
            default:
                break
            }
        }
        var cache: [Int: NumberKind] = [:]
        kinds = xfs.map { id in
            if let known = cache[id] { return known }
            let kind = custom[id].map(Self.classify) ?? Self.builtIn(id)
            cache[id] = kind
            return kind
        }
        var slotOf: [String: UInt16] = ["General": 0]
        slots = xfs.map { id in
            let code = custom[id] ?? Self.builtInCodes[id] ?? "General"
            if let slot = slotOf[code] { return slot }
            guard codes.count < Int(UInt16.max) else { return 0 }
            let slot = UInt16(codes.count)
            codes.append(code)
            slotOf[code] = slot
            return slot
        }
    }

    /// The format slot of style index `s` (General when out of range).
    @inline(__always)
    func slot(_ style: Int) -> UInt16 {
        style >= 0 && style < slots.count ? slots[style] : 0
    }

    /// The built-in format codes Excel shows (ECMA-376 §18.8.30, en-US).
    static let builtInCodes: [Int: String] = [
        0: "General", 1: "0", 2: "0.00", 3: "#,##0", 4: "#,##0.00", 9: "0%", 10: "0.00%", 11: "0.00E+00",
        12: "# ?/?", 13: "# ??/??", 14: "m/d/yyyy", 15: "d-mmm-yy", 16: "d-mmm", 17: "mmm-yy", 18: "h:mm AM/PM",
        19: "h:mm:ss AM/PM", 20: "h:mm", 21: "h:mm:ss", 22: "m/d/yyyy h:mm", 37: "#,##0 ;(#,##0)",
        38: "#,##0 ;[Red](#,##0)", 39: "#,##0.00;(#,##0.00)", 40: "#,##0.00;[Red](#,##0.00)", 45: "mm:ss",
        46: "[h]:mm:ss", 47: "mm:ss.0", 48: "##0.0E+0", 49: "@",
    ]

    /// The kind of style index `s` (plain when out of range).
    @inline(__always)
    func kind(_ style: Int) -> NumberKind {
        style >= 0 && style < kinds.count ? kinds[style] : .plain
    }

    /// The built-in number formats (ECMA-376 §18.8.30), including the
    /// East Asian locale date ids 27–31, 36, 50–58 and times 32–35.
    static func builtIn(_ id: Int) -> NumberKind {
        switch id {
        case 14...17, 27...31, 36, 50...58: return .date
        case 18...21, 32...35, 45, 47: return .time
        case 22: return .dateTime
        case 46: return .duration
        default: return .plain
        }
    }

    /// Classifies a custom format code with a small tokenizer over its
    /// first section: quoted text, `\x` escapes, `_x` / `*x` padding and
    /// bracketed colours, conditions and locales (`[Red]`, `[>0]`,
    /// `[$-409]`) are ignored, except the elapsed-time brackets `[h]`,
    /// `[mm]`, `[ss]`, which make it a duration. `y`/`d` mean date, `h`/`s`
    /// and AM/PM mean time, both mean date and time; `m` is minutes right
    /// after an `h` or right before an `s`, months otherwise.
    static func classify(_ code: String) -> NumberKind {
        let b = Array(code.utf8).map { $0 >= 65 && $0 <= 90 ? $0 + 32 : $0 }
        var hasDate = false, hasTime = false, elapsed = false
        var last: UInt8 = 0        // last of y/d/h/m/s seen
        var pendingMonth = false   // an `m` run not yet known to be minutes
        var i = 0
        func letter(_ c: UInt8) {
            switch c {
            case UInt8(ascii: "y"), UInt8(ascii: "d"):
                if pendingMonth { hasDate = true; pendingMonth = false }
                hasDate = true
            case UInt8(ascii: "h"):
                if pendingMonth { hasDate = true; pendingMonth = false }
                hasTime = true
            case UInt8(ascii: "s"):
                if pendingMonth { hasTime = true; pendingMonth = false }
                hasTime = true
            case UInt8(ascii: "m"):
                if last == UInt8(ascii: "h") { hasTime = true } else if last != UInt8(ascii: "m") { pendingMonth = true }
            default:
                return
            }
            last = c
        }
        scan: while i < b.count {
            let c = b[i]
            switch c {
            case UInt8(ascii: ";"):
                break scan
            case UInt8(ascii: "\""):
                i += 1
                while i < b.count && b[i] != UInt8(ascii: "\"") { i += 1 }
            case UInt8(ascii: "\\"), UInt8(ascii: "_"), UInt8(ascii: "*"):
                i += 1
            case UInt8(ascii: "["):
                var j = i + 1
                while j < b.count && b[j] != UInt8(ascii: "]") { j += 1 }
                let inner = b[(i + 1)..<min(j, b.count)]
                if let first = inner.first, [UInt8(ascii: "h"), UInt8(ascii: "m"), UInt8(ascii: "s")].contains(first),
                   inner.allSatisfy({ $0 == first }) {
                    elapsed = true
                    hasTime = true
                    last = first
                }
                i = j
            case UInt8(ascii: "a"):
                let rest = b[i...]
                if rest.starts(with: Array("am/pm".utf8)) || rest.starts(with: Array("a/p".utf8)) {
                    hasTime = true
                    i += rest.starts(with: Array("am/pm".utf8)) ? 4 : 2
                }
            case UInt8(ascii: "g"):
                // "General": skip the word so its letters are not read as tokens.
                if b[i...].starts(with: Array("general".utf8)) { i += 6 }
            default:
                letter(c)
            }
            i += 1
        }
        if pendingMonth { hasDate = true }
        if elapsed { return .duration }
        if hasDate && hasTime { return .dateTime }
        if hasDate { return .date }
        if hasTime { return .time }
        return .plain
    }
}
