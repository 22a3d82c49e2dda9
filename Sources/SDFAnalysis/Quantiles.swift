extension Stats {
    /// The quantile function (inverse CDF) of Student's t distribution with `df` degrees of freedom.
    ///
    /// Solves P(T ≤ t) = `p` for t by bisection on ``studentTTwoSidedP(_:df:)`` (a monotone function of |t|),
    /// bracketing first by doubling; 200 halvings take the bracket to adjacent `Double`s, so the result is
    /// exact to the accuracy of the incomplete beta function behind the p-value (≈ 1e−14 relative). By
    /// symmetry t(1 − p) = −t(p).
    ///
    /// - Parameters:
    ///   - p: the probability, in (0, 1).
    ///   - df: degrees of freedom, > 0 (need not be an integer; +∞ gives the normal quantile).
    /// - Returns: the quantile; 0 for p = ½; NaN when p is outside (0, 1), `df ≤ 0` or anything is NaN.
    ///
    /// Matches `scipy.stats.t.ppf(p, df)`.
    public static func studentTQuantile(_ p: Double, df: Double) -> Double {
        guard p > 0, p < 1, df > 0, !df.isNaN else { return .nan }
        if p == 0.5 { return 0 }
        // Two-sided tail mass of the positive quantile |t|: P(|T| ≥ |t|) = 2·min(p, 1 − p).
        let tail = 2 * min(p, 1 - p)
        var lo = 0.0
        var hi = 1.0
        while studentTTwoSidedP(hi, df: df) > tail {
            lo = hi
            hi *= 2
            if !hi.isFinite { return p > 0.5 ? .infinity : -.infinity }
        }
        for _ in 0..<200 {
            let mid = lo + (hi - lo) / 2
            if mid <= lo || mid >= hi { break }
            if studentTTwoSidedP(mid, df: df) > tail { lo = mid } else { hi = mid }
        }
        let t = lo + (hi - lo) / 2
        return p > 0.5 ? t : -t
    }

    /// The standard normal quantile function Φ⁻¹(p), by the same bisection on ``normalSF(_:)``.
    ///
    /// - Returns: the quantile; NaN when p is outside (0, 1). Matches `scipy.stats.norm.ppf`.
    public static func normalQuantile(_ p: Double) -> Double {
        studentTQuantile(p, df: .infinity)
    }
}
