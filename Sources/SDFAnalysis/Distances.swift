import RealModule

extension Stats {
    /// The result of a two-sample Kolmogorov–Smirnov test (two-sided).
    public struct KSResult: Sendable, Hashable, Codable {
        /// How the p-value was computed.
        public enum Method: String, Sendable, Hashable, Codable {
            /// Exact: the share of lattice paths leaving the band (SciPy `method='exact'`).
            case exact
            /// Asymptotic: the limiting Kolmogorov distribution of D·√(n₁n₂/(n₁+n₂)) (see
            /// ``Stats/ks2Sample(_:_:)`` for how this differs from SciPy's asymptotic branch).
            case asymptotic
        }

        /// D = sup |F₁ − F₂|, in [0, 1].
        public var statistic: Double
        /// Two-sided p-value, in [0, 1].
        public var p: Double
        /// The method behind ``p``.
        public var method: Method
    }

    /// Counts of `values` in fixed bins.
    ///
    /// Bin i holds the values in [edges[i], edges[i + 1]) (closed on the left, open on the right, the last edge
    /// may be `+∞`); a value below `edges[0]` counts in the first bin and a value at or above the last edge in the
    /// last bin, so every finite value is counted once. NaN values are skipped.
    ///
    /// - Parameter edges: strictly increasing, at least two.
    /// - Returns: `edges.count − 1` counts; empty when there are fewer than two edges.
    public static func histogram(_ values: [Double], edges: [Double]) -> [Int] {
        guard edges.count >= 2 else { return [] }
        var counts = [Int](repeating: 0, count: edges.count - 1)
        for v in values where !v.isNaN {
            // The number of inner edges ≤ v is the bin index.
            var bin = 0
            while bin + 1 < edges.count - 1 && edges[bin + 1] <= v { bin += 1 }
            counts[bin] += 1
        }
        return counts
    }

    /// The Jensen–Shannon divergence of two histograms, in bits (base 2).
    ///
    /// Each histogram is normalised to probabilities p and q; with m = (p + q)/2,
    /// JSD = ½·Σ p·log₂(p/m) + ½·Σ q·log₂(q/m), terms with p = 0 (or q = 0) contributing 0.
    ///
    /// - Parameters:
    ///   - a: counts (or weights ≥ 0) per bin.
    ///   - b: counts per bin, same number of bins as `a`.
    /// - Returns: a value in [0, 1] (0 = identical histograms, 1 = disjoint support); `nil` when the lengths
    ///   differ or either histogram sums to 0.
    ///
    /// Source: Lin (1991), "Divergence measures based on the Shannon entropy", IEEE Trans. Inf. Theory 37(1).
    /// Its square root is ``jensenShannonDistance(_:_:)``.
    public static func jensenShannonDivergence(_ a: [Double], _ b: [Double]) -> Double? {
        guard a.count == b.count, !a.isEmpty else { return nil }
        let sa = a.reduce(0, +)
        let sb = b.reduce(0, +)
        guard sa > 0, sb > 0 else { return nil }
        var total = 0.0
        for i in 0..<a.count {
            let p = a[i] / sa
            let q = b[i] / sb
            let m = (p + q) / 2
            if p > 0 { total += p * Double.log2(p / m) }
            if q > 0 { total += q * Double.log2(q / m) }
        }
        return max(0, min(1, total / 2))
    }

    /// The Jensen–Shannon distance of two histograms, base 2: √JSD (a metric on distributions).
    ///
    /// - Returns: a value in [0, 1]; `nil` as for ``jensenShannonDivergence(_:_:)``.
    ///
    /// Matches `scipy.spatial.distance.jensenshannon(a, b, base=2)` (which normalises the counts and returns
    /// the distance, not the divergence).
    public static func jensenShannonDistance(_ a: [Double], _ b: [Double]) -> Double? {
        jensenShannonDivergence(a, b).map { $0.squareRoot() }
    }

    /// The first Wasserstein (earth mover's) distance between the empirical distributions of two samples:
    /// ∫ |F_a(x) − F_b(x)| dx, in the unit of the values.
    ///
    /// - Returns: a value ≥ 0; `nil` when either sample is empty (NaN values are not allowed: `nil` too).
    ///
    /// Matches `scipy.stats.wasserstein_distance(a, b)` (unweighted).
    public static func wasserstein1(_ a: [Double], _ b: [Double]) -> Double? {
        guard !a.isEmpty, !b.isEmpty, !a.contains(where: \.isNaN), !b.contains(where: \.isNaN) else { return nil }
        let sa = a.sorted()
        let sb = b.sorted()
        let all = (sa + sb).sorted()
        var i = 0
        var j = 0
        var total = 0.0
        for k in 0..<(all.count - 1) {
            let x = all[k]
            while i < sa.count && sa[i] <= x { i += 1 }
            while j < sb.count && sb[j] <= x { j += 1 }
            let width = all[k + 1] - x
            if width > 0 { total += abs(Double(i) / Double(sa.count) - Double(j) / Double(sb.count)) * width }
        }
        return total
    }

