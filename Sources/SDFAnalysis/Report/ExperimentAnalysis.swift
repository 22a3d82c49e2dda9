import Foundation
import SDFCore
import SDFStore

/// Choices that change the numbers of an ``ExperimentAnalysis``.
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

    /// Creates options; every argument has the documented default.
    public init(
        bootstrapResamples: Int = 10_000, bootstrapSeed: UInt64 = 20_250_101, level: Double = 0.95, alpha: Double = 0.05,
        includeModeratorComments: Bool = false, smallSample: Int = 20, fewDiscussions: Int = 5
    ) {
        self.bootstrapResamples = bootstrapResamples
        self.bootstrapSeed = bootstrapSeed
        self.level = level
        self.alpha = alpha
        self.includeModeratorComments = includeModeratorComments
        self.smallSample = smallSample
        self.fewDiscussions = fewDiscussions
    }
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
public struct TurnMeans: Sendable, Hashable {
    /// The condition label.
    public var condition: String
    /// (user turn, mean, n), by user turn.
    public var points: [TurnSeriesChart.Point]
}

/// Everything computed for one rubric dimension.
public struct DimensionAnalysis: Sendable, Hashable {
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
public struct ExperimentAnalysis: Sendable, Hashable {
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

    /// The condition labels, in order.
    public var conditionLabels: [String] { conditions.map(\.label) }

