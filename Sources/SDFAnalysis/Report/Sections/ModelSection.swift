import SDFCore
import SDFStore

/// One coefficient of a fitted regression, as a paper's table prints it.
public struct CoefficientRow: Sendable, Hashable, Codable {
    /// The column name in patsy's spelling, e.g. `C(condition)[T.guidelines]:turn`.
    public var term: String
    /// The estimate β̂.
    public var estimate: Double
    /// Its standard error.
    public var standardError: Double
    /// β̂/SE: Student's t for OLS, Wald z for the mixed model.
    public var statistic: Double
    /// Two-sided p (t with the residual df for OLS, normal for the mixed model).
    public var p: Double
    /// Lower bound of the confidence interval at the analysis level.
    public var lower: Double
    /// Upper bound of the confidence interval.
    public var upper: Double
}

/// The fixed-effect structure shared by the regression tables of one dimension.
public struct ModelTerms: Sendable, Hashable, Codable {
    /// The formula as printed, e.g. `score ~ condition × turn` or `score ~ strategy × turn + model`.
    public var formula: String
    /// The factor the conditions enter as: `condition` (the condition label), or, when the design has several
    /// models (the model is then a separate main effect), `strategy` — `condition without model` when the design
    /// also has factors (levels such as `guidelines/trolls=none`).
    public var factor: String
    /// The factor's levels with data, reference first.
    public var levels: [String]
    /// The reference level (no dummy column).
    public var reference: String
    /// The model levels, reference first; empty with a single model.
    public var models: [String]
}

/// `score ~ condition × turn` fitted by OLS on one dimension's ratings.
///
/// Rows: one per `ok` rating (comment × annotator) of a non-moderator comment (the seed is not rated).
/// `turn` is the comment's turn index (its position in the thread: seed 0, moderator turns and abstentions
/// counted). Matches `statsmodels.formula.api.ols("score ~ C(condition, Treatment(ref)) * turn [+ C(model)]")`.
public struct RegressionTable: Sendable, Hashable, Codable {
    /// The dimension's name.
    public var dimension: String
    /// Formula, factor, levels and reference.
    public var terms: ModelTerms
    /// One row per design column, in design order.
    public var coefficients: [CoefficientRow]
    /// R² (centred).
    public var rSquared: Double
    /// Adjusted R² = 1 − (1 − R²)(n − 1)/(n − p).
    public var adjustedRSquared: Double
    /// Observations (ratings).
    public var n: Int
    /// Residual degrees of freedom n − p.
    public var residualDF: Int
}

/// The same fixed effects fitted as a linear mixed model with a random intercept per discussion (REML).
///
/// Rows: one per non-moderator comment with at least one `ok` rating of the dimension, scored as the mean of
/// those ratings. See ``Stats/mixedModelREML(y:design:groups:names:)``.
public struct MixedModelTable: Sendable, Hashable, Codable {
    /// The dimension's name.
    public var dimension: String
    /// Formula, factor, levels and reference.
    public var terms: ModelTerms
    /// Fixed effects in design order (statistic = Wald z, p and interval from the normal distribution).
    public var coefficients: [CoefficientRow]
    /// σ̂²_b, the between-discussion variance.
    public var groupVariance: Double
    /// σ̂², the residual (within-discussion) variance.
    public var residualVariance: Double
    /// σ̂²_b/(σ̂²_b + σ̂²).
    public var icc: Double
    /// The REML log-likelihood.
    public var logLikelihood: Double
    /// Whether the optimiser converged (see ``Stats/MixedModelResult/converged``).
    public var converged: Bool
    /// Observations (comments).
    public var n: Int
    /// Discussions (groups).
    public var discussions: Int
}

/// The regression section: OLS and mixed model of `score ~ condition × turn` per rubric dimension.
enum ModelSection {
    /// One observation: a rating or a comment score with its covariates.
    struct Row {
        var score: Double
        var level: String
        var model: String
        var turn: Double
        var discussion: String
    }

    /// The condition factor: the condition label; with several models, the condition without its model (the
    /// strategy, followed by the discussion's factor levels as `/factor=level` when the design has factors), so
    /// that the model enters as its own main effect and conditions that differ in a factor level are never pooled.
    static func factor(_ input: AnalysisInput) -> (name: String, byModel: Bool, order: [String]) {
        let byModel = Set(input.discussions.map(\.modelName)).count > 1
        guard byModel else { return ("condition", false, input.conditionOrder) }
        var levels: [String] = []
        for label in input.conditionOrder {
            if let level = input.discussionsByCondition[label]?.first?.conditionWithoutModel, !levels.contains(level) {
                levels.append(level)
            }
        }
        let hasFactors = input.discussions.contains { !$0.factorLevels.isEmpty }
        return (hasFactors ? "condition without model" : "strategy", true, levels)
    }

    /// The level of the condition factor `discussion` belongs to (see ``factor(_:)``).
    static func level(of d: DiscussionRecord, byModel: Bool) -> String {
        byModel ? d.conditionWithoutModel : d.conditionLabel
    }

    /// One table row per fitted coefficient.
    static func coefficientRows(
        names: [String], estimates: [Double], standardErrors: [Double], statistics: [Double], p: [Double],
        intervals: [Stats.ConfidenceInterval]
    ) -> [CoefficientRow] {
        names.indices.map { j in
            CoefficientRow(
                term: names[j], estimate: estimates[j], standardError: standardErrors[j], statistic: statistics[j], p: p[j],
                lower: intervals[j].lower, upper: intervals[j].upper)
        }
    }

