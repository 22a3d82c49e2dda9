extension Stats {
    /// The level of measurement that chooses Krippendorff's difference function δ².
    public enum KrippendorffLevel: String, Sendable, Hashable, Codable, CaseIterable {
        /// δ²(c, k) = (c − k)².
        case interval
        /// δ²(c, k) = (Σ_{g=c}^{k} n_g − (n_c + n_k)/2)², with n_g the pairable count of value g.
        case ordinal
    }

    /// Krippendorff's α reliability coefficient for interval or ordinal data with missing values.
    ///
    /// Units rated by fewer than two coders are not pairable and are dropped. From the remaining units the
    /// coincidence matrix o_ck = Σ_u (number of c–k pairs in u)/(m_u − 1) is built (m_u = ratings in unit u),
    /// with marginals n_c and total n; then α = 1 − D_o/D_e where D_o = Σ o_ck δ²_ck and
    /// D_e = Σ n_c n_k δ²_ck / (n − 1).
    ///
    /// - Parameters:
    ///   - unitsByCoders: one row per unit (item), one entry per coder; `nil` (or NaN, ±∞) = not rated. Rows may
    ///     differ in length. (The Python `krippendorff` package takes the transpose, coders × units.)
    ///   - level: ``KrippendorffLevel/interval`` or ``KrippendorffLevel/ordinal``; for ordinal data the
    ///     values' order matters, not their spacing.
    /// - Returns: α ≤ 1 (1 = perfect agreement, ≈ 0 = chance, < 0 = systematic disagreement); `nil` when no
    ///   unit has two ratings or every pairable rating is the same value (D_e = 0, α = 0/0; the Python
    ///   package raises or returns NaN).
    ///
    /// Source: Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", Annenberg School for
    /// Communication, University of Pennsylvania (its 4 × 12 example gives α = 0.849 interval, 0.815
    /// ordinal). Matches `krippendorff.alpha(reliability_data=transpose, level_of_measurement=level)`.
    public static func krippendorffAlpha(_ unitsByCoders: [[Double?]], level: KrippendorffLevel) -> Double? {
        let units = unitsByCoders.map { unit in unit.compactMap { $0 }.filter(\.isFinite) }.filter { $0.count >= 2 }
        guard !units.isEmpty else { return nil }
        let values = Array(Set(units.flatMap { $0 })).sorted()
        guard values.count >= 2 else { return nil }
        var index = [Double: Int]()
        for (i, v) in values.enumerated() { index[v] = i }
        let v = values.count
        var coincidences = [[Double]](repeating: [Double](repeating: 0, count: v), count: v)
        for unit in units {
            var counts = [Double](repeating: 0, count: v)
            for value in unit { counts[index[value]!] += 1 }
            let weight = 1 / Double(unit.count - 1)
            for c in 0..<v where counts[c] > 0 {
                for k in 0..<v where counts[k] > 0 {
                    let pairs = c == k ? counts[c] * (counts[c] - 1) : counts[c] * counts[k]
                    coincidences[c][k] += pairs * weight
                }
            }
        }
        let marginals = coincidences.map { $0.reduce(0, +) }
        let total = marginals.reduce(0, +)
        func delta2(_ c: Int, _ k: Int) -> Double {
            switch level {
            case .interval:
                let d = values[c] - values[k]
                return d * d
            case .ordinal:
                let lo = min(c, k)
                let hi = max(c, k)
                let d = marginals[lo...hi].reduce(0, +) - (marginals[c] + marginals[k]) / 2
                return d * d
            }
        }
        var observed = 0.0
        var expected = 0.0
        for c in 0..<v {
            for k in 0..<v where k != c {
                let d = delta2(c, k)
                observed += coincidences[c][k] * d
                expected += marginals[c] * marginals[k] * d
            }
        }
        expected /= total - 1
        guard expected > 0 else { return nil }
        return 1 - observed / expected
    }
}
