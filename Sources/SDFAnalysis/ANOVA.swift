extension Stats {
    /// The result of a one-way analysis of variance.
    public struct ANOVAResult: Sendable, Hashable, Codable {
        /// F = (SS_between/(k − 1)) / (SS_within/(N − k)); ≥ 0, +∞ when every group is constant.
        public var f: Double
        /// Numerator degrees of freedom, k − 1.
        public var dfBetween: Int
        /// Denominator degrees of freedom, N − k.
        public var dfWithin: Int
        /// P(F_{k−1, N−k} > F), in [0, 1].
        public var p: Double
    }

    /// One-way ANOVA: the F test that k independent groups share one mean.
    ///
    /// SS_between = Σ n_i(x̄_i − x̄)², SS_within = Σ Σ (x_ij − x̄_i)², computed from deviations (two passes).
    ///
    /// - Parameter groups: k ≥ 2 groups, each non-empty, N > k values in all.
    /// - Returns: F, its degrees of freedom and p; `nil` when there are fewer than 2 groups, a group is empty,
    ///   N ≤ k, a value is not finite, or all values are identical (F is 0/0; SciPy returns NaN). When every
    ///   group is constant but the groups differ, F = +∞ and p = 0, as SciPy returns.
    ///
    /// Source: Fisher (1925), *Statistical Methods for Research Workers*; any textbook, e.g. Howell,
    /// *Statistical Methods for Psychology*, ch. 11. Matches `scipy.stats.f_oneway(*groups)`.
    public static func oneWayANOVA(_ groups: [[Double]]) -> ANOVAResult? {
        guard groups.count >= 2, groups.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isFinite) }) else { return nil }
        let all = groups.flatMap { $0 }
        let k = groups.count
        let n = all.count
        guard n > k, let grand = mean(all) else { return nil }
        if all.allSatisfy({ $0 == all[0] }) { return nil }
        let dfBetween = k - 1
        let dfWithin = n - k
        if groups.allSatisfy({ group in group.allSatisfy { $0 == group[0] } }) {
            return ANOVAResult(f: .infinity, dfBetween: dfBetween, dfWithin: dfWithin, p: 0)
        }
        var between = 0.0
        var within = 0.0
        for group in groups {
            let m = group.reduce(0, +) / Double(group.count)
            between += Double(group.count) * (m - grand) * (m - grand)
            within += group.reduce(0) { $0 + ($1 - m) * ($1 - m) }
        }
        let f = (between / Double(dfBetween)) / (within / Double(dfWithin))
        return ANOVAResult(f: f, dfBetween: dfBetween, dfWithin: dfWithin, p: fSF(f, df1: Double(dfBetween), df2: Double(dfWithin)))
    }
}
