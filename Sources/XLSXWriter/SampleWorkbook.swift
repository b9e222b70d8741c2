import Dispatch
public import Basics

/// A realistic, deterministic 20-column "orders" workbook for demos and
/// benchmarks (`pyramydal sample --rows N --out F.xlsx`), shaped like
/// `shared/bench/gen_workbook.py`: ints, 2-place decimals, real dates and
/// date-times with number formats, booleans, short and long text with
/// non-ASCII and some CJK, one 12-value category column, and about 5%
/// blank cells in every column but `row_id`. The same seed always gives
/// the same rows (its own generator, so not the Python script's values).
public enum SampleWorkbook {
    public enum Kind: Sendable, Hashable {
        case integer, decimal2, date, dateTime, boolean, text
    }

    /// One generated cell.
    public enum Value: Sendable, Hashable {
        case blank
        case integer(Int64)
        /// A 2-place decimal, in hundredths (`1234` is 12.34).
        case cents(Int64)
        case date(year: Int, month: Int, day: Int)
        case dateTime(ExcelTimestamp)
        case boolean(Bool)
        case text(String)
    }

    public static let columns: [(name: String, kind: Kind)] = [
        ("row_id", .integer), ("order_id", .integer), ("customer_id", .integer),
        ("sku", .text), ("product_name", .text), ("category", .text),
        ("quantity", .integer), ("unit_price", .decimal2), ("discount", .decimal2), ("amount", .decimal2),
        ("order_date", .date), ("ship_date", .date), ("created_at", .dateTime), ("updated_at", .dateTime),
        ("is_paid", .boolean), ("is_gift", .boolean),
        ("customer_name", .text), ("city", .text), ("notes", .text), ("shipping_cost", .decimal2),
    ]

    public static let sheetName = "orders"
    public static let decimalFormat = "#,##0.00"
    public static let dateFormat = "yyyy-mm-dd"
    public static let dateTimeFormat = "yyyy-mm-dd hh:mm:ss"

    /// Writes a header row and `rows` data rows to `path`. By default in
    /// libxlsxwriter's constant-memory mode: flat memory at any size, text
    /// as inline strings (`t="inlineStr"`). `constantMemory: false` writes
    /// a shared-strings table as Excel does, but holds the whole sheet in
    /// memory until `close` (use it for test workbooks, not for 1M rows).
    /// Blocking; call it from a thread of its own in async code (or use
    /// ``writeDetached(rows:to:seed:)``).
    public static func write(rows: Int, to path: String, seed: UInt64 = 42, constantMemory: Bool = true) throws(XLSXWriterError) {
        let writer = try XLSXWriter(path: path, constantMemory: constantMemory)
        let sheet = try writer.addWorksheet(named: sheetName)
        let bold = try writer.format(XLSXFormat(bold: true))
        let decimal = try writer.format(XLSXFormat(numberFormat: decimalFormat))
        let date = try writer.format(XLSXFormat(numberFormat: dateFormat))
        let dateTime = try writer.format(XLSXFormat(numberFormat: dateTimeFormat))

        try sheet.freezePanes(row: 1, column: 0)
        try sheet.autofilter(firstRow: 0, firstColumn: 0, lastRow: max(rows, 1), lastColumn: columns.count - 1)
        for (c, column) in columns.enumerated() {
            let width: Double = switch column.kind {
            case .dateTime: 20
            case .date: 12
            case .text: column.name == "notes" ? 60 : 18
            default: 12
            }
            try sheet.setColumnWidth(first: c, last: c, width: width)
            try sheet.writeString(row: 0, column: c, column.name, format: bold)
        }

        var generator = Rows(count: rows, seed: seed)
        var r = 1
        while let row = generator.next() {
            for (c, value) in row.enumerated() {
                switch value {
                case .blank:
                    continue
                case .integer(let v):
                    try sheet.writeNumber(row: r, column: c, Double(v))
                case .cents(let v):
                    try sheet.writeNumber(row: r, column: c, Double(v) / 100, format: decimal)
                case .date(let y, let m, let d):
                    try sheet.writeDateTime(row: r, column: c, XLSXDateTime(year: y, month: m, day: d), format: date)
                case .dateTime(let ts):
                    let (y, m, d) = ts.calendarDate
                    try sheet.writeDateTime(
                        row: r, column: c,
                        XLSXDateTime(year: y, month: m, day: d, hour: ts.hour, minute: ts.minute, second: Double(ts.second)),
                        format: dateTime)
                case .boolean(let v):
                    try sheet.writeBoolean(row: r, column: c, v)
                case .text(let s):
                    try sheet.writeString(row: r, column: c, s)
                }
            }
            r += 1
        }
        try writer.close()
    }

