import Foundation
import SDFCore
import SDFStore
import Testing

@testable import SDFAnalysis

/// A hand-built store whose every figure is known: two conditions (none, guidelines) × two discussions, three
/// users, a moderator in guidelines, two annotators, and non-ok annotations that must be ignored.
///
/// Toxicity per analysed comment (mean of the ok ratings): none [4.5, 3, 5, 3, 4, 5], guidelines
/// [1.5, 2, 1, 2, 2.5]. Reference values below come from SciPy / statistics / krippendorff / scikit-posthocs.
enum HandStore {
    static func records() -> RecordBuilder {
        var b = RecordBuilder()
        b.runs = [
            RunManifest(
                id: "run-1", experiment: "hand", specHash: "spec", designHash: "design", specText: "", toolVersion: "9.9.9",
                models: ["m": "model-id @ scripted"], host: "h", startedAt: RecordBuilder.epoch,
                finishedAt: RecordBuilder.epoch.addingTimeInterval(125), status: .done)
        ]
        let users = ["alice", "bob", "carol"]
        let n0 = b.discussion("none", replicate: 0, users: users, moderator: false)
        let n1 = b.discussion("none", replicate: 1, users: users, moderator: false, status: .failed)
        let g0 = b.discussion("guidelines", replicate: 0, users: users, moderator: true)
        let g1 = b.discussion("guidelines", replicate: 1, users: users, moderator: true)

        let n0t1 = b.turn(n0, "alice", text: "Cars pollute the centre badly.", cleaning: [CleaningChange(step: "whitespace", removed: " ")])
        let n0t2 = b.turn(n0, "bob", text: "Buses are cheaper for everyone.", cleaning: [CleaningChange(step: "speakerPrefix", removed: "bob: ")])
        b.turn(n0, "alice", .abstention)
        let n0t4 = b.turn(n0, "carol", text: "Buses are cheaper for everyone.", flags: [.repetition])
        let n0t5 = b.turn(n0, "bob", text: "Trams would be even better.")
        let n1t1 = b.turn(n1, "bob", text: "Walking is healthy.")
        let n1t2 = b.turn(n1, "carol", text: "Not in winter it is not.")
        let n1t3 = b.turn(n1, "bob", text: "Winter is short here.")
        b.turn(n1, "alice", .failed)
        let g0t1 = b.turn(g0, "alice", text: "Homework wastes evenings.")
        let g0t2 = b.turn(g0, "moderator", text: "Please keep it civil.")
        let g0t3 = b.turn(g0, "bob", text: "Practice matters though.")
        b.turn(g0, "moderator", .abstention)
        let g0t5 = b.turn(g0, "alice", text: "Practice can happen in class.")
        let g0t6 = b.turn(g0, "moderator", text: "Good points on both sides.")
        let g1t1 = b.turn(g1, "carol", text: "Teachers need homework to assess.")
        let g1t2 = b.turn(g1, "moderator", text: "Thanks for sharing.")
        b.turn(g1, "alice", .abstention)
        let g1t4 = b.turn(g1, "moderator", text: "Anyone else?")
        let g1t5 = b.turn(g1, "bob", text: "Tests can assess instead", flags: [.truncated])
        b.turn(g1, "moderator", .abstention)

        func rate(_ c: String, _ t1: Int?, _ t2: Int?) {
            if let t1 { b.annotate(c, by: "ann1", ["toxicity": t1, "argument_quality": 3]) }
            if let t2 { b.annotate(c, by: "ann2", ["toxicity": t2, "argument_quality": 4]) }
        }
        rate(n0t1, 4, 5)
        rate(n0t2, 3, 3)
        rate(n0t4, 5, nil)
        b.annotate(n0t4, by: "ann2", [:], status: .refusal)
        b.annotate(n0t5, by: "ann1", [:], status: .unparseable)
        b.annotate(n0t5, by: "ann2", [:], status: .unparseable)
        rate(n1t1, 2, 4)
        rate(n1t2, 4, 4)
        // A non-ok job that still carries values: they must never count.
        b.annotate(n1t3, by: "ann1", ["toxicity": 1, "argument_quality": 1], status: .outOfRange)
        rate(n1t3, nil, 5)
        rate(g0t1, 1, 2)
        rate(g0t3, 2, 2)
        rate(g0t5, 1, 1)
        rate(g1t1, 3, 1)
        rate(g1t5, 2, 3)
        for m in [g0t2, g0t6, g1t2, g1t4] { rate(m, 1, 1) }
        return b
    }
}

