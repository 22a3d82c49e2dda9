import Foundation
import SDFCore
import SDFStore

/// Choices that change the numbers of an ``ExperimentAnalysis`` (and the report's title).
public struct AnalysisOptions: Sendable, Hashable, Codable {
    /// Bootstrap resamples per confidence interval (≥ 1; default 10 000).
    public var bootstrapResamples: Int
    /// Base seed of the bootstrap; each condition × dimension derives its own stream from it, so intervals are
    /// the same on every run and machine.
    public var bootstrapSeed: UInt64
    /// Confidence level of the intervals, in (0, 1) (default 0.95).
    public var level: Double
    /// Significance threshold for the plain-language summary and the heatmap's stars (default 0.05).
    public var alpha: Double
    /// Whether moderator comments count as observations in the condition comparisons (default `false`: only
    /// user and troll comments are compared, because a moderator exists only in moderated conditions and its
    /// own comments would shift those conditions' scores by construction).
    public var includeModeratorComments: Bool
    /// Below this many scored comments in the smallest compared condition, the summary warns that the test is
    /// unreliable (default 20).
    public var smallSample: Int
    /// Below this many discussions per compared condition, the summary warns that the discussion-level test
    /// has little power (default 5).
    public var fewDiscussions: Int
    /// What the bootstrap of a condition's mean resamples (default ``BootstrapUnit/discussion``).
    public var bootstrapUnit: BootstrapUnit
    /// The reference level of the regression models (a condition label, or a strategy when the design has
    /// several models); `nil` or a level without data: the one condition of strategy `none` when exactly one
    /// exists, else the first in design order.
    public var reference: String?
    /// The report's heading and page title; `nil`: the experiment's name from the newest run manifest, or
    /// "Imported discussions" for a store filled only by `sdf import` (never the store's file name).
    public var title: String?

    /// Creates options; every argument has the documented default.
    public init(
        bootstrapResamples: Int = 10_000, bootstrapSeed: UInt64 = 20_250_101, level: Double = 0.95, alpha: Double = 0.05,
        includeModeratorComments: Bool = false, smallSample: Int = 20, fewDiscussions: Int = 5,
        bootstrapUnit: BootstrapUnit = .discussion, reference: String? = nil, title: String? = nil
    ) {
        self.title = title
        self.bootstrapUnit = bootstrapUnit
        self.reference = reference
        self.bootstrapResamples = bootstrapResamples
        self.bootstrapSeed = bootstrapSeed
        self.level = level
        self.alpha = alpha
        self.includeModeratorComments = includeModeratorComments
        self.smallSample = smallSample
        self.fewDiscussions = fewDiscussions
    }
}

/// The unit a bootstrap interval resamples.
public enum BootstrapUnit: String, Sendable, Hashable, Codable, CaseIterable {
    /// Whole discussions with all their comments (the cluster bootstrap; comments in a discussion share
    /// context, so they are not independent). The default.
    case discussion
    /// Single comments, as if independent (narrower intervals; kept for comparison with older reports).
    case comment
}

/// A condition of the design as found in a store.
public struct ConditionDesign: Sendable, Hashable, Codable {
    /// The condition's stable key.
    public var id: String
    /// The label (`strategy` or `strategy/model`).
    public var label: String
    /// The moderation strategy.
    public var strategy: String
    /// The model name.
    public var model: String
    /// Distinct replicate indices stored.
    public var replicates: Int
    /// Discussions stored.
    public var discussions: Int
    /// Discussions with status `done`.
    public var done: Int
    /// Discussions with status `failed`.
    public var failed: Int
    /// Discussions still `running` (interrupted runs).
    public var running: Int
    /// Turn-taking policies used (normally one), e.g. `respond(p=0.4)`.
    public var turnTaking: [String]
    /// Planned user turns per discussion (distinct values, normally one).
    public var userTurns: [Int]
}

