import Foundation
import SDFCore
import SDFStore
import Testing

@testable import SDFAnalysis

extension RecordBuilder {
    /// The records as the typed input of the report sections, without a store.
    func input(options: AnalysisOptions = AnalysisOptions(bootstrapResamples: 200), summary: StoreSummary = StoreSummary()) -> AnalysisInput {
        AnalysisInput(
            experiment: "sections", storePath: ":memory:", runs: runs, discussions: discussions, participants: participants,
            turns: turns, annotations: annotations,
            annotators: Dictionary(uniqueKeysWithValues: annotators.map { ($0.username, $0) }), summary: summary, options: options)
    }
}

@Suite("Report sections: the typed input")
struct AnalysisInputTests {
    @Test("condition order, analysed comments with user-turn positions, usable values only")
    func groupings() {
        var b = RecordBuilder()
        let x = b.discussion("x", replicate: 0, users: ["a", "b"], moderator: true)
        let n = b.discussion("none", replicate: 0, users: ["a", "b"], moderator: false)
        let x1 = b.turn(x, "a")
        let x2 = b.turn(x, "moderator")
        b.turn(x, "b", .abstention)
        let x4 = b.turn(x, "a")
        let n1 = b.turn(n, "b")
        b.annotate(x1, by: "ann2", ["toxicity": 2])
        b.annotate(x4, by: "ann1", ["toxicity": 3], status: .refusal)
        b.annotate(x2, by: "ann1", ["toxicity": 1])
        let input = b.input()
        #expect(input.conditionOrder == ["none", "x"])
        #expect(input.discussionsByCondition["x"]?.map(\.id) == [x])
        #expect(input.turns(of: x).count == 4 && input.turns(of: "unknown").isEmpty)
        #expect(input.users(of: x).map(\.username) == ["a", "b"])
        #expect(input.annotatorNames == ["ann1", "ann2"])
        // Moderator turns do not advance the user-turn position; the abstention does.
        #expect(input.analysed.map(\.id) == [x1, x4, n1])
        #expect(input.analysed.map(\.userTurn) == [1, 3, 1])
        #expect(input.analysed.map(\.condition) == ["x", "x", "none"])
        // The refusal and the moderator comment's values are not usable values of analysed comments.
        #expect(input.usableValues == [x1: ["ann2": ["toxicity": 2]]])

        var options = AnalysisOptions()
        options.includeModeratorComments = true
        let withModerator = b.input(options: options)
        #expect(withModerator.analysed.map(\.id) == [x1, x2, x4, n1])
        #expect(withModerator.analysed.map(\.userTurn) == [1, 1, 3, 1])
        #expect(withModerator.usableValues[x2] == ["ann1": ["toxicity": 1]])
    }
}

@Suite("Report sections: design")
struct DesignSectionTests {
    @Test("replicates, statuses, policies and user turns per condition, baseline first")
    func design() {
        var b = RecordBuilder()
        b.discussion("guidelines", replicate: 0, users: ["a"], moderator: true)
        b.discussion("none", replicate: 0, users: ["a"], moderator: false)
        b.discussion("none", replicate: 1, users: ["a"], moderator: false, policy: "random", status: .failed)
        b.discussion("none", replicate: 2, users: ["a"], moderator: false, status: .running)
        let conditions = DesignSection.conditions(b.input())
        #expect(conditions.map(\.label) == ["none", "guidelines"])
        let none = conditions[0]
        #expect(none.id == "c-none" && none.strategy == "none" && none.model == "m")
        #expect(none.replicates == 3 && none.discussions == 3)
        #expect(none.done == 1 && none.failed == 1 && none.running == 1)
        #expect(none.turnTaking == ["random", "respond(p=0.5)"])
        #expect(none.userTurns == [6])
        let guidelines = conditions[1]
        #expect(guidelines.replicates == 1 && guidelines.discussions == 1 && guidelines.done == 1 && guidelines.failed == 0)
        #expect(guidelines.turnTaking == ["respond(p=0.5)"])
    }

    @Test("no discussions, no conditions")
    func empty() {
        #expect(DesignSection.conditions(RecordBuilder().input()).isEmpty)
    }
}

