import ChildProcess
import Foundation
import Testing
import PDF

/// Pages written by ``PDFPageContent`` through a ``PDFPageStream``, with
/// libharu's fonts behind them, read back by poppler (`pdfinfo`,
/// `pdftotext`).
@Suite struct PDFPageStreamTests {
    static let dejaVu = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"

    static func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

    @Test func operatorsAndNumbers() throws {
        var content = PDFPageContent()
        content.setFillGray(0.93)
        content.rectangle(x: 28, y: 535.2764, width: 785.890_01, height: 11)
        content.fill()
        content.strokeLine(x1: 0.5, y1: -1.25, x2: 10, y2: 0.0004, gray: 0.4, lineWidth: 0.5)
        #expect(Self.text(content.bytes) == """
            0.93 g
            28 535.276 785.89 11 re
            f
            0.4 G
            0.5 w
            0.5 -1.25 m
            10 0 l
            S

            """)
    }

    /// Strings are 2-byte hex code points; `Td` moves are relative to the
    /// previous line start and add up exactly; the font is set only when it
    /// changes; the advance is the font's width of the text.
    @Test func textIsHexCodePointsWithRelativeMoves() throws {
        let document = try PDFDocument()
        let font = try document.loadTrueTypeFont(path: Self.dejaVu)
        var content = PDFPageContent()
        content.beginText()
        let ab = content.showText("AB", x: 10.5, y: 100, font: font, size: 7)
        content.showText("ł€", x: 20.25, y: 90.1, font: font, size: 7)
        content.showText("a\u{1F600}", x: 20.25, y: 80, font: font, size: 7)
        content.endText()
        #expect(ab == font.advance("A") + font.advance("B"))
        #expect(Self.text(content.bytes) == """
            BT
            0 g
            /F1 7 Tf
            10.5 100 Td
            <00410042> Tj
            9.75 -9.9 Td
            <014220AC> Tj
            0 -10.1 Td
            <00610020> Tj
            ET

            """)
        let taken = content.take()
        #expect(!taken.isEmpty && content.bytes.isEmpty)
    }

    @Test func pagesAndFontsMakeOneDocument() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("pyramydal-pdfstream-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("pages.pdf").path
        let document = try PDFDocument()
        try document.setInfo(title: "Stream test · Łódź 株式会社", creator: "Pyramydal")
        let font = try document.loadTrueTypeFont(path: Self.dejaVu)
        // A queue of one page: the drawing side waits for the writer thread.
        let stream = try PDFPageStream(path: path, queuePages: 1)
        var content = PDFPageContent()
        for page in 1...5 {
            content.setFillGray(0.9)
            content.rectangle(x: 20, y: 700, width: 100, height: 20)
            content.fill()
            content.beginText()
            content.showText("Seite \(page) · Łódź", x: 30, y: 705, font: font, size: 12)
            content.endText()
            try stream.addPage(width: 595.276, height: 841.89, content: content.take())
        }
        #expect(stream.pageCount == 5)
        try stream.finish(fonts: document)

        let info = try ChildProcess.run("pdfinfo", [path])
        #expect(info.succeeded, "\(info.stderrText)")
        #expect(info.stdoutText.contains("Pages:           5"))
        #expect(info.stdoutText.contains("Title:           Stream test · Łódź 株式会社"), "a UTF-16 title reads back")
        #expect(info.stdoutText.contains("Creator:         Pyramydal"))
        for page in [1, 5] {
            let text = try ChildProcess.run("pdftotext", ["-f", "\(page)", "-l", "\(page)", path, "-"])
            #expect(text.stdoutText.contains("Seite \(page) · Łódź"), "page \(page): \(text.stdoutText)")
        }
        let fonts = try ChildProcess.run("pdffonts", [path])
        #expect(fonts.stdoutText.contains("DejaVuSans"))
        #expect(fonts.stdoutText.split(separator: "\n").count == 3, "one embedded font: \(fonts.stdoutText)")
    }

    @Test func aDroppedStreamLeavesNoFile() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("pyramydal-pdfdrop-\(UUID().uuidString).pdf").path
        do {
            let stream = try PDFPageStream(path: path)
            var content = PDFPageContent()
            content.fill()
            try stream.addPage(width: 100, height: 100, content: content.take())
            #expect(FileManager.default.fileExists(atPath: path))
        }
        #expect(!FileManager.default.fileExists(atPath: path))
    }
}