    /// ``write(rows:to:seed:)`` on a Dispatch thread, so the seconds of
    /// blocking file I/O and compression stay off Swift's cooperative pool.
    public static func writeDetached(rows: Int, to path: String, seed: UInt64 = 42) async throws(XLSXWriterError) {
        let result: Result<Void, XLSXWriterError> = await withCheckedContinuation { continuation in
            DispatchQueue.global(qos: .userInitiated).async {
                do throws(XLSXWriterError) {
                    try write(rows: rows, to: path, seed: seed)
                    continuation.resume(returning: .success(()))
                } catch {
                    continuation.resume(returning: .failure(error))
                }
            }
        }
        try result.get()
    }

    /// The data rows (without the header), generated lazily.
    public struct Rows: Sequence, IteratorProtocol, Sendable {
        public let count: Int
        private var index = 0
        private var rng: SampleRandom

        public init(count: Int, seed: UInt64) {
            self.count = count
            rng = SampleRandom(seed: seed)
        }

        public mutating func next() -> [Value]? {
            guard index < count else { return nil }
            index += 1
            return makeRow(index)
        }

        private mutating func int(_ lo: Int, _ hi: Int) -> Int { rng.int(in: lo...hi) }
        private mutating func pick(_ list: [String]) -> String { list[rng.int(in: 0...(list.count - 1))] }
        private mutating func chance(_ p: Double) -> Bool { rng.unit() < p }

        private mutating func makeRow(_ i: Int) -> [Value] {
            let qty = int(1, 500)
            let priceCents = int(99, 99_999)
            let discountPercent = int(0, 30)
            let amountCents = (qty * priceCents * (100 - discountPercent) + 50) / 100
            let orderDay = epochDay + Int64(int(0, 1800))
            let shipDay = orderDay + Int64(int(0, 14))
            let created = orderDay * 86_400 + Int64(int(0, 86_399))
            let updated = created + Int64(int(0, 30 * 86_400))
            let customerName = chance(0.03) ? pick(SampleWords.cjkNames) : "\(pick(SampleWords.first)) \(pick(SampleWords.last))"
            var notes = ""
            for w in 0..<int(6, 24) {
                if w > 0 { notes += " " }
                notes += pick(SampleWords.words)
            }
            notes = notes.prefix(1).uppercased() + notes.dropFirst() + " (ref \(int(1000, 999_999))."
            let letters = "\(Character(Unicode.Scalar(UInt8(65 + int(0, 25)))))\(Character(Unicode.Scalar(UInt8(65 + int(0, 25)))))"
            let skuNumber = String(int(0, 99_999))
            let sku = "SKU-\(String(repeating: "0", count: 5 - skuNumber.count))\(skuNumber)-\(letters)"

            var row: [Value] = [
                .integer(Int64(i)),
                .integer(Int64(int(1_000_000, 999_999_999))),
                .integer(Int64(int(1, 50_000))),
                .text(sku),
                .text("\(pick(SampleWords.adjectives)) \(pick(SampleWords.nouns)) \(pick(SampleWords.variants))"),
                .text(pick(SampleWords.categories)),
                .integer(Int64(qty)),
                .cents(Int64(priceCents)),
                .cents(Int64(discountPercent)),
                .cents(Int64(amountCents)),
                dateValue(orderDay),
                dateValue(shipDay),
                .dateTime(timestamp(created)),
                .dateTime(timestamp(updated)),
                .boolean(chance(0.7)),
                .boolean(chance(0.1)),
                .text(customerName),
                .text(pick(SampleWords.cities)),
                .text(notes),
                .cents(Int64(int(0, 4999))),
            ]
            for c in 1..<row.count where chance(0.05) { row[c] = .blank }
            return row
        }

        private let epochDay = CivilDate.daysSince2000(year: 2020, month: 1, day: 1)

        private func dateValue(_ day: Int64) -> Value {
            let (y, m, d) = CivilDate.civil(daysSince2000: day)
            return .date(year: y, month: m, day: d)
        }

        private func timestamp(_ seconds: Int64) -> ExcelTimestamp {
            ExcelTimestamp(daysSince2000: seconds / 86_400, microsecondOfDay: seconds % 86_400 * 1_000_000)
        }
    }
}

/// Sebastiano Vigna's SampleRandom: tiny, fast, and the same on every platform.
struct SampleRandom: Sendable {
    var state: UInt64
    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in `range` (multiply-shift; the bias is far below 2⁻³²).
    mutating func int(in range: ClosedRange<Int>) -> Int {
        let span = UInt64(range.upperBound - range.lowerBound + 1)
        return range.lowerBound + Int(next().multipliedFullWidth(by: span).high)
    }

    /// Uniform in [0, 1).
    mutating func unit() -> Double { Double(next() >> 11) * 0x1.0p-53 }
}
