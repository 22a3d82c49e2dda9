import Foundation
import SDFCore
import SDFStore

/// The sample size needed to detect the difference between two conditions on one dimension, and the power the
/// pilot had.
public struct PairPower: Sendable, Hashable, Codable {
    /// The first condition.
    public var a: String
    /// The second condition.
    public var b: String
    /// Scored comments of `a` in the pilot.
    public var commentsA: Int
    /// Scored comments of `b` in the pilot.
    public var commentsB: Int
    /// Discussions of `a` with a scored comment.
    public var discussionsA: Int
    /// Discussions of `b` with a scored comment.
    public var discussionsB: Int
    /// mean(a) − mean(b) of the comment scores.
    public var difference: Double
    /// The pooled standard deviation of the two conditions' comment scores,
    /// √(((n_a − 1)s_a² + (n_b − 1)s_b²)/(n_a + n_b − 2)).
    public var pooledSD: Double
    /// The pilot's standardized difference |difference| / pooledSD (Cohen's d); `nil` when pooledSD is 0.
    public var pilotEffect: Double?
    /// The effect the sample size is computed for: the `--effect` given, else ``pilotEffect``.
    public var effect: Double?
    /// Independent observations per condition the t-test needs (statsmodels' `TTestIndPower().solve_power`,
    /// not rounded); `nil` when the effect is 0 or missing.
    public var effectiveN: Double?
    /// Comments per condition needed: effectiveN × design effect.
    public var commentsNeeded: Double?
    /// Discussions per condition needed: commentsNeeded / m (not rounded).
    public var discussionsExact: Double?
    /// Discussions per condition needed, rounded up.
    public var discussionsNeeded: Int?
    /// The pilot's power for ``effect``: the t-test's power with n_a/DE and n_b/DE independent observations.
    public var pilotPower: Double?
}

/// The power analysis of one rubric dimension.
public struct DimensionPower: Sendable, Hashable, Codable {
    /// The dimension's name.
    public var dimension: String
    /// The intraclass correlation σ²_b/(σ²_b + σ²) of `score ~ condition + (1 | discussion)` fitted by REML on
    /// the comment scores (``Stats/mixedModelREML(y:design:groups:names:)``).
    public var icc: Double
    /// σ̂²_b of that fit.
    public var groupVariance: Double
    /// σ̂² of that fit.
    public var residualVariance: Double
    /// m: scored comments per discussion, pooled over the compared conditions (comments ÷ discussions).
    public var commentsPerDiscussion: Double
    /// The design effect 1 + (m − 1)·ICC (Kish 1965).
    public var designEffect: Double
    /// Scored comments behind the fit.
    public var comments: Int
    /// Discussions behind the fit.
    public var discussions: Int
    /// One entry per pair of compared conditions (a before b in condition order).
    public var pairs: [PairPower]
}

/// Discussions per condition needed to detect each pair's difference, from a pilot store (`sdf power`, and
/// the report's power section).
///
/// Method: the comments of one discussion are correlated (ICC ρ), so n comments carry the information of
/// n/DE independent ones, DE = 1 + (m − 1)ρ with m comments per discussion (Kish 1965; Donner & Klar 2000,
/// *Design and Analysis of Cluster Randomization Trials*, §5.2). ρ comes from the REML fit of
/// `score ~ condition + (1 | discussion)` on the comment scores. For each pair, the two-sided two-sample
/// t-test (pooled variance) needs n independent observations per condition for the effect d at α and the
/// target power (``Stats/tTestIndependentSampleSize(effect:alpha:power:ratio:)``); that is n·DE comments,
/// or n·DE/m discussions, per condition.
public struct PowerAnalysis: Sendable, Hashable, Codable {
    /// The significance level (two-sided).
    public var alpha: Double
    /// The target power.
    public var power: Double
    /// The standardized effect given (`--effect`); `nil`: each pair's own pilot effect.
    public var effect: Double?
    /// How the ICC was estimated.
    public var iccMethod: String
    /// One entry per dimension with scores in at least two conditions, in rubric order.
    public var dimensions: [DimensionPower]

