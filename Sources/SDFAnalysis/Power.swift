import RealModule

extension Stats {
    // MARK: Noncentral t

    /// The cumulative distribution function P(T ≤ t) of the noncentral t distribution with `df` degrees of
    /// freedom and noncentrality `nc`.
    ///
    /// Guenther's twin series (AS 243): for t ≥ 0, P(T ≤ t) = Φ(−δ) + Σ_j [p_j·I_x(j + ½, ν/2) + q_j·I_x(j + 1,
    /// ν/2)] with x = t²/(t² + ν), Poisson weights p_j = e^{−δ²/2}(δ²/2)^j/(2·j!) and q_j = δ·e^{−δ²/2}(δ²/2)^j
    /// /(√2·Γ(j + 3/2)); the incomplete beta functions are updated by recurrences and the series stops when the
    /// remaining Poisson mass bounds the error below 1e−12. For t < 0, P(T ≤ t; δ) = 1 − P(T ≤ −t; −δ). For
    /// ν > 4·10⁵ or δ² beyond `exp` underflow, the normal approximation of Abramowitz & Stegun 26.7.10.
    ///
    /// - Parameters:
    ///   - t: the point (±∞ allowed).
    ///   - df: degrees of freedom, > 0 (need not be an integer).
    ///   - nc: the noncentrality δ (any finite real; 0 gives Student's t).
    /// - Returns: a value in [0, 1]; NaN when `df ≤ 0` or anything is NaN. Absolute error ≈ 1e−12 (it is a
    ///   difference from 1 in the upper tail: use it for probabilities, not for tails below ≈ 1e−10).
    ///
    /// Source: Lenth (1989), "Algorithm AS 243", *Applied Statistics* 38(1):185–189, with R's `pnt`
    /// refinements (R Core Team, `src/nmath/pnt.c`). Matches `scipy.stats.nct.cdf` (tested to 1e−8).
    public static func noncentralTCDF(_ t: Double, df: Double, nc: Double) -> Double {
        guard df > 0, !t.isNaN, !df.isNaN, !nc.isNaN else { return .nan }
        if nc == 0 { return t >= 0 ? 1 - studentTSF(t, df: df) : studentTSF(-t, df: df) }
        if t.isInfinite { return t < 0 ? 0 : 1 }
        let negative = t < 0
        let tt = negative ? -t : t
        let delta = negative ? -nc : nc
        if negative && nc > 40 { return 0 }
        if df > 4e5 || delta * delta > 2 * Double.log(2) * 1021 {
            let s = 1 / (4 * df)
            let z = (tt * (1 - s) - delta) / (1 + tt * tt * 2 * s).squareRoot()
            let lower = normalCDF(z)
            return negative ? 1 - lower : lower
        }
        var tnc = 0.0
        let t2 = tt * tt
        let x = t2 / (t2 + df)
        if x > 0 {
            let lambda = delta * delta
            var p = 0.5 * Double.exp(-0.5 * lambda)
            if p == 0 { return negative ? 1 : 0 }
            var q = (2 / Double.pi).squareRoot() * p * delta
            var s = 0.5 - p
            if s < 1e-7 { s = -0.5 * Double.expMinusOne(-0.5 * lambda) }
            var a = 0.5
            let b = 0.5 * df
            let rxb = Double.pow(df / (t2 + df), b)
            let logBetaAB = 0.5 * Double.log(Double.pi) + Double.logGamma(b) - Double.logGamma(0.5 + b)
            var xodd = regularizedIncompleteBeta(a, b, x: x, complement: df / (t2 + df))
            var godd = 2 * rxb * Double.exp(a * Double.log(x) - logBetaAB)
            let bx = b * x
            var xeven = bx < Double.ulpOfOne ? bx : 1 - rxb
            var geven = bx * rxb
            tnc = p * xodd + q * xeven
            var iteration = 1
            while iteration <= 1000 {
                a += 1
                xodd -= godd
                xeven -= geven
                godd *= x * (a + b - 1) / a
                geven *= x * (a + b - 0.5) / (a + 0.5)
                p *= lambda / Double(2 * iteration)
                q *= lambda / Double(2 * iteration + 1)
                tnc += p * xodd + q * xeven
                s -= p
                if s < -1e-10 { break }
                if s <= 0 && iteration > 1 { break }
                if abs(2 * s * (xodd - godd)) < 1e-12 { break }
                iteration += 1
            }
        }
        tnc += normalCDF(-delta)
        let lower = Swift.min(1, Swift.max(0, tnc))
        return negative ? 1 - lower : lower
    }

