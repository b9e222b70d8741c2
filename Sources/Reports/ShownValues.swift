public import Basics

extension ExcelNumberFormat {
    /// The workbook format a report column's values are shown with: a
    /// number or date column's own (nil: none, or a text, boolean or
    /// interval column).
    public static func of(_ column: ReportColumn) -> ExcelNumberFormat? {
        switch column.type {
        case .integer, .numeric, .double, .date, .timestamp: column.format.map(ExcelNumberFormat.init)
        case .interval, .boolean, .text: nil
        }
    }

    /// A value as PostgreSQL writes it (`1234.5`, `2024-12-31`,
    /// `2024-12-31 18:00:00`) shown as this format shows it in Excel
    /// (`1,234.50 €`, `31.12.2024`); nil when the format shows it as it is.
    public func shown(_ value: String, as type: ReportColumnType) -> String? {
        switch type {
        case .integer, .numeric, .double: Double(value).flatMap(format)
        case .date: CellValues.excelSerial(value, withTime: false).flatMap(format)
        case .timestamp: CellValues.excelSerial(value, withTime: true).flatMap(format)
        case .interval, .boolean, .text: nil
        }
    }
}
