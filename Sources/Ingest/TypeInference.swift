public import XLSXReader

/// Chooses one PostgreSQL type for a whole column, one cell at a time.
///
/// Feed every data cell of the column to ``observe(_:)`` (in any order;
/// partial results from several workers combine with ``merge(_:)``), then
/// read ``inferredType`` and the statistics recorded on the version.
///
/// Each non-blank, non-error cell votes for a ``ValueKinds`` member; the
/// column's type is the narrowest type that holds every vote:
///
/// | votes | type |
/// |---|---|
/// | integers that fit in Int64 (`42`, `-0`, `007`) | `bigint` |
/// | + positional decimals of ≤ 38 digits, or integers beyond Int64 | `numeric` (exact: `0.1` stays `0.1`) |
/// | + exponent notation (`1E-3`, `1E3`) or > 38 digits | `double precision` |
/// | whole-day serials under a date format | `date` |
/// | + date-and-time formats, or date formats with a time of day | `timestamp` |
/// | durations (`[h]:mm:ss`) and times of day (`h:mm`, serials in [0, 1)) | `interval` |
/// | times of day with serials ≥ 1 under a time-of-day format, or with date-times | `timestamp` |
/// | booleans | `boolean` |
/// | anything else, any other mix, or no value at all | `text` |
///
/// Choices made where the issue leaves room:
/// - Blank cells are NULL and don't vote. Error cells (`#N/A`) don't vote
///   either: they are NULL in a typed column and their text in a text
///   column, and are counted in ``errorCount`` either way.
/// - A number is a number however it is written: `007` in the XML is the
///   bigint 7. Leading-zero codes typed as text (`t="s"`) are text and
///   make the column text.
/// - Exponent notation always means double precision, even when the value
///   is integral (`1E3`): writers use it for floating-point values.
///   Numeric mixed with double precision gives double precision.
/// - A time of day (`h:mm:ss`, serial in [0, 1)) becomes an `interval`
///   since midnight (PostgreSQL `time` isn't among our types). A serial
///   ≥ 1 under a time-of-day format is the date and time Excel holds (the
///   format only hides the date): `1.5` under `h:mm` is 1900-01-01 12:00,
///   never `36:00:00`. A column mixing both (or times of day and other
///   date-times) is `timestamp`, its times of day on 1899-12-31 (serial 0,
///   which Excel shows as 1900-01-00), so every value keeps its time and
///   the ≥ 1 values their date; times of day beside whole dates stay a
///   mix (`text`), as a date column with a stray time is. A negative
///   serial under a time format is the plain number it is (under an
///   elapsed `[h]` format it is a negative interval).
/// - A negative serial, or one at or beyond 10000-01-01 (serial 2958466),
///   under a date format votes as the plain number it is; a column mixing
///   dates and plain numbers is text (dates in it are written
///   `YYYY-MM-DD`, numbers as written), so nothing is lost.
/// - A column with no values (only blanks and errors) is text.
public struct ColumnTypeInference: Sendable, Equatable, Hashable, Codable {
    /// The kinds of value seen in a column.
    public struct ValueKinds: OptionSet, Sendable, Hashable, Codable {
        public let rawValue: UInt16
        public init(rawValue: UInt16) { self.rawValue = rawValue }

        /// An integer written positionally that fits in Int64.
        public static let integer = ValueKinds(rawValue: 1 << 0)
        /// A decimal written positionally with at most
        /// ``ColumnTypeInference/maxNumericPrecision`` digits, or an
        /// integer beyond Int64.
        public static let decimal = ValueKinds(rawValue: 1 << 1)
        /// Exponent notation, or too many digits for numeric.
        public static let float = ValueKinds(rawValue: 1 << 2)
        /// A whole-day serial under a date format.
        public static let date = ValueKinds(rawValue: 1 << 3)
        /// A serial under a date-time format, or with a time of day under
        /// a date format.
        public static let dateTime = ValueKinds(rawValue: 1 << 4)
        /// A duration (elapsed `[h]` formats).
        public static let interval = ValueKinds(rawValue: 1 << 5)
        /// A time of day: a serial in [0, 1) under a time-of-day format.
        public static let timeOfDay = ValueKinds(rawValue: 1 << 8)
        public static let boolean = ValueKinds(rawValue: 1 << 6)
        /// Text, or a number cell whose text is not a number.
        public static let text = ValueKinds(rawValue: 1 << 7)

        /// The kinds' names, for column statistics people read
        /// (`["integer", "decimal"]`).
        public var names: [String] {
            let all: [(ValueKinds, String)] = [
                (.integer, "integer"), (.decimal, "decimal"), (.float, "float"), (.date, "date"),
                (.dateTime, "dateTime"), (.interval, "interval"), (.timeOfDay, "timeOfDay"), (.boolean, "boolean"),
                (.text, "text"),
            ]
            return all.filter { contains($0.0) }.map(\.1)
        }

        static let numbers: ValueKinds = [.integer, .decimal, .float]
        static let dates: ValueKinds = [.date, .dateTime]
    }