@Suite("Report sections: dimension statistics")
struct DimensionSectionTests {
    /// none: comments scored 3 ([2, 4]) and 5 ([5]) plus one unscored; x: 1 ([1, 1]) and 2 ([2], a refusal
    /// beside it) in x-0, 2 ([3, 1]) in x-1, and a moderator comment rated [5, 5]; y: one unscored comment.
    static func records() -> (RecordBuilder, moderatorComment: String) {
        var b = RecordBuilder()
        let n0 = b.discussion("none", replicate: 0, users: ["a", "b"], moderator: false)
        let x0 = b.discussion("x", replicate: 0, users: ["a", "b"], moderator: true)
        let x1 = b.discussion("x", replicate: 1, users: ["a", "b"], moderator: true)
        let y0 = b.discussion("y", replicate: 0, users: ["a", "b"], moderator: false)
        let n0t1 = b.turn(n0, "a")
        let n0t2 = b.turn(n0, "b")
        b.turn(n0, "a")
        let x0t1 = b.turn(x0, "a")
        let x0t2 = b.turn(x0, "moderator")
        let x0t3 = b.turn(x0, "b")
        let x1t1 = b.turn(x1, "b")
        b.turn(y0, "a")
        b.annotate(n0t1, by: "ann1", ["toxicity": 2])
        b.annotate(n0t1, by: "ann2", ["toxicity": 4])
        b.annotate(n0t2, by: "ann1", ["toxicity": 5])
        b.annotate(x0t1, by: "ann1", ["toxicity": 1])
        b.annotate(x0t1, by: "ann2", ["toxicity": 1])
        b.annotate(x0t2, by: "ann1", ["toxicity": 5])
        b.annotate(x0t2, by: "ann2", ["toxicity": 5])
        b.annotate(x0t3, by: "ann1", ["toxicity": 2])
        b.annotate(x0t3, by: "ann2", ["toxicity": 5], status: .refusal)
        b.annotate(x1t1, by: "ann1", ["toxicity": 3])
        b.annotate(x1t1, by: "ann2", ["toxicity": 1])
        return (b, x0t2)
    }

    static let toxicity = Rubric.default.dimensions[0]

    @Test("per-condition scores: n, ratings, mean, sd, median, histogram, nDFU, discussion means")
    func scores() throws {
        let analysis = DimensionSection.analysis(of: Self.toxicity, Self.records().0.input())
        #expect(analysis.conditions.map(\.condition) == ["none", "x", "y"])
        let none = try #require(analysis.scores("none"))
        #expect(none.n == 2 && none.ratings == 3 && none.discussions == 1)
        #expect(none.mean == 4 && none.median == 4)
        expectStatistic(none.sd, 2.0.squareRoot(), "sd none")
        #expect(none.histogram == [0, 1, 0, 1, 1])
        #expect(none.nDFUComments == 1 && none.meanNDFU == 1)
        #expect(none.discussionMeans == [4])
        #expect(none.ci?.estimate == 4)
        let x = try #require(analysis.scores("x"))
        #expect(x.n == 3 && x.ratings == 5 && x.discussions == 2)
        expectStatistic(x.mean, 5.0 / 3.0, "mean x")
        #expect(x.median == 2)
        #expect(x.histogram == [3, 1, 1, 0, 0])
        // [1, 1] is unimodal (0), [3, 1] two separated peaks (1).
        #expect(x.nDFUComments == 2 && x.meanNDFU == 0.5)
        #expect(x.discussionMeans == [1.5, 2])
        let y = try #require(analysis.scores("y"))
        #expect(y.n == 0 && y.ratings == 0 && y.discussions == 0 && y.mean == nil && y.sd == nil && y.ci == nil)
        #expect(y.histogram == [0, 0, 0, 0, 0] && y.meanNDFU == nil && y.discussionMeans.isEmpty)
    }

    @Test("tests compare only conditions with scores; Dunn's pair carries the difference of means")
    func tests() throws {
        let analysis = DimensionSection.analysis(of: Self.toxicity, Self.records().0.input())
        #expect(analysis.compared == ["none", "x"])
        let kw = try #require(analysis.kruskalWallis)
        #expect(kw.df == 1)
        #expect(analysis.anova != nil)
        #expect(analysis.dunn.count == 1)
        let pair = analysis.dunn[0]
        #expect(pair.a == "none" && pair.b == "x")
        expectStatistic(pair.difference, 4 - 5.0 / 3.0, "difference")
        // With two groups Dunn's z² is the Kruskal–Wallis H.
        expectStatistic(pair.z * pair.z, kw.h, "z²")
        #expect(analysis.discussionKruskalWallis != nil)
    }

