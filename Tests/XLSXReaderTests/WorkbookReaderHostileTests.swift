import Foundation
import Testing
import TestSupport
@testable import XLSXReader

/// The reader defects of issue 17 (1, 5, 6, 11): each a hostile workbook
/// made in the test, refused with a clear error, or read as Excel does.
@Suite struct WorkbookReaderHostileTests {
    private func withDirectory<T>(_ name: String, _ body: (URL) throws -> T) throws -> T {
        try TIProcess.withTemporaryDirectory(name, body)
    }

    private func readAll(_ path: String, limits: ReaderLimits = .default) throws -> [Row] {
        let reader = try WorkbookReader(path: path, limits: limits)
        var rows: [Row] = []
        for sheet in reader.sheets { try reader.readRows(of: sheet) { rows.append($0) } }
        return rows
    }

    // MARK: 1. Two sheets with one name

    @Test func twoSheetsWithTheSameNameAreRefused() throws {
        try withDirectory("dup") { dir in
            let path = try HandMadeWorkbook.write(
                sheets: [("Dup", "worksheets/sheet1.xml"), ("Dup", "worksheets/sheet2.xml")],
                parts: ["xl/worksheets/sheet1.xml": HandMadeWorkbook.worksheet(#"<row r="1"><c r="A1"><v>1</v></c></row>"#),
                        "xl/worksheets/sheet2.xml": HandMadeWorkbook.worksheet(#"<row r="1"><c r="A1"><v>2</v></c></row>"#)],
                in: dir)
            let error = try #require(WorkbookFixtures.error { _ = try WorkbookReader(path: path) })
            #expect(error.code == .invalidPackage, "\(error)")
            #expect(error.message.contains("two sheets named \"Dup\""), "\(error)")
            #expect(error.sheet == "Dup")
            #expect(error.part == "xl/workbook.xml")
        }
    }

    @Test func sheetNamesDifferingOnlyInCaseAreRefused() throws {
        // Excel compares sheet names without case: it never writes both.
        try withDirectory("dupcase") { dir in
            let path = try HandMadeWorkbook.write(
                sheets: [("Sales", "worksheets/sheet1.xml"), ("SALES", "worksheets/sheet2.xml")],
                parts: ["xl/worksheets/sheet1.xml": HandMadeWorkbook.worksheet(""), "xl/worksheets/sheet2.xml": HandMadeWorkbook.worksheet("")],
                in: dir)
            let error = try #require(WorkbookFixtures.error { _ = try WorkbookReader(path: path) })
            #expect(error.code == .invalidPackage, "\(error)")
            #expect(error.message.contains("two sheets named \"SALES\""), "\(error)")
        }
    }

    // MARK: 5. Amplification through shared parts

    @Test func twoSheetsSharingOnePartAreRefused() throws {
        try withDirectory("shared") { dir in
            // The second relationship reaches the same part by another spelling.
            let path = try HandMadeWorkbook.write(
                sheets: [("A", "worksheets/sheet1.xml"), ("B", "/xl/worksheets/../worksheets/Sheet1.xml")],
                parts: ["xl/worksheets/sheet1.xml": HandMadeWorkbook.worksheet(#"<row r="1"><c r="A1"><v>1</v></c></row>"#)],
                in: dir)
            let error = try #require(WorkbookFixtures.error { _ = try WorkbookReader(path: path) })
            #expect(error.code == .invalidPackage, "\(error)")
            #expect(error.sheet == "B")
            #expect(error.message.contains("\"A\""), "\(error)")
        }
    }

    @Test func theTotalBoundCountsEveryRead() throws {
        try withDirectory("total") { dir in
            let cells = (1...2000).map { #"<row r="\#($0)"><c r="A\#($0)"><v>\#($0)</v></c></row>"# }.joined()
            let path = try HandMadeWorkbook.oneSheet(cells, in: dir)
            // The structural parts and the sheet once fit; the sheet read twice does not.
            let sheetBytes = HandMadeWorkbook.worksheet(cells).utf8.count
            var limits = ReaderLimits()
            limits.maxTotalBytes = Int64(sheetBytes + 8000)
            let bounded = try WorkbookReader(path: path, limits: limits)
            try bounded.readRows(of: bounded.sheets[0]) { _ in }
            let error = try #require(WorkbookFixtures.error { try bounded.readRows(of: bounded.sheets[0]) { _ in } })
            #expect(error.code == .tooLarge)
            #expect(error.message.contains("in total"), "\(error)")
            let reader = try WorkbookReader(path: path)
            // Unbounded, both reads work.
            try reader.readRows(of: reader.sheets[0]) { _ in }
            try reader.readRows(of: reader.sheets[0]) { _ in }
        }
    }

    // MARK: 6. Misleading errors

    @Test func damagedCentralDirectorySizeIsADamagedZip() throws {
        try withDirectory("cdsize") { dir in
            let path = try HandMadeWorkbook.oneSheet(#"<row r="1"><c r="A1"><v>1</v></c></row>"#, in: dir)
            var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
            // The first central directory header's inflated size (offset 24) → 0xFFFFFFFF.
            let signature: [UInt8] = [0x50, 0x4B, 0x01, 0x02]
            let at = try #require((0...(bytes.count - 4)).first { Array(bytes[$0..<($0 + 4)]) == signature })
            for k in 0..<4 { bytes[at + 24 + k] = 0xFF }
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            let error = try #require(WorkbookFixtures.error { _ = try WorkbookReader(path: path) })
            #expect(error.code == .corruptZip, "\(error)")
            #expect(error.message.contains("damaged zip archive"), "\(error)")
        }
    }

    @Test func aDirectoryIsADirectory() throws {
        try withDirectory("isdir") { dir in
            let path = dir.appendingPathComponent("folder.xlsx").path
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            let error = try #require(WorkbookFixtures.error { _ = try WorkbookReader(path: path) })
            #expect(error.code == .io, "\(error)")
            #expect(error.message.contains("is a directory"), "\(error)")
        }
    }

    // MARK: 11. Impossible cell references

    @Test(arguments: [
        (#"<row r="1"><c r="A0"><v>1</v></c></row>"#, "\"A0\"", "row 1"),
        (#"<row r="3"><c r="A-1"><v>1</v></c></row>"#, "\"A-1\"", "row 3"),
        (#"<row r="2"><c r="B1"><v>1</v></c></row>"#, "\"B1\"", "row 2"),
        (#"<row r="2"><c r="A2"><v>1</v></c><c r="B7"><v>2</v></c></row>"#, "\"B7\"", "row 2"),
        (#"<row r="4"><c r="A4x"><v>1</v></c></row>"#, "\"A4x\"", "row 4"),
        (#"<row r="5"><c r="A99999999999999999999"><v>1</v></c></row>"#, "\"A99999999999999999999\"", "row 5"),
        (#"<row r="6"><c r="A1048577"><v>1</v></c></row>"#, "\"A1048577\"", "row 6"),
        // The attribute path (not the fast one): single quotes.
        (#"<row r="7"><c r='C8'><v>1</v></c></row>"#, "\"C8\"", "row 7"),
        (#"<row r="7"><c r='C0'><v>1</v></c></row>"#, "\"C0\"", "row 7"),
        // A row without `r` takes its number from its first cell; the next must agree.
        (#"<row><c r="A3"><v>1</v></c><c r="B4"><v>2</v></c></row>"#, "\"B4\"", "row 3"),
    ])
    func impossibleReferencesAreRefused(sheetData: String, reference: String, row: String) throws {
        try withDirectory("refs") { dir in
            let path = try HandMadeWorkbook.oneSheet(sheetData, in: dir)
            let error = try #require(WorkbookFixtures.error { _ = try readAll(path) })
            #expect(error.code == .malformedXML, "\(error)")
            #expect(error.part == "xl/worksheets/sheet1.xml")
            #expect(error.sheet == "S")
            #expect(error.message.contains(reference), "\(error)")
            #expect(error.message.contains(row), "\(error)")
        }
    }

    @Test func referencesThatAgreeAreRead() throws {
        try withDirectory("refsok") { dir in
            let path = try HandMadeWorkbook.oneSheet(
                #"<row r="1"><c r="a1" t="inlineStr"><is><t>x</t></is></c><c r="b1"><v>2</v></c></row>"#
                    + #"<row><c r="C5"><v>3</v></c><c r="d5"><v>4</v></c></row>"#
                    + #"<row r="1048576"><c r="XFD1048576"><v>6</v></c></row>"#,
                in: dir)
            let rows = try readAll(path)
            #expect(rows.map(\.number) == [1, 5, 1_048_576])
            #expect(rows["A1"] == .text("x"))
            #expect(rows["B1"] == .number("2", .plain))
            #expect(rows["C5"] == .number("3", .plain))
            #expect(rows["D5"] == .number("4", .plain))
            #expect(rows["XFD1048576"] == .number("6", .plain))
        }
    }
}
