/// The configured bounds on report size.
public enum ReportLimits {
    public static let defaultMaxRows = 5_000_000
    /// libharu holds every page in memory until it saves, so PDFs have a
    /// lower bound of their own.
    public static let defaultMaxPrintRows = 200_000

    /// `PYRAMYDAL_REPORT_MAX_ROWS` (default 5,000,000) for every format;
    /// PDF is bounded further by `PYRAMYDAL_PRINT_MAX_ROWS` (default 200,000).
    /// A value that is not a positive whole number is a `.badOption` naming
    /// the variable.
    public static func maxRows(for format: ReportRequest.Format, environment: [String: String]) throws(ReportError) -> Int {
        func read(_ name: String, _ fallback: Int) throws(ReportError) -> Int {
            guard let text = environment[name], !text.isEmpty else { return fallback }
            guard let n = Int(text), n > 0 else {
                throw ReportError(.badOption, "\(name) must be a positive whole number (got \"\(text)\")")
            }
            return n
        }
        let bound = try read("PYRAMYDAL_REPORT_MAX_ROWS", defaultMaxRows)
        return format == .pdf ? min(bound, try read("PYRAMYDAL_PRINT_MAX_ROWS", defaultMaxPrintRows)) : bound
    }
}