    @Test("agreement units and mean by user turn")
    func agreementAndTurns() throws {
        let analysis = DimensionSection.analysis(of: Self.toxicity, Self.records().0.input())
        // Pairable comments: [2, 4], [1, 1], [3, 1].
        #expect(analysis.alphaUnits == 3)
        #expect(analysis.alphaInterval != nil && analysis.alphaOrdinal != nil)
        #expect(analysis.byTurn.map(\.condition) == ["none", "x"])
        let none = analysis.byTurn[0].points
        #expect(none.map(\.x) == [1, 2] && none.map(\.mean) == [3, 5] && none.map(\.n) == [1, 1])
        // x: user turn 1 scores 1 (x-0) and 2 (x-1); user turn 2 scores 2 (the moderator turn does not count).
        let x = analysis.byTurn[1].points
        #expect(x.map(\.x) == [1, 2] && x.map(\.mean) == [1.5, 2] && x.map(\.n) == [2, 1])
    }

    @Test("moderator comments enter the scores only when the options include them")
    func moderatorComments() throws {
        var options = AnalysisOptions(bootstrapResamples: 200)
        options.includeModeratorComments = true
        let analysis = DimensionSection.analysis(of: Self.toxicity, Self.records().0.input(options: options))
        let x = try #require(analysis.scores("x"))
        #expect(x.n == 4 && x.ratings == 7 && x.mean == 2.5)
        #expect(x.discussionMeans == [8.0 / 3.0, 2])
        #expect(analysis.alphaUnits == 4)
    }

    @Test("pairwise is empty with fewer than two groups; turn means skip conditions without scores")
    func helpers() {
        #expect(DimensionSection.pairwise([], []).isEmpty)
        var samples = DimensionSection.Samples()
        samples.byTurn = ["b": [2: [1, 3], 1: [4]], "c": [:]]
        let means = DimensionSection.turnMeans(samples, order: ["a", "b", "c"])
        #expect(means.map(\.condition) == ["b"])
        #expect(means[0].points.map(\.x) == [1, 2] && means[0].points.map(\.mean) == [4, 2] && means[0].points.map(\.n) == [1, 2])
    }
}

@Suite("Report sections: behaviour")
struct BehaviourSectionTests {
    /// g-0: a comments, the moderator comments, b abstains, the moderator abstains, c's call fails, a comments
    /// again (flagged); both of a's comments say the same. g-1: a, b and c comment with disjoint words.
    static func records() -> RecordBuilder {
        var b = RecordBuilder()
        let g0 = b.discussion("g", replicate: 0, users: ["a", "b", "c"], moderator: true)
        let g1 = b.discussion("g", replicate: 1, users: ["a", "b", "c"], moderator: true)
        b.discussion("none", replicate: 0, users: ["a", "b"], moderator: false)
        b.turn(g0, "a", text: "same words here")
        b.turn(g0, "moderator", text: "be nice")
        b.turn(g0, "b", .abstention)
        b.turn(g0, "moderator", .abstention)
        b.turn(g0, "c", .failed)
        b.turn(g0, "a", text: "same words here", flags: [.repetition])
        b.turn(g1, "a", text: "one")
        b.turn(g1, "b", text: "two")
        b.turn(g1, "c", text: "three")
        return b
    }

    @Test("counts, rates and lexical diversity per condition")
    func behaviour() throws {
        let behaviour = BehaviourSection.behaviour(Self.records().input())
        #expect(behaviour.map(\.condition) == ["none", "g"])
        let g = behaviour[1]
        #expect(g.moderatorTurns == 2 && g.moderatorComments == 1 && g.interventionRate == 0.5)
        #expect(g.userTurns == 6 && g.userComments == 5)
        expectStatistic(g.participationRate, 5.0 / 6.0, "participation")
        // g-0: only a of a, b, c commented (1/3); g-1: everyone (1).
        expectStatistic(g.shareWhoCommented, 2.0 / 3.0, "share who commented")
        #expect(g.abstentions == ["user": 1, "moderator": 1])
        #expect(g.failedCalls == 1)
        #expect(g.flags == ["repetition": 1])
        #expect(g.comments == 6)
        // g-0: two identical texts (0); g-1: no shared word (1).
        #expect(g.lexicalDiversity == 0.5 && g.lexicalDiscussions == 2)
        let none = behaviour[0]
        #expect(none.moderatorTurns == 0 && none.interventionRate == nil && none.userTurns == 0 && none.participationRate == nil)
        #expect(none.shareWhoCommented == 0 && none.lexicalDiversity == nil && none.lexicalDiscussions == 0)
    }