    /// The largest sample size (of either sample) for which ``ks2Sample(_:_:)`` computes the exact p-value:
    /// SciPy's `MAX_AUTO_N` of `ks_2samp(method='auto')`.
    public static let ksExactLimit = 10_000

    /// The two-sample Kolmogorov–Smirnov test, two-sided.
    ///
    /// D = max over the pooled values x of |F_a(x) − F_b(x)| (right-continuous empirical CDFs, so ties are
    /// handled as SciPy does). The p-value follows SciPy's `ks_2samp(a, b)` with its default `method='auto'`:
    /// - when max(n₁, n₂) ≤ ``ksExactLimit``: exact. D is rounded to h/L with L = lcm(n₁, n₂) and
    ///   h = round(D·L) (as SciPy does); for n₁ = n₂ = n, p = P(D ≥ h/n) by the alternating sum of SciPy's
    ///   `_compute_prob_outside_square`; otherwise p = the share of monotone lattice paths from (0, 0) to
    ///   (n₁, n₂) that leave the band |i/n₁ − j/n₂| < h/L, summed over their first exit points with path
    ///   shares in [0, 1] so it cannot overflow (SciPy counts the same paths in its compiled
    ///   `_compute_outer_prob_inside_method`; the two agree to ~1e−13 relative, down to p ≈ 1e−26).
    /// - otherwise: asymptotic, p = Q_KS(D·√(n₁n₂/(n₁+n₂))) with the limiting Kolmogorov distribution
    ///   (`scipy.stats.kstwobign.sf`). **This differs from SciPy**, whose asymptotic branch uses the finite-n
    ///   distribution `kstwo.sf(D, round(n₁n₂/(n₁+n₂)))`; at these sizes (n₁n₂/(n₁+n₂) > 5 000) the two differ
    ///   by O(1/√n) in relative terms (the test fixture records both).
    ///
    /// - Returns: D, p and the method; `nil` when either sample is empty or contains NaN.
    ///
    /// Source: Smirnov (1939); Hodges (1958), "The significance probability of the Smirnov two-sample test",
    /// Arkiv för Matematik 3(43); SciPy 1.17 `scipy.stats.ks_2samp`.
    public static func ks2Sample(_ a: [Double], _ b: [Double]) -> KSResult? {
        guard !a.isEmpty, !b.isEmpty, !a.contains(where: \.isNaN), !b.contains(where: \.isNaN) else { return nil }
        let sa = a.sorted()
        let sb = b.sorted()
        let n1 = sa.count
        let n2 = sb.count
        var d = 0.0
        var i = 0
        var j = 0
        for x in sa + sb {
            // searchsorted(side: right) positions of x.
            i = upperBound(sa, x)
            j = upperBound(sb, x)
            d = max(d, abs(Double(i) / Double(n1) - Double(j) / Double(n2)))
        }
        if max(n1, n2) <= ksExactLimit {
            let g = gcd(n1, n2)
            let lcm = (n1 / g) * n2
            let h = Int((d * Double(lcm)).rounded(.toNearestOrEven))
            let dRounded = Double(h) / Double(lcm)
            if h == 0 { return KSResult(statistic: dRounded, p: 1, method: .exact) }
            let p: Double
            if n1 == n2 {
                p = probabilityOutsideSquare(n: n1, h: h)
            } else {
                p = probabilityOutsideBand(n1: n1, n2: n2, g: g, h: h)
            }
            return KSResult(statistic: dRounded, p: min(1, max(0, p)), method: .exact)
        }
        let m = Double(max(n1, n2))
        let n = Double(min(n1, n2))
        let en = m * n / (m + n)
        return KSResult(statistic: d, p: min(1, max(0, kolmogorovSF(d * en.squareRoot()))), method: .asymptotic)
    }

