import Foundation
import Testing
@testable import XLSXReader
import TestSupport

/// Hand-made packages for the edge cases of issue 3, item 1.
@Suite struct WorkbookReaderEdgeCaseTests {
    @Test func utf16Parts() throws {
        let (reader, sheets) = try WorkbookFixtures.readAll("utf16.xlsx")
        #expect(reader.sheets.map(\.name) == ["Ünï", "BE"])
        let rows = try #require(sheets["Ünï"])
        #expect(rows["A1"] == .text("alpha 😀"))
        #expect(rows["B1"] == .number("1.5", .plain))
        #expect(rows["A2"] == .text("beta é"))
        #expect(rows["B2"] == .number("-2", .plain))
        #expect(sheets["BE"]?["A1"] == .text("日本 😀 é"))   // UTF-16BE sheet
    }

    @Test func namespacePrefixes() throws {
        let (_, sheets) = try WorkbookFixtures.readAll("prefixed.xlsx")
        let rows = try #require(sheets["P"])
        #expect(rows["A1"] == .text("alpha"))
        #expect(rows["B1"] == .text("inline"))
        #expect(rows["A2"] == .number("7", .plain))
    }

    @Test func strictNamespaces() throws {
        let (reader, sheets) = try WorkbookFixtures.readAll("strict.xlsx")
        #expect(reader.date1904)   // date1904="true"
        let rows = try #require(sheets["S"])
        #expect(rows["A1"] == .text("alpha"))
        #expect(rows["B1"] == .number("1.5", .plain))
        #expect(rows["A2"] == .text("beta"))
    }

    @Test func rowsAndCellsWithoutReferences() throws {
        let (_, sheets) = try WorkbookFixtures.readAll("no_r.xlsx")
        let rows = try #require(sheets["N"])
        #expect(rows.map(\.number) == [1, 2, 5, 6])
        #expect(rows.row(1)?.cells.map(\.column) == [0, 1])
        #expect(rows["A1"] == .number("1", .plain))
        #expect(rows["B1"] == .number("2", .plain))
        #expect(rows["A2"] == .text("x"))
        #expect(rows["D2"] == .number("4", .plain))
        #expect(rows["E2"] == .number("5", .plain))   // previous cell + 1
        #expect(rows["A5"] == .number("6", .plain))
        #expect(rows["A6"] == .number("7", .plain))   // previous row + 1
    }

    @Test func rowsOutOfOrderAndWrongDimension() throws {
        let (_, sheets) = try WorkbookFixtures.readAll("out_of_order.xlsx")
        let rows = try #require(sheets["O"])
        // Rows come in file order with their own numbers.
        #expect(rows.map(\.number) == [3, 1, 2, 10])
        // Cells in a row are sorted; the last of duplicate references wins.
        #expect(rows.row(3)?.cells.map(\.column) == [0, 1])
        #expect(rows["A3"] == .number("31", .plain))
        #expect(rows["B3"] == .number("32", .plain))
        #expect(rows.row(2)?.cells.map(\.column) == [0, 2])
        #expect(rows["C2"] == .number("24", .plain))
        #expect(rows["D10"] == .number("104", .plain))   // outside <dimension ref="A1:B2">
    }

    @Test func farApartSparseCells() throws {
        let (_, sheets) = try WorkbookFixtures.readAll("sparse.xlsx")
        let rows = try #require(sheets["Sparse"])
        #expect(rows.map(\.number) == [1, 1_048_576])   // style-only row 2 skipped, comment ignored
        #expect(rows["A1"] == .number("1", .plain))
        let last = try #require(rows.row(1_048_576))
        #expect(last.cells.count == 1)
        #expect(last.cells.first?.column == 16383)
        #expect(rows["XFD1048576"] == .number("2", .plain))
    }

