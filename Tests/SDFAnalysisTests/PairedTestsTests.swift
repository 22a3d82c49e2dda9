import Foundation
import SDFCore
import SDFStore
import Testing

@testable import SDFAnalysis

/// The paired analysis of branched designs: Wilcoxon signed-rank, paired t-test, CI and variance removed, against
/// SciPy 1.17.1 (`scripts/reference-paired.py`, values pasted below), and the report section built from records.
@Suite("Paired tests (branching)")
struct PairedTestsTests {
    struct Case {
        var a: [Double]
        var b: [Double]
        var method: Stats.WilcoxonResult.Method
        var w: Double, wP: Double, t: Double, tP: Double, df: Int, mean: Double, lo: Double, hi: Double
        var r: Double, removed: Double, unpaired: Double, paired: Double
    }

    static let cases: [String: Case] = [
        "exact": Case(
            a: [3.1, 2.4, 4.0, 3.3, 2.9, 3.8, 2.2, 3.5], b: [2.7, 2.6, 3.1, 2.5, 3.0, 2.75, 1.6, 2.0], method: .exact,
            w: 3.0, wP: 0.0390625, t: 3.0467204909930237, tP: 0.018669263042027647, df: 7, mean: 0.6187499999999999,
            lo: 0.13852503023384982, hi: 1.09897496976615, r: 0.5107057051100534, removed: 0.49731347344079435,
            unpaired: 0.08204799107142856, paired: 0.04124441964285714),
        "permutation": Case(
            a: [2.0, 3.0, 2.5, 4.0, 3.5, 3.0, 2.0, 4.5, 3.0, 2.5], b: [1.5, 3.0, 2.0, 3.0, 4.0, 2.5, 1.0, 3.5, 2.5, 3.0],
            method: .permutation, w: 7.0, wP: 0.0859375, t: 2.2283440581246223, tP: 0.052839446517070496, df: 9, mean: 0.4,
            lo: -0.006069638043604275, hi: 0.8060696380436043, r: 0.7878940455588089, removed: 0.7835820895522388,
            unpaired: 0.1488888888888889, paired: 0.03222222222222222),
        "approx": Case(
            a: [3, 2, 4, 3, 5, 2, 3, 4, 4, 3, 2, 5, 3, 4, 2, 3, 4, 5, 3, 2], b: [2, 2, 3, 2, 3, 3, 2, 3, 4, 2, 1, 3, 3, 2, 2, 2, 3, 4, 1, 2],
            method: .approx, w: 6.0, wP: 0.0012821837418053018, t: 4.67723144861406, tP: 0.00016414645607290763, df: 19, mean: 0.85,
            lo: 0.4696317274882281, hi: 1.2303682725117717, r: 0.6368346068245706, removed: 0.6214177978883861,
            unpaired: 0.08723684210526317, paired: 0.03302631578947369),
    ]

    @Test("Wilcoxon (exact, permutation, normal approximation), paired t, CI, r and variance removed match SciPy", arguments: ["exact", "permutation", "approx"])
    func scipy(_ name: String) throws {
        let c = try #require(Self.cases[name])
        let result = try #require(Stats.pairedComparison(c.a, c.b))
        let w = try #require(result.wilcoxon)
        #expect(w.method == c.method, "\(name): method \(w.method)")
        expectStatistic(w.statistic, c.w, "\(name) W")
        expectPValue(w.p, c.wP, "\(name) Wilcoxon p")
        expectStatistic(result.t, c.t, "\(name) t")
        expectPValue(result.tP, c.tP, "\(name) t p")
        #expect(result.df == c.df)
        expectStatistic(result.meanDifference, c.mean, "\(name) mean d")
        expectStatistic(result.ciLow, c.lo, "\(name) CI low")
        expectStatistic(result.ciHigh, c.hi, "\(name) CI high")
        expectStatistic(result.correlation, c.r, "\(name) r")
        expectStatistic(result.varianceRemoved, c.removed, "\(name) variance removed")
        expectStatistic(result.unpairedVariance, c.unpaired, "\(name) unpaired variance")
        expectStatistic(result.pairedVariance, c.paired, "\(name) paired variance")
    }

