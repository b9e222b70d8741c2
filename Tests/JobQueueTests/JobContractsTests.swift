import JobContracts
import Testing
@testable import JobQueue

/// The job contracts as values: each kind's name, the JSON shape the queue
/// stores, and the unique keys the intakes rely on.
@Suite struct JobContractsTests {
    @Test func ingestArgumentsKeepTheirShapeAndUniqueKey() throws {
        let args = IngestArgs(store: "s3://drops/", key: "incoming/sales/q1.xlsx", etag: "e1")
        #expect(args.kind == "ingest")
        #expect(try JSONValue(encoding: args) == ["store": "s3://drops/", "key": "incoming/sales/q1.xlsx", "etag": "e1"])
        #expect(args.uniqueKey == "ingest:s3://drops/:incoming/sales/q1.xlsx:e1")
        let decoded = try JSONValue.parse(#"{"key": "incoming/a.xlsx"}"#).decode(IngestArgs.self)
        #expect(decoded == IngestArgs(store: nil, key: "incoming/a.xlsx", etag: nil))
    }

    @Test func reportArgumentsNameTheirKind() {
        #expect(ExportJobArguments(request: ReportRequest(dataset: "sales/orders", format: .csv)).kind == "export")
        #expect(ExportJobArguments(request: ReportRequest(dataset: "sales/orders", format: .xlsx)).kind == "export")
        #expect(ExportJobArguments(request: ReportRequest(dataset: "sales/orders", format: .pdf)).kind == "print")
        #expect(ExportJobArguments(diff: DiffRequest(dataset: "sales/orders", from: 1, to: 2)).kind == "export")
        #expect(ExportJobArguments(request: ReportRequest(dataset: "d", format: .csv)).uniqueKey == nil)
    }

    @Test func snapshotArgumentsAreEmptyAndEveryKindIsKnown() throws {
        #expect(try JSONValue(encoding: SnapshotArgs()) == [:])
        #expect(Set(JobKinds.arguments.keys) == ["ingest", "export", "print", "snapshot"])
        let result = SnapshotResult(snapshot: "s1", kind: "full", objects: 3, pruned: [])
        #expect(try JSONValue(encoding: result) == ["snapshot": "s1", "kind": "full", "objects": 3, "pruned": []])
    }
}