    @Test("one discussion's tally: user speakers in order, analysed texts, moderator texts only when included")
    func tally() {
        let b = Self.records()
        let turns = b.input().turns(of: "g-0")
        var counts = BehaviourSection.behaviour(of: "empty", RecordBuilder().input())
        let tally = BehaviourSection.count(turns, into: &counts, includeModeratorComments: false)
        #expect(tally.speakers == ["a", "b", "a"])
        #expect(tally.commented == [true, false, true])
        #expect(tally.texts == ["same words here", "same words here"])
        #expect(counts.moderatorTurns == 2 && counts.userTurns == 3 && counts.failedCalls == 1 && counts.comments == 3)
        var again = counts
        let withModerator = BehaviourSection.count(turns, into: &again, includeModeratorComments: true)
        #expect(withModerator.texts == ["same words here", "be nice", "same words here"])
        #expect(again.moderatorTurns == 4 && again.comments == 6)
    }
}

@Suite("Report sections: interventions")
struct InterventionSectionTests {
    static func condition(_ label: String, strategy: String) -> ConditionDesign {
        ConditionDesign(
            id: label, label: label, strategy: strategy, model: "m", replicates: 1, discussions: 1, done: 1, failed: 0, running: 0,
            turnTaking: [], userTurns: [])
    }

    static func behaviour(_ label: String, turns: Int, comments: Int) -> ConditionBehaviour {
        ConditionBehaviour(
            condition: label, moderatorTurns: turns, moderatorComments: comments, interventionRate: nil, userTurns: 0,
            userComments: 0, participationRate: nil, shareWhoCommented: nil, abstentions: [:], failedCalls: 0, flags: [:],
            comments: 0, lexicalDiversity: nil, lexicalDiscussions: 0)
    }

    @Test("turns and comments pooled over a strategy's conditions, strategies in order of appearance")
    func pooled() {
        let conditions = [
            Self.condition("none", strategy: "none"), Self.condition("guidelines/m1", strategy: "guidelines"),
            Self.condition("guidelines/m2", strategy: "guidelines"), Self.condition("rules", strategy: "rules"),
        ]
        let behaviour = [
            Self.behaviour("none", turns: 0, comments: 0), Self.behaviour("guidelines/m1", turns: 4, comments: 1),
            Self.behaviour("guidelines/m2", turns: 6, comments: 2), Self.behaviour("rules", turns: 5, comments: 5),
        ]
        let result = InterventionSection.byStrategy(conditions: conditions, behaviour: behaviour)
        #expect(result.map(\.strategy) == ["none", "guidelines", "rules"])
        #expect(result[0].moderatorTurns == 0 && result[0].rate == nil)
        #expect(result[1].moderatorTurns == 10 && result[1].moderatorComments == 3 && result[1].rate == 0.3)
        #expect(result[2].rate == 1)
        #expect(InterventionSection.byStrategy(conditions: [], behaviour: []).isEmpty)
    }
}

@Suite("Report sections: turn-taking")
struct TurnTakingSectionTests {
    @Test("pools per condition × policy × users, skips moderator turns, other policies and single users")
    func pools() throws {
        var b = RecordBuilder()
        let c0 = b.discussion("c", replicate: 0, users: ["a", "b", "c"], moderator: true)
        let c1 = b.discussion("c", replicate: 1, users: ["a", "b", "c"], moderator: false, policy: "respond(p=0.2)")
        let c2 = b.discussion("c", replicate: 2, users: ["a", "b", "c"], moderator: false, policy: "random")
        let c3 = b.discussion("c", replicate: 3, users: ["a"], moderator: false)
        let c4 = b.discussion("c", replicate: 4, users: ["a", "b", "c"], moderator: false)
        // c-0 users: a b a c b → 3 eligible triples, 1 reply back.
        for s in ["a", "moderator", "b", "a", "c", "moderator", "b"] { b.turn(c0, s) }
        // c-1: a b a b → 2 triples, 2 reply backs.
        for s in ["a", "b", "a", "b"] { b.turn(c1, s) }
        for s in ["a", "b", "a"] { b.turn(c2, s) }
        for s in ["a", "a", "a"] { b.turn(c3, s) }
        // c-4: b c b → 1 triple, 1 reply back (pooled with c-0).
        for s in ["b", "c", "b"] { b.turn(c4, s) }
        let summaries = TurnTakingSection.summaries(b.input())
        #expect(summaries.map(\.policy) == ["respond(p=0.2)", "respond(p=0.5)"])
        #expect(summaries.allSatisfy { $0.condition == "c" && $0.users == 3 })
        let low = try #require(summaries[0].check)
        #expect(summaries[0].p == 0.2 && summaries[0].discussions == 1)
        #expect(low.triples == 2 && low.replyBacks == 2 && low.observed == 1)
        expectStatistic(low.expected, 0.6, "expected p=0.2")
        let half = try #require(summaries[1].check)
        #expect(summaries[1].p == 0.5 && summaries[1].discussions == 2)
        #expect(half.triples == 4 && half.replyBacks == 2 && half.observed == 0.5 && half.expected == 0.75)
    }

