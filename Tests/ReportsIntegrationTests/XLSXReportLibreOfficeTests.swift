import Foundation
import Reports
import Testing

/// A whole XLSX report, streamed rows and all, opened by LibreOffice.
@Suite struct XLSXReportLibreOfficeTests {
    /// LibreOffice (`soffice --headless --convert-to csv`) opens the report
    /// and shows the database's values on the "data" sheet.
    @Test func libreOfficeOpensTheReport() async throws {
        try await TestDatabase.withSchema { connection, schema, dir in
            let source = try await TestDatabase.makeOrders(connection, schema: schema, rows: 300)
            let path = dir + "/orders.xlsx"
            let request = ReportRequest(dataset: "sales/orders", format: .xlsx, sort: [ReportSort(column: "id")])
            _ = try await ReportExporter().render(request, source: source, to: path, connection: connection)
            // Sheet 2 ("data") as UTF-8 CSV, values as shown; a profile of its own so parallel runs don't collide.
            _ = try Tool.check("soffice", [
                "-env:UserInstallation=file://\(dir)/lo-profile", "--headless", "--norestore",
                "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true,false,false,2",
                "--outdir", dir + "/lo", path,
            ])
            let csv = try String(contentsOfFile: dir + "/lo/orders-data.csv", encoding: .utf8)
            let rows = try Tool.check("python3", ["-c", """
                import csv, json, sys
                json.dump(list(csv.reader(open(sys.argv[1], newline='', encoding='utf-8'))), sys.stdout)
                """, dir + "/lo/orders-data.csv"])
            let table = try JSONDecoder().decode([[String]].self, from: Data(rows.utf8))
            #expect(table.count == 301, "\(csv.prefix(300))")
            #expect(table.first == ["id", "customer", "amount", "ratio", "day", "at", "span", "paid", "note"])
            let expected = try await XLSXReportTests.expectedRows(connection)
            for (r, db) in expected.enumerated() where r + 1 < table.count {
                let shown = table[r + 1]
                let context = Comment(rawValue: "row \(r + 1): \(shown) vs \(db)")
                #expect(shown.count == 9, context)
                guard shown.count == 9 else { continue }
                #expect(shown[0] == db[0], context)                          // id, format "0"
                #expect(shown[1] == (db[1] ?? ""), context)                  // text
                #expect(shown[4] == (db[4] ?? ""), context)                  // yyyy-mm-dd
                #expect(shown[5] == (db[5] ?? ""), context)                  // yyyy-mm-dd hh:mm:ss
                #expect(shown[6] == (db[6] ?? ""), context)                  // interval as text
                #expect(shown[7] == (db[7].map { $0 == "true" ? "TRUE" : "FALSE" } ?? ""), context)
                #expect(shown[8] == (db[8] ?? ""), context)                  // _x000D_ decoded
                if let amount = db[2] {                                      // #,##0.00
                    #expect(shown[2].replacingOccurrences(of: ",", with: "") == amount, context)
                }
            }
        }
    }
}