@Suite("Analysis model from a store")
struct AnalysisModelTests {
    static let options = AnalysisOptions(bootstrapResamples: 2000)

    func analysis(_ options: AnalysisOptions = AnalysisModelTests.options) async throws -> ExperimentAnalysis {
        try await ExperimentAnalysis.build(store: try await HandStore.records().store(), options: options)
    }

    @Test("design: conditions with the baseline first, replicates, statuses, policies")
    func design() async throws {
        let a = try await analysis()
        #expect(a.experiment == "hand")
        #expect(a.conditionLabels == ["none", "guidelines"])
        let none = try #require(a.conditions.first)
        #expect(none.replicates == 2 && none.discussions == 2 && none.done == 1 && none.failed == 1 && none.running == 0)
        #expect(none.turnTaking == ["respond(p=0.5)"])
        #expect(a.rubric.map(\.name) == ["toxicity", "argument_quality"])
        #expect(a.annotators == ["ann1", "ann2"])
        #expect(a.runs.map(\.id) == ["run-1"])
    }

    @Test("descriptive statistics per condition use only ok annotations, comment means, no moderator comments")
    func descriptives() async throws {
        let a = try await analysis()
        let toxicity = try #require(a.dimensions.first { $0.dimension.name == "toxicity" })
        let none = try #require(toxicity.scores("none"))
        let guidelines = try #require(toxicity.scores("guidelines"))
        #expect(none.n == 6 && guidelines.n == 5)
        #expect(none.discussions == 2 && guidelines.discussions == 2)
        #expect(none.ratings == 10 && guidelines.ratings == 10)
        expectStatistic(none.mean, 4.083333333333333, "mean none")
        expectStatistic(guidelines.mean, 1.8, "mean guidelines")
        expectStatistic(none.sd, 0.917423929634859, "sd none")
        expectStatistic(guidelines.sd, 0.570087712549569, "sd guidelines")
        #expect(none.median == 4.25 && guidelines.median == 2)
        #expect(none.histogram == [0, 1, 2, 4, 3])
        #expect(guidelines.histogram == [4, 4, 2, 0, 0])
        let ci = try #require(none.ci)
        #expect(ci.lower <= ci.estimate && ci.estimate <= ci.upper && ci.lower >= 3 && ci.upper <= 5 && ci.level == 0.95)
        #expect(ci.estimate == none.mean)
        // nDFU: none has [4,5] [3,3] [2,4] [4,4] → 0, 0, 1, 0; guidelines [1,2] [2,2] [1,1] [3,1] [2,3] → one 1.
        #expect(none.nDFUComments == 4 && none.meanNDFU == 0.25)
        #expect(guidelines.nDFUComments == 5 && guidelines.meanNDFU == 0.2)
        let quality = try #require(a.dimensions.first { $0.dimension.name == "argument_quality" })
        let expectedQuality: Double = (3.5 * 4 + 3 + 4) / 6
        #expect(quality.scores("none")?.mean == expectedQuality)
        #expect(quality.scores("guidelines")?.mean == 3.5)
    }

    @Test("bootstrap intervals are seeded: equal options give equal intervals, another seed another one")
    func seededBootstrap() async throws {
        let a = try await analysis()
        let b = try await analysis()
        #expect(a.dimensions[0].conditions[0].ci == b.dimensions[0].conditions[0].ci)
        // With two discussions per condition the discussion bootstrap has only three distinct resample means, so
        // its percentiles rarely move with the seed: the seed is checked on the comment bootstrap.
        var comments = Self.options
        comments.bootstrapUnit = .comment
        let d = try await analysis(comments)
        var other = comments
        other.bootstrapSeed = 1
        let c = try await analysis(other)
        #expect(d.dimensions[0].conditions[0].ci != c.dimensions[0].conditions[0].ci)
        #expect(a.dimensions[0].conditions[0].ci != d.dimensions[0].conditions[0].ci)
    }

