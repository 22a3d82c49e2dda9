import SDFCore

/// The scores of one rubric dimension in one subgroup: a role within a condition, or a generator model pooled
/// over its conditions.
///
/// The unit is a comment scored as the mean of its annotators' `ok` values for the dimension, as in
/// ``ConditionScores``; the interval is the same percentile bootstrap (discussions or comments resampled, as
/// ``AnalysisOptions/bootstrapUnit`` says), seeded per condition, dimension and subgroup.
public struct SubgroupScores: Sendable, Hashable, Codable {
    /// The condition label for a role split; `nil` for a model split (pooled over the model's conditions).
    public var condition: String?
    /// The subgroup: a role (`user`, `troll`, `moderator`) or a model name.
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
/// condition, and by the generator model (pooled over that model's conditions).
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
            condition: condition, level: level, comments: all.count, ratings: ratings, discussions: byDiscussion.count, mean: Stats.mean(all),
            ci: ci)
    }
}