    /// Positional decimals with more significant digits than this are
    /// double precision: beyond what any spreadsheet stores (Excel keeps
    /// 15–17), and the precision of `numeric(38)` elsewhere.
    public static let maxNumericPrecision = 38

    /// Cells with a value (neither blank nor an error).
    public private(set) var nonNullCount = 0
    /// Blank cells (NULL in every column type).
    public private(set) var nullCount = 0
    /// Error cells (`#N/A`, `#DIV/0!`, …).
    public private(set) var errorCount = 0
    /// Every kind of value seen.
    public private(set) var kindsSeen: ValueKinds = []
    /// Numbers written with more than 15 significant digits, stored
    /// rounded to 15 (Excel's precision; see ``asStored(_:_:_:_:)``).
    public private(set) var roundedCount = 0
    /// The number format most of the column's numbers carry: a slot of the
    /// workbook's format codes (0: General). A majority vote (Boyer–Moore):
    /// exact whenever one format holds more than half of the numbers.
    public private(set) var formatSlot: UInt16 = 0
    private var formatVotes: Int32 = 0

    public init() {}

    @inline(__always)
    mutating func voteFormat(_ slot: UInt16) {
        if slot == formatSlot {
            formatVotes &+= 1
        } else if formatVotes == 0 {
            formatSlot = slot
            formatVotes = 1
        } else {
            formatVotes &-= 1
        }
    }

    /// Records one cell of the column.
    public mutating func observe(_ value: CellValue) {
        switch value {
        case .empty:
            nullCount += 1
        case .error:
            errorCount += 1
        case .text:
            nonNullCount += 1
            kindsSeen.insert(.text)
        case .boolean:
            nonNullCount += 1
            kindsSeen.insert(.boolean)
        case .number(let text, let kind):
            nonNullCount += 1
            voteFormat(0)   // a value without its cell: General
            let (seen, rounded) = text.withDecimalBytes { b -> (ValueKinds, Bool) in
                guard let d = DecimalText(b) else { return (.text, false) }
                return Self.asStored(d, b, kind) { d, b, rounded in (Self.kind(of: d, in: b, kind), rounded) }
            }
            kindsSeen.insert(seen)
            if rounded { roundedCount += 1 }
        }
    }

    /// Records a blank cell without building a ``CellValue`` (for the gaps
    /// of sparse rows).
    public mutating func observeBlanks(_ count: Int) {
        nullCount += count
    }

    /// Combines the statistics of two parts of the same column.
    public mutating func merge(_ other: ColumnTypeInference) {
        nonNullCount += other.nonNullCount
        nullCount += other.nullCount
        errorCount += other.errorCount
        roundedCount += other.roundedCount
        kindsSeen.formUnion(other.kindsSeen)
        // Two majority votes: the same candidate adds up, else the stronger
        // one keeps the difference.
        if other.formatSlot == formatSlot {
            formatVotes &+= other.formatVotes
        } else if other.formatVotes > formatVotes {
            formatSlot = other.formatSlot
            formatVotes = other.formatVotes &- formatVotes
        } else {
            formatVotes &-= other.formatVotes
        }
    }

    /// Every cell observed.
    public var cellCount: Int { nonNullCount + nullCount + errorCount }

    /// The narrowest type that holds every value seen (see the table above).
    public var inferredType: ColumnType {
        let k = kindsSeen
        if k.isEmpty || k.contains(.text) { return .text }
        if ValueKinds.numbers.isSuperset(of: k) {
            if k.contains(.float) { return .doublePrecision }
            if k.contains(.decimal) { return .numeric }
            return .bigint
        }
        if ValueKinds.dates.isSuperset(of: k) {
            return k.contains(.dateTime) ? .timestamp : .date
        }
        if ValueKinds([.interval, .timeOfDay]).isSuperset(of: k) { return .interval }
        // Times of day beside date-times: date-times, the times on 1899-12-31.
        if ValueKinds([.dateTime, .timeOfDay]).isSuperset(of: k) { return .timestamp }
        if k == .boolean { return .boolean }
        return .text
    }

    /// Calls `body` with the number as it is stored: a number read as a
    /// number (not as a date, time or duration) whose text has more than
    /// 15 significant digits is rounded to 15, Excel's precision
    /// (`84.73999999999999` → `84.74`; see
    /// `DecimalText.withExcelPrecision`), and `body` learns that it was
    /// (`true`); any other number is passed as written. On the hot path
    /// this costs one comparison per number.
    @inline(__always)
    static func asStored<R>(
        _ d: DecimalText, _ b: UnsafeBufferPointer<UInt8>, _ kind: NumberKind,
        _ body: (DecimalText, UnsafeBufferPointer<UInt8>, Bool) -> R
    ) -> R {
        // Beyond 1E308 (past Excel's largest number, where rounding up
        // could pass double precision's) numbers stay as written.
        guard d.exceedsExcelPrecision, d.pointPosition - d.firstSignificant <= 308,
              ValueKinds.numbers.contains(Self.kind(of: d, in: b, kind)) else { return body(d, b, false) }
        return d.withExcelPrecision(in: b) { body($0, $1, true) }
    }