/// Descriptive statistics of one dimension in one condition.
///
/// The unit is a comment: its score is the mean of the annotators' `ok` values for it. Comments without an
/// `ok` value for the dimension are not counted.
public struct ConditionScores: Sendable, Hashable, Codable {
    /// The condition label.
    public var condition: String
    /// Comments scored (the n of the statistics below).
    public var n: Int
    /// Discussions contributing at least one scored comment.
    public var discussions: Int
    /// `ok` annotation values behind the comments (≥ `n` with several annotators).
    public var ratings: Int
    /// Mean of the comment scores; `nil` when n = 0.
    public var mean: Double?
    /// Sample standard deviation (n − 1); `nil` when n < 2.
    public var sd: Double?
    /// Median; `nil` when n = 0.
    public var median: Double?
    /// Percentile-bootstrap interval of the mean (seeded); `nil` when n = 0.
    public var ci: Stats.ConfidenceInterval?
    /// Counts of the raw `ok` annotation values at each scale point, `min…max` (zeros included).
    public var histogram: [Int]
    /// Mean per-comment nDFU over comments with at least two ratings; `nil` when there are none.
    public var meanNDFU: Double?
    /// Comments behind ``meanNDFU``.
    public var nDFUComments: Int
    /// Mean of the discussion means (each discussion's mean comment score), the discussion-level summary.
    public var discussionMeans: [Double]
}

/// One pair of Dunn's post-hoc test.
public struct PairwiseComparison: Sendable, Hashable, Codable {
    /// The first condition (row).
    public var a: String
    /// The second condition (column).
    public var b: String
    /// mean(a) − mean(b) of the comment scores.
    public var difference: Double
    /// Dunn's z (positive when a has the higher mean rank).
    public var z: Double
    /// Unadjusted two-sided p.
    public var p: Double
    /// Holm-adjusted p over all pairs of the dimension.
    public var pHolm: Double
}

/// The mean score at one user-turn position in one condition.
public struct TurnMeans: Sendable, Hashable, Codable {
    /// The condition label.
    public var condition: String
    /// (user turn, mean, n), by user turn.
    public var points: [TurnSeriesChart.Point]
}

/// Everything computed for one rubric dimension.
public struct DimensionAnalysis: Sendable, Hashable, Codable {
    /// The dimension (name, scale, what higher means).
    public var dimension: RubricDimension
    /// One entry per condition of the design, in the analysis's condition order (n may be 0).
    public var conditions: [ConditionScores]
    /// Kruskal–Wallis across the conditions with n > 0 (comment level); `nil` with fewer than two such
    /// conditions or when all scores are equal.
    public var kruskalWallis: Stats.KruskalWallisResult?
    /// Kruskal–Wallis on discussion means (one value per discussion); `nil` when not computable.
    public var discussionKruskalWallis: Stats.KruskalWallisResult?
    /// One-way ANOVA across the same groups as ``kruskalWallis``.
    public var anova: Stats.ANOVAResult?
    /// Dunn's all-pairs test (Holm) across the same groups, pairs in condition order (a before b).
    public var dunn: [PairwiseComparison]
    /// The conditions that entered the tests (n > 0), in order.
    public var compared: [String]
    /// Krippendorff's α, interval level, over the analysed comments × annotators (`ok` values only).
    public var alphaInterval: Double?
    /// Krippendorff's α, ordinal level.
    public var alphaOrdinal: Double?
    /// Comments with at least two ratings (pairable units of α).
    public var alphaUnits: Int
    /// Mean score by user turn, per condition (conditions without scores are absent).
    public var byTurn: [TurnMeans]
    /// OLS of `score ~ condition × turn` on the ratings; `nil` without enough data.
    public var regression: RegressionTable?
    /// The same fixed effects with a random intercept per discussion (REML) on comment scores; `nil` without
    /// enough data.
    public var mixedModel: MixedModelTable?
    /// The scores split by the speaker's role within each condition (``BreakdownSection``); empty when the
    /// analysed comments have a single role (e.g. no trolls in the design).
    public var byRole: [SubgroupScores]
    /// The scores per generator model, pooled over each model's conditions; empty with a single model.
    public var byModel: [SubgroupScores]
    /// The scores per level of each design factor, pooled over the conditions at that level (the factor's
    /// marginal means); empty for designs without factors.
    public var byFactorLevel: [SubgroupScores]

    /// The statistics of `condition`, if it is in the design.
    public func scores(_ condition: String) -> ConditionScores? { conditions.first { $0.condition == condition } }
}

