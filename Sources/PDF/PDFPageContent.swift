/// The content stream of one page, written as PDF operators by us rather
/// than through libharu's page functions (which clear a 512-byte buffer,
/// re-measure the string and format numbers for every operator). Text is
/// shown in a ``PDFFont`` of a ``PDFDocument``: libharu's UTF-8 TrueType
/// fonts are Type0 fonts with a CIDFontType2 descendant whose CIDs are the
/// Unicode code points (U+0020…U+FFFF; libharu maps the rest to a space)
/// and whose `CIDToGIDMap` maps them to glyphs, so a string is its code
/// points as 2-byte hex (`<00410042> Tj`), as libharu writes it. Every
/// character shown is measured through the font, which marks its glyph
/// for the embedded subset.
///
/// Coordinates are in points from the bottom left, written with at most
/// three decimals; text positions are kept in thousandths of a point so
/// the relative moves (`Td`) add up exactly.
public struct PDFPageContent {
    public private(set) var bytes: [UInt8]
    private var inText = false
    /// The start of the current text line, in thousandths of a point.
    private var lineX = 0
    private var lineY = 0
    private var font: PDFFont?
    private var fontSize = 0.0

    public init(capacity: Int = 48 << 10) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    /// Hands the bytes over and leaves this content empty (with a new buffer).
    public mutating func take() -> [UInt8] {
        let capacity = max(bytes.count + bytes.count / 4, 1024)
        var taken: [UInt8] = []
        taken.reserveCapacity(capacity)
        swap(&taken, &bytes)
        inText = false
        font = nil
        return taken
    }

    // MARK: - shapes (outside text)

    /// Sets the fill colour to a gray level (0 black … 1 white): `g`.
    public mutating func setFillGray(_ gray: Double) {
        write(capacity: 40) { p in
            var n = Self.write(Self.thousandths(gray), to: p)
            n += Self.write(" g\n", to: p + n)
            return n
        }
    }

    /// Adds a rectangle to the path: `re`.
    public mutating func rectangle(x: Double, y: Double, width: Double, height: Double) {
        write(capacity: 4 * 32 + 8) { p in
            var n = Self.write(Self.thousandths(x), to: p)
            n += Self.write(" ", to: p + n)
            n += Self.write(Self.thousandths(y), to: p + n)
            n += Self.write(" ", to: p + n)
            n += Self.write(Self.thousandths(width), to: p + n)
            n += Self.write(" ", to: p + n)
            n += Self.write(Self.thousandths(height), to: p + n)
            n += Self.write(" re\n", to: p + n)
            return n
        }
    }

    /// Fills the path (every rectangle added since the last fill): `f`.
    public mutating func fill() { append("f\n") }

    /// Strokes a straight line in a gray level.
    public mutating func strokeLine(x1: Double, y1: Double, x2: Double, y2: Double, gray: Double, lineWidth: Double) {
        number(gray); append(" G\n")
        number(lineWidth); append(" w\n")
        number(x1); append(" "); number(y1); append(" m\n")
        number(x2); append(" "); number(y2); append(" l\nS\n")
    }

    // MARK: - text

    /// Begins a text object with a gray fill for the glyphs: `BT … g`.
    public mutating func beginText(gray: Double = 0) {
        append("BT\n")
        number(gray)
        append(" g\n")
        inText = true
        lineX = 0
        lineY = 0
        font = nil
    }

    public mutating func endText() {
        append("ET\n")
        inText = false
    }

