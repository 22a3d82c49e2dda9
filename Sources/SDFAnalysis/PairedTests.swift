import Foundation

extension Stats {
    // MARK: Wilcoxon signed-rank

    /// The result of a two-sided Wilcoxon signed-rank test.
    public struct WilcoxonResult: Sendable, Hashable, Codable {
        /// How the p-value was computed.
        public enum Method: String, Sendable, Hashable, Codable {
            /// The exact null distribution of W⁺ (no zero differences, no ties, n ≤ 50).
            case exact
            /// The exhaustive permutation test of W⁺ over all sign patterns (ties or zeros, at most 13 differences).
            case permutation
            /// The normal approximation with the tie correction (no continuity correction).
            case approx
        }
        /// min(W⁺, W⁻): the smaller of the rank sums of positive and negative differences, ≥ 0.
        public var statistic: Double
        /// Two-sided p-value, in [0, 1].
        public var p: Double
        /// The z of the normal approximation; `nil` for the exact method.
        public var z: Double?
        /// Differences used: the non-zero ones (zeros are dropped, SciPy's `zero_method="wilcox"`).
        public var n: Int
        /// Zero differences dropped.
        public var zeros: Int
        /// Exact or normal approximation.
        public var method: Method
    }

    /// The two-sided Wilcoxon signed-rank test of the differences `d` (pairs `a − b`).
    ///
    /// Zeros are dropped (`zero_method="wilcox"`); the rest are ranked by |d| with average ranks for ties;
    /// W⁺ and W⁻ are the rank sums of the positive and negative differences and the statistic is T = min(W⁺, W⁻).
    /// Method as SciPy 1.17's `method="auto"` (N = `d.count`, zeros included): exact when N ≤ 50 and there are no
    /// zeros and no ties — p = min(1, 2·P(W⁺ ≤ T)) from the null distribution of W⁺ (all 2ⁿ sign patterns equally
    /// likely, counted by dynamic programming); with ties or zeros and N ≤ 13, the exhaustive permutation test of W⁺
    /// (p = min(1, 2·min(P(W⁺ ≤ w), P(W⁺ ≥ w))) over all sign patterns of the ranked |d|); otherwise the normal
    /// approximation z = (T − n(n+1)/4)/σ, σ² = n(n+1)(2n+1)/24 − Σ(t³ − t)/48 over tie groups of |d|, p = 2Φ(z),
    /// with n the non-zero differences.
    ///
    /// - Parameter d: paired differences (any length).
    /// - Returns: the test; `nil` when no difference is non-zero or `d` contains NaN.
    ///
    /// Source: Wilcoxon (1945), *Biometrics Bulletin* 1(6); tie variance: Lehmann (1975), *Nonparametrics*, §3.2.
    /// Matches `scipy.stats.wilcoxon(d)` (defaults: `zero_method="wilcox"`, `correction=False`,
    /// `alternative="two-sided"`, `method="auto"`), checked by `scripts/reference-paired.py`.
    public static func wilcoxonSignedRank(_ d: [Double]) -> WilcoxonResult? {
        guard !d.contains(where: \.isNaN) else { return nil }
        let nonZero = d.filter { $0 != 0 }
        let zeros = d.count - nonZero.count
        let n = nonZero.count
        guard n > 0 else { return nil }
        let r = ranks(nonZero.map(abs))
        var plus = 0.0
        var minus = 0.0
        for (i, x) in nonZero.enumerated() { if x > 0 { plus += r[i] } else { minus += r[i] } }
        let t = min(plus, minus)
        let ties = tieSum(nonZero.map(abs))
        if d.count <= 50 && zeros == 0 && ties == 0 {
            // Null distribution of W⁺: counts[s] = number of sign patterns with rank sum s.
            let total = n * (n + 1) / 2
            var counts = [Double](repeating: 0, count: total + 1)
            counts[0] = 1
            for k in 1...n {
                for s in stride(from: total, through: k, by: -1) { counts[s] += counts[s - k] }
            }
            let all = pow(2.0, Double(n))
            let below = counts[0...Int(t.rounded())].reduce(0, +) / all
            return WilcoxonResult(statistic: t, p: min(1, 2 * below), z: nil, n: n, zeros: zeros, method: .exact)
        }
        if d.count <= 13 {
            // Ties or zeros in a small sample: SciPy's exhaustive permutation test of W⁺ over the 2ⁿ sign patterns
            // (flipping a zero changes nothing, so the non-zero differences' patterns give the same proportions).
            let tolerance = abs(plus) * Double.ulpOfOne * 100
            var (le, ge) = (0, 0)
            for pattern in 0..<(1 << n) {
                var sum = 0.0
                for i in 0..<n where pattern & (1 << i) != 0 { sum += r[i] }
                if sum <= plus + tolerance { le += 1 }
                if sum >= plus - tolerance { ge += 1 }
            }
            let all = Double(1 << n)
            let p = min(1, 2 * min(Double(le) / all, Double(ge) / all))
            return WilcoxonResult(statistic: t, p: p, z: nil, n: n, zeros: zeros, method: .permutation)
        }
        let nn = Double(n)
        let mean = nn * (nn + 1) / 4
        let variance = nn * (nn + 1) * (2 * nn + 1) / 24 - ties / 48
        guard variance > 0 else { return WilcoxonResult(statistic: t, p: 1, z: 0, n: n, zeros: zeros, method: .approx) }
        let z = (t - mean) / variance.squareRoot()
        return WilcoxonResult(statistic: t, p: min(1, max(0, 2 * normalCDF(z))), z: z, n: n, zeros: zeros, method: .approx)
    }

