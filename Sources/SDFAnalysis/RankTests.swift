extension Stats {
    // MARK: Ranks

    /// The 1-based ranks of `x`, tied values receiving the average of the ranks they span.
    ///
    /// - Parameter x: any sample (order is kept: `result[i]` is the rank of `x[i]`).
    /// - Returns: ranks in [1, n]; an empty array for empty input; all NaN when `x` contains NaN.
    ///
    /// Matches `scipy.stats.rankdata(x, method="average")`.
    public static func ranks(_ x: [Double]) -> [Double] {
        if x.contains(where: \.isNaN) { return x.map { _ in .nan } }
        let order = x.indices.sorted { x[$0] < x[$1] }
        var result = [Double](repeating: 0, count: x.count)
        var start = 0
        while start < order.count {
            var end = start
            while end + 1 < order.count && x[order[end + 1]] == x[order[start]] { end += 1 }
            let average = Double(start + end) / 2 + 1
            for k in start...end { result[order[k]] = average }
            start = end + 1
        }
        return result
    }

    /// Σ(t³ − t) over the groups of tied values in `x` (t = size of a tie group); 0 without ties.
    static func tieSum(_ x: [Double]) -> Double {
        let sorted = x.sorted()
        var sum = 0.0
        var start = 0
        while start < sorted.count {
            var end = start
            while end + 1 < sorted.count && sorted[end + 1] == sorted[start] { end += 1 }
            let t = Double(end - start + 1)
            sum += t * t * t - t
            start = end + 1
        }
        return sum
    }

    /// Whether a set of groups is usable by the rank tests: ≥ 2 groups, none empty, no NaN.
    private static func validGroups(_ groups: [[Double]]) -> Bool {
        groups.count >= 2 && groups.allSatisfy { !$0.isEmpty && !$0.contains(where: \.isNaN) }
    }

    // MARK: Kruskal–Wallis

    /// The result of a Kruskal–Wallis H test.
    public struct KruskalWallisResult: Sendable, Hashable, Codable {
        /// H, corrected for ties; ≥ 0.
        public var h: Double
        /// Degrees of freedom, k − 1.
        public var df: Int
        /// P(χ²_{k−1} > H), in [0, 1].
        public var p: Double
    }

    /// The Kruskal–Wallis H test that k independent groups come from the same distribution.
    ///
    /// With all N values ranked together (average ranks for ties), R_i the rank sum and n_i the size of
    /// group i: H = 12 / (N(N + 1)) · Σ R_i²/n_i − 3(N + 1), divided by the tie correction
    /// 1 − Σ(t³ − t)/(N³ − N); p = χ² survival of H on k − 1 degrees of freedom.
    ///
    /// - Parameter groups: k ≥ 2 groups of any (non-zero) sizes.
    /// - Returns: H, df and p; `nil` when there are fewer than 2 groups, a group is empty, a value is NaN,
    ///   or all values are identical (H is 0/0; SciPy returns NaN).
    ///
    /// Source: Kruskal & Wallis (1952), *JASA* 47(260). Matches `scipy.stats.kruskal(*groups)`.
    public static func kruskalWallis(_ groups: [[Double]]) -> KruskalWallisResult? {
        guard validGroups(groups) else { return nil }
        let all = groups.flatMap { $0 }
        let n = Double(all.count)
        let correction = 1 - tieSum(all) / (n * n * n - n)
        guard correction > 0 else { return nil }
        let r = ranks(all)
        var offset = 0
        var between = 0.0
        for group in groups {
            let sum = r[offset..<(offset + group.count)].reduce(0, +)
            between += sum * sum / Double(group.count)
            offset += group.count
        }
        let h = (12 / (n * (n + 1)) * between - 3 * (n + 1)) / correction
        let df = groups.count - 1
        return KruskalWallisResult(h: h, df: df, p: chiSquaredSF(h, df: Double(df)))
    }

    // MARK: Multiple comparisons

    /// A family-wise p-value adjustment.
    public enum PAdjustment: String, Sendable, Hashable, Codable, CaseIterable {
        /// No adjustment.
        case none
        /// Bonferroni: min(1, m·p).
        case bonferroni
        /// Holm's step-down: the i-th smallest p (1-based) becomes max over j ≤ i of min(1, (m − j + 1)·p₍ⱼ₎).
        case holm
    }

    /// Adjusts a family of m p-values for multiple comparisons.
    ///
    /// - Parameters:
    ///   - p: the unadjusted p-values, each in [0, 1], in any order.
    ///   - method: ``PAdjustment``.
    /// - Returns: the adjusted p-values in the input's order, each in [0, 1] and ≥ its unadjusted value;
    ///   an empty array for empty input. NaN inputs give NaN outputs for Bonferroni and make Holm's result
    ///   unspecified (but finite-sized).
    ///
    /// Source: Holm (1979), "A simple sequentially rejective multiple test procedure", *Scand. J. Statist.* 6.
    /// Matches `statsmodels.stats.multitest.multipletests(p, method="holm" | "bonferroni")[1]`.
    public static func adjustPValues(_ p: [Double], method: PAdjustment) -> [Double] {
        let m = Double(p.count)
        switch method {
        case .none:
            return p
        case .bonferroni:
            return p.map { min(1, $0 * m) }
        case .holm:
            let order = p.indices.sorted { p[$0] < p[$1] }
            var result = [Double](repeating: 0, count: p.count)
            var running = 0.0
            for (rank, index) in order.enumerated() {
                running = max(running, min(1, (m - Double(rank)) * p[index]))
                result[index] = running
            }
            return result
        }
    }

    // MARK: Dunn

    /// The result of Dunn's all-pairs post-hoc test; every matrix is k × k in the groups' order.
    public struct DunnResult: Sendable, Hashable, Codable {
        /// z[i][j] = (mean rank of i − mean rank of j) / σ_ij; antisymmetric, 0 on the diagonal.
        public var z: [[Double]]
        /// Unadjusted two-sided p-values 2·(1 − Φ(|z|)); symmetric, 1 on the diagonal.
        public var p: [[Double]]
        /// Holm-adjusted p-values over the k(k − 1)/2 pairs; symmetric, 1 on the diagonal.
        public var holm: [[Double]]
        /// Bonferroni-adjusted p-values over the k(k − 1)/2 pairs; symmetric, 1 on the diagonal.
        public var bonferroni: [[Double]]

        /// The p-value matrix for an adjustment method.
        public func pValues(_ method: PAdjustment) -> [[Double]] {
            switch method {
            case .none: return p
            case .holm: return holm
            case .bonferroni: return bonferroni
            }
        }
    }

    /// Dunn's test comparing every pair of k groups on their mean ranks, with tie correction.
    ///
    /// With all N values ranked together, R̄_i the mean rank of group i and T = Σ(t³ − t) over tie groups:
    /// σ_ij² = (N(N + 1)/12 − T/(12(N − 1))) · (1/n_i + 1/n_j), z_ij = (R̄_i − R̄_j)/σ_ij, two-sided
    /// p = 2·(1 − Φ(|z|)). The adjustments run over the k(k − 1)/2 pairs i < j.
    ///
    /// - Parameter groups: k ≥ 2 groups of any (non-zero) sizes.
    /// - Returns: z and p matrices; `nil` when there are fewer than 2 groups, a group is empty, a value is
    ///   NaN, or all values are identical (σ = 0).
    ///
    /// Source: Dunn (1964), "Multiple comparisons using rank sums", *Technometrics* 6(3). Matches
    /// `scikit_posthocs.posthoc_dunn(groups, p_adjust=None | "holm" | "bonferroni")`.
    public static func dunn(_ groups: [[Double]]) -> DunnResult? {
        guard validGroups(groups) else { return nil }
        let all = groups.flatMap { $0 }
        let n = Double(all.count)
        let variance = n * (n + 1) / 12 - tieSum(all) / (12 * (n - 1))
        guard variance > 0 else { return nil }
        let r = ranks(all)
        var meanRanks = [Double]()
        var offset = 0
        for group in groups {
            meanRanks.append(r[offset..<(offset + group.count)].reduce(0, +) / Double(group.count))
            offset += group.count
        }
        let k = groups.count
        var z = [[Double]](repeating: [Double](repeating: 0, count: k), count: k)
        var pairs = [(Int, Int)]()
        var raw = [Double]()
        for i in 0..<k {
            for j in (i + 1)..<k {
                let sigma = (variance * (1 / Double(groups[i].count) + 1 / Double(groups[j].count))).squareRoot()
                let value = (meanRanks[i] - meanRanks[j]) / sigma
                z[i][j] = value
                z[j][i] = -value
                pairs.append((i, j))
                raw.append(min(1, 2 * normalSF(abs(value))))
            }
        }
        func matrix(_ values: [Double]) -> [[Double]] {
            var result = [[Double]](repeating: [Double](repeating: 1, count: k), count: k)
            for (index, (i, j)) in pairs.enumerated() {
                result[i][j] = values[index]
                result[j][i] = values[index]
            }
            return result
        }
        return DunnResult(
            z: z, p: matrix(raw), holm: matrix(adjustPValues(raw, method: .holm)),
            bonferroni: matrix(adjustPValues(raw, method: .bonferroni)))
    }

    // MARK: Mann–Whitney

    /// The result of a two-sided Mann–Whitney U test.
    public struct MannWhitneyResult: Sendable, Hashable, Codable {
        /// U of the first sample: R₁ − n₁(n₁ + 1)/2, in [0, n₁n₂].
        public var u: Double
        /// (max(U₁, U₂) − n₁n₂/2 − ½)/σ, the continuity-corrected z used for p (0 when σ = 0).
        public var z: Double
        /// Two-sided p-value, in [0, 1].
        public var p: Double
    }

    /// The two-sided Mann–Whitney U test (Wilcoxon rank-sum) by the normal approximation, with tie and
    /// continuity corrections.
    ///
    /// U₁ = R₁ − n₁(n₁ + 1)/2 from the pooled average ranks; U = max(U₁, n₁n₂ − U₁);
    /// σ² = n₁n₂/12 · ((N + 1) − Σ(t³ − t)/(N(N − 1))); z = (U − n₁n₂/2 − ½)/σ; p = min(1, 2·(1 − Φ(z))).
    ///
    /// - Parameters:
    ///   - x: the first sample (non-empty).
    ///   - y: the second sample (non-empty).
    /// - Returns: U₁, z and p; `nil` when a sample is empty or contains NaN. When every value is tied
    ///   (σ = 0) the result is U₁ = n₁n₂/2, z = 0, p = 1, as SciPy returns.
    ///
    /// Source: Mann & Whitney (1947), *Ann. Math. Statist.* 18(1). Matches
    /// `scipy.stats.mannwhitneyu(x, y, alternative="two-sided", method="asymptotic")`.
    public static func mannWhitneyU(_ x: [Double], _ y: [Double]) -> MannWhitneyResult? {
        guard validGroups([x, y]) else { return nil }
        let n1 = Double(x.count)
        let n2 = Double(y.count)
        let all = x + y
        let n = n1 + n2
        let r = ranks(all)
        let u1 = r[0..<x.count].reduce(0, +) - n1 * (n1 + 1) / 2
        let u = max(u1, n1 * n2 - u1)
        let mu = n1 * n2 / 2
        let varianceTerm = n1 * n2 / 12 * ((n + 1) - tieSum(all) / (n * (n - 1)))
        guard varianceTerm > 0 else { return MannWhitneyResult(u: u1, z: 0, p: 1) }
        let z = (u - mu - 0.5) / varianceTerm.squareRoot()
        return MannWhitneyResult(u: u1, z: z, p: min(1, max(0, 2 * normalSF(z))))
    }
}