    @Test("tests across conditions: Kruskal–Wallis, ANOVA, Dunn–Holm, discussion level (SciPy references)")
    func tests() async throws {
        let a = try await analysis()
        let toxicity = a.dimensions[0]
        #expect(toxicity.compared == ["none", "guidelines"])
        let kw = try #require(toxicity.kruskalWallis)
        expectStatistic(kw.h, 7.603686635944701, "H")
        expectPValue(kw.p, 0.005824907738876358, "KW p")
        #expect(kw.df == 1)
        let anova = try #require(toxicity.anova)
        expectStatistic(anova.f, 23.232155136844987, "F")
        expectPValue(anova.p, 0.0009470113861871997, "ANOVA p")
        #expect(toxicity.dunn.count == 1)
        let pair = toxicity.dunn[0]
        #expect(pair.a == "none" && pair.b == "guidelines")
        expectStatistic(pair.difference, 4.083333333333333 - 1.8, "difference")
        #expect(pair.z > 0)
        // With two groups Dunn's z² equals the Kruskal–Wallis H, and Holm over one pair changes nothing.
        expectPValue(pair.pHolm, 0.005824907738876358, "Dunn-Holm p")
        let dkw = try #require(toxicity.discussionKruskalWallis)
        expectStatistic(dkw.h, 2.4, "discussion-level H")
        expectPValue(dkw.p, 0.12133525035848367, "discussion-level p")
        // Argument quality: identical ranks → H = 0, p = 1.
        let aq = a.dimensions[1]
        #expect(aq.kruskalWallis?.h == 0 && aq.kruskalWallis?.p == 1)
    }

    @Test("Krippendorff's α over comments × annotators, ok values only (krippendorff 0.9 reference)")
    func agreement() async throws {
        let a = try await analysis()
        let toxicity = a.dimensions[0]
        expectStatistic(toxicity.alphaInterval, 0.6046511627906976, "α interval")
        expectStatistic(toxicity.alphaOrdinal, 0.5889251601982831, "α ordinal")
        #expect(toxicity.alphaUnits == 9)
    }

    @Test("behaviour: intervention, participation, abstentions, flags, failed calls, lexical diversity")
    func behaviour() async throws {
        let a = try await analysis()
        let none = try #require(a.behaviour.first { $0.condition == "none" })
        let guidelines = try #require(a.behaviour.first { $0.condition == "guidelines" })
        #expect(none.moderatorTurns == 0 && none.interventionRate == nil)
        #expect(guidelines.moderatorTurns == 6 && guidelines.moderatorComments == 4)
        #expect(guidelines.interventionRate == 4.0 / 6.0)
        #expect(none.userTurns == 8 && none.userComments == 7 && none.participationRate == 7.0 / 8.0)
        #expect(guidelines.userTurns == 6 && guidelines.userComments == 5)
        // none-0: everyone commented; none-1: alice only failed → 2 of 3. guidelines: 2 of 3 in both.
        expectStatistic(none.shareWhoCommented, 5.0 / 6.0, "share none")
        expectStatistic(guidelines.shareWhoCommented, 2.0 / 3.0, "share guidelines")
        #expect(none.abstentions == ["user": 1])
        #expect(guidelines.abstentions == ["user": 1, "moderator": 2])
        #expect(none.failedCalls == 1 && guidelines.failedCalls == 0)
        #expect(none.flags == ["repetition": 1] && guidelines.flags == ["truncated": 1])
        #expect(none.comments == 7 && guidelines.comments == 9)
        let n0 = Stats.lexicalDiversity([
            "Cars pollute the centre badly.", "Buses are cheaper for everyone.", "Buses are cheaper for everyone.",
            "Trams would be even better.",
        ])!
        let n1 = Stats.lexicalDiversity(["Walking is healthy.", "Not in winter it is not.", "Winter is short here."])!
        expectStatistic(none.lexicalDiversity, (n0 + n1) / 2, "lexical diversity none")
        #expect(none.lexicalDiscussions == 2)
        #expect(a.interventionByStrategy.map(\.strategy) == ["none", "guidelines"])
        #expect(a.interventionByStrategy[1].rate == 4.0 / 6.0 && a.interventionByStrategy[0].rate == nil)
    }

    @Test("mean by user turn lines conditions up whether or not moderator turns sit in between")
    func byTurn() async throws {
        let a = try await analysis()
        let toxicity = a.dimensions[0]
        let none = try #require(toxicity.byTurn.first { $0.condition == "none" })
        #expect(none.points.map(\.x) == [1, 2, 3, 4])
        #expect(none.points.map(\.mean) == [3.75, 3.5, 5, 5])
        #expect(none.points.map(\.n) == [2, 2, 1, 1])
        let guidelines = try #require(toxicity.byTurn.first { $0.condition == "guidelines" })
        #expect(guidelines.points.map(\.x) == [1, 2, 3])
        #expect(guidelines.points.map(\.mean) == [1.75, 2, 1.75])
    }