    @Test func escapesEntitiesWhitespaceAndRuns() throws {
        let (_, sheets) = try WorkbookFixtures.readAll("escapes.xlsx")
        let rows = try #require(sheets["Esc"])
        #expect(rows["A1"] == .text("a\rb_x0041_cA"))
        #expect(rows["A2"] == .text("smile 😀 !"))               // surrogate pair as two escapes
        #expect(rows["A3"] == .text("rich  run"))                // rich runs joined
        #expect(rows["A4"] == .text("漢字"))                     // phonetic run skipped
        #expect(rows["A5"] == .text("  no preserve  "))          // whitespace kept without xml:space
        #expect(rows["A6"] == .text("&<>\"'AB😀"))
        #expect(rows.row(7) == nil)                              // empty shared string: no value
        #expect(rows["A8"] == .text("<cdata & more>"))
        #expect(rows["A9"] == .text("  in\tline  "))
        #expect(rows["B9"] == .text("ab"))                       // inline rich runs, rPh skipped
        #expect(rows["C9"] == .text("q&r"))                      // t="str"
        #expect(rows["D9"] == .error("#DIV/0!"))
        #expect(rows["E9"] == .boolean(true))
        #expect(rows["F9"] == .number("45366.5", .dateTime))     // t="d" ISO date-time
        #expect(rows["G9"] == .number("61", .date))              // 1900-03-01 (after the phantom 1900-02-29)
        #expect(rows["H9"] == .number("2", .plain))              // formula: cached value
        #expect(rows["I9"] == .number("1E-3", .plain))           // numbers exactly as written
        #expect(rows["J9"] == .number("-0", .plain))
        #expect(rows["K9"] == .number("0.1", .plain))
        #expect(rows["L9"] == .number("12", .plain))
    }

    @Test func numberFormatKindsFromStyles() throws {
        let (_, sheets) = try WorkbookFixtures.readAll("styles.xlsx")
        let row = try #require(sheets["Styles"]?.first)
        let kinds: [NumberKind] = [.plain, .date, .dateTime, .time, .duration, .date, .duration, .time,
                                   .dateTime, .plain, .duration, .date, .plain]
        #expect(row.cells.map(\.value) == kinds.map { .number("45000.25", $0) })
    }

    @Test(arguments: ["zip64.xlsx", "zip64_infozip.xlsx", "data_descriptor.xlsx", "odd_names.xlsx"])
    func zipVariants(name: String) throws {
        let (reader, sheets) = try WorkbookFixtures.readAll(name)
        #expect(reader.sheets.count == 1)
        let rows = try #require(sheets[reader.sheets[0].name])
        #expect(rows["A1"] == .text("alpha"))
        #expect(rows["B1"] == .number("1.5", .plain))
        #expect(rows["A2"] == .text("beta"))
        #expect(rows["B2"] == .number("-2", .plain))
    }

    /// Every fixture read with tiny chunks (every token crosses a chunk
    /// boundary, UTF-16 code units and surrogates split) and spilled shared
    /// strings gives the same rows.
    @Test(arguments: [7, 16, 61])
    func tinyChunksGiveTheSameRows(chunkSize: Int) throws {
        let names = ["xlsxwriter_types.xlsx", "openpyxl_types.xlsx", "libreoffice.xlsx", "utf16.xlsx", "prefixed.xlsx",
                     "strict.xlsx", "no_r.xlsx", "out_of_order.xlsx", "sparse.xlsx", "escapes.xlsx", "styles.xlsx",
                     "xlsxwriter_inline.xlsx"]
        var spilled = 0
        for name in names {
            let (normal, expected) = try WorkbookFixtures.readAll(name)
            // Also spill the shared strings to a temporary file read through
            // a two-block cache of tiny blocks (strings straddle blocks).
            var limits = ReaderLimits()
            limits.sharedStringMemoryBytes = 16
            let small = try WorkbookReader(path: WorkbookFixtures.path(name), limits: limits, chunkSize: chunkSize,
                                           sharedStringBlockSize: chunkSize)
            #expect(small.sharedStringCount == normal.sharedStringCount)
            #expect(!normal.sharedStringsSpilled)
            if small.sharedStringsSpilled { spilled += 1 }
            for sheet in small.sheets {
                var rows: [Row] = []
                try small.readRows(of: sheet) { rows.append($0) }
                let want = try #require(expected[sheet.name])
                #expect(rows.map(\.number) == want.map(\.number), "\(name) \(sheet.name)")
                #expect(rows.map { $0.cells.map(\.column) } == want.map { $0.cells.map(\.column) }, "\(name) \(sheet.name)")
                #expect(rows.map { $0.cells.map(\.value) } == want.map { $0.cells.map(\.value) }, "\(name) \(sheet.name)")
            }
        }
        #expect(spilled >= 4)
    }

