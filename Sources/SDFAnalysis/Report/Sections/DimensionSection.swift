import SDFCore
import SDFStore

/// The dimension-statistics section: per-condition scores, the tests across conditions, pairwise comparisons,
/// agreement and the mean by user turn of one rubric dimension.
enum DimensionSection {
    /// The scores of one dimension gathered from the analysed comments, by condition.
    struct Samples: Sendable, Hashable {
        /// Comment scores (mean of the usable ratings) by condition.
        var scores: [String: [Double]] = [:]
        /// Comment scores by condition, then discussion id.
        var discussionScores: [String: [String: [Double]]] = [:]
        /// The usable ratings behind the scores, by condition.
        var ratings: [String: [Double]] = [:]
        /// Per-comment nDFU of comments with at least two ratings, by condition.
        var nDFU: [String: [Double]] = [:]
        /// Comment scores by condition, then user turn.
        var byTurn: [String: [Int: [Double]]] = [:]
        /// One unit per analysed comment (scored or not) with one rating or `nil` per annotator, for α.
        var units: [[Double?]] = []
    }

    /// The full analysis of `dimension`.
    static func analysis(of dimension: RubricDimension, _ input: AnalysisInput) -> DimensionAnalysis {
        let samples = samples(of: dimension, input)
        let conditions = input.conditionOrder.map { scores(of: $0, samples, dimension: dimension, options: input.options) }
        let compared = conditions.filter { $0.n > 0 }
        let groups = compared.map { samples.scores[$0.condition] ?? [] }
        let discussionGroups = compared.map(\.discussionMeans).filter { !$0.isEmpty }
        return DimensionAnalysis(
            dimension: dimension, conditions: conditions, kruskalWallis: Stats.kruskalWallis(groups),
            discussionKruskalWallis: discussionGroups.count == compared.count ? Stats.kruskalWallis(discussionGroups) : nil,
            anova: Stats.oneWayANOVA(groups), dunn: pairwise(compared, groups), compared: compared.map(\.condition),
            alphaInterval: Stats.krippendorffAlpha(samples.units, level: .interval),
            alphaOrdinal: Stats.krippendorffAlpha(samples.units, level: .ordinal),
            alphaUnits: samples.units.filter { $0.compactMap { $0 }.count >= 2 }.count,
            byTurn: turnMeans(samples, order: input.conditionOrder), regression: ModelSection.regression(of: dimension, input),
            mixedModel: ModelSection.mixedModel(of: dimension, input), byRole: BreakdownSection.byRole(of: dimension, input),
            byModel: BreakdownSection.byModel(of: dimension, input), byFactorLevel: BreakdownSection.byFactorLevel(of: dimension, input))
    }

    /// Gathers the dimension's ratings of every analysed comment.
    static func samples(of dimension: RubricDimension, _ input: AnalysisInput) -> Samples {
        let scale = dimension.points.map(Double.init)
        var s = Samples()
        for comment in input.analysed {
            let values = input.annotatorNames.map { input.usableValues[comment.id]?[$0]?[dimension.name] }
            s.units.append(values.map { $0.map(Double.init) })
            let present = values.compactMap { $0 }.map(Double.init)
            guard let score = Stats.mean(present) else { continue }
            s.scores[comment.condition, default: []].append(score)
            s.discussionScores[comment.condition, default: [:]][comment.discussionId, default: []].append(score)
            s.ratings[comment.condition, default: []] += present
            s.byTurn[comment.condition, default: [:]][comment.userTurn, default: []].append(score)
            if present.count >= 2, let n = Stats.nDFU(ratings: present, scale: scale) {
                s.nDFU[comment.condition, default: []].append(n)
            }
        }
        return s
    }

    /// The descriptive statistics of one condition (n may be 0), with its seeded bootstrap interval (discussions
    /// or comments resampled, as ``AnalysisOptions/bootstrapUnit`` says).
    static func scores(of label: String, _ samples: Samples, dimension: RubricDimension, options: AnalysisOptions) -> ConditionScores {
        let scale = dimension.points.map(Double.init)
        let x = samples.scores[label] ?? []
        let seed = SeedDerivation.derive(options.bootstrapSeed, "bootstrap", label, dimension.name)
        let ratings = samples.ratings[label] ?? []
        let histogram = (Stats.scaleHistogram(ratings, scale: scale) ?? scale.map { _ in 0 }).map { Int($0) }
        let byDiscussion = samples.discussionScores[label] ?? [:]
        let perDiscussion = byDiscussion.keys.sorted().compactMap { Stats.mean(byDiscussion[$0]!) }
        let ndfu = samples.nDFU[label] ?? []
        return ConditionScores(
            condition: label, n: x.count, discussions: perDiscussion.count, ratings: ratings.count, mean: Stats.mean(x),
            sd: Stats.standardDeviation(x), median: Stats.median(x),
            ci: options.bootstrapUnit == .comment
                ? Stats.bootstrapMeanCI(x, resamples: options.bootstrapResamples, level: options.level, seed: seed)
                : Stats.clusterBootstrapMeanCI(
                    byDiscussion.keys.sorted().map { byDiscussion[$0]! }, resamples: options.bootstrapResamples, level: options.level,
                    seed: seed),
            histogram: histogram, meanNDFU: Stats.mean(ndfu), nDFUComments: ndfu.count, discussionMeans: perDiscussion)
    }

    /// Dunn's all-pairs test (Holm) across `groups`, one per compared condition, pairs in order (a before b);
    /// empty when the test is not computable.
    static func pairwise(_ compared: [ConditionScores], _ groups: [[Double]]) -> [PairwiseComparison] {
        guard let dunn = Stats.dunn(groups) else { return [] }
        var pairs: [PairwiseComparison] = []
        for i in 0..<compared.count {
            for j in (i + 1)..<compared.count {
                pairs.append(
                    PairwiseComparison(
                        a: compared[i].condition, b: compared[j].condition,
                        difference: (compared[i].mean ?? 0) - (compared[j].mean ?? 0), z: dunn.z[i][j], p: dunn.p[i][j],
                        pHolm: dunn.holm[i][j]))
            }
        }
        return pairs
    }

    /// The mean score by user turn of every condition in `order` that has scores, with the 95 % Student-t
    /// interval of each mean (comments at one user turn come from different discussions, so they are treated as
    /// independent; no interval below two comments).
    static func turnMeans(_ samples: Samples, order: [String]) -> [TurnMeans] {
        order.compactMap { label in
            guard let positions = samples.byTurn[label], !positions.isEmpty else { return nil }
            return TurnMeans(
                condition: label,
                points: positions.keys.sorted().map { x in
                    let values = positions[x]!
                    let mean = Stats.mean(values) ?? 0
                    guard values.count >= 2, let sd = Stats.standardDeviation(values) else {
                        return TurnSeriesChart.Point(x: x, mean: mean, n: values.count)
                    }
                    let half = Stats.studentTQuantile(0.975, df: Double(values.count - 1)) * sd / Double(values.count).squareRoot()
                    return TurnSeriesChart.Point(x: x, mean: mean, n: values.count, lower: mean - half, upper: mean + half)
                })
        }
    }
}
