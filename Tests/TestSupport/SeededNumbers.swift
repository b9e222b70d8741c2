/// Reproducible pseudo-random number texts for tests that compare two
/// ways of reading or writing a number (a 64-bit LCG: the same seed gives
/// the same texts on every run and machine).
public struct SeededNumbers {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    /// A value in `0 ..< n`.
    public mutating func below(_ n: UInt64) -> UInt64 {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return (state >> 33) % n
    }

    /// A positional number text: an optional `-`, up to `maxIntDigits`
    /// digits before the point (`0` when none) and up to `maxFracDigits`
    /// after it (no point when none). With `moreZeros`, a third of the
    /// digits are 0 on top of their fair share, so runs of zeros (and zero
    /// groups at either end) are common.
    public mutating func decimalText(maxIntDigits: Int, maxFracDigits: Int, moreZeros: Bool = false) -> String {
        let intDigits = Int(below(UInt64(maxIntDigits + 1))), fracDigits = Int(below(UInt64(maxFracDigits + 1)))
        func digit() -> String { String(moreZeros && below(3) == 0 ? 0 : below(10)) }
        var text = below(2) == 0 ? "-" : ""
        text += intDigits == 0 ? "0" : (0..<intDigits).map { _ in digit() }.joined()
        if fracDigits > 0 { text += "." + (0..<fracDigits).map { _ in digit() }.joined() }
        return text
    }
}
