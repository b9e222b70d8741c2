/// The file name people may give a report (`--name`, the API's `name`):
/// a plain file name without extension, checked before anything is
/// rendered. It becomes the last segment of `reports/…/<name>.<ext>`, so
/// a separator, `.`/`..`, a control character or an over-long name is the
/// requester's mistake (bad input), never something to retry.
public enum ReportName {
    /// S3 keys are at most 1,024 bytes; the rest of the key needs room.
    public static let maxBytes = 200

    /// Throws a bad-input ``ReportError`` (`badOption`) naming what is wrong.
    public static func check(_ name: String) throws(ReportError) {
        func refuse(_ why: String) -> ReportError {
            ReportError(.badOption, "report name '\(name)' \(why); give a plain file name without extension")
        }
        if name.isEmpty { throw refuse("is empty") }
        if name == "." || name == ".." { throw refuse("is not a file name") }
        if name.utf8.count > maxBytes { throw refuse("is longer than \(maxBytes) bytes") }
        if name.hasPrefix(".") { throw refuse("starts with '.'") }
        for scalar in name.unicodeScalars {
            if scalar == "/" || scalar == "\\" { throw refuse("contains '\(scalar)'") }
            if scalar.value < 0x20 || scalar.value == 0x7F { throw refuse("contains a control character") }
        }
    }
}

extension ExportJobArguments {
    /// Checks what can be checked without the database: the report name.
    public func validate() throws(ReportError) {
        if let name { try ReportName.check(name) }
    }
}