/// Behaviour of the agents in one condition: moderation, participation, silence, text.
public struct ConditionBehaviour: Sendable, Hashable, Codable {
    /// The condition label.
    public var condition: String
    /// Moderator turns that produced a comment or an abstention (failed calls excluded).
    public var moderatorTurns: Int
    /// Moderator comments.
    public var moderatorComments: Int
    /// moderatorComments / moderatorTurns (``Stats/interventionRate(moderatorComments:moderatorTurns:)``);
    /// `nil` without a moderator turn.
    public var interventionRate: Double?
    /// User and troll turns that produced a comment or an abstention.
    public var userTurns: Int
    /// User and troll comments.
    public var userComments: Int
    /// userComments / userTurns, pooled over discussions; `nil` without user turns.
    public var participationRate: Double?
    /// Mean over discussions of the share of users who commented at least once
    /// (``Stats/participation(speakers:commented:users:)``).
    public var shareWhoCommented: Double?
    /// Abstentions by role (`user`, `troll`, `moderator`).
    public var abstentions: [String: Int]
    /// Failed LLM calls (turns with outcome `failed`).
    public var failedCalls: Int
    /// Comments carrying each cleaning flag.
    public var flags: [String: Int]
    /// Comments (all roles).
    public var comments: Int
    /// Mean lexical diversity (1 − mean pairwise ROUGE-L F1) over the discussions with ≥ 2 analysed comments.
    public var lexicalDiversity: Double?
    /// Discussions behind ``lexicalDiversity``.
    public var lexicalDiscussions: Int
}

/// The moderator's intervention rate pooled over the conditions of one strategy.
public struct StrategyIntervention: Sendable, Hashable, Codable {
    /// The strategy.
    public var strategy: String
    /// Moderator turns (comment or abstention).
    public var moderatorTurns: Int
    /// Moderator comments.
    public var moderatorComments: Int
    /// comments / turns; `nil` without moderator turns (e.g. strategy `none`).
    public var rate: Double?
}

/// The turn-taking manipulation check of one condition under one `respond(p)` policy.
public struct TurnTakingSummary: Sendable, Hashable, Codable {
    /// The condition label.
    public var condition: String
    /// The policy as stored, e.g. `respond(p=0.4)`.
    public var policy: String
    /// The reply-back probability parsed from the policy.
    public var p: Double
    /// Users per discussion (non-moderator participants).
    public var users: Int
    /// Discussions pooled.
    public var discussions: Int
    /// The pooled check: eligible triples and A, B, A triples summed over the discussions, observed and
    /// expected shares, z and p; `nil` when no discussion has an eligible triple.
    public var check: Stats.TurnTakingCheck?
}

/// Figures that say how trustworthy the data are.
public struct DataQuality: Sendable, Hashable, Codable {
    /// Discussions stored.
    public var discussions: Int
    /// Discussions done.
    public var done: Int
    /// Discussions failed.
    public var failed: Int
    /// Discussions still running (an interrupted run).
    public var running: Int
    /// Abstentions by role.
    public var abstentions: [String: Int]
    /// Comments by cleaning flag.
    public var flags: [String: Int]
    /// Comments whose text the cleaner changed (a step other than whitespace).
    public var cleanedComments: Int
    /// Annotation jobs by parse status (`ok`, `outOfRange`, `missingDimension`, `refusal`, `unparseable`,
    /// `failed`); only `ok` enters the scores.
    public var annotationStatus: [String: Int]
    /// Annotation jobs by annotator, then status.
    public var annotationStatusByAnnotator: [String: [String: Int]]
    /// Failed LLM calls of the discussions.
    public var failedCalls: Int
    /// Comments in the analysed set (user and troll comments, plus moderator comments when included).
    public var analysedComments: Int
    /// Analysed comments without any `ok` annotation.
    public var unscoredComments: Int
    /// Prompt and completion tokens of the discussions.
    public var promptTokens: Int
    /// Completion tokens of the discussions.
    public var completionTokens: Int
}

