import Foundation
import SDFCore
import SDFStore
import Testing

@testable import SDFAnalysis

@Suite("Report sections: roles and models, interventions per discussion, participation per persona")
struct BreakdownTests {
    /// Two conditions; `guidelines` has a troll `t` and a moderator; the `none` discussions use model `m2`.
    static func records() -> RecordBuilder {
        var b = RecordBuilder()
        let g0 = b.discussion("guidelines", replicate: 0, users: ["a", "t"], moderator: true, trolls: ["t"])
        let g1 = b.discussion("guidelines", replicate: 1, users: ["a", "t"], moderator: true, trolls: ["t"])
        let n0 = b.discussion("none", replicate: 0, users: ["a", "b"], moderator: false)
        for i in b.discussions.indices where b.discussions[i].conditionLabel == "none" { b.discussions[i].modelName = "m2" }
        // guidelines-0: a (2), t (4), moderator, a abstains, t (5)
        let comment1 = b.turn(g0, "a")
        b.annotate(comment1, by: "ann", ["toxicity": 2])
        let comment2 = b.turn(g0, "t")
        b.annotate(comment2, by: "ann", ["toxicity": 4])
        let comment3 = b.turn(g0, "moderator")
        b.annotate(comment3, by: "ann", ["toxicity": 1])
        b.turn(g0, "a", .abstention)
        let t5 = b.turn(g0, "t")
        b.annotate(t5, by: "ann", ["toxicity": 5])
        b.annotate(t5, by: "ann2", ["toxicity": 4])
        b.turn(g0, "moderator")
        // guidelines-1: a (1), moderator abstains, t (3), failed call of a
        let comment4 = b.turn(g1, "a")
        b.annotate(comment4, by: "ann", ["toxicity": 1])
        b.turn(g1, "moderator", .abstention)
        let comment5 = b.turn(g1, "t")
        b.annotate(comment5, by: "ann", ["toxicity": 3])
        b.turn(g1, "a", .failed)
        // none-0: a (2), a (3), b abstains
        let comment6 = b.turn(n0, "a")
        b.annotate(comment6, by: "ann", ["toxicity": 2])
        let comment7 = b.turn(n0, "a")
        b.annotate(comment7, by: "ann", ["toxicity": 3])
        b.turn(n0, "b", .abstention)
        return b
    }

    @Test("scores split by role within each condition and by model, with counts, means and intervals")
    func rolesAndModels() throws {
        let input = Self.records().input()
        #expect(BreakdownSection.roles(input) == ["user", "troll"])
        #expect(BreakdownSection.models(input) == ["m", "m2"])
        let toxicity = try #require(input.rubric.first { $0.name == "toxicity" })
        let byRole = BreakdownSection.byRole(of: toxicity, input)
        #expect(byRole.map { "\($0.condition ?? "")/\($0.level)" } == ["none/user", "guidelines/user", "guidelines/troll"])
        let troll = byRole[2]
        // Troll comments 4, 4.5 (mean of 5 and 4), 3 in two discussions; four ratings.
        #expect(troll.comments == 3 && troll.ratings == 4 && troll.discussions == 2)
        #expect(abs(troll.mean! - 11.5 / 3) < 1e-12)
        let ci = try #require(troll.ci)
        #expect(ci.lower <= troll.mean! && troll.mean! <= ci.upper && ci.level == 0.95)
        #expect(byRole[1].comments == 2 && byRole[1].mean == 1.5)
        let byModel = BreakdownSection.byModel(of: toxicity, input)
        #expect(byModel.map(\.level) == ["m", "m2"] && byModel.allSatisfy { $0.condition == nil })
        #expect(byModel[0].comments == 5 && byModel[1].comments == 2 && byModel[1].mean == 2.5)
        // The discussion bootstrap of one discussion has one distinct resample: the interval is the mean itself.
        #expect(byModel[1].ci?.lower == 2.5 && byModel[1].ci?.upper == 2.5)
    }

    @Test("one role and one model: no split")
    func singleLevels() throws {
        var b = RecordBuilder()
        let d = b.discussion("none", replicate: 0, users: ["a"], moderator: false)
        let comment8 = b.turn(d, "a")
        b.annotate(comment8, by: "ann", ["toxicity": 2])
        let input = b.input()
        let toxicity = try #require(input.rubric.first { $0.name == "toxicity" })
        #expect(BreakdownSection.byRole(of: toxicity, input).isEmpty && BreakdownSection.byModel(of: toxicity, input).isEmpty)
        let html = ReportBuilder.html(ExperimentAnalysis.compute(input))
        #expect(html.contains("One role only (user): no trolls in this design, so no split by role."))
        #expect(html.contains("One generator model only (m): no split by model."))
    }

    @Test("moderator comments per discussion: counts, mean, median, min, max; unmoderated conditions absent")
    func interventions() {
        let counts = InterventionSection.perDiscussion(Self.records().input())
        #expect(counts.map(\.condition) == ["guidelines"])
        let g = counts[0]
        #expect(g.counts == [2, 0] && g.mean == 1 && g.median == 1 && g.min == 0 && g.max == 2 && g.strategy == "guidelines")
    }

