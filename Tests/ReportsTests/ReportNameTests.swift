import Reports
import Testing

/// Issue 17, defect 7: `--name` is a plain file name, checked before
/// anything is rendered; anything else is bad input (never retried).
@Suite struct ReportNameTests {
    @Test(arguments: ["../../x", "/abs/x", "a/b", "a\\b", "..", ".", "", ".hidden", "tab\there", String(repeating: "x", count: 201)])
    func refused(name: String) {
        #expect(throws: ReportError.self) { try ReportName.check(name) }
        do {
            try ReportName.check(name)
        } catch {
            #expect(error.isBadInput)
            #expect(error.code == .badOption)
        }
        let arguments = ExportJobArguments(request: ReportRequest(dataset: "d", format: .csv), name: name)
        #expect(throws: ReportError.self) { try arguments.validate() }
    }

    @Test(arguments: ["q3 sales", "orders-2024.final", "Umsätze_Q3", String(repeating: "x", count: 200)])
    func accepted(name: String) throws {
        try ReportName.check(name)
        try ExportJobArguments(request: ReportRequest(dataset: "d", format: .csv), name: name).validate()
    }
}