/// The analysis of one store: design, run manifests, data quality, scores per condition and dimension with
/// tests, agreement, polarisation, behaviour, and the turn-taking check.
///
/// Build it with ``build(store:options:)``; render it with ``ReportBuilder``. All statistics come from
/// ``Stats``. Conditions are ordered with strategy `none` first (the usual baseline), then by label.
public struct ExperimentAnalysis: Sendable, Hashable, Codable {
    /// The experiment's name (from the newest run manifest; the store file's stem when there is none).
    public var experiment: String
    /// The store's path as opened.
    public var storePath: String
    /// Run manifests, oldest first.
    public var runs: [RunManifest]
    /// The conditions, in analysis order.
    public var conditions: [ConditionDesign]
    /// The rubric's dimensions (from the stored annotation panel).
    public var rubric: [RubricDimension]
    /// Annotator usernames, sorted.
    public var annotators: [String]
    /// The options used.
    public var options: AnalysisOptions
    /// One analysis per rubric dimension, in rubric order.
    public var dimensions: [DimensionAnalysis]
    /// Behaviour per condition, in condition order.
    public var behaviour: [ConditionBehaviour]
    /// Intervention rate per strategy, in condition order of first appearance.
    public var interventionByStrategy: [StrategyIntervention]
    /// Turn-taking checks (only conditions under a `respond(p=…)` policy).
    public var turnTaking: [TurnTakingSummary]
    /// Data-quality figures.
    public var quality: DataQuality
    /// The roles of the analysed comments (`user`, `troll`, and `moderator` when included), in that order.
    public var roles: [String]
    /// The generator models of the discussions, sorted.
    public var models: [String]
    /// Moderator comments per discussion, one entry per condition with a moderator, in condition order.
    public var interventionsPerDiscussion: [InterventionCounts]
    /// Comments and abstentions per persona and the inequality of participation, per condition.
    public var participation: [ConditionParticipation]
    /// Discussions per condition needed to detect each pair's difference (target power 0.8 at
    /// ``AnalysisOptions/alpha``, the pilot's own effect); `nil` when not computable (fewer than two conditions
    /// with scores).
    public var power: PowerAnalysis?
    /// The comparison with a human corpus (`sdf report --human PATH`); `nil` without one.
    public var fidelity: FidelityComparison? = nil
    /// How conditional moderator schedules (`decideFirst`, `onTrigger`) decided, per condition with decisions;
    /// `nil` (absent from the JSON, no report section) when every schedule was fixed.
    public var moderatorDecisions: [ConditionModeratorDecisions]? = nil
    /// The paired analysis of a branched design (`branching:`): per branched condition, trunk and dimension, the
    /// per-replicate scores after the branch point and ``Stats/PairedComparison``; `nil` (absent from the JSON, no
    /// report section) when the store holds no branched discussion.
    public var paired: [BranchedPairAnalysis]? = nil

    /// The condition labels, in order.
    public var conditionLabels: [String] { conditions.map(\.label) }

    /// The report's heading: ``AnalysisOptions/title`` when given, else the experiment's name from the newest
    /// run manifest, else (a store filled only by `sdf import`) "Imported discussions".
    public var title: String {
        if let title = options.title, !title.isEmpty { return title }
        return runs.isEmpty ? "Imported discussions" : experiment
    }

    /// Reads the whole store and computes the analysis.
    ///
    /// - Parameters:
    ///   - store: an SDF store (any state: empty, partial, annotated or not).
    ///   - options: ``AnalysisOptions``.
    ///   - progress: told as the store is read (phase `reading the store`, 4 steps), then once before the
    ///     statistics (phase `statistics`, size unknown: the bootstrap and the mixed models dominate).
    /// - Throws: ``StoreError`` when the store cannot be read.
    public static func build(
        store: Store, options: AnalysisOptions = AnalysisOptions(), progress: WorkProgressHandler? = nil
    ) async throws -> ExperimentAnalysis {
        let input = try await input(store: store, options: options, progress: progress)
        progress?(WorkProgress(phase: "statistics", done: 0, total: 0, unit: "steps"))
        return compute(input)
    }

    /// Reads the whole store into the sections' typed input.
    ///
    /// - Parameter progress: told as the store is read (phase `reading the store`, 4 steps).
    static func input(store: Store, options: AnalysisOptions, progress: WorkProgressHandler? = nil) async throws -> AnalysisInput {
        func step(_ done: Int) { progress?(WorkProgress(phase: "reading the store", done: done, total: 4, unit: "steps")) }
        step(0)
        let discussions = try await store.discussions()
        let runs = try await store.runs()
        let allTurns = try await store.turnFacts()
        step(1)
        let annotations = try await store.annotationScores()
        let annotatorRecords = try await store.annotatorRecords()
        step(2)
        var participants: [String: [ParticipantRecord]] = [:]
        for d in discussions { participants[d.id] = try await store.participants(of: d.id) }
        step(3)
        let summary = try await store.summary()
        let decisions = try await store.moderatorDecisions()
        let branchLinks = try await store.branchLinks()
        step(4)
        let stem = URL(fileURLWithPath: store.path).deletingPathExtension().lastPathComponent
        return AnalysisInput(
            experiment: runs.last?.experiment ?? stem, storePath: store.path, runs: runs, discussions: discussions,
            participants: participants, turnFacts: allTurns, annotationScores: annotations, annotators: annotatorRecords,
            summary: summary, options: options, decisions: decisions, branchLinks: branchLinks)
    }