    /// The power analysis of a pilot store.
    ///
    /// - Parameters:
    ///   - store: the pilot store.
    ///   - alpha: two-sided significance level, in (0, 1).
    ///   - power: target power, in (alpha, 1).
    ///   - effect: a standardized difference (Cohen's d, > 0) to plan for instead of each pair's pilot effect.
    ///   - options: the analysis options (which comments are analysed).
    /// - Throws: ``StoreError`` when the store cannot be read; ``PowerError`` when the store has fewer than two
    ///   conditions, no `ok` rating, or no dimension with scores in two conditions.
    public static func build(
        store: Store, alpha: Double = 0.05, power: Double = 0.8, effect: Double? = nil, options: AnalysisOptions = AnalysisOptions()
    ) async throws -> PowerAnalysis {
        let input = try await ExperimentAnalysis.input(store: store, options: options)
        return try PowerSection.analysis(input, alpha: alpha, power: power, effect: effect)
    }
}

/// Why a power analysis cannot be computed from a store.
public struct PowerError: Error, Sendable, Hashable, CustomStringConvertible, SDFError {
    /// What is missing, naming the store.
    public var message: String
    /// Creates an error.
    public init(_ message: String) { self.message = message }
    /// The message.
    public var description: String { message }
    /// ``SDFExitCode/storeProblem``: the store cannot be used for this analysis.
    public var exitCode: SDFExitCode { .storeProblem }
}

/// The power section: ICC, design effect and the discussions needed per pair of conditions.
enum PowerSection {
    /// The power analysis of `input`.
    ///
    /// - Throws: ``PowerError`` when the input has fewer than two conditions, no `ok` rating, or no dimension
    ///   with scores in two conditions.
    static func analysis(_ input: AnalysisInput, alpha: Double, power: Double, effect: Double?) throws -> PowerAnalysis {
        let store = input.storePath.isEmpty ? "the store" : input.storePath
        guard input.conditionOrder.count >= 2 else {
            throw PowerError(
                "\(store): a power analysis compares conditions, but the store has \(input.conditionOrder.count == 0 ? "no discussion" : "one condition only (\(input.conditionOrder[0]))")")
        }
        guard !input.usableValues.isEmpty else {
            throw PowerError("\(store): no ok rating of an analysed comment; annotate the store first (sdf annotate)")
        }
        let dimensions = input.rubric.compactMap { dimensionPower($0, input, alpha: alpha, power: power, effect: effect) }
        guard !dimensions.isEmpty else {
            throw PowerError("\(store): no rubric dimension has scored comments in two conditions (with a discussion variance that can be fitted)")
        }
        return PowerAnalysis(
            alpha: alpha, power: power, effect: effect,
            iccMethod: "REML random-intercept model score ~ condition + (1 | discussion) on comment scores", dimensions: dimensions)
    }

    /// The power analysis of one dimension; `nil` when fewer than two conditions have scores or the mixed
    /// model cannot be fitted.
    static func dimensionPower(
        _ dimension: RubricDimension, _ input: AnalysisInput, alpha: Double, power: Double, effect: Double?
    ) -> DimensionPower? {
        let samples = DimensionSection.samples(of: dimension, input)
        let compared = input.conditionOrder.filter { !(samples.scores[$0] ?? []).isEmpty }
        guard compared.count >= 2 else { return nil }
        var y: [Double] = []
        var design: [[Double]] = []
        var groups: [String] = []
        for (k, label) in compared.enumerated() {
            let byDiscussion = samples.discussionScores[label] ?? [:]
            for id in byDiscussion.keys.sorted() {
                for score in byDiscussion[id]! {
                    y.append(score)
                    groups.append(id)
                    design.append([1] + (1..<compared.count).map { $0 == k ? 1 : 0 })
                }
            }
        }
        guard let fit = Stats.mixedModelREML(y: y, design: design, groups: groups), fit.icc.isFinite else { return nil }
        let discussions = Set(groups).count
        let m = Double(y.count) / Double(discussions)
        let icc = fit.icc
        let de = 1 + (m - 1) * icc
        var pairs: [PairPower] = []
        for i in 0..<compared.count {
            for j in (i + 1)..<compared.count {
                let xa = samples.scores[compared[i]]!
                let xb = samples.scores[compared[j]]!
                pairs.append(
                    pair(
                        compared[i], compared[j], xa, xb, discussionsA: samples.discussionScores[compared[i]]?.count ?? 0,
                        discussionsB: samples.discussionScores[compared[j]]?.count ?? 0, m: m, designEffect: de, alpha: alpha, power: power,
                        effect: effect))
            }
        }
        return DimensionPower(
            dimension: dimension.name, icc: icc, groupVariance: fit.groupVariance, residualVariance: fit.residualVariance,
            commentsPerDiscussion: m, designEffect: de, comments: y.count, discussions: discussions, pairs: pairs)
    }

