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
            // Not split on the commas: with another delimiter they are decimal commas.
            #expect(rows == [["1.5", "x"], ["2.5", "y"]])
        }
        try await ingest(Array("a,b\n\"1\",2\n3,4\n".utf8), name: "commas") { connection, catalog in
            let types = try await S.columnTypes("commas", catalog: catalog, on: connection)
            #expect(types.map(\.type) == ["bigint", "bigint"])
        }
    }

    /// The bad-input error of ingesting `bytes` as `<name>.csv` (or
    /// `<name>.txt`); nothing is committed.
    func ingestError(_ bytes: [UInt8], name: String, ext: String = "csv") async throws -> VersionError {
        let dir = try S.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/\(name).\(ext)"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return try await S.withCatalog(test: name) { connection, catalog in
            let error = await #expect(throws: IngestError.self) { _ = try await S.ingestFile(path, catalog: catalog) }
            #expect(error?.kind == .badInput, "\(String(describing: error))")
            #expect(try await S.dataRelations(catalog, on: connection) == [])
            return try #require(error?.detail)
        }
    }

    // MARK: issue 17, defect 2: unterminated quotes

    @Test func anUnterminatedQuoteNamesWhereItOpened() async throws {
        // Row 10 of 1,000 is `10,"oops`: record 11 (the header is record 1), column B.
        var text = "id,note\n"
        for i in 1...1000 { text += i == 10 ? "10,\"oops\n" : "\(i),n\(i)\n" }
        let detail = try await ingestError(Array(text.utf8), name: "quote")
        #expect(detail.code == "unterminatedQuote", "\(detail)")
        #expect(detail.cell == "B11", "\(detail)")
        #expect(detail.message.contains("record 11"), "\(detail)")
        #expect(detail.message.contains("line 11"), "\(detail)")
    }

    @Test func aQuotedFieldRunningPastTenThousandLinesIsRefused() async throws {
        // Closed at last, but only after 10,001 line breaks: not a cell.
        var text = "id,note\n1,ok\n2,\""
        text += String(repeating: "x\r\n", count: 10_001)
        text += "\"\n3,ok\n"
        let detail = try await ingestError(Array(text.utf8), name: "longquote")
        #expect(detail.code == "unterminatedQuote", "\(detail)")
        #expect(detail.cell == "B3", "\(detail)")
        #expect(detail.message.contains("10000 lines"), "\(detail)")
    }

    @Test func quotedLineBreaksWithinTheBoundAreKept() async throws {
        let text = "id,note\n1,\"" + String(repeating: "a\n", count: 9_999) + "z\"\n2,\"b\r\nc\"\n"
        try await ingest(Array(text.utf8), name: "manylines") { connection, catalog in
            let rows = try await S.rows("manylines", catalog: catalog, on: connection, orderBy: "id")
            #expect(rows.count == 2)
            #expect(rows.first?[1] == String(repeating: "a\n", count: 9_999) + "z")
            #expect(rows.last?[1] == "b\r\nc")
        }
    }

    // MARK: issue 17, defect 3: encodings

    /// Excel's "Unicode Text": UTF-16 with a byte-order mark, tab-separated, CRLF.
    static let unicodeText = "name\tprice\r\ncafé\t5\r\n東京 📦\t7\r\n\"tab\there\"\t8\r\n"

    @Test func utf16LittleEndianWithBOM() async throws {
        let bytes: [UInt8] = [0xFF, 0xFE] + Self.unicodeText.utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
        try await ingest(bytes, name: "utf16le") { connection, catalog in
            let types = try await S.columnTypes("utf16le", catalog: catalog, on: connection)
            #expect(types.map(\.name) == ["name", "price"])
            #expect(types.map(\.type) == ["text", "bigint"])
            let rows = try await S.rows("utf16le", catalog: catalog, on: connection, orderBy: "price")
            #expect(rows == [["café", "5"], ["東京 📦", "7"], ["tab\there", "8"]])
        }
    }

    @Test func utf16BigEndianWithBOMAsTxt() async throws {
        let bytes: [UInt8] = [0xFE, 0xFF] + Self.unicodeText.utf16.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
        let dir = try S.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/utf16be.txt"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        try await S.withCatalog(test: "utf16be") { connection, catalog in
            _ = try await S.ingestFile(path, catalog: catalog)
            let rows = try await S.rows("utf16be", catalog: catalog, on: connection, orderBy: "price")
            #expect(rows == [["café", "5"], ["東京 📦", "7"], ["tab\there", "8"]])
        }
    }

    @Test func aLoneSurrogateInUTF16IsReportedWithItsLine() async throws {
        var units = Array("a\tb\r\n1\t2\r\n3\t".utf16)
        units.append(0xD800)
        units += Array("x\r\n".utf16)
        let bytes: [UInt8] = [0xFF, 0xFE] + units.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
        let detail = try await ingestError(bytes, name: "surrogate")
        #expect(detail.code == "encoding", "\(detail)")
        #expect(detail.message.contains("UTF-16"), "\(detail)")
        #expect(detail.message.contains("line 3"), "\(detail)")
    }

    @Test func invalidUTF8AfterTheFirst64KiBIsReportedWithItsLine() async throws {
        var bytes = Array("id,name\n".utf8)
        var line = 1
        while bytes.count < 80 << 10 {
            line += 1
            bytes += Array("\(line),plain text row\n".utf8)
        }
        line += 1
        bytes += Array("\(line),caf".utf8) + [0xE9] + Array("\n".utf8)
        bytes += Array("\(line + 1),after\n".utf8)
        let detail = try await ingestError(bytes, name: "badutf8")
        #expect(detail.code == "encoding", "\(detail)")
        #expect(detail.message.contains("UTF-8"), "\(detail)")
        #expect(detail.message.contains("line \(line)"), "\(detail)")
        #expect(detail.cell == "B\(line)", "\(detail)")
    }

    @Test(arguments: [false, true])
    func aNULByteIsReportedWithItsLine(quoted: Bool) async throws {
        var bytes = Array("id,name\n1,a\n2,b\n3,\"multi\nline\"\n".utf8)   // record 4 spans lines 4-5
        bytes += Array("4,".utf8) + (quoted ? [0x22, 0x78, 0x00, 0x22] : [0x78, 0x00]) + Array("\n5,e\n".utf8)
        let detail = try await ingestError(bytes, name: quoted ? "nulquoted" : "nul")
        #expect(detail.code == "encoding", "\(detail)")
        #expect(detail.message.contains("NUL"), "\(detail)")
        #expect(detail.message.contains("line 6"), "\(detail)")
        #expect(detail.cell == "B5", "\(detail)")
    }

    @Test func windows1252IsStillReadWhenTheStartIsNotUTF8() async throws {
        // Decided from the first 64 KiB: a later byte that would be invalid UTF-8 is Windows-1252 too.
        var bytes: [UInt8] = Array("name\n".utf8) + [0x63, 0x61, 0x66, 0xE9, 0x0A]
        for i in 0..<5000 { bytes += Array("row \(i)\n".utf8) }
        bytes += [0x80, 0x35, 0x0A]
        try await ingest(bytes, name: "cp1252late") { connection, catalog in
            let rows = try await S.rows("cp1252late", catalog: catalog, on: connection)
            #expect(rows.first == ["café"])
            #expect(rows.last == ["€5"])
        }
    }

    // MARK: issue 17, defect 6: a directory

    @Test func aDirectoryIsADirectory() async throws {
        let dir = try S.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/folder.csv"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        try await S.withCatalog(test: "csvdir") { _, catalog in
            let error = await #expect(throws: IngestError.self) { _ = try await S.ingestFile(path, catalog: catalog) }
            #expect(error?.kind == .badInput, "\(String(describing: error))")
            #expect(error?.detail.message.contains("is a directory") == true, "\(String(describing: error))")
        }
    }
}