    // MARK: computation

    static func conditionOrder(_ discussions: [DiscussionRecord]) -> [String] {
        var seen: [String: DiscussionRecord] = [:]
        for d in discussions where seen[d.conditionLabel] == nil { seen[d.conditionLabel] = d }
        return seen.values.sorted { a, b in
            let (na, nb) = (a.strategy == "none", b.strategy == "none")
            if na != nb { return na }
            return a.conditionLabel < b.conditionLabel
        }.map(\.conditionLabel)
    }

    static func rubric(annotators: [String: AnnotatorRecord], annotations: [AnnotationScore]) -> [RubricDimension] {
        if !annotators.isEmpty {
            // Every dimension any annotator scored, as the first annotator (by name) that has it defines it: an
            // imported panel may mix rubrics (e.g. toxicity only in 2024 files, toxicity and quality in 2025).
            var dimensions: [RubricDimension] = []
            for name in annotators.keys.sorted() {
                for d in annotators[name]!.rubric.dimensions where !dimensions.contains(where: { $0.name == d.name }) {
                    dimensions.append(d)
                }
            }
            return dimensions
        }
        var observed: [String: (Int, Int)] = [:]
        for a in annotations where a.status == .ok {
            for (name, value) in a.values {
                let current = observed[name] ?? (value, value)
                observed[name] = (min(current.0, value), max(current.1, value))
            }
        }
        return observed.keys.sorted().map { name in
            if let known = Rubric.default.dimensions.first(where: { $0.name == name }) { return known }
            let (lo, hi) = observed[name]!
            return RubricDimension(name: name, description: "", min: lo, max: max(hi, lo + 1), labels: [], higherMeans: "higher score")
        }
    }

    static func isModerator(_ turn: TurnFacts) -> Bool { turn.role == .moderator }

    /// The analysis of `input`: one section after the other, each in its own file under `Report/Sections`.
    static func compute(_ input: AnalysisInput) -> ExperimentAnalysis {
        let conditions = DesignSection.conditions(input)
        let behaviour = BehaviourSection.behaviour(input)
        return ExperimentAnalysis(
            experiment: input.experiment, storePath: input.storePath, runs: input.runs, conditions: conditions,
            rubric: input.rubric, annotators: input.annotatorNames, options: input.options,
            dimensions: input.rubric.map { DimensionSection.analysis(of: $0, input) }, behaviour: behaviour,
            interventionByStrategy: InterventionSection.byStrategy(conditions: conditions, behaviour: behaviour),
            turnTaking: TurnTakingSection.summaries(input), quality: QualitySection.quality(input), roles: BreakdownSection.roles(input),
            models: BreakdownSection.models(input), interventionsPerDiscussion: InterventionSection.perDiscussion(input),
            participation: ParticipationSection.participation(input),
            power: try? PowerSection.analysis(input, alpha: input.options.alpha, power: 0.8, effect: nil),
            moderatorDecisions: ModeratorDecisionSection.perCondition(input), paired: PairedSection.analysis(input))
    }

    /// The turn-taking check on counts pooled over several discussions.
    ///
    /// ``Stats/turnTakingCheck(speakers:p:users:)`` depends on a speaker sequence only through its counts of
    /// eligible triples and of A, B, A triples, and triples must not span two discussions. So the pooled test
    /// is that function applied to a canonical sequence with exactly `triples` eligible triples of which the
    /// first `replyBacks` reply back: starting from 0, 1, each next speaker is the one before the last (a reply
    /// back) or the third speaker (not a reply back). Every appended speaker differs from the last one, so
    /// every triple is eligible.
    ///
    /// - Returns: the check; `nil` when `triples` is 0, `replyBacks` is outside 0…`triples`, or the check
    ///   itself is undefined (e.g. fewer than two users).
    public static func pooledTurnTakingCheck(triples: Int, replyBacks: Int, p: Double, users: Int) -> Stats.TurnTakingCheck? {
        guard triples > 0, replyBacks >= 0, replyBacks <= triples else { return nil }
        if users == 2 && replyBacks < triples { return nil }
        var sequence = [0, 1]
        for i in 0..<triples {
            let beforeLast = sequence[sequence.count - 2]
            let last = sequence[sequence.count - 1]
            sequence.append(i < replyBacks ? beforeLast : 3 - beforeLast - last)
        }
        return Stats.turnTakingCheck(speakers: sequence, p: p, users: users)
    }
}