    /// The vote of one number cell whose text is already parsed.
    static func kind(of d: DecimalText, in b: UnsafeBufferPointer<UInt8>, _ kind: NumberKind) -> ValueKinds {
        switch kind {
        case .plain:
            return plainKind(d, in: b)
        case .date, .dateTime:
            guard ExcelDate.isDateSerial(d, in: b) else { return plainKind(d, in: b) }
            return kind == .date && d.isIntegral ? .date : .dateTime
        case .time:
            switch ExcelDate.timeSerial(d, in: b) {
            case .timeOfDay: return .timeOfDay
            case .dateTime: return .dateTime
            case .number: return plainKind(d, in: b)
            }
        case .duration:
            return ExcelDate.isDurationSerial(d, in: b) ? .interval : plainKind(d, in: b)
        }
    }

    /// Records `value` exactly as ``observe(_:)`` does and appends it to
    /// `out` as one COPY BINARY field of `type`, as
    /// ``CopyEncoder/appendBinary(_:as:to:)`` does, reading a number's
    /// text once for both (the ingest's hot path). The value is recorded
    /// even when it does not fit `type`; then nothing is appended and the
    /// error is thrown.
    package mutating func observe(
        _ value: CellValue, appendingBinaryAs type: ColumnType, with encoder: CopyEncoder, to out: inout [UInt8]
    ) throws(CopyEncodingError) {
        guard case .number(let text, let numberKind) = value else {
            observe(value)
            try encoder.appendBinary(value, as: type, to: &out)
            return
        }
        voteFormat(0)
        let failure = text.withDecimalBytes { observeNumber($0, numberKind, appendingBinaryAs: type, with: encoder, to: &out) }
        if let code = failure { throw CopyEncodingError(code: code, columnType: type, value: value) }
    }

    /// Records a cell of a raw row, as ``observe(_:)`` records its value.
    mutating func observe(_ cell: RawCell, in row: RawRow) {
        switch cell.type {
        case .error:
            errorCount += 1
        case .text, .shared:
            nonNullCount += 1
            kindsSeen.insert(.text)
        case .boolean:
            nonNullCount += 1
            kindsSeen.insert(.boolean)
        case .number:
            nonNullCount += 1
            voteFormat(cell.format)
            let kind = cell.numberKind
            let (seen, rounded) = row.withBytes(cell) { b -> (ValueKinds, Bool) in
                guard let d = DecimalText(b) else { return (.text, false) }
                return Self.asStored(d, b, kind) { d, b, rounded in (Self.kind(of: d, in: b, kind), rounded) }
            }
            kindsSeen.insert(seen)
            if rounded { roundedCount += 1 }
        }
    }

    /// ``observe(_:appendingBinaryAs:with:to:)`` for a cell of a raw row.
    mutating func observe(
        _ cell: RawCell, in row: RawRow, appendingBinaryAs type: ColumnType, with encoder: CopyEncoder, to out: inout [UInt8]
    ) throws(CopyEncodingError) {
        guard cell.type == .number else {
            observe(cell, in: row)
            try encoder.appendBinary(cell, in: row, as: type, to: &out)
            return
        }
        voteFormat(cell.format)
        let failure = row.withBytes(cell) { observeNumber($0, cell.numberKind, appendingBinaryAs: type, with: encoder, to: &out) }
        if let code = failure { throw CopyEncodingError(code: code, columnType: type, value: row.value(cell)) }
    }

    /// A number cell's text, parsed once to vote and to be encoded.
    @inline(__always)
    private mutating func observeNumber(
        _ b: UnsafeBufferPointer<UInt8>, _ numberKind: NumberKind, appendingBinaryAs type: ColumnType, with encoder: CopyEncoder,
        to out: inout [UInt8]
    ) -> CopyEncodingError.Code? {
        nonNullCount += 1
        guard let d = DecimalText(b) else {
            kindsSeen.insert(.text)
            return encoder.appendBinaryField(.number, b, numberKind, as: type, to: &out)
        }
        if d.exceedsExcelPrecision {
            return Self.asStored(d, b, numberKind) { d, b, rounded in
                if rounded { roundedCount += 1 }
                return voteAndAppend(d, b, numberKind, as: type, with: encoder, to: &out)
            }
        }
        return voteAndAppend(d, b, numberKind, as: type, with: encoder, to: &out)
    }

    @inline(__always)
    private mutating func voteAndAppend(
        _ d: DecimalText, _ b: UnsafeBufferPointer<UInt8>, _ numberKind: NumberKind, as type: ColumnType, with encoder: CopyEncoder,
        to out: inout [UInt8]
    ) -> CopyEncodingError.Code? {
        kindsSeen.insert(Self.kind(of: d, in: b, numberKind))
        return encoder.appendStoredNumberField(d, b, numberKind, as: type, to: &out)
    }

    static func plainKind(_ d: DecimalText, in b: UnsafeBufferPointer<UInt8>) -> ValueKinds {
        if d.hasExponent || d.precision > maxNumericPrecision { return .float }
        if !d.hasPoint, d.int64Value(in: b) != nil { return .integer }
        return .decimal
    }
}
