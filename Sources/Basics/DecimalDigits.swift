/// Decimal digits of integers appended to a byte buffer, without making a
/// `String`: the COPY encoder's text fields and the PDF writer's object
/// numbers and offsets.
package enum DecimalDigits {
    @inlinable
    package static func appendInteger(_ v: Int64, to out: inout [UInt8]) {
        if v < 0 { out.append(UInt8(ascii: "-")) }
        appendUnsigned(v.magnitude, minimumDigits: 1, to: &out)
    }

    /// Decimal digits of `v`, zero-padded to `minimumDigits` (at most 20).
    @inlinable
    package static func appendUnsigned(_ v: UInt64, minimumDigits: Int, to out: inout [UInt8]) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { buf in
            var i = 20
            var x = v
            repeat {
                i -= 1
                buf[i] = UInt8(truncatingIfNeeded: x % 10) &+ 48
                x /= 10
            } while x > 0
            while 20 - i < min(minimumDigits, 20) {
                i -= 1
                buf[i] = 48
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: buf[i..<20]))
        }
    }
}