    /// Reads the whole store and computes the analysis.
    ///
    /// - Parameters:
    ///   - store: an SDF store (any state: empty, partial, annotated or not).
    ///   - options: ``AnalysisOptions``.
    /// - Throws: ``StoreError`` when the store cannot be read.
    public static func build(store: Store, options: AnalysisOptions = AnalysisOptions()) async throws -> ExperimentAnalysis {
        let discussions = try await store.discussions()
        let runs = try await store.runs()
        let allTurns = try await store.allTurns()
        let annotations = try await store.annotations()
        let annotatorRecords = try await store.annotatorRecords()
        var participants: [String: [ParticipantRecord]] = [:]
        for d in discussions { participants[d.id] = try await store.participants(of: d.id) }
        let summary = try await store.summary()
        let stem = URL(fileURLWithPath: store.path).deletingPathExtension().lastPathComponent
        return compute(
            experiment: runs.last?.experiment ?? stem, storePath: store.path, runs: runs, discussions: discussions,
            participants: participants, turns: allTurns, annotations: annotations, annotators: annotatorRecords,
            summary: summary, options: options)
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

    static func rubric(annotators: [String: AnnotatorRecord], annotations: [AnnotationRecord]) -> [RubricDimension] {
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

    static func isModerator(_ turn: TurnRecord) -> Bool { turn.role == .moderator }

    // swiftlint:disable:next function_body_length
    static func compute(
        experiment: String, storePath: String, runs: [RunManifest], discussions: [DiscussionRecord],
        participants: [String: [ParticipantRecord]], turns allTurns: [TurnRecord], annotations: [AnnotationRecord],
        annotators annotatorRecords: [String: AnnotatorRecord], summary: StoreSummary, options: AnalysisOptions
    ) -> ExperimentAnalysis {
        let order = conditionOrder(discussions)
        let byCondition = Dictionary(grouping: discussions, by: \.conditionLabel)
        let turnsByDiscussion = Dictionary(grouping: allTurns, by: \.discussionId)
        let discussionById = Dictionary(uniqueKeysWithValues: discussions.map { ($0.id, $0) })
        let rubric = rubric(annotators: annotatorRecords, annotations: annotations)
        let annotatorNames = Set(annotatorRecords.keys).union(annotations.map(\.annotator)).sorted()

        // Design.
        let conditions: [ConditionDesign] = order.map { label in
            let ds = byCondition[label] ?? []
            let first = ds[0]
            return ConditionDesign(
                id: first.conditionId, label: label, strategy: first.strategy, model: first.modelName,
                replicates: Set(ds.map(\.replicate)).count, discussions: ds.count, done: ds.filter { $0.status == .done }.count,
                failed: ds.filter { $0.status == .failed }.count, running: ds.filter { $0.status == .running }.count,
                turnTaking: Array(Set(ds.map(\.turnTaking.description))).sorted(), userTurns: Array(Set(ds.map(\.userTurns))).sorted())
        }

        // The analysed comments, with their condition, discussion and user-turn position.
        struct Comment {
            var turn: TurnRecord
            var condition: String
            var userTurn: Int
        }
        var analysed: [Comment] = []
        for d in discussions {
            var userTurn = 0
            for t in turnsByDiscussion[d.id] ?? [] {
                if !isModerator(t) { userTurn += 1 }
                guard t.outcome == .comment, options.includeModeratorComments || !isModerator(t) else { continue }
                analysed.append(Comment(turn: t, condition: d.conditionLabel, userTurn: max(1, userTurn)))
            }
        }
        let analysedIds = Set(analysed.map(\.turn.id))
        // ok values by comment, then annotator.
        var okValues: [String: [String: [String: Int]]] = [:]
        for a in annotations where a.status == .ok && analysedIds.contains(a.commentId) {
            okValues[a.commentId, default: [:]][a.annotator] = a.values
        }

        var dimensions: [DimensionAnalysis] = []
        for dimension in rubric {
            let scale = dimension.points.map(Double.init)
            var scoresByCondition: [String: [Double]] = [:]
            var discussionScores: [String: [String: [Double]]] = [:]
            var ratingsByCondition: [String: [Double]] = [:]
            var ndfuByCondition: [String: [Double]] = [:]
            var byTurn: [String: [Int: [Double]]] = [:]
            var units: [[Double?]] = []
            for comment in analysed {
                let values = annotatorNames.map { okValues[comment.turn.id]?[$0]?[dimension.name] }
                units.append(values.map { $0.map(Double.init) })
                let present = values.compactMap { $0 }.map(Double.init)
                guard let score = Stats.mean(present) else { continue }
                scoresByCondition[comment.condition, default: []].append(score)
                discussionScores[comment.condition, default: [:]][comment.turn.discussionId, default: []].append(score)
                ratingsByCondition[comment.condition, default: []] += present
                byTurn[comment.condition, default: [:]][comment.userTurn, default: []].append(score)
                if present.count >= 2, let n = Stats.nDFU(ratings: present, scale: scale) {
                    ndfuByCondition[comment.condition, default: []].append(n)
                }
            }
            var conditionScores: [ConditionScores] = []
            for label in order {
                let x = scoresByCondition[label] ?? []
                let seed = SeedDerivation.derive(options.bootstrapSeed, "bootstrap", label, dimension.name)
                let ratings = ratingsByCondition[label] ?? []
                let histogram = (Stats.scaleHistogram(ratings, scale: scale) ?? scale.map { _ in 0 }).map { Int($0) }
                let perDiscussion = (discussionScores[label] ?? [:]).keys.sorted().compactMap { Stats.mean(discussionScores[label]![$0]!) }
                let ndfu = ndfuByCondition[label] ?? []
                conditionScores.append(
                    ConditionScores(
                        condition: label, n: x.count, discussions: perDiscussion.count, ratings: ratings.count, mean: Stats.mean(x),
                        sd: Stats.standardDeviation(x), median: Stats.median(x),
                        ci: Stats.bootstrapMeanCI(x, resamples: options.bootstrapResamples, level: options.level, seed: seed),
                        histogram: histogram, meanNDFU: Stats.mean(ndfu), nDFUComments: ndfu.count, discussionMeans: perDiscussion))
            }
            let compared = conditionScores.filter { $0.n > 0 }
            let groups = compared.map { scoresByCondition[$0.condition] ?? [] }
            let discussionGroups = compared.map(\.discussionMeans).filter { !$0.isEmpty }
            var pairs: [PairwiseComparison] = []
            if let dunn = Stats.dunn(groups) {
                for i in 0..<compared.count {
                    for j in (i + 1)..<compared.count {
                        pairs.append(
                            PairwiseComparison(
                                a: compared[i].condition, b: compared[j].condition,
                                difference: (compared[i].mean ?? 0) - (compared[j].mean ?? 0), z: dunn.z[i][j], p: dunn.p[i][j],
                                pHolm: dunn.holm[i][j]))
                    }
                }
            }
            let turnMeans: [TurnMeans] = order.compactMap { label in
                guard let positions = byTurn[label], !positions.isEmpty else { return nil }
                return TurnMeans(
                    condition: label,
                    points: positions.keys.sorted().map { x in
                        TurnSeriesChart.Point(x: x, mean: Stats.mean(positions[x]!) ?? 0, n: positions[x]!.count)
                    })
            }
            dimensions.append(
                DimensionAnalysis(
                    dimension: dimension, conditions: conditionScores, kruskalWallis: Stats.kruskalWallis(groups),
                    discussionKruskalWallis: discussionGroups.count == compared.count ? Stats.kruskalWallis(discussionGroups) : nil,
                    anova: Stats.oneWayANOVA(groups), dunn: pairs, compared: compared.map(\.condition),
                    alphaInterval: Stats.krippendorffAlpha(units, level: .interval),
                    alphaOrdinal: Stats.krippendorffAlpha(units, level: .ordinal),
                    alphaUnits: units.filter { $0.compactMap { $0 }.count >= 2 }.count, byTurn: turnMeans))
        }

        // Behaviour per condition.
        var behaviour: [ConditionBehaviour] = []
        for label in order {
            let ds = byCondition[label] ?? []
            var b = ConditionBehaviour(
                condition: label, moderatorTurns: 0, moderatorComments: 0, interventionRate: nil, userTurns: 0, userComments: 0,
                participationRate: nil, shareWhoCommented: nil, abstentions: [:], failedCalls: 0, flags: [:], comments: 0,
                lexicalDiversity: nil, lexicalDiscussions: 0)
            var shares: [Double] = []
            var diversities: [Double] = []
            for d in ds {
                let ts = turnsByDiscussion[d.id] ?? []
                var speakers: [String] = []
                var commented: [Bool] = []
                var texts: [String] = []
                for t in ts {
                    switch t.outcome {
                    case .failed:
                        b.failedCalls += 1
                        continue
                    case .abstention:
                        b.abstentions[t.role.rawValue, default: 0] += 1
                    case .comment:
                        b.comments += 1
                        for flag in t.flags { b.flags[flag.rawValue, default: 0] += 1 }
                        if options.includeModeratorComments || !isModerator(t) { texts.append(t.text ?? "") }
                    }
                    if isModerator(t) {
                        b.moderatorTurns += 1
                        if t.outcome == .comment { b.moderatorComments += 1 }
                    } else {
                        b.userTurns += 1
                        if t.outcome == .comment { b.userComments += 1 }
                        speakers.append(t.speaker)
                        commented.append(t.outcome == .comment)
                    }
                }
                let users = (participants[d.id] ?? []).filter { $0.role != .moderator }.map(\.username)
                if let participation = Stats.participation(speakers: speakers, commented: commented, users: users) {
                    shares.append(participation.shareWhoCommented)
                }
                if let diversity = Stats.lexicalDiversity(texts) { diversities.append(diversity) }
            }
            b.interventionRate = Stats.interventionRate(moderatorComments: b.moderatorComments, moderatorTurns: b.moderatorTurns)
            b.participationRate = b.userTurns > 0 ? Double(b.userComments) / Double(b.userTurns) : nil
            b.shareWhoCommented = Stats.mean(shares)
            b.lexicalDiversity = Stats.mean(diversities)
            b.lexicalDiscussions = diversities.count
            behaviour.append(b)
        }

        // Intervention per strategy.
        var strategies: [String] = []
        for c in conditions where !strategies.contains(c.strategy) { strategies.append(c.strategy) }
        let interventionByStrategy = strategies.map { strategy in
            let members = zip(conditions, behaviour).filter { $0.0.strategy == strategy }.map(\.1)
            let turns = members.map(\.moderatorTurns).reduce(0, +)
            let comments = members.map(\.moderatorComments).reduce(0, +)
            return StrategyIntervention(
                strategy: strategy, moderatorTurns: turns, moderatorComments: comments,
                rate: Stats.interventionRate(moderatorComments: comments, moderatorTurns: turns))
        }

        // Turn-taking check, pooled per condition × policy × user count.
        var turnTaking: [TurnTakingSummary] = []
        for label in order {
            var groups: [String: (policy: String, p: Double, users: Int, discussions: Int, triples: Int, replyBacks: Int)] = [:]
            for d in byCondition[label] ?? [] {
                guard let p = d.turnTaking.respondProbability else { continue }
                let users = (participants[d.id] ?? []).filter { $0.role != .moderator }.count
                guard users >= 2 else { continue }
                let speakers = (turnsByDiscussion[d.id] ?? []).filter { !isModerator($0) }.map(\.speaker)
                let key = "\(d.turnTaking)|\(users)"
                var g = groups[key] ?? (d.turnTaking.description, p, users, 0, 0, 0)
                g.discussions += 1
                if let check = Stats.turnTakingCheck(speakers: speakers, p: p, users: users) {
                    g.triples += check.triples
                    g.replyBacks += check.replyBacks
                }
                groups[key] = g
            }
            for key in groups.keys.sorted() {
                let g = groups[key]!
                turnTaking.append(
                    TurnTakingSummary(
                        condition: label, policy: g.policy, p: g.p, users: g.users, discussions: g.discussions,
                        check: pooledTurnTakingCheck(triples: g.triples, replyBacks: g.replyBacks, p: g.p, users: g.users)))
            }
        }

        // Data quality.
        var quality = DataQuality(
            discussions: discussions.count, done: discussions.filter { $0.status == .done }.count,
            failed: discussions.filter { $0.status == .failed }.count, running: discussions.filter { $0.status == .running }.count,
            abstentions: [:], flags: summary.flags, cleanedComments: 0, annotationStatus: [:], annotationStatusByAnnotator: [:],
            failedCalls: 0, analysedComments: analysed.count,
            unscoredComments: analysed.filter { okValues[$0.turn.id]?.isEmpty ?? true }.count,
            promptTokens: summary.promptTokens, completionTokens: summary.completionTokens)
        for t in allTurns where discussionById[t.discussionId] != nil {
            switch t.outcome {
            case .abstention: quality.abstentions[t.role.rawValue, default: 0] += 1
            case .failed: quality.failedCalls += 1
            case .comment:
                if t.cleaning.contains(where: { $0.step != "whitespace" }) { quality.cleanedComments += 1 }
            }
        }
        for a in annotations {
            quality.annotationStatus[a.status.rawValue, default: 0] += 1
            quality.annotationStatusByAnnotator[a.annotator, default: [:]][a.status.rawValue, default: 0] += 1
        }

        return ExperimentAnalysis(
            experiment: experiment, storePath: storePath, runs: runs, conditions: conditions, rubric: rubric,
            annotators: annotatorNames, options: options, dimensions: dimensions, behaviour: behaviour,
            interventionByStrategy: interventionByStrategy, turnTaking: turnTaking, quality: quality)
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
