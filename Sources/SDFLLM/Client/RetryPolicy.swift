import SDFCore

/// How often and how patiently a failed call is tried again: exponential backoff with full jitter.
///
/// Delay before attempt *n* (n ≥ 2) is uniform in [0, min(maxDelay, baseDelay × 2^(n−2))], or the server's
/// `Retry-After` when it gives one (capped at `maxDelay`). Source: "Exponential Backoff And Jitter",
/// AWS Architecture Blog (2015), "full jitter".
public struct RetryPolicy: Sendable, Hashable, Codable {
    /// Total attempts, including the first (≥ 1).
    public var maxAttempts: Int
    /// First backoff ceiling, seconds.
    public var baseDelay: Double
    /// Largest wait between attempts, seconds.
    public var maxDelay: Double

    /// Creates a policy.
    public init(maxAttempts: Int = 6, baseDelay: Double = 1, maxDelay: Double = 30) {
        self.maxAttempts = maxAttempts
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
    }

    /// No retries.
    public static let none = RetryPolicy(maxAttempts: 1)

    /// Seconds to wait before attempt `attempt` (2 = first retry), given the error and a uniform draw in [0, 1).
    public func delay(beforeAttempt attempt: Int, error: LLMError, unit: Double) -> Double {
        if let retryAfter = error.retryAfter { return min(max(retryAfter, 0), maxDelay) }
        let ceiling = min(maxDelay, baseDelay * Double(1 << min(max(attempt - 2, 0), 30)))
        return ceiling * unit
    }

    /// Runs `operation` until it succeeds, fails with a non-retryable error, or the attempts run out.
    ///
    /// - Returns: the result and the number of attempts made.
    /// - Throws: the last ``LLMError`` with ``LLMError/attempts`` set; `CancellationError` as ``LLMError/Kind/cancelled``.
    public func run<T: Sendable>(_ operation: @Sendable () async throws -> T) async throws -> (T, Int) {
        var attempt = 1
        while true {
            do {
                try Task.checkCancellation()
                return (try await operation(), attempt)
            } catch let error as LLMError {
                var error = error
                error.attempts = attempt
                if !error.isRetryable || attempt >= maxAttempts { throw error }
                attempt += 1
                let wait = delay(beforeAttempt: attempt, error: error, unit: Double.random(in: 0..<1))
                do {
                    try await Task.sleep(nanoseconds: UInt64(wait * 1e9))
                } catch {
                    throw LLMError(.cancelled, "cancelled while waiting to retry", attempts: attempt - 1)
                }
            } catch is CancellationError {
                throw LLMError(.cancelled, "cancelled", attempts: attempt)
            }
        }
    }
}