    /// The survival function P(T > t) of the noncentral t distribution, 1 − ``noncentralTCDF(_:df:nc:)``.
    ///
    /// - Returns: a value in [0, 1]; NaN when `df ≤ 0` or anything is NaN. Matches `scipy.stats.nct.sf` to
    ///   1e−8 absolute.
    public static func noncentralTSF(_ t: Double, df: Double, nc: Double) -> Double {
        let cdf = noncentralTCDF(t, df: df, nc: nc)
        return cdf.isNaN ? .nan : 1 - cdf
    }

    // MARK: Power of the two-sample t-test

    /// The power of the two-sided two-sample t-test (pooled variance) to detect a standardized difference.
    ///
    /// With n₂ = ratio·n₁, ν = n₁ + n₂ − 2 and δ = d·√(n₁n₂/(n₁ + n₂)), the power is
    /// P(T > t_{1−α/2, ν}) + P(T < t_{α/2, ν}) for T noncentral t(ν, δ).
    ///
    /// - Parameters:
    ///   - effect: Cohen's d, the difference of means over the common standard deviation (any sign).
    ///   - nobs1: observations in the first sample, > 1 (need not be an integer).
    ///   - alpha: significance level, in (0, 1).
    ///   - ratio: n₂/n₁, > 0 (default 1).
    /// - Returns: the power in [0, 1]; NaN for arguments outside those ranges.
    ///
    /// Source: Cohen (1988), *Statistical Power Analysis for the Behavioral Sciences*, ch. 2. Matches
    /// `statsmodels.stats.power.TTestIndPower().power(effect_size, nobs1, alpha, ratio, alternative="two-sided")`.
    public static func tTestIndependentPower(effect: Double, nobs1: Double, alpha: Double, ratio: Double = 1) -> Double {
        guard nobs1 > 0, ratio > 0, alpha > 0, alpha < 1, effect.isFinite, nobs1.isFinite, ratio.isFinite else { return .nan }
        let nobs2 = nobs1 * ratio
        let df = nobs1 + nobs2 - 2
        guard df > 0 else { return .nan }
        let nobs = 1 / (1 / nobs1 + 1 / nobs2)
        let nc = effect * nobs.squareRoot()
        let upper = studentTQuantile(1 - alpha / 2, df: df)
        let lower = studentTQuantile(alpha / 2, df: df)
        return Swift.min(1, noncentralTSF(upper, df: df, nc: nc) + noncentralTCDF(lower, df: df, nc: nc))
    }

    /// The first sample's size at which ``tTestIndependentPower(effect:nobs1:alpha:ratio:)`` reaches `power`.
    ///
    /// The power increases with n₁, so the root is bracketed by doubling from n₁ = 2 and narrowed by bisection
    /// until the bracket is 1e−10 wide relative to n₁. When n₁ = 2 already reaches the target, 2 is returned.
    ///
    /// - Parameters:
    ///   - effect: Cohen's d, ≠ 0.
    ///   - alpha: significance level, in (0, 1).
    ///   - power: the target, in (α, 1).
    ///   - ratio: n₂/n₁, > 0 (default 1).
    /// - Returns: n₁ (not rounded; ≥ 2); `nil` when d = 0, an argument is out of range, or the target
    ///   needs more than 10¹² observations.
    ///
    /// Matches `TTestIndPower().solve_power(effect_size, nobs1=None, alpha, power, ratio)`.
    public static func tTestIndependentSampleSize(effect: Double, alpha: Double, power: Double, ratio: Double = 1) -> Double? {
        guard effect != 0, effect.isFinite, alpha > 0, alpha < 1, power > alpha, power < 1, ratio > 0, ratio.isFinite else { return nil }
        // Start at n₁ = 2 (statsmodels' lower bound for nobs1); tiny ν make the power erratic.
        var lo = 2.0
        if tTestIndependentPower(effect: effect, nobs1: lo, alpha: alpha, ratio: ratio) >= power { return lo }
        var hi = 4.0
        while tTestIndependentPower(effect: effect, nobs1: hi, alpha: alpha, ratio: ratio) < power {
            lo = hi
            hi *= 2
            if hi > 1e12 { return nil }
        }
        while (hi - lo) > 1e-10 * hi {
            let mid = lo + (hi - lo) / 2
            if mid <= lo || mid >= hi { break }
            if tTestIndependentPower(effect: effect, nobs1: mid, alpha: alpha, ratio: ratio) < power { lo = mid } else { hi = mid }
        }
        return lo + (hi - lo) / 2
    }
}