    /// The first index of a sorted array whose element is > x.
    private static func upperBound(_ sorted: [Double], _ x: Double) -> Int {
        var lo = 0
        var hi = sorted.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if sorted[mid] <= x { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    private static func gcd(_ a: Int, _ b: Int) -> Int {
        var (x, y) = (a, b)
        while y != 0 { (x, y) = (y, x % y) }
        return x
    }

    /// P(D_{n,n} ≥ h/n) for two samples of equal size n, 1 ≤ h ≤ n: SciPy's `_compute_prob_outside_square`
    /// (2·Σ_k (−1)^(k−1)·C(2n, n − kh)/C(2n, n), evaluated Horner-like without cancellation).
    static func probabilityOutsideSquare(n: Int, h: Int) -> Double {
        var p = 0.0
        var k = n / h
        while k >= 0 {
            var p1 = 1.0
            for j in 0..<h {
                p1 = Double(n - k * h - j) * p1 / Double(n + k * h + j + 1)
            }
            p = p1 * (1 - p)
            k -= 1
        }
        return 2 * p
    }

    /// The share of the C(n₁+n₂, n₁) monotone lattice paths from (0, 0) to (n₁, n₂) that reach a point (i, j)
    /// with |i·(n₂/g) − j·(n₁/g)| ≥ h, i.e. |i/n₁ − j/n₂| ≥ h/lcm(n₁, n₂): P(D ≥ h/lcm) under H₀.
    ///
    /// A[i][j] = (paths to (i, j) that stayed strictly inside before) / C(i + j, i) obeys
    /// A[i][j] = i/(i+j)·A[i−1][j] + j/(i+j)·A[i][j−1] (so it stays in [0, 1]; points outside the band are 0 for
    /// their successors). Each path leaving the band is counted once, at its first point outside, (i, j):
    /// A[i][j]·C(i+j, i)·C(N−i−j, n₁−i)/C(N, n₁), the last factor a hypergeometric probability computed with
    /// log-gamma. Summing these positive terms keeps small p-values accurate (1 − the inside share would lose
    /// them below ~1e−10: on 120 vs 150 values, 0 instead of SciPy's 2.36e−26).
    static func probabilityOutsideBand(n1: Int, n2: Int, g: Int, h: Int) -> Double {
        let a = n2 / g  // weight of i
        let b = n1 / g  // weight of j
        let total = n1 + n2
        let logPaths = logChoose(total, n1)
        var row = [Double](repeating: 0, count: n2 + 1)
        var outside = 0.0
        for i in 0...n1 {
            for j in 0...n2 {
                let share: Double
                if i == 0 && j == 0 {
                    share = 1
                } else {
                    let steps = Double(i + j)
                    let fromLeft = i > 0 ? Double(i) / steps * row[j] : 0  // row[j] still holds A[i−1][j]
                    let fromBelow = j > 0 ? Double(j) / steps * row[j - 1] : 0  // row[j−1] already holds A[i][j−1]
                    share = fromLeft + fromBelow
                }
                if abs(i * a - j * b) >= h {
                    if share > 0 {
                        outside += share * Double.exp(logChoose(i + j, i) + logChoose(total - i - j, n1 - i) - logPaths)
                    }
                    row[j] = 0
                } else {
                    row[j] = share
                }
            }
        }
        return outside
    }

    /// log C(n, k) by log-gamma, for 0 ≤ k ≤ n.
    private static func logChoose(_ n: Int, _ k: Int) -> Double {
        Double.logGamma(Double(n + 1)) - Double.logGamma(Double(k + 1)) - Double.logGamma(Double(n - k + 1))
    }

    /// The survival function of the limiting Kolmogorov distribution, Q(x) = P(K > x) =
    /// 2·Σ_{k≥1} (−1)^(k−1)·e^(−2k²x²); for x < 1 the equivalent theta series
    /// 1 − (√(2π)/x)·Σ_{k≥1} e^(−(2k−1)²π²/(8x²)) is used, which converges fast there.
    ///
    /// - Returns: a value in [0, 1]; 1 for x ≤ 0.
    ///
    /// Source: Kolmogorov (1933); Marsaglia, Tsang & Wang (2003), J. Stat. Softw. 8(18). Matches
    /// `scipy.stats.kstwobign.sf`.
    public static func kolmogorovSF(_ x: Double) -> Double {
        guard x > 0 else { return 1 }
        if x < 1 {
            let c = -Double.pi * Double.pi / (8 * x * x)
            var sum = 0.0
            for k in 1...50 {
                let odd = Double(2 * k - 1)
                let term = Double.exp(odd * odd * c)
                sum += term
                if term < 1e-18 * sum { break }
            }
            return max(0, min(1, 1 - (2 * Double.pi).squareRoot() / x * sum))
        }
        var sum = 0.0
        var sign = 1.0
        for k in 1...100 {
            let kk = Double(k)
            let term = Double.exp(-2 * kk * kk * x * x)
            sum += sign * term
            if term < 1e-18 * abs(sum) { break }
            sign = -sign
        }
        return max(0, min(1, 2 * sum))
    }
}
