import Foundation
import SDFCore
import SDFStore
import Testing

@testable import SDFAnalysis

@Suite("Regressions of a factor design with several models")
struct FactorModelTests {
    /// none/guidelines × models m, m2 × trolls none/some, two discussions each, three user comments rated by two
    /// annotators at x − 1 and x + 1, where x = 3 + (trolls=some: +1) + (guidelines: −1) + (m2: +1).
    static func records() -> RecordBuilder {
        var b = RecordBuilder()
        for strategy in ["none", "guidelines"] {
            for model in ["m", "m2"] {
                for trolls in ["none", "some"] {
                    let label = "\(strategy)/\(model)/trolls=\(trolls)"
                    for replicate in 0..<2 {
                        let d = b.discussion(label, strategy: strategy, replicate: replicate, users: ["a", "b", "c"], moderator: false)
                        let i = b.discussions.firstIndex { $0.id == d }!
                        b.discussions[i].modelName = model
                        b.discussions[i].factorLevels = [FactorLevel(factor: "trolls", level: trolls)]
                        let x = 3 + (trolls == "some" ? 1 : 0) + (strategy == "guidelines" ? -1 : 0) + (model == "m2" ? 1 : 0)
                        for user in ["a", "b", "c"] {
                            let comment = b.turn(d, user)
                            b.annotate(comment, by: "ann", ["toxicity": x - 1])
                            b.annotate(comment, by: "ann2", ["toxicity": x + 1])
                        }
                    }
                }
            }
        }
        return b
    }

    @Test("conditions that differ in a factor level are separate levels beside the model's main effect, never pooled")
    func levelsKeepFactors() throws {
        let input = Self.records().input()
        let toxicity = try #require(input.rubric.first { $0.name == "toxicity" })
        let table = try #require(ModelSection.regression(of: toxicity, input))
        #expect(table.terms.factor == "condition without model")
        #expect(Set(table.terms.levels) == ["none/trolls=none", "none/trolls=some", "guidelines/trolls=none", "guidelines/trolls=some"])
        #expect(table.terms.models == ["m", "m2"])
        func estimate(_ level: String) -> Double? {
            table.coefficients.first { $0.term.contains("[T.\(level)]") && !$0.term.contains("turn") }?.estimate
        }
        let reference = table.terms.reference
        let truth: [String: Double] = ["none/trolls=none": 0, "none/trolls=some": 1, "guidelines/trolls=none": -1, "guidelines/trolls=some": 0]
        for level in table.terms.levels where level != reference {
            let want = truth[level]! - truth[reference]!
            #expect(abs((estimate(level) ?? .nan) - want) < 1e-9, "\(level): \(estimate(level) ?? .nan) vs \(want)")
        }
        let model = table.coefficients.first { $0.term.contains("m2") }
        #expect(abs((model?.estimate ?? .nan) - 1) < 1e-9, "\(table.coefficients.map(\.term))")
        // The mixed model uses the same levels.
        #expect(try #require(ModelSection.mixedModel(of: toxicity, input)).terms.levels == table.terms.levels)
    }

    @Test("scores by factor level pool every condition at the level: the factor's marginal means, with counts and the difference")
    func factorLevelScores() throws {
        let input = Self.records().input()
        #expect(BreakdownSection.factors(input).map(\.factor) == ["trolls"])
        let toxicity = try #require(input.rubric.first { $0.name == "toxicity" })
        let rows = BreakdownSection.byFactorLevel(of: toxicity, input)
        #expect(rows.map { "\($0.factor ?? "")=\($0.level)" } == ["trolls=none", "trolls=some"])
        // Each comment scores x (the mean of x − 1 and x + 1); pooled over strategies (0, −1) and models (0, +1),
        // trolls=none averages 3 and trolls=some 4, each over 2 × 2 × 2 discussions of 3 comments rated twice.
        #expect(rows.allSatisfy { $0.comments == 24 && $0.ratings == 48 && $0.discussions == 8 && $0.condition == nil })
        #expect(abs(rows[0].mean! - 3) < 1e-12 && abs(rows[1].mean! - 4) < 1e-12)
        let ci = try #require(rows[1].ci)
        #expect(ci.lower <= 4 && 4 <= ci.upper)
        let html = ReportBuilder.html(ExperimentAnalysis.compute(input))
        #expect(html.contains("By factor level"))
        #expect(html.contains("difference to first level"))
        #expect(html.contains("+1.00"))
    }

    @Test("a factor whose every condition sits at one level, and a design without factors, get no factor rows")
    func noFactorRows() throws {
        var b = Self.records()
        for i in b.discussions.indices { b.discussions[i].factorLevels = [FactorLevel(factor: "trolls", level: "none")] }
        let one = b.input()
        let toxicity = try #require(one.rubric.first { $0.name == "toxicity" })
        #expect(BreakdownSection.byFactorLevel(of: toxicity, one).isEmpty)
        for i in b.discussions.indices { b.discussions[i].factorLevels = [] }
        #expect(BreakdownSection.byFactorLevel(of: toxicity, b.input()).isEmpty)
        #expect(!ReportBuilder.html(ExperimentAnalysis.compute(b.input())).contains("By factor level"))
    }
}