    /// The reference level: `requested` when it has data; otherwise the one level of strategy `none` when
    /// exactly one exists; otherwise the first level in design order (with factors, several levels may be
    /// unmoderated: then the first of all levels).
    static func reference(levels: [String], requested: String?, _ input: AnalysisInput, byModel: Bool) -> String? {
        if let requested, levels.contains(requested) { return requested }
        let unmoderated = levels.filter { level in
            byModel ? level.split(separator: "/").first == "none" : input.discussionsByCondition[level]?.first?.strategy == "none"
        }
        if unmoderated.count == 1 { return unmoderated[0] }
        return levels.first
    }

    /// The ratings (`perRating`) or comment scores of `dimension` with their covariates, in stored order.
    static func rows(of dimension: RubricDimension, _ input: AnalysisInput, perRating: Bool, byModel: Bool) -> [Row] {
        var rows: [Row] = []
        for d in input.discussions {
            for t in input.turns(of: d.id) where t.outcome == .comment && t.role != .moderator {
                let ratings = input.annotatorNames.compactMap { input.usableValues[t.id]?[$0]?[dimension.name] }.map(Double.init)
                guard !ratings.isEmpty else { continue }
                let key = level(of: d, byModel: byModel)
                let scores = perRating ? ratings : [ratings.reduce(0, +) / Double(ratings.count)]
                for s in scores {
                    rows.append(Row(score: s, level: key, model: d.modelName, turn: Double(t.turnIndex), discussion: d.id))
                }
            }
        }
        return rows
    }

    /// The design of `rows` and its terms; `nil` without rows.
    static func design(_ rows: [Row], _ input: AnalysisInput) -> (Stats.DesignMatrix, ModelTerms)? {
        guard !rows.isEmpty else { return nil }
        let (name, byModel, order) = factor(input)
        let present = Set(rows.map(\.level))
        let levels = order.filter { present.contains($0) }
        guard let ref = reference(levels: levels, requested: input.options.reference, input, byModel: byModel) else { return nil }
        let ordered = [ref] + levels.filter { $0 != ref }
        let models = byModel ? Array(Set(rows.map(\.model))).sorted() : []
        guard
            let matrix = Stats.conditionByTurnDesign(
                condition: rows.map(\.level), turn: rows.map(\.turn), model: byModel ? rows.map(\.model) : nil, levels: ordered,
                modelLevels: byModel ? models : nil)
        else { return nil }
        let formula = "score ~ \(name) × turn" + (models.count > 1 ? " + model" : "")
        return (matrix, ModelTerms(formula: formula, factor: name, levels: ordered, reference: ref, models: models.count > 1 ? models : []))
    }

    /// The OLS table of `dimension`; `nil` when there are too few ratings or the design is singular.
    static func regression(of dimension: RubricDimension, _ input: AnalysisInput) -> RegressionTable? {
        let data = rows(of: dimension, input, perRating: true, byModel: factor(input).byModel)
        guard let built = design(data, input),
            let fit = Stats.ols(y: data.map(\.score), design: built.0.rows, names: built.0.names)
        else { return nil }
        let terms = built.1
        let intervals = fit.confidenceIntervals(level: input.options.level)
        return RegressionTable(
            dimension: dimension.name, terms: terms,
            coefficients: coefficientRows(
                names: fit.names, estimates: fit.coefficients, standardErrors: fit.standardErrors, statistics: fit.tValues,
                p: fit.pValues, intervals: intervals), rSquared: fit.rSquared, adjustedRSquared: fit.adjustedRSquared, n: fit.n, residualDF: fit.residualDF)
    }

    /// The mixed-model table of `dimension`; `nil` when there are too few comments or the design is singular.
    static func mixedModel(of dimension: RubricDimension, _ input: AnalysisInput) -> MixedModelTable? {
        let data = rows(of: dimension, input, perRating: false, byModel: factor(input).byModel)
        guard let built = design(data, input),
            let fit = Stats.mixedModelREML(y: data.map(\.score), design: built.0.rows, groups: data.map(\.discussion), names: built.0.names)
        else { return nil }
        let terms = built.1
        let intervals = fit.confidenceIntervals(level: input.options.level)
        return MixedModelTable(
            dimension: dimension.name, terms: terms,
            coefficients: coefficientRows(
                names: fit.names, estimates: fit.coefficients, standardErrors: fit.standardErrors, statistics: fit.zValues,
                p: fit.pValues, intervals: intervals), groupVariance: fit.groupVariance, residualVariance: fit.residualVariance, icc: fit.icc, logLikelihood: fit.logLikelihood,
            converged: fit.converged, n: fit.n, discussions: fit.groups)
    }
}

extension DiscussionRecord {
    /// The discussion's condition without its generator model: the strategy followed by its factor levels as
    /// `/factor=level` (e.g. `guidelines/trolls=none`); the condition factor of the regressions when a design has
    /// several models (the model is then a main effect of its own).
    public var conditionWithoutModel: String {
        strategy + factorLevels.map { "/\($0.factor)=\($0.level)" }.joined()
    }
}
