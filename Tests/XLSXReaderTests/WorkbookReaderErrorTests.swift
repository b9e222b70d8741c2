import Testing
@testable import XLSXReader
import TestSupport

/// Bad input (issue 3, item 6): each gets a clear `WorkbookError` naming the
/// file, and the sheet, part, cell and line where there is one.
@Suite struct WorkbookReaderErrorTests {
    private func openError(_ name: String, limits: ReaderLimits = .default) -> WorkbookError? {
        WorkbookFixtures.error { _ = try WorkbookFixtures.open(name, limits: limits) }
    }

    private func readError(_ name: String, limits: ReaderLimits = .default) throws -> WorkbookError? {
        let reader = try WorkbookFixtures.open(name, limits: limits)
        return WorkbookFixtures.error {
            for sheet in reader.sheets { try reader.readRows(of: sheet) { _ in } }
        }
    }

    @Test func notAZip() throws {
        let error = try #require(openError("not_a_zip.xlsx"))
        #expect(error.code == .notAZip)
        #expect(error.file.hasSuffix("not_a_zip.xlsx"))
        #expect(error.description.contains("not_a_zip.xlsx"))
    }

    @Test func passwordProtectedWorkbook() throws {
        let error = try #require(openError("encrypted.xlsx"))
        #expect(error.code == .encrypted)
        #expect(error.message.contains("password-protected"))
        #expect(!error.description.contains("secret"))
    }

    @Test func legacyXLSNamedXLSX() throws {
        let error = try #require(openError("legacy_named.xlsx"))
        #expect(error.code == .legacyXLS)
        #expect(error.message.contains("Excel 97-2003"))
    }

    @Test func openDocumentNamedXLSX() throws {
        let error = try #require(openError("opendocument_named.xlsx"))
        #expect(error.code == .unsupported)
        #expect(error.message.contains(".ods"))
    }

    @Test func corruptZipEntry() throws {
        // The damage is in the sheet's compressed data: opening works,
        // reading the sheet fails.
        let error = try #require(try readError("corrupt.xlsx"))
        #expect(error.code == .corruptZip)
        #expect(error.part == "xl/worksheets/sheet1.xml")
        #expect(error.sheet == "Z")
    }

    @Test func truncatedSheetXML() throws {
        let error = try #require(try readError("truncated_sheet.xlsx"))
        #expect(error.code == .malformedXML)
        #expect(error.sheet == "Cut")
        #expect(error.part == "xl/worksheets/sheet1.xml")
        #expect((error.line ?? 0) > 100)
        #expect((error.byteOffset ?? 0) > 5000)
        #expect(error.description.contains("sheet \"Cut\""))
    }

    @Test func zipBombRatio() throws {
        // Reads fine with the defaults (4 MiB is under the 16 MiB threshold)…
        #expect(try readError("bomb.xlsx") == nil)
        // …and fails while inflating once the ratio bound applies.
        var limits = ReaderLimits()
        limits.ratioThresholdBytes = 1 << 20
        let error = try #require(try readError("bomb.xlsx", limits: limits))
        #expect(error.code == .tooLarge)
        #expect(error.part == "xl/worksheets/sheet1.xml")
        #expect(error.message.contains("200:1"))
    }

    @Test func entryAndTotalSizeBounds() throws {
        var limits = ReaderLimits()
        limits.maxEntryBytes = 1 << 20
        let entry = try #require(openError("bomb.xlsx", limits: limits) ?? (try readError("bomb.xlsx", limits: limits)))
        #expect(entry.code == .tooLarge)
        #expect(entry.part == "xl/worksheets/sheet1.xml")

        limits = ReaderLimits()
        limits.maxTotalBytes = 2 << 20
        let total = try #require(try readError("bomb.xlsx", limits: limits))
        #expect(total.code == .tooLarge)
        #expect(total.message.contains("in total"))

        limits = ReaderLimits()
        limits.maxStructuralPartBytes = 100
        let structural = try #require(openError("xlsxwriter_types.xlsx", limits: limits))
        #expect(structural.code == .tooLarge)
    }

    @Test func tokenSizeBound() throws {
        var limits = ReaderLimits()
        limits.maxTokenBytes = 1024
        let reader = try WorkbookReader(path: WorkbookFixtures.path("truncated_sheet.xlsx"), limits: limits, chunkSize: 256)
        // Whole tags and text runs are small: fine with a 1 KiB bound.
        let error = WorkbookFixtures.error { try reader.readRows(of: reader.sheets[0]) { _ in } }
        #expect(error?.code == .malformedXML)
    }

    @Test(arguments: ["dtd_workbook.xlsx", "dtd_sst.xlsx"])
    func dtdInStructuralPartsIsRefused(name: String) throws {
        let error = try #require(openError(name))
        #expect(error.code == .dtdNotAllowed)
        #expect(error.part != nil)
        #expect(!error.description.contains("root:"))   // /etc/passwd never read
    }

    @Test func dtdInSheetIsRefused() throws {
        let error = try #require(try readError("dtd_sheet.xlsx"))
        #expect(error.code == .dtdNotAllowed)
        #expect(error.sheet == "D")
        #expect(error.line == 2)
    }

    @Test func unknownEntityIsRefused() throws {
        let error = try #require(try readError("unknown_entity.xlsx"))
        #expect(error.code == .malformedXML)
        #expect(error.message.contains("&nbsp;"))
    }

    @Test func sharedStringIndexOutOfRange() throws {
        let error = try #require(try readError("bad_shared_index.xlsx"))
        #expect(error.code == .malformedXML)
        #expect(error.cell == "C1")
        #expect(error.sheet == "B")
    }

    @Test func emptyWorkbook() throws {
        let error = try #require(openError("empty_workbook.xlsx"))
        #expect(error.code == .noSheets)
    }

    @Test func missingSheetPart() throws {
        let error = try #require(openError("missing_sheet.xlsx"))
        #expect(error.code == .missingPart)
        #expect(error.sheet == "M")
        #expect(error.part == "xl/worksheets/sheet1.xml")
    }

    @Test func missingFile() throws {
        let error = try #require(openError("no_such_file.xlsx"))
        #expect(error.code == .io)
    }
}