    /// The sample size and pilot power of one pair.
    static func pair(
        _ a: String, _ b: String, _ xa: [Double], _ xb: [Double], discussionsA: Int, discussionsB: Int, m: Double, designEffect de: Double,
        alpha: Double, power: Double, effect: Double?
    ) -> PairPower {
        let na = Double(xa.count)
        let nb = Double(xb.count)
        let difference = (Stats.mean(xa) ?? 0) - (Stats.mean(xb) ?? 0)
        let ss = (Stats.variance(xa) ?? 0) * (na - 1) + (Stats.variance(xb) ?? 0) * (nb - 1)
        let pooled = na + nb > 2 ? (ss / (na + nb - 2)).squareRoot() : 0
        let pilot = pooled > 0 ? abs(difference) / pooled : nil
        let used = effect ?? pilot
        var result = PairPower(
            a: a, b: b, commentsA: xa.count, commentsB: xb.count, discussionsA: discussionsA, discussionsB: discussionsB,
            difference: difference, pooledSD: pooled, pilotEffect: pilot, effect: used)
        guard let d = used, d > 0, d.isFinite else { return result }
        if let n = Stats.tTestIndependentSampleSize(effect: d, alpha: alpha, power: power) {
            result.effectiveN = n
            result.commentsNeeded = n * de
            result.discussionsExact = n * de / m
            result.discussionsNeeded = Int((n * de / m - 1e-9).rounded(.up))
        }
        let achieved = Stats.tTestIndependentPower(effect: d, nobs1: na / de, alpha: alpha, ratio: nb / na)
        result.pilotPower = achieved.isNaN ? nil : achieved
        return result
    }
}

extension PowerAnalysis {
    /// The analysis as plain text for a terminal (`sdf power`): one block per dimension with its ICC, m and
    /// design effect, then one line per pair of conditions. Numbers are rounded for reading; the JSON
    /// (``json()``) has full precision.
    public func text() -> String {
        var out = "Power analysis: two-sided two-sample t-test, alpha = \(SVG.num(alpha, decimals: 3)), target power = \(SVG.num(power, decimals: 2)), "
        out += effect.map { "effect d = \(SVG.num($0, decimals: 3)) (given)" } ?? "effect d = each pair's pilot effect"
        out += "\nICC: \(iccMethod); design effect DE = 1 + (m - 1) * ICC.\n"
        for d in dimensions {
            out += "\n\(d.dimension): ICC = \(SVG.num(d.icc, decimals: 4)), m = \(SVG.num(d.commentsPerDiscussion, decimals: 2)) comments per discussion, DE = \(SVG.num(d.designEffect, decimals: 3)) (\(d.comments) comments, \(d.discussions) discussions)\n"
            let header = ["pair (a - b)", "difference", "d", "n per condition (t-test)", "comments needed", "discussions needed", "pilot power"]
            var rows = [header]
            for p in d.pairs {
                rows.append([
                    "\(p.a) - \(p.b)", SVG.num(p.difference, decimals: 3), p.effect.map { SVG.num($0, decimals: 3) } ?? "-",
                    p.effectiveN.map { SVG.num($0, decimals: 1) } ?? "-", p.commentsNeeded.map { SVG.num($0, decimals: 1) } ?? "-",
                    p.discussionsNeeded.map(String.init) ?? "-", p.pilotPower.map { SVG.num($0, decimals: 3) } ?? "-",
                ])
            }
            let widths = header.indices.map { c in rows.map { $0[c].count }.max() ?? 0 }
            for row in rows {
                out += row.enumerated().map { c, cell in
                    let pad = String(repeating: " ", count: widths[c] - cell.count)
                    return c == 0 ? cell + pad : pad + cell
                }.joined(separator: "  ") + "\n"
            }
        }
        return out
    }

    /// The analysis as JSON (sorted keys, pretty-printed, full precision, ending in a newline; NaN and ±∞ as
    /// the strings `"NaN"`, `"Infinity"`, `"-Infinity"`, absent optionals left out), as ``ReportJSON``
    /// writes the same object under `analysis.power`.
    public func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        return String(decoding: try encoder.encode(self), as: UTF8.self) + "\n"
    }
}