    @Test("zeros are dropped, all-zero differences give no Wilcoxon test, unequal lengths and NaN are refused")
    func edges() throws {
        let w = try #require(Stats.wilcoxonSignedRank([0, 1, -2, 3]))
        #expect(w.n == 3 && w.zeros == 1 && w.method == .permutation)
        #expect(Stats.wilcoxonSignedRank([0, 0]) == nil)
        #expect(Stats.pairedComparison([1, 2], [1]) == nil)
        #expect(Stats.pairedComparison([1, .nan], [1, 2]) == nil)
        let constant = try #require(Stats.pairedComparison([2, 3, 4], [1, 2, 3]))
        #expect(constant.t == nil && constant.ciLow == nil && constant.meanDifference == 1)
        // Identical samples: pairing removes all of the variance.
        let same = try #require(Stats.pairedComparison([1, 2, 4, 3], [1.5, 2.5, 4.5, 3.5]))
        expectStatistic(same.varianceRemoved, 1, "variance removed, constant shift")
    }

    /// A trunk (`none`) and a branch (`guidelines/branch_turn=2`) in three replicates: the first two user turns are
    /// shared (copied, same scores), the comments after turn 2 differ.
    static func input() -> AnalysisInput {
        var b = RecordBuilder()
        var links: [String: BranchLink] = [:]
        let afterTrunk = [[2, 3], [3, 3], [1, 2]]
        let afterBranch = [[1, 1], [2, 1], [1, 1]]
        for r in 0..<3 {
            let trunk = b.discussion("none", replicate: r, users: ["a", "b"], moderator: false)
            let branch = b.discussion("guidelines/branch_turn=2", strategy: "guidelines", replicate: r, users: ["a", "b"], moderator: true)
            links[branch] = BranchLink(discussionId: branch, branchedFromDiscussion: trunk, branchTurn: 2)
            func comment(_ d: String, _ speaker: String, _ value: Int) {
                let id = b.turn(d, speaker)
                b.annotate(id, by: "ann", ["toxicity": value])
            }
            for d in [trunk, branch] {
                comment(d, "a", 4)
                comment(d, "b", 5)
            }
            comment(trunk, "a", afterTrunk[r][0])
            comment(trunk, "b", afterTrunk[r][1])
            b.turn(branch, "moderator")
            comment(branch, "a", afterBranch[r][0])
            comment(branch, "b", afterBranch[r][1])
        }
        return AnalysisInput(
            experiment: "branched", storePath: ":memory:", discussions: b.discussions, participants: b.participants, turns: b.turns,
            annotations: b.annotations, annotators: Dictionary(b.annotators.map { ($0.username, $0) }, uniquingKeysWith: { a, _ in a }),
            options: AnalysisOptions(bootstrapResamples: 200), branchLinks: links)
    }

    @Test("per replicate, only comments after the branch point count; differences are branch − trunk")
    func section() throws {
        let rows = try #require(PairedSection.analysis(Self.input()))
        let toxicity = try #require(rows.first { $0.dimension == "toxicity" })
        #expect(toxicity.trunk == "none" && toxicity.branched == "guidelines/branch_turn=2" && toxicity.branchTurn == 2)
        #expect(toxicity.replicates.map(\.trunk) == [2.5, 3, 1.5])
        #expect(toxicity.replicates.map(\.branched) == [1, 1.5, 1])
        let c = try #require(toxicity.comparison)
        expectStatistic(c.meanDifference, -(1.5 + 1.5 + 0.5) / 3, "mean difference")
        var plain = Self.input()
        plain.branchLinks = [:]
        #expect(PairedSection.analysis(plain) == nil)
    }

    @Test("the HTML table and the JSON entries match their golden files; absent without branching")
    func golden() async throws {
        let store = try await ScriptedStore.make()
        var analysis = try await ScriptedStore.normalisedAnalysis(store)
        #expect(analysis.paired == nil)
        #expect(!ReportBuilder.html(analysis).contains("id=\"paired\""))
        #expect(!(try ReportJSON.text(analysis)).contains("\"paired\""))
        analysis.paired = try #require(PairedSection.analysis(Self.input())).filter { $0.dimension == "toxicity" }
        let html = ReportBuilder.html(analysis)
        let start = try #require(html.range(of: "<h3 id=\"paired\">"))
        let end = try #require(html.range(of: "</table>", range: start.upperBound..<html.endIndex))
        try Golden.check(String(html[start.lowerBound..<end.upperBound]) + "\n", named: "paired-section.html")
        let json = try ReportJSON.text(analysis)
        let key = try #require(json.range(of: "\"paired\""))
        let close = try #require(json.range(of: "\n    ]", range: key.upperBound..<json.endIndex))
        try Golden.check(String(json[key.lowerBound..<close.upperBound]) + "\n", named: "paired.json")
        #expect(analysis.summarySentences().contains { $0.hasPrefix("Branched at user turn 2, ") })
    }
}
