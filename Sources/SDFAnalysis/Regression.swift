extension Stats.OLSResult {
    /// Observations n = residual df + p.
    public var n: Int { residualDF + names.count }

    /// Adjusted R² = 1 − (1 − R²)·(n − 1)/(n − p), for a design with an intercept; NaN when R² is.
    ///
    /// Matches statsmodels' `rsquared_adj` (`1 − (nobs − k_constant)/df_resid · (1 − rsquared)`).
    public var adjustedRSquared: Double {
        1 - (1 - rSquared) * Double(n - 1) / Double(residualDF)
    }

    /// Confidence intervals β̂_j ± t_{n−p, 1−(1−level)/2} · SE_j, one per column, in column order.
    ///
    /// - Parameter level: the coverage, in (0, 1) (default 0.95).
    /// - Returns: p intervals whose `estimate` is the coefficient; matches statsmodels' `conf_int(alpha)`.
    public func confidenceIntervals(level: Double = 0.95) -> [Stats.ConfidenceInterval] {
        let q = Stats.studentTQuantile(1 - (1 - level) / 2, df: Double(residualDF))
        return zip(coefficients, standardErrors).map { b, se in
            Stats.ConfidenceInterval(estimate: b, lower: b - q * se, upper: b + q * se, level: level)
        }
    }
}

extension Stats {
    /// Builds the design of `y ~ C(condition) * turn + C(model)`: ``conditionByTurnDesign(condition:turn:levels:)``
    /// with treatment-coded model dummies inserted after the condition dummies (patsy's term order: terms
    /// without a numeric factor first).
    ///
    /// Columns: `Intercept`, `C(condition)[T.l]` (non-reference levels), `C(model)[T.m]` (non-reference
    /// models), `turn`, `C(condition)[T.l]:turn`.
    ///
    /// - Parameters:
    ///   - condition: the condition of each observation.
    ///   - turn: the turn index of each observation.
    ///   - model: the model of each observation, or `nil` (no model term; same as
    ///     ``conditionByTurnDesign(condition:turn:levels:)``). A single distinct model adds no column.
    ///   - levels: the condition level order, first = reference (sorted observed levels by default).
    ///   - modelLevels: the model order, first = reference (sorted observed models by default).
    /// - Returns: the design; `nil` when lengths differ, the data are empty, or a level list misses an observed
    ///   level or repeats one.
    ///
    /// Source: patsy's treatment coding and term ordering; matches
    /// `statsmodels.formula.api.ols("y ~ C(condition, Treatment(ref)) * turn + C(model)")` up to the spelling
    /// of the condition columns.
    public static func conditionByTurnDesign(
        condition: [String], turn: [Double], model: [String]?, levels: [String]? = nil, modelLevels: [String]? = nil
    ) -> DesignMatrix? {
        guard var design = conditionByTurnDesign(condition: condition, turn: turn, levels: levels) else { return nil }
        guard let model else { return design }
        guard model.count == condition.count else { return nil }
        let observed = Set(model)
        let order = modelLevels ?? observed.sorted()
        guard Set(order).count == order.count, observed.isSubset(of: Set(order)) else { return nil }
        let others = Array(order.dropFirst())
        guard !others.isEmpty else { return design }
        let at = design.levels.count  // after Intercept and the (levels − 1) condition dummies
        design.names.insert(contentsOf: others.map { "C(model)[T.\($0)]" }, at: at)
        for i in design.rows.indices {
            design.rows[i].insert(contentsOf: others.map { $0 == model[i] ? 1.0 : 0.0 }, at: at)
        }
        return design
    }
}
