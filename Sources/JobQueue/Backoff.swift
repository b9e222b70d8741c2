/// Exponential backoff with jitter for retryable attempts: the n-th retry
/// waits `base · 2^(n-1)`, capped at `maximum`, then scaled by a random
/// factor in `1 - jitter … 1 + jitter` so retries of many jobs spread out.
public struct Backoff: Sendable, Hashable {
    public var base: Duration
    public var maximum: Duration
    /// 0 … 1; 0.25 means ±25 %.
    public var jitter: Double

    public init(base: Duration = .seconds(5), maximum: Duration = .seconds(3600), jitter: Double = 0.25) {
        precondition(jitter >= 0 && jitter <= 1, "jitter must be between 0 and 1")
        self.base = base
        self.maximum = maximum
        self.jitter = jitter
    }

    /// The delay before the next attempt after attempt `attempt` (1-based)
    /// failed; `unit` is a random value in 0 … 1 (pass a fixed one in tests).
    public func delay(afterAttempt attempt: Int, unit: Double = Double.random(in: 0...1)) -> Duration {
        let exponent = max(0, min(attempt - 1, 40))
        let raw = Self.seconds(base) * Double(1 << UInt64(exponent))
        let capped = min(raw, Self.seconds(maximum))
        let factor = 1 - jitter + 2 * jitter * min(max(unit, 0), 1)
        return .milliseconds(Int64((capped * factor * 1000).rounded()))
    }

    static func seconds(_ duration: Duration) -> Double {
        let parts = duration.components
        return Double(parts.seconds) + Double(parts.attoseconds) / 1e18
    }
}

extension Duration {
    /// Seconds as a `Double` (for SQL intervals and logs).
    var inSeconds: Double { Backoff.seconds(self) }
}
