import Foundation
import Gzip
import Testing
import TestSupport
@testable import XLSXReader

/// The reader's own DEFLATE decoder (`Inflater`) against zlib's encoder:
/// every level, every block type, every short match distance, compressed
/// input and output handed over in awkward pieces; and damaged streams,
/// which must fail with an error, never a crash or a hang.
@Suite struct InflaterTests {
    /// A raw DEFLATE stream of `data` from zlib (its zlib-format output
    /// without the 2-byte header and the Adler-32 trailer).
    private func deflate(_ data: [UInt8], level: Int) throws -> [UInt8] {
        let compressor = try ZlibCompressor(level: level)
        let wrapped = try data.withUnsafeBytes { input in try compressor.compress(input) { Array($0) } }
        return Array(wrapped[2..<(wrapped.count - 4)])
    }

    /// Decodes `stream`, fed `inputPiece` bytes at a time, read into a
    /// buffer of `outputPiece` bytes.
    private func inflate(_ stream: [UInt8], inputPiece: Int = 1 << 16, outputPiece: Int = 256 << 10) throws -> [UInt8] {
        var offset = 0
        let inflater = Inflater { buffer in
            let n = min(inputPiece, buffer.count, stream.count - offset)
            stream.withUnsafeBytes { buffer.baseAddress!.copyMemory(from: $0.baseAddress! + offset, byteCount: n) }
            offset += n
            return n
        }
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: outputPiece)
        while true {
            let n = try chunk.withUnsafeMutableBytes { try inflater.read(into: $0) }
            if n == 0 { return result }
            result += chunk[0..<n]
        }
    }

    /// A small deterministic generator (the tests must not vary by run).
    private struct Generator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return state >> 33
        }
    }

    /// Worksheet-like XML: the shape the decoder is tuned for.
    private static func sheetXML(rows: Int) -> [UInt8] {
        var g = Generator(state: 7)
        var text = "<sheetData>"
        for r in 1...rows {
            text += #"<row r="\#(r)"><c r="A\#(r)"><v>\#(g.next() % 100_000)</v></c><c r="B\#(r)" t="s"><v>\#(g.next() % 500)</v></c>"#
            text += #"<c r="C\#(r)" s="2"><v>\#(Double(g.next() % 1_000_000) / 100)</v></c></row>"#
        }
        return Array((text + "</sheetData>").utf8)
    }

    private static let inputs: [(name: String, bytes: [UInt8])] = {
        var g = Generator(state: 11)
        let random = (0..<150_000).map { _ in UInt8(truncatingIfNeeded: g.next()) }
        var periodic: [UInt8] = []
        for period in 1...9 {
            let unit = (0..<period).map { UInt8(ascii: "a") + UInt8($0) }
            for _ in 0..<(3000 / period) { periodic += unit }
            periodic += [UInt8(ascii: "\n")]
        }
        // Text with matches of every length and far distances.
        var mixed: [UInt8] = []
        for i in 0..<4000 {
            let length = Int(g.next() % 300)
            let back = Int(g.next() % 40_000)
            if mixed.count > back && length > 2 && i % 3 != 0 {
                mixed += mixed[(mixed.count - back)...].prefix(length)
            } else {
                mixed += (0..<length % 40).map { _ in UInt8(65 + g.next() % 26) }
            }
        }
        return [("empty", []), ("one byte", [42]), ("short text", Array("hello, hello, hello world".utf8)),
                ("sheet XML", sheetXML(rows: 6000)), ("random", random), ("periodic", periodic), ("mixed", mixed)]
    }()

    @Test(arguments: [0, 1, 2, 6, 9])
    func decodesWhatZlibEncodes(level: Int) throws {
        for input in Self.inputs {
            let stream = try deflate(input.bytes, level: level)
            #expect(try inflate(stream) == input.bytes, "\(input.name), level \(level)")
        }
    }

    @Test func decodesWhateverThePieceSizes() throws {
        let input = Self.inputs.first { $0.name == "mixed" }!.bytes
        for level in [0, 6] {
            let stream = try deflate(input, level: level)
            for (inPiece, outPiece) in [(1, 1), (3, 1000), (7, 65_536), (4096, 5), (1 << 20, 300_000)] {
                #expect(try inflate(stream, inputPiece: inPiece, outputPiece: outPiece) == input,
                        "level \(level), pieces \(inPiece)/\(outPiece)")
            }
        }
    }

    @Test func everyBlockTypeIsCovered() throws {
        // The first block's type (bits 1–2): stored at level 0, fixed codes
        // for a short text, dynamic codes for the sheet.
        func blockType(_ stream: [UInt8]) -> UInt8 { (stream[0] >> 1) & 3 }
        #expect(blockType(try deflate(Array("hello, hello, hello world".utf8), level: 0)) == 0)
        #expect(blockType(try deflate(Array("hello, hello, hello world".utf8), level: 6)) == 1)
        #expect(blockType(try deflate(Self.sheetXML(rows: 100), level: 6)) == 2)
    }

    /// Damaged streams, judged by zlib: Python's `zlib` (zlib's own
    /// inflate) damages a stream a few hundred ways and says for each
    /// whether it decodes (and to what); ours must agree on every one,
    /// failing with an error where zlib fails, never crashing or hanging.
    @Test func damageIsJudgedAsZlibJudgesIt() throws {
        let program = #"""
        import random, sys, zlib
        random.seed(5)
        data = "".join('<row r="%d"><c r="A%d"><v>%d</v></c><c r="B%d" t="s"><v>%d</v></c></row>'
                       % (r, r, random.randint(0, 99999), r, random.randint(0, 499)) for r in range(1, 400)).encode()
        lines = []
        for level in (1, 6, 9):
            c = zlib.compressobj(level, zlib.DEFLATED, -15)
            stream = c.compress(data) + c.flush()
            for k in range(200):
                d = bytearray(stream)
                for _ in range(random.randint(1, 3)):
                    d[random.randrange(len(d))] ^= random.randint(1, 255)
                if k % 7 == 0:
                    d = d[:random.randrange(len(d))]
                o = zlib.decompressobj(-15)
                try:
                    out = o.decompress(bytes(d)) + o.flush()
                    outcome = "ok:%d:%d" % (len(out), zlib.crc32(out)) if o.eof else "error"
                except zlib.error:
                    outcome = "error"
                lines.append(bytes(d).hex() + " " + outcome)
        open(sys.argv[1], "w").write("\n".join(lines))
        """#
        try TIProcess.withTemporaryDirectory("inflate-damage") { dir in
            let path = dir.appendingPathComponent("cases.txt").path
            _ = try TIProcess.run("/usr/bin/python3", ["-c", program, path])
            var errors = 0, cases = 0
            for line in try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n") {
                let fields = line.split(separator: " ", omittingEmptySubsequences: false)
                let hex = Array(fields[0].utf8)
                func nibble(_ c: UInt8) -> UInt8 { c <= 57 ? c - 48 : c - 87 }
                let stream = stride(from: 0, to: hex.count, by: 2).map { nibble(hex[$0]) << 4 | nibble(hex[$0 + 1]) }
                var outcome = "error"
                if let out = try? inflate(stream) {
                    var crc = CRC32()
                    out.withUnsafeBytes { crc.update($0) }
                    outcome = "ok:\(out.count):\(crc.value)"
                }
                #expect(outcome == String(fields[1]), "case \(cases)")
                if outcome == "error" { errors += 1 }
                cases += 1
            }
            #expect(cases == 600)
            #expect(errors > 50)  // the damage reaches the decoder's checks, not only the CRC's
        }
    }

    @Test func everyTruncationIsAnError() throws {
        for level in [0, 1, 6] {
            let stream = try deflate(Self.sheetXML(rows: 300), level: level)
            for cut in stride(from: 0, to: stream.count, by: max(stream.count / 97, 1)) {
                #expect(throws: Inflater.Failure.self, "level \(level), cut at \(cut)") {
                    _ = try inflate(Array(stream[0..<cut]))
                }
            }
            #expect(throws: Inflater.Failure.self) { _ = try inflate(Array(stream.dropLast())) }
        }
    }

    @Test func namedErrors() throws {
        func failure(_ stream: [UInt8]) -> String? {
            do { _ = try inflate(stream); return nil } catch { return "\(error)" }
        }
        #expect(failure([0x07]) == "invalid block type 3")
        #expect(failure([0x01, 0x05, 0x00, 0x00, 0x00]) == "a stored block's length check fails")
        // Fixed codes: literal 'a' (0x91, 8 bits) then length 3 (code 257,
        // 7 bits) at distance 2 (code 1, 5 bits) reaches before the start.
        var bits: [Int] = [1, 1, 0]  // BFINAL, BTYPE = 01 (low bit first)
        func code(_ value: Int, _ length: Int) { for i in (0..<length).reversed() { bits.append((value >> i) & 1) } }
        code(0x30 + 0x61, 8)
        code(1, 7)
        code(1, 5)
        code(0, 7)  // end of block
        var bytes = [UInt8](repeating: 0, count: (bits.count + 7) / 8)
        for (i, bit) in bits.enumerated() where bit == 1 { bytes[i / 8] |= 1 << (i % 8) }
        #expect(failure(bytes) == "a match reaches before the start of the data")
    }

    // MARK: through the zip

    @Test func aWrongCRCIsADamagedEntry() throws {
        try TIProcess.withTemporaryDirectory("crc") { dir in
            var rows = ""
            for r in 1...500 { rows += #"<row r="\#(r)"><c r="A\#(r)"><v>\#(r * 7)</v></c></row>"# }
            let path = try HandMadeWorkbook.oneSheet(rows, in: dir)
            var zip = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
            #expect(Self.flipCRC(of: "xl/worksheets/sheet1.xml", in: &zip) == 2)
            try Data(zip).write(to: URL(fileURLWithPath: path))
            let reader = try WorkbookReader(path: path)
            let error = try #require(WorkbookFixtures.error {
                for sheet in reader.sheets { try reader.readRows(of: sheet) { _ in } }
            })
            #expect(error.code == .corruptZip, "\(error)")
            #expect(error.part == "xl/worksheets/sheet1.xml")
            #expect(error.message.contains("CRC"), "\(error)")
        }
    }

    /// Changes the CRC-32 of `name` in its local header and its central
    /// directory record; returns how many it changed.
    private static func flipCRC(of name: String, in zip: inout [UInt8]) -> Int {
        let nameBytes = Array(name.utf8)
        func u32(_ i: Int) -> UInt32 { (0..<4).reduce(0) { $0 | UInt32(zip[i + $1]) << (8 * $1) } }
        func u16(_ i: Int) -> Int { Int(zip[i]) | Int(zip[i + 1]) << 8 }
        var changed = 0
        var i = 0
        while i + 46 < zip.count {
            let signature = u32(i)
            let (crcAt, nameAt): (Int, Int)
            if signature == 0x0403_4B50 { (crcAt, nameAt) = (i + 14, i + 30) }
            else if signature == 0x0201_4B50 { (crcAt, nameAt) = (i + 16, i + 46) }
            else { i += 1; continue }
            let length = u16(signature == 0x0403_4B50 ? i + 26 : i + 28)
            if length == nameBytes.count && nameAt + length <= zip.count && Array(zip[nameAt..<(nameAt + length)]) == nameBytes {
                zip[crcAt] ^= 0xFF
                changed += 1
            }
            i += 4
        }
        return changed
    }
}