    /// Shows `text` with its baseline starting at (`x`, `y`) and returns its
    /// advance in 1/1000 of the font size (between ``beginText(gray:)`` and
    /// ``endText()``).
    @discardableResult
    public mutating func showText(_ text: String, x: Double, y: Double, font: PDFFont, size: Double) -> Int {
        precondition(inText, "showText outside beginText/endText")
        if self.font !== font || fontSize != size {
            append("/")
            bytes.append(contentsOf: font.resourceName)
            append(" ")
            number(size)
            append(" Tf\n")
            self.font = font
            fontSize = size
        }
        let tx = Self.thousandths(x)
        let ty = Self.thousandths(y)
        let dx = tx - lineX
        let dy = ty - lineY
        lineX = tx
        lineY = ty
        // ASCII (the common case): the whole operator in one write.
        var advance = 0
        let asciiDone = text.utf8.withContiguousStorageIfAvailable { utf8 -> Bool in
            for byte in utf8 where byte >= 0x80 { return false }
            write(capacity: 2 * 32 + 16 + 4 * utf8.count) { p in
                var n = Self.write(dx, to: p)
                p[n] = 0x20
                n += 1
                n += Self.write(dy, to: p + n)
                n += Self.write(" Td\n<", to: p + n)
                for byte in utf8 {
                    advance += font.advance(ascii: byte)
                    Self.writeCID(UInt16(byte < 0x20 ? 0x20 : byte), to: p + n)
                    n += 4
                }
                n += Self.write("> Tj\n", to: p + n)
                return n
            }
            return true
        } ?? false
        guard !asciiDone else { return advance }
        write(capacity: 2 * 32 + 8) { p in
            var n = Self.write(dx, to: p)
            p[n] = 0x20
            n += 1
            n += Self.write(dy, to: p + n)
            n += Self.write(" Td\n<", to: p + n)
            return n
        }
        for scalar in text.unicodeScalars {
            advance += font.advance(scalar)
            let v = scalar.value
            write(capacity: 4) { p in
                Self.writeCID(v < 0x20 || v > 0xFFFF ? 0x20 : UInt16(v), to: p)
                return 4
            }
        }
        append("> Tj\n")
        return advance
    }

    // MARK: - bytes

    /// Appends up to `capacity` bytes that `body` writes (returning how many).
    @inline(__always)
    private mutating func write(capacity: Int, _ body: (UnsafeMutablePointer<UInt8>) -> Int) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: capacity) { buffer in
            let base = buffer.baseAddress!
            let count = body(base)
            bytes.append(contentsOf: UnsafeBufferPointer(start: base, count: count))
        }
    }

    @inline(__always)
    private mutating func append(_ text: StaticString) {
        bytes.append(contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    @inline(__always)
    private mutating func number(_ value: Double) {
        Self.appendThousandths(Self.thousandths(value), to: &bytes)
    }

    @inline(__always)
    static func write(_ text: StaticString, to p: UnsafeMutablePointer<UInt8>) -> Int {
        p.update(from: text.utf8Start, count: text.utf8CodeUnitCount)
        return text.utf8CodeUnitCount
    }

    /// Four uppercase hex digits.
    @inline(__always)
    static func writeCID(_ cid: UInt16, to p: UnsafeMutablePointer<UInt8>) {
        @inline(__always) func hex(_ nibble: UInt16) -> UInt8 {
            UInt8(truncatingIfNeeded: nibble < 10 ? 0x30 + nibble : 0x37 + nibble)
        }
        p[0] = hex(cid >> 12)
        p[1] = hex(cid >> 8 & 0xF)
        p[2] = hex(cid >> 4 & 0xF)
        p[3] = hex(cid & 0xF)
    }

    // MARK: - numbers

    @inline(__always)
    static func thousandths(_ value: Double) -> Int { Int((value * 1000).rounded()) }

    /// Writes `value / 1000` with at most three decimals and no trailing zeros.
    static func appendThousandths(_ value: Int, to bytes: inout [UInt8]) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 32) { buffer in
            let base = buffer.baseAddress!
            bytes.append(contentsOf: UnsafeBufferPointer(start: base, count: write(value, to: base)))
        }
    }

    /// Writes `value / 1000` (at most 26 bytes) and returns the byte count.
    @inline(__always)
    static func write(_ value: Int, to p: UnsafeMutablePointer<UInt8>) -> Int {
        var n = 0
        var v = value
        if v < 0 {
            p[0] = UInt8(ascii: "-")
            n = 1
            v = v == .min ? .max : -v
        }
        n += writeInteger(v / 1000, to: p + n)
        let fraction = v % 1000
        guard fraction != 0 else { return n }
        p[n] = UInt8(ascii: ".")
        p[n + 1] = 0x30 + UInt8(fraction / 100)
        n += 2
        if fraction % 100 != 0 {
            p[n] = 0x30 + UInt8(fraction / 10 % 10)
            n += 1
            if fraction % 10 != 0 {
                p[n] = 0x30 + UInt8(fraction % 10)
                n += 1
            }
        }
        return n
    }

    /// Writes a non-negative integer (at most 19 digits) and returns the byte count.
    @inline(__always)
    static func writeInteger(_ value: Int, to p: UnsafeMutablePointer<UInt8>) -> Int {
        var count = 1
        var rest = value
        while rest >= 10 {
            rest /= 10
            count += 1
        }
        rest = value
        var i = count
        repeat {
            i -= 1
            p[i] = 0x30 + UInt8(rest % 10)
            rest /= 10
        } while i > 0
        return count
    }
}
