import SDFCore
import SDFStore

/// Everything the report sections read, loaded from a store once by
/// ``ExperimentAnalysis/build(store:options:)``, with the groupings every section shares computed once.
///
/// Tests build it directly from hand-made records; every section takes it (or a slice of it) and returns its
/// public value.
struct AnalysisInput: Sendable {
    /// A comment in the analysed set, with its condition and its user-turn position.
    struct AnalysedComment: Sendable, Hashable {
        /// The turn's id (the comment id annotations refer to).
        var id: String
        /// The discussion the comment belongs to.
        var discussionId: String
        /// The discussion's condition label.
        var condition: String
        /// Non-moderator turns so far in the discussion, this one included (at least 1), so conditions line up
        /// whether or not moderator turns sit in between.
        var userTurn: Int
        /// The speaker's role (`user`, `troll`, or `moderator` when moderator comments are included).
        var role: Role = .user
        /// The generator model of the discussion (its condition's model).
        var model: String = ""
    }

    /// The experiment's name.
    var experiment: String
    /// The store's path as opened.
    var storePath: String
    /// Run manifests, oldest first.
    var runs: [RunManifest]
    /// The discussions, as stored.
    var discussions: [DiscussionRecord]
    /// Participants by discussion id.
    var participants: [String: [ParticipantRecord]]
    /// Every turn of the store (what the analysis reads of it).
    var turns: [TurnFacts]
    /// Every annotation job of the store, whatever its status.
    var annotations: [AnnotationScore]
    /// Annotator records by username.
    var annotators: [String: AnnotatorRecord]
    /// The store's summary (flags and token counts).
    var summary: StoreSummary
    /// The options of the analysis.
    var options: AnalysisOptions
    /// Every moderator decision of the store (conditional schedules only; empty otherwise).
    var decisions: [ModeratorDecisionRecord]
    /// Branched discussions' links to their trunks, by discussion id (empty without branching).
    var branchLinks: [String: BranchLink] = [:]

    /// Condition labels in analysis order (strategy `none` first, then by label).
    let conditionOrder: [String]
    /// Discussions by condition label, in stored order.
    let discussionsByCondition: [String: [DiscussionRecord]]
    /// Turns by discussion id, in stored order.
    let turnsByDiscussion: [String: [TurnFacts]]
    /// The rubric's dimensions (from the annotator panel, or observed in the usable annotations).
    let rubric: [RubricDimension]
    /// Annotator usernames (records and annotation jobs), sorted.
    let annotatorNames: [String]
    /// The analysed comments: user and troll comments, plus moderator comments when the options include them.
    let analysed: [AnalysedComment]
    /// Values of usable annotations of analysed comments, by comment id, then annotator, then dimension.
    let usableValues: [String: [String: [String: Int]]]

    /// Creates the input and its shared groupings; every argument but the discussions has an empty default.
    ///
    /// `turnFacts`, when given, replaces `turns` (the store reads only the facts; tests build full records).
    init(
        experiment: String = "", storePath: String = "", runs: [RunManifest] = [], discussions: [DiscussionRecord],
        participants: [String: [ParticipantRecord]] = [:], turns: [TurnRecord] = [], turnFacts: [TurnFacts]? = nil,
        annotations: [AnnotationRecord] = [],
        annotationScores: [AnnotationScore]? = nil, annotators: [String: AnnotatorRecord] = [:], summary: StoreSummary = StoreSummary(),
        options: AnalysisOptions = AnalysisOptions(), decisions: [ModeratorDecisionRecord] = [], branchLinks: [String: BranchLink] = [:]
    ) {
        self.branchLinks = branchLinks
        let annotations = annotationScores ?? annotations.map(AnnotationScore.init)
        self.decisions = decisions
        self.experiment = experiment
        self.storePath = storePath
        self.runs = runs
        self.discussions = discussions
        self.participants = participants
        let turns = turnFacts ?? turns.map(TurnFacts.init)
        self.turns = turns
        self.annotations = annotations
        self.annotators = annotators
        self.summary = summary
        self.options = options
        conditionOrder = ExperimentAnalysis.conditionOrder(discussions)
        discussionsByCondition = Dictionary(grouping: discussions, by: \.conditionLabel)
        let turnsByDiscussion = Dictionary(grouping: turns, by: \.discussionId)
        self.turnsByDiscussion = turnsByDiscussion
        rubric = ExperimentAnalysis.rubric(annotators: annotators, annotations: annotations)
        annotatorNames = Set(annotators.keys).union(annotations.map(\.annotator)).sorted()
        let analysed = Self.analysedComments(discussions, turnsByDiscussion, includeModerator: options.includeModeratorComments)
        self.analysed = analysed
        let analysedIds = Set(analysed.map(\.id))
        var values: [String: [String: [String: Int]]] = [:]
        for a in annotations where a.status == .ok && analysedIds.contains(a.commentId) {
            values[a.commentId, default: [:]][a.annotator] = a.values
        }
        usableValues = values
    }

    /// The turns of a discussion, in stored order.
    func turns(of discussion: String) -> [TurnFacts] { turnsByDiscussion[discussion] ?? [] }

    /// The discussion's users and trolls (every participant but the moderator).
    func users(of discussion: String) -> [ParticipantRecord] {
        (participants[discussion] ?? []).filter { $0.role != .moderator }
    }

    /// The comments that enter the condition comparisons, discussion by discussion in stored order.
    static func analysedComments(
        _ discussions: [DiscussionRecord], _ turnsByDiscussion: [String: [TurnFacts]], includeModerator: Bool
    ) -> [AnalysedComment] {
        var analysed: [AnalysedComment] = []
        for d in discussions {
            var userTurn = 0
            for t in turnsByDiscussion[d.id] ?? [] {
                let moderator = ExperimentAnalysis.isModerator(t)
                if !moderator { userTurn += 1 }
                guard t.outcome == .comment, includeModerator || !moderator else { continue }
                analysed.append(
                    AnalysedComment(
                        id: t.id, discussionId: t.discussionId, condition: d.conditionLabel, userTurn: max(1, userTurn), role: t.role,
                        model: d.modelName))
            }
        }
        return analysed
    }
}