    @Test("comments and abstentions per persona, Gini and top-speaker share per condition")
    func participation() {
        let rows = ParticipationSection.participation(Self.records().input())
        #expect(rows.map(\.condition) == ["none", "guidelines"])
        let none = rows[0]
        #expect(none.personas.map(\.persona) == ["a", "b"])
        #expect(none.personas[0].comments == 2 && none.personas[0].abstentions == 0 && none.personas[0].share == 1)
        #expect(none.personas[1].comments == 0 && none.personas[1].abstentions == 1 && none.personas[1].turns == 1)
        // One discussion with comments 2 and 0: Gini (n = 2) = 1/2, top share 1.
        #expect(none.meanGini == 0.5 && none.meanTopShare == 1 && none.discussions == 1)
        let g = rows[1]
        #expect(g.personas.map(\.persona) == ["t", "a"])
        let t = g.personas[0]
        #expect(t.role == "troll" && t.discussions == 2 && t.turns == 3 && t.comments == 3 && t.abstentions == 0)
        let a = g.personas[1]
        // The failed call is neither a turn nor an abstention.
        #expect(a.turns == 3 && a.comments == 2 && a.abstentions == 1 && abs(a.share! - 0.4) < 1e-12)
        // guidelines-0: a 1, t 2 → Gini 1/6, top 2/3; guidelines-1: 1, 1 → 0, 1/2.
        #expect(abs(g.meanGini! - 1.0 / 12) < 1e-12 && abs(g.meanTopShare! - 7.0 / 12) < 1e-12)
    }

    @Test("Gini: equal amounts 0, one holder (n − 1)/n, hand-computed case, undefined cases nil")
    func gini() {
        #expect(Stats.gini([3, 3, 3]) == 0)
        #expect(abs(Stats.gini([0, 0, 0, 5])! - 0.75) < 1e-15)
        // Σ|xi − xj| over ordered pairs for (1, 2, 3, 6) = 2·(1 + 2 + 5 + 1 + 4 + 3) = 32; / (2·16·3) = 1/3.
        #expect(abs(Stats.gini([6, 1, 3, 2])! - 1.0 / 3) < 1e-15)
        #expect(Stats.gini([]) == nil && Stats.gini([0, 0]) == nil && Stats.gini([1, -1]) == nil)
    }

    @Test("the count strip chart matches its golden SVG file, is well-formed and keeps its dots in the plot")
    func stripChart() throws {
        let chart = CountStripChart(
            title: "Moderator comments per discussion", xTitle: "moderator comments per discussion", unitLabel: "one discussion",
            rows: [
                .init(label: "guidelines", counts: [2, 0, 3, 2, 2, 5]), .init(label: "a & <b> \"c\"", counts: [1]),
                .init(label: "many", counts: Array(repeating: 4, count: 20) + [9]),
            ], colorIndex: [1, 2, 3])
        let svg = chart.svg()
        try Golden.check(svg, named: "chart-count-strip.svg")
        try expectInsidePlotAreas(svg, "count strip")
        try expectMonotonicTicks(svg, "count strip")
        let doc = try #require(XMLInspector.parse(svg))
        #expect(doc.all("circle", class: "point").count == 28)
        #expect(CountStripChart(title: "Empty", xTitle: "x", unitLabel: "u", rows: [.init(label: "a", counts: [])]).svg().contains("no data"))
    }

    @Test("the report shows the new sections and the JSON carries them at full precision")
    func reportSections() throws {
        let analysis = ExperimentAnalysis.compute(Self.records().input())
        let html = ReportBuilder.html(analysis)
        for needle in [
            "<section id=\"roles\">", "<h3 id=\"interventions\">Interventions per discussion</h3>", "<h3 id=\"participation\">",
            "<section id=\"power\">", "mean top-speaker share",
        ] {
            #expect(html.contains(needle), "missing \(needle)")
        }
        #expect(XMLInspector.parse(html) != nil, "the report is not well-formed")
        let json = try ReportJSON.text(analysis)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let a = try #require(object["analysis"] as? [String: Any])
        #expect((a["roles"] as? [String]) == ["user", "troll"])
        let counts = try #require(a["interventionsPerDiscussion"] as? [[String: Any]])
        #expect((counts.first?["counts"] as? [Any])?.compactMap { ($0 as? NSNumber)?.intValue } == [2, 0])
        let dims = try #require(a["dimensions"] as? [[String: Any]])
        let roles = try #require(dims.first { ($0["dimension"] as? [String: Any])?["name"] as? String == "toxicity" }?["byRole"] as? [[String: Any]])
        #expect(roles.last?["mean"].flatMap { ($0 as? NSNumber)?.doubleValue } == 11.5 / 3)
        #expect(a["power"] != nil)
    }
}