    // MARK: Paired t-test and the paired comparison

    /// Two conditions compared on the same units (replicates): the paired t-test, the Wilcoxon signed-rank test, the
    /// mean difference with its confidence interval, and how much variance the pairing removed.
    public struct PairedComparison: Sendable, Hashable, Codable {
        /// Pairs.
        public var n: Int
        /// Mean of the first sample (a).
        public var meanA: Double
        /// Mean of the second sample (b).
        public var meanB: Double
        /// Mean of d = a − b.
        public var meanDifference: Double
        /// Sample standard deviation of d (n − 1); `nil` for n < 2.
        public var sdDifference: Double?
        /// Lower end of the 95 % t confidence interval of the mean difference, d̄ − t₀.₉₇₅,ₙ₋₁ · s_d/√n; `nil` for
        /// n < 2 or s_d = 0.
        public var ciLow: Double?
        /// Upper end of that interval, d̄ + t₀.₉₇₅,ₙ₋₁ · s_d/√n.
        public var ciHigh: Double?
        /// The paired t statistic d̄/(s_d/√n); `nil` for n < 2 or s_d = 0.
        public var t: Double?
        /// Degrees of freedom n − 1.
        public var df: Int
        /// The paired t-test's two-sided p-value; `nil` with ``t``.
        public var tP: Double?
        /// The Wilcoxon signed-rank test of d; `nil` when every difference is zero.
        public var wilcoxon: WilcoxonResult?
        /// Pearson's correlation of a and b across pairs; `nil` when n < 3 or a sample is constant.
        public var correlation: Double?
        /// The variance of the difference of means without pairing, (s²_a + s²_b)/n; `nil` for n < 2.
        public var unpairedVariance: Double?
        /// The variance of the mean difference with pairing, s²_d/n = (s²_a + s²_b − 2·cov(a, b))/n; `nil` for n < 2.
        public var pairedVariance: Double?
        /// The share of the unpaired variance the pairing removed, 1 − s²_d/(s²_a + s²_b) = 2·cov(a,b)/(s²_a + s²_b),
        /// in (−∞, 1]: 0 without correlation, negative when the pairs are negatively correlated; `nil` when
        /// s²_a + s²_b = 0 or n < 2.
        public var varianceRemoved: Double?
    }

    /// Compares paired samples `a` and `b` (`a[i]` and `b[i]` are the same unit under two conditions).
    ///
    /// Paired t-test: d = a − b, t = d̄/(s_d/√n), df = n − 1, p two-sided from Student's t (`scipy.stats.ttest_rel`).
    /// Variance removed by pairing: Var(ā − b̄) is (σ²_a + σ²_b)/n for independent samples and
    /// (σ²_a + σ²_b − 2σ_ab)/n = σ²_d/n for pairs (Var(X − Y) = Var X + Var Y − 2 Cov(X, Y)); the share removed is
    /// 1 − s²_d/(s²_a + s²_b), with sample (n − 1) variances.
    ///
    /// - Parameters: `a`, `b`: equally long samples without NaN.
    /// - Returns: the comparison; `nil` when the lengths differ, a sample is empty or contains NaN.
    ///
    /// Source: Student (1908), *Biometrika* 6(1); Wilcoxon (1945). Matches `scipy.stats.ttest_rel(a, b)` and
    /// `scipy.stats.wilcoxon(a, b)` (checked by `scripts/reference-paired.py`).
    public static func pairedComparison(_ a: [Double], _ b: [Double]) -> PairedComparison? {
        guard a.count == b.count, !a.isEmpty, !(a + b).contains(where: \.isNaN) else { return nil }
        let n = a.count
        let d = zip(a, b).map { $0 - $1 }
        let meanD = mean(d)!
        var result = PairedComparison(
            n: n, meanA: mean(a)!, meanB: mean(b)!, meanDifference: meanD, sdDifference: standardDeviation(d), ciLow: nil, ciHigh: nil, t: nil,
            df: n - 1, tP: nil, wilcoxon: wilcoxonSignedRank(d), correlation: nil, unpairedVariance: nil, pairedVariance: nil,
            varianceRemoved: nil)
        if let sd = result.sdDifference, let va = variance(a), let vb = variance(b) {
            let se = sd / Double(n).squareRoot()
            if se > 0 {
                let t = meanD / se
                result.t = t
                result.tP = studentTTwoSidedP(t, df: Double(n - 1))
                let q = studentTQuantile(0.975, df: Double(n - 1))
                result.ciLow = meanD - q * se
                result.ciHigh = meanD + q * se
            }
            result.unpairedVariance = (va + vb) / Double(n)
            result.pairedVariance = sd * sd / Double(n)
            if va + vb > 0 { result.varianceRemoved = 1 - sd * sd / (va + vb) }
            if n >= 3, va > 0, vb > 0 {
                let ma = result.meanA
                let mb = result.meanB
                let cov = zip(a, b).reduce(0) { $0 + ($1.0 - ma) * ($1.1 - mb) } / Double(n - 1)
                result.correlation = cov / (va * vb).squareRoot()
            }
        }
        return result
    }
}
