import SDFCore

/// Statistics for SDF analyses, written on plain Swift arrays.
///
/// Every function is a pure static function: samples are `[Double]`, groups are `[[Double]]` (one array per
/// group), matrices are arrays of rows. Nothing is stored and nothing throws: input for which a statistic is
/// undefined (an empty sample, a single group, all values tied, zero variance, …) gives the documented
/// degenerate value — usually `nil` — instead of crashing. Each function names the formula's source and the
/// SciPy / statsmodels / scikit-posthocs / krippendorff function it is tested against
/// (`scripts/reference_stats.py` writes the reference values).
///
/// The topics live in separate files: descriptive statistics and the bootstrap (this file), distribution
/// functions, rank tests, ANOVA, OLS, Krippendorff's α, nDFU, lexical diversity and rates.
public enum Stats {}

extension Stats {
    /// The arithmetic mean of `x`.
    ///
    /// - Parameter x: a sample of any length.
    /// - Returns: Σx / n, or `nil` when `x` is empty. A NaN element makes the result NaN.
    ///
    /// Matches `numpy.mean`.
    public static func mean(_ x: [Double]) -> Double? {
        guard !x.isEmpty else { return nil }
        return x.reduce(0, +) / Double(x.count)
    }

    /// The unbiased sample variance of `x` (denominator n − 1, NumPy's `ddof=1`).
    ///
    /// Computed in two passes (mean first, then squared deviations), which avoids the cancellation of the
    /// one-pass Σx² − n·x̄² formula.
    ///
    /// - Parameter x: a sample.
    /// - Returns: Σ(x − x̄)² / (n − 1), always ≥ 0; `nil` when `x` has fewer than 2 elements.
    ///
    /// Matches `numpy.var(x, ddof=1)`.
    public static func variance(_ x: [Double]) -> Double? {
        guard x.count >= 2, let m = mean(x) else { return nil }
        let ss = x.reduce(0) { $0 + ($1 - m) * ($1 - m) }
        return ss / Double(x.count - 1)
    }

    /// The sample standard deviation of `x` (denominator n − 1).
    ///
    /// - Parameter x: a sample.
    /// - Returns: the square root of ``variance(_:)``, ≥ 0; `nil` when `x` has fewer than 2 elements.
    ///
    /// Matches `numpy.std(x, ddof=1)`.
    public static func standardDeviation(_ x: [Double]) -> Double? {
        variance(x).map { $0.squareRoot() }
    }

    /// The median of `x`: the middle value, or the mean of the two middle values for an even count.
    ///
    /// - Parameter x: a sample.
    /// - Returns: the median; `nil` when `x` is empty; NaN when `x` contains NaN.
    ///
    /// Matches `numpy.median`.
    public static func median(_ x: [Double]) -> Double? {
        quantile(x, 0.5)
    }

    /// The `p`-quantile of `x` by Hyndman & Fan's definition 7 (R's default `type = 7`, NumPy's default
    /// `method="linear"`).
    ///
    /// With the sorted sample x₍₀₎ ≤ … ≤ x₍ₙ₋₁₎ and h = (n − 1)·p, the result is
    /// x₍⌊h⌋₎ + (h − ⌊h⌋)·(x₍⌊h⌋+1₎ − x₍⌊h⌋₎).
    ///
    /// - Parameters:
    ///   - x: a sample.
    ///   - p: a probability in [0, 1].
    /// - Returns: the quantile; `nil` when `x` is empty or `p` is outside [0, 1] or NaN; NaN when `x`
    ///   contains NaN.
    ///
    /// Source: Hyndman & Fan (1996), "Sample quantiles in statistical packages", *The American
    /// Statistician* 50(4). Matches `numpy.quantile(x, p)`.
    public static func quantile(_ x: [Double], _ p: Double) -> Double? {
        quantiles(x, [p])?.first
    }

    /// Several R-7 quantiles of `x` at once (the sample is sorted only once); see ``quantile(_:_:)``.
    ///
    /// - Returns: one quantile per element of `ps`, in the same order; `nil` when `x` is empty or any `p` is
    ///   outside [0, 1] or NaN; all NaN when `x` contains NaN.
    public static func quantiles(_ x: [Double], _ ps: [Double]) -> [Double]? {
        guard !x.isEmpty, ps.allSatisfy({ $0 >= 0 && $0 <= 1 }) else { return nil }
        if x.contains(where: \.isNaN) { return ps.map { _ in .nan } }
        return quantilesOfSorted(x.sorted(), ps)
    }

    /// R-7 quantiles of an already sorted, non-empty, NaN-free sample; `ps` must lie in [0, 1].
    static func quantilesOfSorted(_ sorted: [Double], _ ps: [Double]) -> [Double] {
        let n = sorted.count
        return ps.map { p in
            let h = Double(n - 1) * p
            let lo = min(Int(h.rounded(.down)), n - 1)
            let hi = min(lo + 1, n - 1)
            let fraction = h - Double(lo)
            if fraction == 0 || lo == hi { return sorted[lo] }
            return sorted[lo] + fraction * (sorted[hi] - sorted[lo])
        }
    }

