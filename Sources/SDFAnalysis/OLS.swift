extension Stats {
    /// A fitted ordinary-least-squares regression; arrays are in the design's column order.
    public struct OLSResult: Sendable, Hashable, Codable {
        /// The column names of the design matrix.
        public var names: [String]
        /// β̂ = argmin ‖y − Xβ‖².
        public var coefficients: [Double]
        /// Standard errors √(σ̂²·[(XᵀX)⁻¹]_jj) with σ̂² = SSR/(n − p); ≥ 0.
        public var standardErrors: [Double]
        /// t = β̂/SE (±∞ or NaN when SE = 0, i.e. a perfect fit).
        public var tValues: [Double]
        /// Two-sided p-values 2·P(T_{n−p} > |t|), in [0, 1].
        public var pValues: [Double]
        /// Residual degrees of freedom n − p (≥ 1).
        public var residualDF: Int
        /// Sum of squared residuals.
        public var ssr: Double
        /// 1 − SSR/Σ(y − ȳ)² (the centred R², as statsmodels reports for a design with an intercept);
        /// NaN when y is constant.
        public var rSquared: Double

        /// The coefficient named `name`, if the design has such a column.
        public func coefficient(_ name: String) -> Double? {
            names.firstIndex(of: name).map { coefficients[$0] }
        }
    }

    /// Ordinary least squares of `y` on the design matrix `design` (rows = observations).
    ///
    /// Solved by Householder QR of X (no normal equations are formed for β̂); (XᵀX)⁻¹ = R⁻¹R⁻ᵀ gives the
    /// standard errors; p-values use Student's t with n − p degrees of freedom.
    ///
    /// - Parameters:
    ///   - y: n responses.
    ///   - design: n rows of p regressors each (include a column of ones for an intercept).
    ///   - names: p column names (defaults to "x0", "x1", … when empty).
    /// - Returns: the fit; `nil` when the shapes disagree, n ≤ p, p = 0, a value is not finite, or X is
    ///   rank-deficient (a column is, to 1e−9 relative, a combination of earlier ones; statsmodels would
    ///   fall back to a pseudo-inverse).
    ///
    /// Source: Golub & Van Loan, *Matrix Computations* (4th ed.), §5.2 and §5.3 (QR least squares).
    /// Matches `statsmodels.api.OLS(y, X).fit()` (`params`, `bse`, `tvalues`, `pvalues`, `ssr`).
    public static func ols(y: [Double], design: [[Double]], names: [String] = []) -> OLSResult? {
        let n = y.count
        guard let p = design.first?.count, p > 0, design.count == n, n > p,
            design.allSatisfy({ $0.count == p && $0.allSatisfy(\.isFinite) }), y.allSatisfy(\.isFinite),
            names.isEmpty || names.count == p
        else { return nil }
        // Column-major copy, reduced in place to R (upper triangle) by Householder reflections.
        var columns = (0..<p).map { j in design.map { $0[j] } }
        let columnNorms = columns.map { column in column.reduce(0) { $0 + $1 * $1 }.squareRoot() }
        var qty = y
        for j in 0..<p {
            var norm = 0.0
            for i in j..<n { norm += columns[j][i] * columns[j][i] }
            norm = norm.squareRoot()
            guard norm > 1e-9 * max(columnNorms[j], .leastNormalMagnitude) else { return nil }
            let alpha = columns[j][j] > 0 ? -norm : norm
            var v = Array(columns[j][j..<n])
            v[0] -= alpha
            let vv = v.reduce(0) { $0 + $1 * $1 }
            guard vv > 0 else { continue }
            func reflect(_ target: inout [Double]) {
                var s = 0.0
                for i in 0..<v.count { s += v[i] * target[j + i] }
                let factor = 2 * s / vv
                for i in 0..<v.count { target[j + i] -= factor * v[i] }
            }
            for c in j..<p { reflect(&columns[c]) }
            reflect(&qty)
        }
        // R[i][c] = columns[c][i] for c ≥ i. Back-substitute R β = (Qᵀy)[0..<p].
        var beta = [Double](repeating: 0, count: p)
        for i in stride(from: p - 1, through: 0, by: -1) {
            var s = qty[i]
            for c in (i + 1)..<p { s -= columns[c][i] * beta[c] }
            beta[i] = s / columns[i][i]
        }
        // R⁻¹ (upper triangular), column by column.
        var rInverse = [[Double]](repeating: [Double](repeating: 0, count: p), count: p)
        for c in 0..<p {
            rInverse[c][c] = 1 / columns[c][c]
            for i in stride(from: c - 1, through: 0, by: -1) {
                var s = 0.0
                for m in (i + 1)...c { s += columns[m][i] * rInverse[m][c] }
                rInverse[i][c] = -s / columns[i][i]
            }
        }
        var ssr = 0.0
        for (row, observed) in zip(design, y) {
            var fitted = 0.0
            for j in 0..<p { fitted += row[j] * beta[j] }
            ssr += (observed - fitted) * (observed - fitted)
        }
        let df = n - p
        let sigma2 = ssr / Double(df)
        var standardErrors = [Double]()
        for j in 0..<p {
            var diagonal = 0.0
            for c in j..<p { diagonal += rInverse[j][c] * rInverse[j][c] }
            standardErrors.append((sigma2 * diagonal).squareRoot())
        }
        let tValues = zip(beta, standardErrors).map { $0 / $1 }
        let pValues = tValues.map { $0.isNaN ? Double.nan : studentTTwoSidedP($0, df: Double(df)) }
        let yBar = y.reduce(0, +) / Double(n)
        let tss = y.reduce(0) { $0 + ($1 - yBar) * ($1 - yBar) }
        return OLSResult(
            names: names.isEmpty ? (0..<p).map { "x\($0)" } : names, coefficients: beta,
            standardErrors: standardErrors, tValues: tValues, pValues: pValues, residualDF: df, ssr: ssr,
            rSquared: tss > 0 ? 1 - ssr / tss : .nan)
    }

    /// A design matrix with named columns.
    public struct DesignMatrix: Sendable, Hashable, Codable {
        /// Column names, in patsy's spelling (e.g. `C(condition)[T.b]:turn`).
        public var names: [String]
        /// One row per observation.
        public var rows: [[Double]]
        /// The condition levels; the first is the reference level (no dummy column).
        public var levels: [String]
    }

    /// Builds the design of `y ~ C(condition) * turn`: intercept, treatment-coded condition dummies, the
    /// numeric turn, and each dummy × turn.
    ///
    /// Columns, in statsmodels/patsy order: `Intercept`, `C(condition)[T.l]` for every non-reference level l,
    /// `turn`, `C(condition)[T.l]:turn` for every non-reference level l.
    ///
    /// - Parameters:
    ///   - condition: the condition of each observation.
    ///   - turn: the turn index (any real number) of each observation.
    ///   - levels: the level order, first = reference; by default the observed levels sorted ascending
    ///     (patsy's default). Must contain every observed level, without duplicates.
    /// - Returns: the design; `nil` when the arrays' lengths differ, they are empty, or `levels` misses an
    ///   observed level or repeats one.
    ///
    /// Source: treatment (dummy) coding as in patsy's `C()`; Cohen, Cohen, West & Aiken (2003), *Applied
    /// Multiple Regression/Correlation Analysis*, ch. 8–9.
    public static func conditionByTurnDesign(
        condition: [String], turn: [Double], levels: [String]? = nil
    ) -> DesignMatrix? {
        guard condition.count == turn.count, !condition.isEmpty else { return nil }
        let observed = Set(condition)
        let order = levels ?? observed.sorted()
        guard Set(order).count == order.count, observed.isSubset(of: Set(order)) else { return nil }
        let others = Array(order.dropFirst())
        let names =
            ["Intercept"] + others.map { "C(condition)[T.\($0)]" } + ["turn"]
            + others.map { "C(condition)[T.\($0)]:turn" }
        let rows = zip(condition, turn).map { level, t -> [Double] in
            let dummies = others.map { $0 == level ? 1.0 : 0.0 }
            return [1] + dummies + [t] + dummies.map { $0 * t }
        }
        return DesignMatrix(names: names, rows: rows, levels: order)
    }

    /// Fits `y ~ C(condition) * turn` by OLS: condition (treatment coding, first level = reference), turn,
    /// and their interaction.
    ///
    /// - Parameters:
    ///   - y: the response of each observation.
    ///   - condition: the condition of each observation.
    ///   - turn: the turn index of each observation.
    ///   - levels: the level order (first = reference); sorted observed levels by default.
    /// - Returns: the fit with patsy's column names (see ``conditionByTurnDesign(condition:turn:levels:)``);
    ///   `nil` under the conditions of that function and of ``ols(y:design:names:)`` (e.g. a level with a
    ///   single distinct turn makes its interaction column collinear).
    ///
    /// Matches `statsmodels.formula.api.ols("y ~ C(condition) * turn", data).fit()`.
    public static func olsConditionByTurn(
        y: [Double], condition: [String], turn: [Double], levels: [String]? = nil
    ) -> OLSResult? {
        guard y.count == condition.count,
            let design = conditionByTurnDesign(condition: condition, turn: turn, levels: levels)
        else { return nil }
        return ols(y: y, design: design.rows, names: design.names)
    }
}
