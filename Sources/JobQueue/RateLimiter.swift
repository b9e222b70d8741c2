/// A token bucket: at most `rate` launches per second on average, bursts of
/// up to `burst`. Fargate's sustained RunTask rate is about 20 tasks/s per
/// account. Pure: the caller passes the time and sleeps for the returned delay.
public struct RateLimiter: Sendable, Hashable {
    public var rate: Double
    public var burst: Double
    private var tokens: Double
    private var last: ContinuousClock.Instant?

    public init(rate: Double, burst: Double? = nil) {
        precondition(rate > 0, "rate must be positive")
        self.rate = rate
        self.burst = max(1, burst ?? rate)
        tokens = self.burst
    }

    /// Takes one token at `now`; returns how long to wait before using it
    /// (zero when a token was available).
    public mutating func acquire(now: ContinuousClock.Instant) -> Duration {
        if let last {
            tokens = min(burst, tokens + last.duration(to: now).inSeconds * rate)
        }
        last = now
        tokens -= 1
        if tokens >= 0 { return .zero }
        return .milliseconds(Int64((-tokens / rate * 1000).rounded(.up)))
    }
}
