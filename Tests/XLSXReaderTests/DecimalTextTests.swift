import Testing
import TestSupport
@testable import XLSXReader

/// The digit values read while parsing (the hot path of positional
/// numbers) against the digit-by-digit path, which exponent notation of the
/// same value takes: `12.05` and `1205E-2` must give the same answers.
@Suite struct DecimalTextTests {
    private func parse<R>(_ text: String, _ body: (DecimalText, UnsafeBufferPointer<UInt8>) -> R) -> R {
        Array(text.utf8).withUnsafeBufferPointer { body(DecimalText($0)!, $0) }
    }

    /// The same value in exponent notation (no point, digits shifted).
    private func exponentForm(_ text: String) -> String {
        let sign = text.hasPrefix("-") ? "-" : ""
        let body = sign.isEmpty ? Substring(text) : text.dropFirst()
        let parts = body.split(separator: ".", omittingEmptySubsequences: false)
        let fraction = parts.count > 1 ? String(parts[1]) : ""
        return "\(sign)\(parts[0])\(fraction)E-\(fraction.count)"
    }

    private static let scales: [UInt64] = [86_400_000_000, 10_000, 1]

    private func check(_ text: String) {
        let other = exponentForm(text)
        let fast = parse(text) { d, b in
            (d.hasShortDigits, d.int64Value(in: b), Self.scales.map { d.splitMagnitude(in: b, fractionScale: $0).map { [$0.0, $0.1] } })
        }
        let slow = parse(other) { d, b in
            (d.hasShortDigits, d.int64Value(in: b), Self.scales.map { d.splitMagnitude(in: b, fractionScale: $0).map { [$0.0, $0.1] } })
        }
        #expect(!slow.0)
        #expect(fast.1 == slow.1, "int64Value of \(text) vs \(other)")
        #expect(fast.2 == slow.2, "splitMagnitude of \(text) vs \(other)")
    }

    @Test func shortDigitsAgreeWithTheGeneralPath() {
        let texts = [
            "0", "-0", "007", "1", "42", "-2", "12.000", "-0.0", "0.5", "0.1", "36527.5", "45349.37150462963",
            "45360.20730324074", "146.91", "92.15000000000001", "0.30000000000000004", "999999999999999999",
            "-999999999999999999", "123456789012345678.123456789012345678", "0.000000000000000001",
            "0.999999999999999999", "2958465.99999999999", "1.5", "60", "61", "0.00000000000000005",
        ]
        for text in texts { check(text) }
        // Pseudo-random digits on either side of the point, up to 18 each.
        var numbers = SeededNumbers(seed: 0x9E37_79B9_7F4A_7C15)
        for _ in 0..<2000 { check(numbers.decimalText(maxIntDigits: 18, maxFracDigits: 18)) }
    }

    @Test func longDigitsTakeTheGeneralPath() {
        // 19 digits: beyond what the parse keeps exactly.
        parse("1234567890123456789") { d, b in
            #expect(!d.hasShortDigits)
            #expect(d.int64Value(in: b) == 1_234_567_890_123_456_789)
        }
        parse("0.1234567890123456789") { d, b in
            #expect(!d.hasShortDigits)
            #expect(d.int64Value(in: b) == nil)
        }
        parse("9223372036854775808") { d, b in #expect(d.int64Value(in: b) == nil) }
        parse("-9223372036854775808") { d, b in #expect(d.int64Value(in: b) == Int64.min) }
    }
}