    /// A confidence interval together with the point estimate it surrounds.
    public struct ConfidenceInterval: Sendable, Hashable, Codable {
        /// The statistic on the full sample.
        public var estimate: Double
        /// The lower bound.
        public var lower: Double
        /// The upper bound.
        public var upper: Double
        /// The nominal coverage, e.g. 0.95.
        public var level: Double

        /// Creates an interval.
        public init(estimate: Double, lower: Double, upper: Double, level: Double) {
            self.estimate = estimate
            self.lower = lower
            self.upper = upper
            self.level = level
        }
    }

    /// A percentile-bootstrap confidence interval for the mean, deterministic for a given seed.
    ///
    /// Draws `resamples` samples of size n with replacement from `x` (indices from
    /// `SDFCore.SeededGenerator(seed:)` via `index(below:)`, n draws per resample, resample after resample),
    /// takes the mean of each, and returns the R-7 quantiles (``quantile(_:_:)``) of those means at
    /// (1 − level)/2 and 1 − (1 − level)/2.
    ///
    /// - Parameters:
    ///   - x: the sample (finite values).
    ///   - resamples: the number B of bootstrap resamples, ≥ 1 (10 000 by default).
    ///   - level: the coverage, in (0, 1) (0.95 by default).
    ///   - seed: the generator seed; the same seed, sample and B give the same interval on every machine.
    /// - Returns: the interval with `estimate` = ``mean(_:)`` of `x`; `nil` when `x` is empty, `resamples < 1`
    ///   or `level` is outside (0, 1). A sample of one value c, or of n copies of c, gives [c, c] (up to the
    ///   rounding of summing n copies of c).
    ///
    /// Source: Efron & Tibshirani (1993), *An Introduction to the Bootstrap*, ch. 13 (percentile interval).
    public static func bootstrapMeanCI(
        _ x: [Double], resamples: Int = 10_000, level: Double = 0.95, seed: UInt64
    ) -> ConfidenceInterval? {
        guard let estimate = mean(x), resamples >= 1, level > 0, level < 1 else { return nil }
        var generator = SeededGenerator(seed: seed)
        let n = x.count
        var means = [Double]()
        means.reserveCapacity(resamples)
        for _ in 0..<resamples {
            var sum = 0.0
            for _ in 0..<n { sum += x[generator.index(below: n)] }
            means.append(sum / Double(n))
        }
        let alpha = (1 - level) / 2
        guard let bounds = quantiles(means, [alpha, 1 - alpha]) else { return nil }
        return ConfidenceInterval(estimate: estimate, lower: bounds[0], upper: bounds[1], level: level)
    }
}

extension Stats {
    /// A percentile-bootstrap confidence interval for the pooled mean of clustered data, resampling whole
    /// clusters (e.g. discussions) with replacement; deterministic for a given seed.
    ///
    /// Each of the `resamples` resamples draws G cluster indices with replacement (`SDFCore.SeededGenerator`,
    /// `index(below: G)`) and computes the mean of all values of the drawn clusters (Σ sums / Σ sizes, i.e.
    /// each comment weighs the same); the interval is the R-7 quantiles (``quantile(_:_:)``) of those means at
    /// (1 − level)/2 and 1 − (1 − level)/2. Resampling clusters keeps the within-cluster correlation, so the
    /// interval reflects the number of discussions rather than the number of comments.
    ///
    /// - Parameters:
    ///   - clusters: G clusters of values; empty clusters are dropped.
    ///   - resamples: B ≥ 1.
    ///   - level: the coverage, in (0, 1).
    ///   - seed: the generator seed.
    /// - Returns: the interval with `estimate` = the mean of all values; `nil` when there is no value,
    ///   `resamples < 1` or `level` is outside (0, 1). A single cluster gives the degenerate [mean, mean].
    ///
    /// Source: Davison & Hinkley (1997), *Bootstrap Methods and their Application*, §3.8 (resampling the
    /// first stage of a two-stage sample); Field & Welsh (2007), *JRSS B* 69:369–390 (the cluster bootstrap).
    public static func clusterBootstrapMeanCI(
        _ clusters: [[Double]], resamples: Int = 10_000, level: Double = 0.95, seed: UInt64
    ) -> ConfidenceInterval? {
        let nonEmpty = clusters.filter { !$0.isEmpty }
        guard let estimate = mean(nonEmpty.flatMap { $0 }), resamples >= 1, level > 0, level < 1 else { return nil }
        let sums = nonEmpty.map { $0.reduce(0, +) }
        let sizes = nonEmpty.map { Double($0.count) }
        var generator = SeededGenerator(seed: seed)
        let g = nonEmpty.count
        var means = [Double]()
        means.reserveCapacity(resamples)
        for _ in 0..<resamples {
            var sum = 0.0
            var count = 0.0
            for _ in 0..<g {
                let k = generator.index(below: g)
                sum += sums[k]
                count += sizes[k]
            }
            means.append(sum / count)
        }
        let alpha = (1 - level) / 2
        guard let bounds = quantiles(means, [alpha, 1 - alpha]) else { return nil }
        return ConfidenceInterval(estimate: estimate, lower: bounds[0], upper: bounds[1], level: level)
    }
}