    @Test("turn-taking check pools triples per condition and never across discussions")
    func turnTaking() async throws {
        let a = try await analysis()
        #expect(a.turnTaking.map(\.condition) == ["none", "guidelines"])
        let none = try #require(a.turnTaking.first?.check)
        // none-0: alice bob alice carol bob → 3 triples, 1 A-B-A; none-1: bob carol bob alice → 2, 1.
        #expect(none.triples == 5 && none.replyBacks == 2)
        #expect(none.observed == 0.4 && none.expected == 0.75)
        let direct = try #require(Stats.turnTakingCheck(speakers: [0, 1, 0, 2, 1, 2, 0], p: 0.5, users: 3))
        #expect(direct.triples == 5 && direct.replyBacks == 2)
        #expect(none.z == direct.z && none.p == direct.p)
        let guidelines = try #require(a.turnTaking.last?.check)
        #expect(guidelines.triples == 2 && guidelines.replyBacks == 1)
        #expect(a.turnTaking.allSatisfy { $0.users == 3 && $0.p == 0.5 && $0.discussions == 2 })
        #expect(RecordedTurnTaking(label: "respond(p=0.4)")?.respondProbability == 0.4)
        #expect(RecordedTurnTaking(label: "random")?.respondProbability == nil)
        #expect(RecordedTurnTaking(label: "roundRobin(randomStart=false)")?.respondProbability == nil)
    }

    @Test("the pooled turn-taking check equals Stats.turnTakingCheck on any real sequence with the same counts")
    func pooledCheck() {
        var random = TestRandom(seed: 3)
        for _ in 0..<300 {
            let users = random.int(3...6)
            var speakers = [random.int(0...(users - 1))]
            for _ in 0..<random.int(2...40) {
                var next = random.int(0...(users - 1))
                while next == speakers.last! { next = random.int(0...(users - 1)) }
                speakers.append(next)
            }
            let p = random.unit()
            guard let direct = Stats.turnTakingCheck(speakers: speakers, p: p, users: users) else { continue }
            let pooled = ExperimentAnalysis.pooledTurnTakingCheck(triples: direct.triples, replyBacks: direct.replyBacks, p: p, users: users)
            #expect(pooled == direct, "\(speakers)")
        }
        #expect(ExperimentAnalysis.pooledTurnTakingCheck(triples: 0, replyBacks: 0, p: 0.4, users: 3) == nil)
        #expect(ExperimentAnalysis.pooledTurnTakingCheck(triples: 2, replyBacks: 3, p: 0.4, users: 3) == nil)
    }

    @Test("data quality: statuses, failures, abstentions, flags, cleaning, unscored comments")
    func quality() async throws {
        let q = try await analysis().quality
        #expect(q.discussions == 4 && q.done == 3 && q.failed == 1 && q.running == 0)
        #expect(q.annotationStatus == ["ok": 28, "refusal": 1, "outOfRange": 1, "unparseable": 2])
        #expect(q.annotationStatusByAnnotator["ann1"] == ["ok": 14, "outOfRange": 1, "unparseable": 1])
        #expect(q.failedCalls == 1)
        #expect(q.abstentions == ["user": 2, "moderator": 2])
        #expect(q.flags == ["repetition": 1, "truncated": 1])
        #expect(q.cleanedComments == 1)
        #expect(q.analysedComments == 12 && q.unscoredComments == 1)
    }

    @Test("moderator comments join the comparison only when asked")
    func includeModerator() async throws {
        var options = Self.options
        options.includeModeratorComments = true
        let a = try await analysis(options)
        let guidelines = try #require(a.dimensions[0].scores("guidelines"))
        #expect(guidelines.n == 9)
        let expectedMean: Double = (9.0 + 4) / 9
        #expect(guidelines.mean == expectedMean)
        #expect(a.quality.analysedComments == 16)
    }

    @Test("an empty store and a store without annotations give an analysis without scores")
    func emptyStores() async throws {
        let empty = try await ExperimentAnalysis.build(store: try Store.inMemory(), options: Self.options)
        #expect(empty.conditions.isEmpty && empty.dimensions.isEmpty && empty.quality.discussions == 0)
        #expect(empty.experiment == ":memory:")
        var b = HandStore.records()
        b.annotations = []
        b.annotators = []
        let unannotated = try await ExperimentAnalysis.build(store: try await b.store(), options: Self.options)
        #expect(unannotated.dimensions.isEmpty)
        #expect(unannotated.behaviour.count == 2 && unannotated.quality.unscoredComments == 12)
    }
}