    @Test("a pool without eligible triples has no check; conditions without respond(p) have no entry")
    func noCheck() {
        var b = RecordBuilder()
        let d = b.discussion("c", replicate: 0, users: ["a", "b", "c"], moderator: false)
        b.discussion("none", replicate: 0, users: ["a", "b"], moderator: false, policy: "roundRobin(randomStart=false)")
        b.turn(d, "a")
        b.turn(d, "b")
        let summaries = TurnTakingSection.summaries(b.input())
        #expect(summaries.count == 1)
        #expect(summaries[0].condition == "c" && summaries[0].discussions == 1 && summaries[0].check == nil)
    }
}

@Suite("Report sections: data quality")
struct QualitySectionTests {
    @Test("statuses, abstentions, failures, cleaning, annotation statuses, unscored comments, store totals")
    func quality() {
        var b = RecordBuilder()
        let d0 = b.discussion("g", replicate: 0, users: ["a", "b"], moderator: true)
        b.discussion("g", replicate: 1, users: ["a", "b"], moderator: true, status: .failed)
        b.discussion("g", replicate: 2, users: ["a", "b"], moderator: true, status: .running)
        let t1 = b.turn(d0, "a", cleaning: [CleaningChange(step: "speakerPrefix", removed: "a: ")])
        let t2 = b.turn(d0, "b", cleaning: [CleaningChange(step: "whitespace", removed: " ")])
        b.turn(d0, "a", cleaning: [CleaningChange(step: "whitespace", removed: " "), CleaningChange(step: "wrappingQuotes", removed: "\"\"")])
        b.turn(d0, "b", cleaning: [CleaningChange(step: "whitespace", removed: "  ")])
        b.turn(d0, "a", .abstention)
        b.turn(d0, "moderator", .abstention)
        b.turn(d0, "moderator", text: "calm down")
        b.turn(d0, "b", .failed)
        // A turn of a discussion that is not stored counts nowhere.
        b.turn("ghost", "a", .failed)
        b.annotate(t1, by: "ann1", ["toxicity": 1])
        b.annotate(t1, by: "ann2", [:], status: .refusal)
        b.annotate(t2, by: "ann1", [:], status: .unparseable)
        var summary = StoreSummary()
        summary.flags = ["truncated": 2]
        summary.promptTokens = 120
        summary.completionTokens = 45
        let q = QualitySection.quality(b.input(summary: summary))
        #expect(q.discussions == 3 && q.done == 1 && q.failed == 1 && q.running == 1)
        #expect(q.abstentions == ["user": 1, "moderator": 1])
        #expect(q.failedCalls == 1)
        // Cleaned: the speaker prefix and the wrapping quotes; the two whitespace-only changes do not count.
        #expect(q.cleanedComments == 2)
        #expect(q.annotationStatus == ["ok": 1, "refusal": 1, "unparseable": 1])
        #expect(q.annotationStatusByAnnotator == ["ann1": ["ok": 1, "unparseable": 1], "ann2": ["refusal": 1]])
        // Analysed: the four user comments (not the moderator's); only t1 has a usable annotation.
        #expect(q.analysedComments == 4 && q.unscoredComments == 3)
        #expect(q.flags == ["truncated": 2] && q.promptTokens == 120 && q.completionTokens == 45)
    }
}
