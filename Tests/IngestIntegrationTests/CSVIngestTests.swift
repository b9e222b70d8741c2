import Catalog
import Foundation
import Ingest
import Postgres
import Testing

@Suite("Ingest: CSV")
struct CSVIngestTests {
    typealias S = IngestTestSupport

    func ingest(_ bytes: [UInt8], name: String, _ body: (PostgresConnection, Catalog) async throws -> Void) async throws {
        let dir = try S.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/\(name).csv"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        try await S.withCatalog(test: name) { connection, catalog in
            _ = try await S.ingestFile(path, catalog: catalog)
            try await body(connection, catalog)
        }
    }

    @Test func utf8WithBOMSemicolonsAndTypes() async throws {
        let text = #"""
            id;amount;code;day;at;ok;note
            1;12.50;007;2024-02-29;2024-02-29 13:45:30.25;true;"semi;colon"
            2;-3;010;2023-12-31;2023-12-31T00:00:00;FALSE;"line
            break"
            3;1e3;x;;2024-01-01 08:30;;"say ""hi"""
            """#
        try await ingest([0xEF, 0xBB, 0xBF] + Array(text.utf8), name: "semi") { connection, catalog in
            let types = try await S.columnTypes("semi", catalog: catalog, on: connection)
            #expect(types.map(\.name) == ["id", "amount", "code", "day", "at", "ok", "note"])
            #expect(types.map(\.type) == ["bigint", "double precision", "text", "date", "timestamp without time zone", "boolean", "text"])
            let rows = try await S.rows("semi", catalog: catalog, on: connection, orderBy: "id")
            #expect(rows == [
                ["1", "12.5", "007", "2024-02-29", "2024-02-29 13:45:30.25", "true", "semi;colon"],
                ["2", "-3", "010", "2023-12-31", "2023-12-31 00:00:00", "false", "line\nbreak"],
                ["3", "1000", "x", nil, "2024-01-01 08:30:00", nil, "say \"hi\""],
            ])
        }
    }

    @Test func windows1252Tabs() async throws {
        // "café" and "€5" in Windows-1252, tab-separated, CRLF.
        var bytes = Array("name\tprice\r\n".utf8)
        bytes += [0x63, 0x61, 0x66, 0xE9, 0x09, 0x80, 0x35, 0x0D, 0x0A]
        bytes += Array("plain\t7\r\n".utf8)
        try await ingest(bytes, name: "cp1252") { connection, catalog in
            let rows = try await S.rows("cp1252", catalog: catalog, on: connection)
            #expect(rows == [["café", "€5"], ["plain", "7"]])
        }
    }

    @Test func pipesAndCommas() async throws {
        try await ingest(Array("a|b\n1,5|x\n2,5|y\n".utf8), name: "pipes") { connection, catalog in
            let rows = try await S.rows("pipes", catalog: catalog, on: connection)
            #expect(rows == [["1,5", "x"], ["2,5", "y"]])
        }
        try await ingest(Array("a,b\n\"1\",2\n3,4\n".utf8), name: "commas") { connection, catalog in
            let types = try await S.columnTypes("commas", catalog: catalog, on: connection)
            #expect(types.map(\.type) == ["bigint", "bigint"])
        }
    }
}