@Suite("Plain-language summary")
struct SummaryTests {
    func summary(_ builder: RecordBuilder, options: AnalysisOptions = AnalysisOptions(bootstrapResamples: 500)) async throws -> [String] {
        try await ExperimentAnalysis.build(store: try await builder.store(), options: options).summarySentences()
    }

    @Test("a significant difference names the test, the lower condition and the Holm p, with small-n caveats")
    func significant() async throws {
        let text = try await summary(HandStore.records()).joined(separator: "\n")
        #expect(text.contains("Toxicity (higher = more toxic) differs between conditions (Kruskal–Wallis H = 7.60, df = 1, p = .006; N = 11 comments)."))
        #expect(text.contains(" Pairwise: guidelines is lower than none (mean 1.80 vs 4.08; Dunn–Holm p = .006)."))
        #expect(text.contains("On discussion means (N = 4 discussions) the same test gives p = .121."))
        #expect(text.contains("With only 2 discussions in the smallest condition, the discussion-level test has almost no power."))
        #expect(text.contains("Caution: n is small (guidelines has only 5 scored comments), so the size of the difference is uncertain."))
        #expect(text.contains("No significant difference in argument quality (higher = better argument) between conditions (Kruskal–Wallis H = 0.00, df = 1, p > .999"))
        #expect(text.contains("(guidelines has only 5 scored comments), so this test can easily miss a real difference."))
        #expect(!text.contains("No difference"))
        #expect(text.contains("Moderator intervention rate (comments ÷ turns): guidelines 67% (4 of 6)."))
        #expect(text.contains("4 of 32 annotation jobs were unusable (outOfRange 1, refusal 1, unparseable 2) and are excluded from the scores"))
        #expect(text.contains("1 failed call"))
    }

    @Test("with enough data and no effect the summary says 'no significant difference' and no caveat")
    func notSignificant() async throws {
        var b = RecordBuilder()
        var random = TestRandom(seed: 11)
        for condition in ["none", "guidelines"] {
            for r in 0..<6 {
                let d = b.discussion(condition, replicate: r, users: ["a", "b", "c"], moderator: false)
                for i in 0..<6 {
                    let t = b.turn(d, ["a", "b", "c"][i % 3])
                    b.annotate(t, by: "x", ["toxicity": random.int(1...5), "argument_quality": 3])
                }
            }
        }
        let sentences = try await summary(b)
        let toxicity = try #require(sentences.first { $0.contains("toxicity") })
        #expect(toxicity.hasPrefix("No significant difference in toxicity (higher = more toxic) between conditions (Kruskal–Wallis H = "))
        #expect(!toxicity.contains("Caution") && !toxicity.contains("almost no power"))
        #expect(sentences.contains { $0.hasPrefix("Argument quality cannot be tested: every scored comment has the same score") })
    }

    @Test("no discussions, no annotations, a single condition: the summary says so")
    func degenerate() async throws {
        #expect(try await summary(RecordBuilder()) == ["The store holds no discussions yet: run the experiment first (sdf run EXPERIMENT.yaml)."])
        var b = HandStore.records()
        b.annotations = []
        b.annotators = []
        let unannotated = try await summary(b)
        #expect(unannotated.first?.hasPrefix("The comments have not been annotated yet") == true)
        var single = RecordBuilder()
        let d = single.discussion("none", replicate: 0, users: ["a", "b"], moderator: false)
        single.annotate(single.turn(d, "a"), by: "x", ["toxicity": 2, "argument_quality": 3])
        #expect(try await summary(single).contains("Toxicity cannot be compared: only none has scores (n = 1)."))
    }

    @Test("p-values and numbers are formatted APA-style")
    func formats() {
        #expect(ReportFormat.p(0.0004) == "p < .001")
        #expect(ReportFormat.p(0.012345) == "p = .012")
        #expect(ReportFormat.p(0.05) == "p = .050")
        #expect(ReportFormat.p(1) == "p > .999")
        #expect(ReportFormat.number(nil) == "—" && ReportFormat.number(2.345) == "2.35")
        #expect(ReportFormat.percent(0.666) == "67%")
        #expect(ReportFormat.duration(125) == "2 min 05 s" && ReportFormat.duration(7300) == "2 h 01 min")
        #expect(ReportFormat.date(Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00Z")
    }
}
