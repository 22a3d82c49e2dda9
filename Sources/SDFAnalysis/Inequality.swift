extension Stats {
    /// The Gini coefficient of non-negative amounts (e.g. comments per participant): 0 when everyone has the
    /// same, (n − 1)/n when one has everything.
    ///
    /// G = Σ_i Σ_j |x_i − x_j| / (2·n²·x̄), computed on the sorted values as
    /// G = 2·Σ_i i·x_(i) / (n·Σx) − (n + 1)/n (i = 1…n), the population (not bias-corrected) form.
    ///
    /// - Parameter x: amounts, each ≥ 0 and finite.
    /// - Returns: G in [0, (n − 1)/n]; `nil` when `x` is empty, sums to 0, or holds a negative or non-finite value.
    ///
    /// Source: Gini (1912), *Variabilità e mutabilità*; the sorted-values form is Damgaard & Weiner (2000),
    /// *Ecology* 81(4):1139–1142, eq. 1 (without their n/(n − 1) correction).
    public static func gini(_ x: [Double]) -> Double? {
        guard !x.isEmpty, x.allSatisfy({ $0 >= 0 && $0.isFinite }) else { return nil }
        let total = x.reduce(0, +)
        guard total > 0 else { return nil }
        let n = Double(x.count)
        let weighted = x.sorted().enumerated().reduce(0.0) { $0 + Double($1.offset + 1) * $1.element }
        return Swift.max(0, 2 * weighted / (n * total) - (n + 1) / n)
    }
}
