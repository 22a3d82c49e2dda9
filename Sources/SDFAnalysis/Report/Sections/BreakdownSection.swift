import SDFCore
import SDFStore

/// The scores of one rubric dimension in one subgroup: a role within a condition, a generator model pooled
/// over its conditions, or a level of a design factor pooled over the conditions at that level.
///
/// The unit is a comment scored as the mean of its annotators' `ok` values for the dimension, as in
/// ``ConditionScores``; the interval is the same percentile bootstrap (discussions or comments resampled, as
/// ``AnalysisOptions/bootstrapUnit`` says), seeded per condition, dimension and subgroup.
public struct SubgroupScores: Sendable, Hashable, Codable {
    /// The condition label for a role split; `nil` for a model or factor split (pooled over conditions).
    public var condition: String?
    /// The design factor of a factor split (the experiment file's `factors:` name); `nil` for the other splits.
    public var factor: String?
    /// The subgroup: a role (`user`, `troll`, `moderator`), a model name, or a level of ``factor``.
    public var level: String
    /// Comments scored (the n of the mean and interval).
    public var comments: Int
    /// `ok` ratings behind those comments (≥ comments with several annotators).
    public var ratings: Int
    /// Discussions contributing at least one scored comment.
    public var discussions: Int
    /// Mean of the comment scores; `nil` when no comment is scored.
    public var mean: Double?
    /// Percentile-bootstrap interval of the mean at the analysis level; `nil` when no comment is scored.
    public var ci: Stats.ConfidenceInterval?
}

/// The roles-and-models section: the scores of each dimension split by the speaker's role within each
/// condition, by the generator model (pooled over that model's conditions), and by the level of each design
/// factor (pooled over the conditions at that level: the factor's marginal means, its main effect described).
enum BreakdownSection {
    /// The roles of the analysed comments, in ``Role`` declaration order (`user`, `troll`, then `moderator`
    /// when moderator comments are included).
    static func roles(_ input: AnalysisInput) -> [String] {
        let present = Set(input.analysed.map(\.role))
        return Role.allCases.filter { present.contains($0) }.map(\.rawValue)
    }

    /// The generator models of the discussions, sorted.
    static func models(_ input: AnalysisInput) -> [String] {
        Set(input.discussions.map(\.modelName)).sorted()
    }

    /// One row per condition × role with at least one analysed comment, in condition order then role order;
    /// empty when the analysed comments have only one role (the split would repeat the condition table).
    static func byRole(of dimension: RubricDimension, _ input: AnalysisInput) -> [SubgroupScores] {
        let roles = roles(input)
        guard roles.count > 1 else { return [] }
        var rows: [SubgroupScores] = []
        for condition in input.conditionOrder {
            for role in roles {
                let members = input.analysed.filter { $0.condition == condition && $0.role.rawValue == role }
                guard !members.isEmpty else { continue }
                rows.append(scores(members, condition: condition, level: role, dimension: dimension, input, seedLabels: [condition, "role", role]))
            }
        }
        return rows
    }

    /// One row per generator model, pooled over the model's conditions, in name order; empty with one model.
    static func byModel(of dimension: RubricDimension, _ input: AnalysisInput) -> [SubgroupScores] {
        let models = models(input)
        guard models.count > 1 else { return [] }
        return models.map { model in
            scores(input.analysed.filter { $0.model == model }, condition: nil, level: model, dimension: dimension, input, seedLabels: ["model", model])
        }
    }

    /// The design factors of the discussions with their levels, each in design order (the order the conditions
    /// first show them, conditions in ``AnalysisInput/conditionOrder``); empty for designs without factors.
    static func factors(_ input: AnalysisInput) -> [(factor: String, levels: [String])] {
        var factors: [String] = []
        var levels: [String: [String]] = [:]
        for condition in input.conditionOrder {
            for discussion in input.discussionsByCondition[condition] ?? [] {
                for l in discussion.factorLevels {
                    if levels[l.factor] == nil {
                        factors.append(l.factor)
                        levels[l.factor] = []
                    }
                    if !levels[l.factor]!.contains(l.level) { levels[l.factor]!.append(l.level) }
                }
            }
        }
        return factors.map { ($0, levels[$0]!) }
    }

    /// One row per factor × level, pooled over every condition at that level (strategies, models and the other
    /// factors' levels), factors and levels in design order; empty without factors. A factor with one level
    /// only (every condition at the same level) has no row.
    static func byFactorLevel(of dimension: RubricDimension, _ input: AnalysisInput) -> [SubgroupScores] {
        let factors = factors(input).filter { $0.levels.count > 1 }
        guard !factors.isEmpty else { return [] }
        let levelsByDiscussion = Dictionary(uniqueKeysWithValues: input.discussions.map { ($0.id, $0.factorLevels) })
        var rows: [SubgroupScores] = []
        for (factor, levels) in factors {
            for level in levels {
                let wanted = FactorLevel(factor: factor, level: level)
                let members = input.analysed.filter { levelsByDiscussion[$0.discussionId]?.contains(wanted) == true }
                var row = scores(members, condition: nil, level: level, dimension: dimension, input, seedLabels: ["factor", factor, level])
                row.factor = factor
                rows.append(row)
            }
        }
        return rows
    }

    /// The statistics of `members` on `dimension`.
    static func scores(
        _ members: [AnalysisInput.AnalysedComment], condition: String?, level: String, dimension: RubricDimension, _ input: AnalysisInput,
        seedLabels: [String]
    ) -> SubgroupScores {
        var byDiscussion: [String: [Double]] = [:]
        var all: [Double] = []
        var ratings = 0
        for comment in members {
            let present = input.annotatorNames.compactMap { input.usableValues[comment.id]?[$0]?[dimension.name] }.map(Double.init)
            guard let score = Stats.mean(present) else { continue }
            ratings += present.count
            all.append(score)
            byDiscussion[comment.discussionId, default: []].append(score)
        }
        let options = input.options
        let seed = SeedDerivation.derive(options.bootstrapSeed, ["bootstrap"] + seedLabels + [dimension.name])
        let ci =
            options.bootstrapUnit == .comment
            ? Stats.bootstrapMeanCI(all, resamples: options.bootstrapResamples, level: options.level, seed: seed)
            : Stats.clusterBootstrapMeanCI(
                byDiscussion.keys.sorted().map { byDiscussion[$0]! }, resamples: options.bootstrapResamples, level: options.level, seed: seed)
        return SubgroupScores(
            condition: condition, factor: nil, level: level, comments: all.count, ratings: ratings, discussions: byDiscussion.count, mean: Stats.mean(all),
            ci: ci)
    }
}