    /// The usual cells are read in one loop over the buffer; everything
    /// else (and every cell cut by a chunk's end) takes the general path.
    /// Read whole and in 7-byte chunks (general path throughout), a row
    /// mixing both lands the same, and an error in a run of usual cells is
    /// reported at the same place.
    @Test func usualCellsInOneLoopLandAsTheGeneralPathHasThem() throws {
        try TIProcess.withTemporaryDirectory("simple-cells") { dir in
            let shared = #"<?xml version="1.0" encoding="UTF-8"?><sst xmlns="\#(HandMadeWorkbook.main)"><si><t>s0</t></si><si><t>s1</t></si><si><t></t></si></sst>"#
            let row2 = #"<c r="A2" t="n" s="1"><v>1.5</v></c><c t="s" r="B2"><v>0</v></c><c r="C2" cm="1" s="2"><v> 7 </v></c>"#
                + #"<c r="D2" t="b"><v>true</v></c><c r="E2" t="b"><v>0</v></c><c r="F2"><f>SUM(A2:A2)</f><v>1.5</v></c>"#
                + #"<c r="G2" s="1"/><c r='H2'><v>8</v></c><c r="I2" t="s"><v> 1 </v></c><c r="J2" t="str"><v>a&amp;b</v></c>"#
                + #"<c r="K2"><v>   </v></c><c r="L2" t="s"><v>2</v></c><c r="B2"><v>9</v></c><c><v>10</v></c><c r="M2"  s="1"><v>-0.25E-3</v></c>"#
            let sheet = HandMadeWorkbook.worksheet(
                #"<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row><row r="2">\#(row2)</row>"#
                    + #"<row><c r="A3"><v>1</v></c><c r="B3" t="b"><v>1</v></c></row><row r="4"><c r="C4"><v>3</v></c><c r="A4"><v>4</v></c></row>"#)
            let path = try HandMadeWorkbook.write([HandMadeWorkbook.Sheet(name: "S", target: "worksheets/sheet1.xml")],
                                                  parts: ["xl/worksheets/sheet1.xml": sheet, "xl/sharedStrings.xml": shared], in: dir)
            func read(chunk: Int) throws -> [Row] {
                let reader = try WorkbookReader(path: path, limits: ReaderLimits(), chunkSize: chunk)
                var rows: [Row] = []
                try reader.readRawRows(of: reader.sheets[0]) { rows.append($0.materialized()) }
                return rows
            }
            let whole = try read(chunk: 256 << 10), pieces = try read(chunk: 7)
            #expect(whole.map(\.number) == pieces.map(\.number))
            #expect(whole.map { $0.cells.map(\.column) } == pieces.map { $0.cells.map(\.column) })
            #expect(whole.map { $0.cells.map(\.value) } == pieces.map { $0.cells.map(\.value) })
            #expect(whole.map(\.number) == [1, 2, 3, 4])
            let row = Dictionary(uniqueKeysWithValues: whole[1].cells.map { ($0.column, $0.value) })
            #expect(row[0] == .number("1.5", .plain))
            #expect(row[1] == .number("9", .plain))       // the later B2 wins
            #expect(row[2] == .number("10", .plain))      // no r: after B2, and the later C2 wins
            #expect(row[3] == .boolean(true) && row[4] == .boolean(false))
            #expect(row[5] == .number("1.5", .plain) && row[6] == nil && row[7] == .number("8", .plain))
            #expect(row[8] == .text("s1") && row[9] == .text("a&b") && row[10] == nil && row[11] == nil)
            #expect(row[12] == .number("-0.25E-3", .plain))
            #expect(whole[3].cells.map(\.column) == [0, 2])
        }
        try TIProcess.withTemporaryDirectory("simple-cells-error") { dir in
            let sheet = HandMadeWorkbook.worksheet(
                #"<row r="1"><c r="A1"><v>1</v></c></row><row r="2"><c r="A2"><v>1</v></c><c r="B2"><v>2</v></c><c r="C3"><v>3</v></c></row>"#)
            let path = try HandMadeWorkbook.write([HandMadeWorkbook.Sheet(name: "S", target: "worksheets/sheet1.xml")],
                                                  parts: ["xl/worksheets/sheet1.xml": sheet], in: dir)
            func failure(chunk: Int) throws -> WorkbookError? {
                let reader = try WorkbookReader(path: path, limits: ReaderLimits(), chunkSize: chunk)
                return #expect(throws: WorkbookError.self) { try reader.readRawRows(of: reader.sheets[0]) { _ in } }
            }
            let whole = try #require(try failure(chunk: 256 << 10)), pieces = try #require(try failure(chunk: 7))
            #expect(whole.message.contains("\"C3\" names row 3"))
            #expect(whole.message == pieces.message && whole.byteOffset == pieces.byteOffset && whole.line == pieces.line)
        }
    }

    /// The sheet's bytes are read where they were inflated (the ring's
    /// slot lent to the tokenizer), a token cut by a slot's end copied in
    /// front of the next slot; a token longer than that room (64 KiB)
    /// switches to copying for the rest of the part. Read with slots that
    /// hold it whole, that cut it, and of 7 bytes, the rows and an error's
    /// place after it are the same.
    @Test func aTokenLongerThanTheSlotsHeadroomIsReadAlike() throws {
        try TIProcess.withTemporaryDirectory("long-token") { dir in
            let long = String(repeating: "xyz", count: 40_000), longer = String(repeating: "ab\n", count: 50_000)
            var data = ""
            for r in 1...50 { data += #"<row r="\#(r)"><c r="A\#(r)"><v>\#(r)</v></c><c r="B\#(r)"><v>\#(r * 2)</v></c></row>"# + "\n" }
            data += #"<row r="51"><c r="A51" t="inlineStr"><is><t>\#(long)</t></is></c></row>"# + "\n"
            for r in 52...99 { data += #"<row r="\#(r)"><c r="A\#(r)"><v>\#(r)</v></c></row>"# + "\n" }
            data += #"<row r="100"><c r="A100" t="inlineStr"><is><t>\#(longer)</t></is></c></row>"# + "\n"
            data += #"<row r="101"><c r="A101"><v>1</v></c><c r="C102"><v>3</v></c></row>"#
            let path = try HandMadeWorkbook.write([HandMadeWorkbook.Sheet(name: "S", target: "worksheets/sheet1.xml")],
                                                  parts: ["xl/worksheets/sheet1.xml": HandMadeWorkbook.worksheet(data)], in: dir)
            func read(chunk: Int) throws -> (rows: [Row], error: WorkbookError?) {
                let reader = try WorkbookReader(path: path, limits: ReaderLimits(), chunkSize: chunk)
                var rows: [Row] = []
                let error = #expect(throws: WorkbookError.self) {
                    try reader.readRawRows(of: reader.sheets[0]) { rows.append($0.materialized()) }
                }
                return (rows, error)
            }
            let whole = try read(chunk: 256 << 10)
            #expect(whole.rows.count == 100)
            #expect(whole.rows[50].cells.first?.value == .text(long))
            #expect(whole.rows[99].cells.first?.value == .text(longer))
            #expect(whole.rows[98].cells.first?.value == .number("99", .plain))
            let error = try #require(whole.error)
            #expect(error.message.contains("\"C102\" names row 102"))
            #expect(error.line == 50_101)  // the second long text holds 50,000 line breaks
            for chunk in [100_000, 4096, 7] {
                let other = try read(chunk: chunk)
                #expect(other.rows.map(\.number) == whole.rows.map(\.number), "chunk \(chunk)")
                #expect(other.rows.map { $0.cells.map(\.value) } == whole.rows.map { $0.cells.map(\.value) }, "chunk \(chunk)")
                #expect(other.error?.message == error.message && other.error?.byteOffset == error.byteOffset
                        && other.error?.line == error.line, "chunk \(chunk)")
            }
        }
    }

    /// The fast cell loop's eight-bytes-at-a-time search: the first of two
    /// bytes, wherever it is (a byte above a match can look like one to
    /// the zero-byte test, never one below), and `</v></c>` as one word.
    @Test func eightByteSearch() {
        func word(_ text: String) -> UInt64 {
            var bytes = Array(text.utf8)
            bytes += Array(repeating: UInt8(ascii: "x"), count: 8 - bytes.count)
            return bytes.withUnsafeMutableBufferPointer { ByteWord.load8($0.baseAddress!, 0) }
        }
        #expect(ByteWord.firstOf(0x22, UInt8(ascii: "<"), in: word("AB12\"")) == 4)
        #expect(ByteWord.firstOf(0x22, UInt8(ascii: "<"), in: word("\"")) == 0)
        #expect(ByteWord.firstOf(0x22, UInt8(ascii: "<"), in: word("A<\"")) == 1)
        #expect(ByteWord.firstOf(0x22, UInt8(ascii: "<"), in: word("1234567")) == 8)
        #expect(ByteWord.firstOf(UInt8(ascii: "<"), UInt8(ascii: "&"), in: word("12&<")) == 2)
        // 0x01 above a match: the borrow marks it too, but the match comes first.
        #expect(ByteWord.firstOf(UInt8(ascii: "<"), UInt8(ascii: "&"), in: word("9<\u{1}\u{1}")) == 1)
        for i in 0..<8 {
            var bytes = Array(repeating: UInt8(ascii: "7"), count: 8)
            bytes[i] = UInt8(ascii: "<")
            #expect(bytes.withUnsafeMutableBufferPointer { ByteWord.firstOf(UInt8(ascii: "<"), UInt8(ascii: "&"), in: ByteWord.load8($0.baseAddress!, 0)) } == i)
        }
        #expect(word("</v></c>") == SheetScanner.endOfValueAndCell)
    }

    /// An empty shared string (`<si/>`, `<si><t></t></si>`) is no value,
    /// in memory and spilled alike; a table without one is known to have
    /// none, so the scan doesn't look up each cell's string length.
    @Test func emptySharedStringsAreNoValues() throws {
        try TIProcess.withTemporaryDirectory("empty-shared") { dir in
            func workbook(_ items: String, _ name: String) throws -> String {
                let shared = #"<?xml version="1.0" encoding="UTF-8"?><sst xmlns="\#(HandMadeWorkbook.main)">"# + items + "</sst>"
                let sheet = HandMadeWorkbook.worksheet(
                    #"<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="s"><v>2</v></c></row>"#
                        + #"<row r="2"><c t="s" r="A2"><v>2</v></c><c r="B2" t="s"><f>X</f><v>1</v></c><c r="C2" t="s"><v>0</v></c></row>"#)
                return try HandMadeWorkbook.write([HandMadeWorkbook.Sheet(name: "S", target: "worksheets/sheet1.xml")],
                                                  parts: ["xl/worksheets/sheet1.xml": sheet, "xl/sharedStrings.xml": shared],
                                                  in: dir, name: "\(name).xlsx")
            }
            let withEmpty = try workbook("<si><t>abc</t></si><si/><si><t></t></si>", "with")
            let without = try workbook("<si><t>abc</t></si><si><t>b</t></si><si><t> </t></si>", "without")
            for memory in [1 << 20, 1] {
                var limits = ReaderLimits()
                limits.sharedStringMemoryBytes = memory
                let reader = try WorkbookReader(path: withEmpty, limits: limits)
                #expect(reader.sharedStringsSpilled == (memory == 1))
                #expect(reader.strings.hasEmpty)
                var rows: [Row] = []
                try reader.readRawRows(of: reader.sheets[0]) { rows.append($0.materialized()) }
                #expect(rows.map { $0.cells.map(\.column) } == [[0], [2]])
                #expect(rows.map { $0.cells.map(\.value) } == [[.text("abc")], [.text("abc")]])

                let plain = try WorkbookReader(path: without, limits: limits)
                #expect(!plain.strings.hasEmpty)
                rows = []
                try plain.readRawRows(of: plain.sheets[0]) { rows.append($0.materialized()) }
                #expect(rows.map { $0.cells.map(\.value) } == [[.text("abc"), .text("b"), .text(" ")], [.text(" "), .text("b"), .text("abc")]])
            }
        }
    }

    /// Spilled strings are read where they are used; when their temporary
    /// file can't be read back (truncated here), the read fails naming it,
    /// instead of landing empty text.
    @Test func anUnreadableSpillFileFailsTheRead() throws {
        var limits = ReaderLimits()
        limits.sharedStringMemoryBytes = 16
        let reader = try WorkbookReader(path: WorkbookFixtures.path("xlsxwriter_types.xlsx"), limits: limits)
        #expect(reader.sharedStringsSpilled)
        // This reader's own file (other tests spill theirs at the same time).
        #expect(ftruncate(reader.strings.spillFile, 0) == 0)
        let sheet = try #require(reader.sheet(named: "Data"))
        let error = #expect(throws: WorkbookError.self) { try reader.readRows(of: sheet) { _ in } }
        #expect(error?.code == .io)
        #expect(error?.message.contains("temporary file") == true)
    }

    /// A spilled table is read block by block at the scan's frontier; a
    /// short string read again far behind it, outside the cached blocks,
    /// is read alone (not its whole block) and kept, so a column of
    /// repeated names costs no block reads and a stray old code costs one
    /// small read; a long one comes back with its block, which then
    /// serves its next reads.
    @Test func spilledStringsReadAgainFarBehindAreReadAlone() throws {
        try TIProcess.withTemporaryDirectory("spilled-repeats") { dir in
            let count = 12_000
            func text(_ i: Int) -> String { i % 5 == 0 ? "long \(i) " + String(repeating: "é", count: 40) : "s\(i)" }
            let items = (0..<count).map { "<si><t>\(text($0))</t></si>" }.joined()
            let shared = #"<?xml version="1.0" encoding="UTF-8"?><sst xmlns="\#(HandMadeWorkbook.main)">"# + items + "</sst>"
            let sheet = HandMadeWorkbook.worksheet(#"<row r="1"><c r="A1" t="s"><v>0</v></c></row>"#)
            let path = try HandMadeWorkbook.write([HandMadeWorkbook.Sheet(name: "S", target: "worksheets/sheet1.xml")],
                                                  parts: ["xl/worksheets/sheet1.xml": sheet, "xl/sharedStrings.xml": shared], in: dir)
            var limits = ReaderLimits()
            limits.sharedStringMemoryBytes = 16  // spilled, and a block cache of two blocks
            let reader = try WorkbookReader(path: path, limits: limits, chunkSize: 256 << 10, sharedStringBlockSize: 4096)
            #expect(reader.sharedStringsSpilled)
            var wrong = 0, farReads = 0
            func check(_ i: Int) {
                if reader.strings.withBytes(at: i, { String(decoding: $0, as: UTF8.self) }) != text(i) { wrong += 1 }
            }
            for i in 0..<count {
                check(i)                      // the frontier
                check((i % 40) * 5 + 1)       // 40 short categories: their block stays cached
                if i > 6_000 {
                    check((i % 40) * 45 + 3)  // 40 short names over older blocks: kept
                    check((i &* 7919) % (i - 5_000) / 5 * 5 + 2)  // now and then an old one
                    farReads += 1
                }
            }
            #expect(wrong == 0)
            #expect(!reader.strings.unreadable)
            let blocks = ((0..<count).reduce(0) { $0 + text($1).utf8.count } + 4095) / 4096
            // Each block about once (a string across two blocks beside the
            // names' block can evict one, in a cache of two): not once per
            // old string, as when every read brought its block back.
            #expect(reader.sharedStringBlockReads <= 2 * blocks)
            #expect(farReads > 10 * blocks)
            let alone = try #require(reader.strings.cache).exactReads
            #expect(alone > 0 && alone <= farReads + 200)           // the names were kept (not ~5,000 more)

            // A long string far behind: its block once, then from the cache.
            let blockReads = reader.sharedStringBlockReads
            for _ in 0..<1_000 { check(5_000) }
            #expect(wrong == 0)
            #expect(reader.sharedStringBlockReads == blockReads + 1)
            #expect(reader.strings.cache?.exactReads == alone)

            // A second scan starts at the first string again: block by block.
            reader.strings.scanStarts()
            for i in 0..<count { check(i) }
            #expect(wrong == 0)
            #expect(reader.strings.cache?.exactReads == alone)
        }
    }

    @Test func readingTwiceGivesTheSameRows() throws {
        let reader = try WorkbookFixtures.open("xlsxwriter_types.xlsx")
        let sheet = try #require(reader.sheet(named: "Data"))
        var first: [[CellValue]] = [], second: [[CellValue]] = []
        try reader.readRows(of: sheet) { first.append($0.cells.map(\.value)) }
        try reader.readRows(of: sheet) { second.append($0.cells.map(\.value)) }
        #expect(first.count == 8)
        #expect(first == second)
    }

    @Test func bodyErrorsStopReading() throws {
        struct Stop: Error {}
        let reader = try WorkbookFixtures.open("xlsxwriter_types.xlsx")
        var seen = 0
        #expect(throws: Stop.self) {
            try reader.readRows(of: reader.sheets[0]) { _ in
                seen += 1
                if seen == 2 { throw Stop() }
            }
        }
        #expect(seen == 2)
    }
}
