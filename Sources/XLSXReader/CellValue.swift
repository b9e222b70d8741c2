/// How a number cell is to be read, decided by the cell's number format
/// (built-in ids 14–22 and 45–47, or a custom format code).
public enum NumberKind: Sendable, Equatable, Hashable {
    /// A plain number (General, 0.00, percentages, currency, …).
    case plain
    /// A date without a time of day (`yyyy-mm-dd`, id 14).
    case date
    /// A date with a time of day (`m/d/yy h:mm`, id 22).
    case dateTime
    /// A time of day without a date (`h:mm:ss`, ids 18–21, 45, 47): a
    /// serial in [0, 1) is a time of day, a serial ≥ 1 the date and time
    /// Excel holds (the format hides the date), a negative one a number.
    case time
    /// An elapsed time (`[h]:mm:ss`, id 46): an interval, never a date.
    case duration
}

/// One cell's value exactly as the workbook holds it: numbers keep the
/// digits as written (no binary floating-point round trip), so type
/// inference can choose bigint, numeric or double precision faithfully.
public enum CellValue: Sendable, Equatable, Hashable {
    case empty
    /// The number's text as written in the sheet XML (`42`, `3.14`, `1E-3`)
    /// and how its number format says to read it.
    case number(String, NumberKind)
    /// Shared, inline or formula-result (`t="str"`) text, escapes decoded.
    case text(String)
    case boolean(Bool)
    /// An error cell (`#N/A`, `#DIV/0!`, …): never silently empty.
    case error(String)
}
