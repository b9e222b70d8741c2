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

    /// Empties the content for another page (keeping its buffer).
    public mutating func removeAll() {
        bytes.removeAll(keepingCapacity: true)
        inText = false
        font = nil
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
        number(gray)
        operator_(" g\n")
    }

    /// Adds a rectangle to the path: `re`.
    public mutating func rectangle(x: Double, y: Double, width: Double, height: Double) {
        number(x); space(); number(y); space(); number(width); space(); number(height)
        operator_(" re\n")
    }

    /// Fills the path (every rectangle added since the last fill): `f`.
    public mutating func fill() { operator_("f\n") }

    /// Strokes a straight line in a gray level.
    public mutating func strokeLine(x1: Double, y1: Double, x2: Double, y2: Double, gray: Double, lineWidth: Double) {
        number(gray); operator_(" G\n")
        number(lineWidth); operator_(" w\n")
        number(x1); space(); number(y1); operator_(" m\n")
        number(x2); space(); number(y2); operator_(" l\nS\n")
    }

    // MARK: - text

    /// Begins a text object with a gray fill for the glyphs: `BT … g`.
    public mutating func beginText(gray: Double = 0) {
        operator_("BT\n")
        number(gray)
        operator_(" g\n")
        inText = true
        lineX = 0
        lineY = 0
        font = nil
    }

    public mutating func endText() {
        operator_("ET\n")
        inText = false
    }

    /// Shows `text` with its baseline starting at (`x`, `y`) and returns its
    /// advance in 1/1000 of the font size (between ``beginText(gray:)`` and
    /// ``endText()``).
    @discardableResult
    public mutating func showText(_ text: String, x: Double, y: Double, font: PDFFont, size: Double) -> Int {
        precondition(inText, "showText outside beginText/endText")
        if self.font !== font || fontSize != size {
            bytes.append(UInt8(ascii: "/"))
            bytes.append(contentsOf: font.resourceName)
            space()
            number(size)
            operator_(" Tf\n")
            self.font = font
            fontSize = size
        }
        let tx = Self.thousandths(x)
        let ty = Self.thousandths(y)
        Self.appendThousandths(tx - lineX, to: &bytes)
        space()
        Self.appendThousandths(ty - lineY, to: &bytes)
        operator_(" Td\n<")
        lineX = tx
        lineY = ty
        var advance = 0
        let asciiDone = text.utf8.withContiguousStorageIfAvailable { utf8 -> Bool in
            for byte in utf8 where byte >= 0x80 { return false }
            for byte in utf8 {
                advance += font.advance(ascii: byte)
                appendCID(UInt16(byte < 0x20 ? 0x20 : byte))
            }
            return true
        } ?? false
        if !asciiDone {
            for scalar in text.unicodeScalars {
                advance += font.advance(scalar)
                let v = scalar.value
                appendCID(v < 0x20 || v > 0xFFFF ? 0x20 : UInt16(v))
            }
        }
        operator_("> Tj\n")
        return advance
    }

    @inline(__always)
    private mutating func appendCID(_ cid: UInt16) {
        let hex = Self.hexDigits
        bytes.append(hex[Int(cid >> 12)])
        bytes.append(hex[Int(cid >> 8 & 0xF)])
        bytes.append(hex[Int(cid >> 4 & 0xF)])
        bytes.append(hex[Int(cid & 0xF)])
    }

    private static let hexDigits: [UInt8] = Array("0123456789ABCDEF".utf8)

    // MARK: - numbers

    @inline(__always)
    private mutating func operator_(_ text: StaticString) {
        bytes.append(contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    @inline(__always)
    private mutating func space() { bytes.append(0x20) }

    @inline(__always)
    private mutating func number(_ value: Double) {
        Self.appendThousandths(Self.thousandths(value), to: &bytes)
    }

    @inline(__always)
    static func thousandths(_ value: Double) -> Int { Int((value * 1000).rounded()) }

    /// Writes `value / 1000` with at most three decimals and no trailing zeros.
    static func appendThousandths(_ value: Int, to bytes: inout [UInt8]) {
        var v = value
        if v < 0 {
            bytes.append(UInt8(ascii: "-"))
            v = -v
        }
        appendInteger(v / 1000, to: &bytes)
        let fraction = v % 1000
        guard fraction != 0 else { return }
        bytes.append(UInt8(ascii: "."))
        let digits = (fraction / 100, fraction / 10 % 10, fraction % 10)
        bytes.append(0x30 + UInt8(digits.0))
        if digits.1 != 0 || digits.2 != 0 { bytes.append(0x30 + UInt8(digits.1)) }
        if digits.2 != 0 { bytes.append(0x30 + UInt8(digits.2)) }
    }

    /// Writes a non-negative integer in decimal.
    static func appendInteger(_ value: Int, to bytes: inout [UInt8]) {
        var divisor = 1
        while divisor <= value / 10 { divisor *= 10 }
        var rest = value
        while divisor > 0 {
            bytes.append(0x30 + UInt8(rest / divisor))
            rest %= divisor
            divisor /= 10
        }
    }
}
