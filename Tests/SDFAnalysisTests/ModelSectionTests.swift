import Foundation
import SDFCore
import Testing

@testable import SDFAnalysis

@Suite("Model section")
struct ModelSectionTests {
    static let toxicity = Rubric.default.dimensions[0]

    @Test("OLS rows are the ok ratings of non-moderator comments with their thread position; reference none")
    func regressionRows() throws {
        let (b, _) = DimensionSectionTests.records()
        let input = AnalysisInput(discussions: b.discussions, participants: b.participants, turns: b.turns, annotations: b.annotations)
        let table = try #require(ModelSection.regression(of: Self.toxicity, input))
        // none: t1 [2, 4], t2 [5]; x: x-0 t1 [1, 1], x-0 t3 [2] (the moderator's t2 and the refusal left out), x-1 t1 [3, 1].
        let y: [Double] = [2, 4, 5, 1, 1, 2, 3, 1]
        let condition = ["none", "none", "none", "x", "x", "x", "x", "x"]
        let turn: [Double] = [1, 1, 2, 1, 1, 3, 1, 1]
        let expected = try #require(Stats.olsConditionByTurn(y: y, condition: condition, turn: turn, levels: ["none", "x"]))
        #expect(table.n == 8 && table.residualDF == 4)
        #expect(table.terms.reference == "none" && table.terms.levels == ["none", "x"] && table.terms.factor == "condition")
        #expect(table.terms.formula == "score ~ condition × turn" && table.terms.models.isEmpty)
        #expect(table.coefficients.map(\.term) == expected.names)
        #expect(table.coefficients.map(\.estimate) == expected.coefficients)
        #expect(table.rSquared == expected.rSquared)
        let ci = expected.confidenceIntervals()
        #expect(table.coefficients.map(\.lower) == ci.map(\.lower))

        // The mixed model: one row per comment (mean of its ratings), grouped by discussion.
        let mixed = try #require(ModelSection.mixedModel(of: Self.toxicity, input))
        let fit = try #require(
            Stats.mixedModelREML(
                y: [3, 5, 1, 2, 2], design: Stats.conditionByTurnDesign(condition: ["none", "none", "x", "x", "x"], turn: [1, 2, 1, 3, 1], levels: ["none", "x"])!.rows,
                groups: ["none-0", "none-0", "x-0", "x-0", "x-1"]))
        #expect(mixed.n == 5 && mixed.discussions == 3)
        #expect(mixed.coefficients.map(\.estimate) == fit.coefficients && mixed.groupVariance == fit.groupVariance)
    }

    @Test("--reference picks the reference level; an unknown one falls back to the default")
    func reference() throws {
        let (b, _) = DimensionSectionTests.records()
        var options = AnalysisOptions(bootstrapResamples: 10)
        options.reference = "x"
        var input = AnalysisInput(discussions: b.discussions, participants: b.participants, turns: b.turns, annotations: b.annotations, options: options)
        let table = try #require(ModelSection.regression(of: Self.toxicity, input))
        #expect(table.terms.reference == "x" && table.coefficients[1].term == "C(condition)[T.none]")
        options.reference = "nope"
        input = AnalysisInput(discussions: b.discussions, participants: b.participants, turns: b.turns, annotations: b.annotations, options: options)
        #expect(try #require(ModelSection.regression(of: Self.toxicity, input)).terms.reference == "none")
    }

    @Test("with several models the factor is the strategy and the model is a main effect")
    func severalModels() throws {
        var b = RecordBuilder()
        var ids: [String] = []
        for (label, strategy, model) in [("none/m1", "none", "m1"), ("none/m2", "none", "m2"), ("g/m1", "g", "m1"), ("g/m2", "g", "m2")] {
            for r in 0..<2 {
                let id = b.discussion(label, strategy: strategy, replicate: r, users: ["a", "b"], moderator: strategy != "none")
                b.discussions[b.discussions.count - 1].modelName = model
                ids.append(id)
            }
        }
        var k = 0
        for id in ids {
            for speaker in ["a", "b", "a"] {
                let t = b.turn(id, speaker)
                k += 1
                b.annotate(t, by: "ann1", ["toxicity": 1 + (k * 7) % 5])
            }
        }
        let input = AnalysisInput(discussions: b.discussions, participants: b.participants, turns: b.turns, annotations: b.annotations)
        let table = try #require(ModelSection.regression(of: Self.toxicity, input))
        #expect(table.terms.factor == "strategy" && table.terms.reference == "none" && table.terms.models == ["m1", "m2"])
        #expect(table.terms.formula == "score ~ strategy × turn + model")
        #expect(table.coefficients.map(\.term) == ["Intercept", "C(condition)[T.g]", "C(model)[T.m2]", "turn", "C(condition)[T.g]:turn"])
        #expect(table.n == 24)
        let mixed = try #require(ModelSection.mixedModel(of: Self.toxicity, input))
        #expect(mixed.discussions == 8 && mixed.n == 24)
    }
}
