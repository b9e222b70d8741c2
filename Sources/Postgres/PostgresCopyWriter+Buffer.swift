import Foundation

/// The writer's byte buffer and the encoders that write into it directly.
extension PostgresCopyWriter {
    @inline(__always)
    func beginField() {
        if fieldsInRow == 0 {
            // Binary rows start with their field count; text fields are tab-separated.
            if format == .binary { appendInteger(Int16(truncatingIfNeeded: columnCount)) }
        } else if format == .text {
            appendByte(UInt8(ascii: "\t"))
        }
        fieldsInRow += 1
    }

    @inline(__always)
    func reserve(_ extra: Int) {
        if count + extra > capacity { grow(count + extra) }
    }

    func grow(_ needed: Int) {
        var newCapacity = capacity * 2
        while newCapacity < needed { newCapacity *= 2 }
        let newBuffer = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        newBuffer.update(from: buffer, count: count)
        buffer.deallocate()
        buffer = newBuffer
        capacity = newCapacity
    }

    @inline(__always)
    func appendByte(_ byte: UInt8) {
        reserve(1)
        buffer[count] = byte
        count += 1
    }

    @inline(__always)
    func appendBytes2(_ first: UInt8, _ second: UInt8) {
        reserve(2)
        buffer[count] = first
        buffer[count + 1] = second
        count += 2
    }

    func writeRaw(_ bytes: UnsafeRawBufferPointer) {
        guard !bytes.isEmpty else { return }
        reserve(bytes.count)
        UnsafeMutableRawPointer(buffer + count).copyMemory(from: bytes.baseAddress!, byteCount: bytes.count)
        count += bytes.count
    }

    func writeRaw(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { writeRaw($0) }
    }

    func appendASCII(_ text: String) {
        var text = text
        text.withUTF8 { writeRaw(UnsafeRawBufferPointer($0)) }
    }

    /// Big-endian, as COPY binary wants.
    @inline(__always)
    func appendInteger<T: FixedWidthInteger>(_ value: T) {
        let size = MemoryLayout<T>.size
        reserve(size)
        UnsafeMutableRawPointer(buffer + count).storeBytes(of: value.bigEndian, as: T.self)
        count += size
    }

    func appendDecimal(_ value: Int64) {
        reserve(20)
        var magnitude = value.magnitude
        if value < 0 {
            buffer[count] = UInt8(ascii: "-")
            count += 1
        }
        var digits = 1
        var probe = magnitude
        while probe >= 10 {
            probe /= 10
            digits += 1
        }
        var position = count + digits - 1
        repeat {
            buffer[position] = UInt8(ascii: "0") + UInt8(magnitude % 10)
            magnitude /= 10
            position -= 1
        } while magnitude > 0
        count += digits
    }

    /// `YYYY-MM-DD`; years outside 1...9999 take the general (slow) path.
    func writeDateText(days: Int64) {
        let (year, month, day) = PostgresDateTime.civil(days: days)
        guard (1...9999).contains(year) else {
            var text: [UInt8] = []
            PostgresDateTime.appendDate(days: days, to: &text)
            writeRaw(text)
            return
        }
        reserve(10)
        writeCivilDate(year: year, month: month, day: day)
    }

    /// `YYYY-MM-DD` for a year in 1...9999; the caller has reserved 10 bytes.
    private func writeCivilDate(year: Int, month: Int, day: Int) {
        writeDigits(year, count: 4)
        buffer[count] = UInt8(ascii: "-")
        count += 1
        writeDigits(month, count: 2)
        buffer[count] = UInt8(ascii: "-")
        count += 1
        writeDigits(day, count: 2)
    }

    /// `YYYY-MM-DD HH:MM:SS[.ffffff]+00`, as `PostgresDateTime.appendTimestamp`.
    func writeTimestampText(microsecondsSince1970 micros: Int64) {
        var days = micros / PostgresDateTime.microsecondsPerDay
        var rest = micros % PostgresDateTime.microsecondsPerDay
        if rest < 0 {
            rest += PostgresDateTime.microsecondsPerDay
            days -= 1
        }
        let (year, month, day) = PostgresDateTime.civil(days: days)
        guard (1...9999).contains(year) else {
            var text: [UInt8] = []
            PostgresDateTime.appendTimestamp(microsecondsSince1970: micros, to: &text)
            writeRaw(text)
            return
        }
        reserve(32)
        writeCivilDate(year: year, month: month, day: day)
        buffer[count] = UInt8(ascii: " ")
        count += 1
        let seconds = Int(rest / 1_000_000)
        writeDigits(seconds / 3600, count: 2)
        buffer[count] = UInt8(ascii: ":")
        count += 1
        writeDigits(seconds / 60 % 60, count: 2)
        buffer[count] = UInt8(ascii: ":")
        count += 1
        writeDigits(seconds % 60, count: 2)
        let fraction = Int(rest % 1_000_000)
        if fraction != 0 {
            buffer[count] = UInt8(ascii: ".")
            count += 1
            writeDigits(fraction, count: 6)
        }
        buffer[count] = UInt8(ascii: "+")
        buffer[count + 1] = UInt8(ascii: "0")
        buffer[count + 2] = UInt8(ascii: "0")
        count += 3
    }

    /// Exactly `digits` decimal digits of `value` (zero-padded); space reserved by the caller.
    @inline(__always)
    func writeDigits(_ value: Int, count digits: Int) {
        var rest = value
        var position = count + digits - 1
        while position >= count {
            buffer[position] = UInt8(ascii: "0") + UInt8(truncatingIfNeeded: rest % 10)
            rest /= 10
            position -= 1
        }
        count += digits
    }

    /// COPY text escaping: backslash, tab, newline and CR get a backslash.
    func appendEscaped(_ bytes: UnsafeBufferPointer<UInt8>) {
        reserve(bytes.count)
        var start = 0
        for index in 0..<bytes.count {
            let escaped: UInt8
            switch bytes[index] {
            case UInt8(ascii: "\\"): escaped = UInt8(ascii: "\\")
            case UInt8(ascii: "\t"): escaped = UInt8(ascii: "t")
            case UInt8(ascii: "\n"): escaped = UInt8(ascii: "n")
            case UInt8(ascii: "\r"): escaped = UInt8(ascii: "r")
            default: continue
            }
            writeRaw(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: bytes[start..<index])))
            appendBytes2(UInt8(ascii: "\\"), escaped)
            start = index + 1
        }
        writeRaw(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: bytes[start..<bytes.count])))
    }
}
