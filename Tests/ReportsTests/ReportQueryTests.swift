import Catalog
import Foundation
@testable import Reports
import Testing

@Suite struct ReportQueryTests {
    static let columns = [
        ReportColumn(name: "id", type: .integer),
        ReportColumn(name: "Customer Name", type: .text),
        ReportColumn(name: "amount", type: ReportColumnType(postgresType: "numeric(12,2)")),
        ReportColumn(name: "day", type: .date),
        ReportColumn(name: "at", type: .timestamp),
        ReportColumn(name: "paid", type: .boolean),
        ReportColumn(name: "span", type: .interval),
        ReportColumn(name: "ratio", type: .double),
    ]

    func query(_ request: ReportRequest, limit: Int? = nil) throws(ReportError) -> ReportQuery {
        try ReportQuery(request: request, schema: "data", table: "sales__orders__v3", available: Self.columns, limit: limit)
    }

    @Test func filterValuesAreParametersNeverSQL() throws {
        let evil = "x'); DROP TABLE users; --"
        let q = try query(ReportRequest(
            dataset: "sales/orders", format: .csv, columns: ["id", "Customer Name"],
            filters: [try ReportFilter(parsing: "Customer Name = \(evil)"), try ReportFilter(parsing: "amount>=10.5"),
                      try ReportFilter(parsing: "Customer Name contains Ann")],
            sort: [try ReportSort(parsing: "-amount"), try ReportSort(parsing: "id")]))
        #expect(q.parameters == [evil, "10.5", "Ann"])
        #expect(!q.selectSQL.contains("DROP"))
        #expect(!q.copySelectSQL.contains("DROP"))
        #expect(q.selectSQL == """
            SELECT "id", "Customer Name" FROM "data"."sales__orders__v3" WHERE "Customer Name" = $1::text \
            AND "amount" >= $2::numeric AND strpos(lower("Customer Name"), lower($3::text)) > 0 \
            ORDER BY "amount" DESC NULLS LAST, "id" ASC NULLS LAST, ctid
            """)
        #expect(q.copySelectSQL.contains("\"amount\" >= current_setting('pyramydal.report_p2')::numeric"))
        #expect(q.settingsSQL == "SELECT set_config('pyramydal.report_p1', $1, true), "
            + "set_config('pyramydal.report_p2', $2, true), set_config('pyramydal.report_p3', $3, true)")
        #expect(q.countSQL.hasPrefix("SELECT count(*) FROM (SELECT 1 FROM \"data\".\"sales__orders__v3\" WHERE"))
        #expect(q.columns.map(\.name) == ["id", "Customer Name"])
    }

    /// The table page's search: every text column of the version (shown or
    /// not), ignoring case, its text a parameter after the filters'.
    @Test func searchAcrossTextColumnsIsAParameter() throws {
        let evil = "x'); DROP TABLE users; --"
        let request = ReportRequest(dataset: "sales/orders", format: .csv, columns: ["id"],
                                    filters: [try ReportFilter(parsing: "amount > 3")], search: evil)
        let q = try query(request)
        #expect(q.parameters == ["3", evil])
        #expect(!q.selectSQL.contains("DROP"))
        #expect(q.selectSQL == """
            SELECT "id" FROM "data"."sales__orders__v3" WHERE "amount" > $1::numeric \
            AND (strpos(lower("Customer Name"), lower($2::text)) > 0)
            """)
        #expect(q.copySelectSQL.hasSuffix("(strpos(lower(\"Customer Name\"), lower(current_setting('pyramydal.report_p2')::text)) > 0)"))
        #expect(q.filterClauses.count == 2)
        #expect(request.filterDescription == "amount > 3 and any text column contains \"\(evil)\"")
        // Two text columns: either may hold it.
        let two = try ReportQuery(request: ReportRequest(dataset: "o", format: .csv, search: "Ann"), schema: "data", table: "t",
                                  available: [ReportColumn(name: "a", type: .text), ReportColumn(name: "n", type: .integer),
                                              ReportColumn(name: "b", type: .text)])
        #expect(two.selectSQL.hasSuffix(#"WHERE (strpos(lower("a"), lower($1::text)) > 0 OR strpos(lower("b"), lower($1::text)) > 0)"#))
        // No text column: nothing matches; an empty search is none.
        let none = try ReportQuery(request: ReportRequest(dataset: "o", format: .csv, search: "Ann"), schema: "data", table: "t",
                                   available: [ReportColumn(name: "n", type: .integer)])
        #expect(none.selectSQL.hasSuffix("WHERE false") && none.parameters.isEmpty)
        #expect(ReportRequest(dataset: "o", format: .csv, search: "").search == nil)
        // It travels in the job's arguments.
        let decoded = try JSONDecoder().decode(ReportRequest.self, from: JSONEncoder().encode(request))
        #expect(decoded == request && decoded.search == evil)
    }

    @Test func noFiltersNoSettingsAndAllColumns() throws {
        let q = try query(ReportRequest(dataset: "orders", format: .xlsx), limit: 101)
        #expect(q.settingsSQL == nil)
        #expect(q.parameters.isEmpty)
        #expect(q.columns == Self.columns)
        #expect(q.selectSQL.hasSuffix("FROM \"data\".\"sales__orders__v3\" LIMIT 101"))
        #expect(q.countSQL.hasSuffix("LIMIT 101) AS n"))
    }

    @Test func identifiersAreQuoted() {
        #expect(ReportQuery.quote("a\"b") == "\"a\"\"b\"")
    }

    @Test func unknownColumnsAreNamed() {
        for request in [
            ReportRequest(dataset: "o", format: .csv, columns: ["nope"]),
            ReportRequest(dataset: "o", format: .csv, filters: [ReportFilter(column: "nope", op: .equal, value: "1")]),
            ReportRequest(dataset: "o", format: .csv, sort: [ReportSort(column: "nope")]),
        ] {
            #expect {
                try query(request)
            } throws: { error in
                let e = error as? ReportError
                return e?.code == .unknownColumn && e?.message.contains("\"nope\"") == true && e?.message.contains("id, Customer Name") == true
            }
        }
        // Case-insensitive when unambiguous.
        #expect((try? query(ReportRequest(dataset: "o", format: .csv, columns: ["ID", "customer name"])))?.columns.count == 2)
    }

    @Test(arguments: [
        ("id = 1.5", ReportError.Code.wrongType), ("id = abc", .wrongType), ("amount < 1,5", .wrongType),
        ("day = 2024-02-30", .wrongType), ("day > yesterday", .wrongType), ("at >= 2024-01-01 25:00", .wrongType),
        ("paid = maybe", .wrongType), ("paid > true", .badFilter), ("ratio = x", .wrongType),
        ("span = soon", .wrongType), ("id contains 1", .badFilter), ("day contains 2024", .badFilter),
    ])
    func wrongValuesForTheColumnType(filter: String, code: ReportError.Code) throws {
        let f = try ReportFilter(parsing: filter)
        #expect {
            try query(ReportRequest(dataset: "o", format: .pdf, filters: [f]))
        } throws: { ($0 as? ReportError)?.code == code }
    }

    @Test(arguments: [
        ("id = -42", "-42"), ("amount >= -0.50", "-0.50"), ("day = 2024-02-29", "2024-02-29"),
        ("at < 2024-01-31T13:45:10.5", "2024-01-31 13:45:10.5"), ("at < 2024-01-31", "2024-01-31"),
        ("paid = yes", "true"), ("paid != F", "false"), ("span > 2 days 03:00:00", "2 days 03:00:00"),
        ("span = P1DT2H", "P1DT2H"), ("ratio <= 1e-3", "1e-3"), ("Customer Name = 'Ann Lee'", "Ann Lee"),
    ])
    func valuesAreNormalised(filter: String, value: String) throws {
        let q = try query(ReportRequest(dataset: "o", format: .csv, filters: [try ReportFilter(parsing: filter)]))
        #expect(q.parameters == [value])
    }

    @Test func filterParsing() throws {
        let f = try ReportFilter(parsing: "  note contains a >= b ")
        #expect(f == ReportFilter(column: "note", op: .contains, value: "a >= b"))
        #expect(try ReportFilter(parsing: "a!=b") == ReportFilter(column: "a", op: .notEqual, value: "b"))
        #expect(try ReportFilter(parsing: "a <= 3") == ReportFilter(column: "a", op: .lessOrEqual, value: "3"))
        #expect(try ReportFilter(parsing: "a < 3") == ReportFilter(column: "a", op: .less, value: "3"))
        #expect(throws: ReportError.self) { try ReportFilter(parsing: "just words") }
        #expect(throws: ReportError.self) { try ReportFilter(parsing: "= 3") }
        #expect(try ReportSort(parsing: "amount desc") == ReportSort(column: "amount", descending: true))
        #expect(try ReportSort(parsing: "amount") == ReportSort(column: "amount"))
    }

    @Test func datasetNamesAndKeys() {
        // One parser for `[department/]name`: the Catalog's, splitting at the first `/` as the ingest names keys.
        #expect(DatasetRef(parsing: ReportRequest(dataset: "sales/orders", format: .csv).dataset) == DatasetRef(department: "sales", name: "orders"))
        #expect(DatasetRef(parsing: ReportRequest(dataset: "orders", format: .csv).dataset) == DatasetRef(department: "default", name: "orders"))
        #expect(DatasetRef(parsing: "a/b/c") == DatasetRef(department: "a", name: "b/c"))
        #expect(ReportRequest(dataset: "orders", format: .pdf).format.jobKind == "print")
        let source = ReportSource(department: "sales", dataset: "orders", version: 3, schema: "data", table: "t", columns: [])
        #expect(source.reportKey(name: "orders-20240101", format: .xlsx) == "reports/sales/orders/v3/orders-20240101.xlsx")
    }

    @Test func postgresTypeNames() {
        #expect(ReportColumnType(postgresType: "numeric(12,2)") == .numeric(scale: 2))
        #expect(ReportColumnType(postgresType: "numeric(12)") == .numeric(scale: 0))
        #expect(ReportColumnType(postgresType: "numeric") == .numeric(scale: nil))
        #expect(ReportColumnType(postgresType: "timestamp without time zone") == .timestamp)
        #expect(ReportColumnType(postgresType: "timestamp(3) without time zone") == .timestamp)
        #expect(ReportColumnType(postgresType: "bigint") == .integer)
        #expect(ReportColumnType(postgresType: "double precision") == .double)
        #expect(ReportColumnType(postgresType: "character varying(20)") == .text)
        #expect(ReportColumnType(postgresType: "interval") == .interval)
    }
}

@Suite struct ReportRequestCodingTests {
    @Test func minimalJobArgumentsDecodeWithDefaults() throws {
        let json = #"{"request": {"dataset": "sales/orders", "format": "pdf", "pdf": {"paper": "letter"}}, "name": "nightly"}"#
        let args = try JSONDecoder().decode(ExportJobArguments.self, from: Data(json.utf8))
        #expect(args.name == "nightly")
        #expect(args.request == ReportRequest(dataset: "sales/orders", format: .pdf, pdf: PDFOptions(paper: .letter)))
        #expect(args.request.csv.neutraliseFormulas)
        #expect(args.request.pdf.landscape)
    }

    @Test func fullRequestsRoundTrip() throws {
        let request = ReportRequest(
            dataset: "hr/staff", version: 4, format: .csv, columns: ["a", "b"],
            filters: [ReportFilter(column: "a", op: .greaterOrEqual, value: "3"), ReportFilter(column: "b", op: .contains, value: "x")],
            sort: [ReportSort(column: "a", descending: true)], csv: CSVOptions(byteOrderMark: true, neutraliseFormulas: false),
            pdf: PDFOptions(paper: .letter, landscape: false, wrap: true, fontSize: 9))
        let data = try JSONEncoder().encode(ExportJobArguments(request: request))
        #expect(try JSONDecoder().decode(ExportJobArguments.self, from: data).request == request)
        #expect(String(decoding: data, as: UTF8.self).contains(#""op":">=""#))
    }

    @Test func badFormatsAreDecodingErrors() {
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(ReportRequest.self, from: Data(#"{"dataset": "x", "format": "docx"}"#.utf8))
        }
    }
}
