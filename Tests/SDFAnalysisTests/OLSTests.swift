import Testing

@testable import SDFAnalysis

@Suite("OLS")
struct OLSTests {
    @Test("y ~ C(condition) * turn matches statsmodels params, bse, t and p")
    func matchesStatsmodels() throws {
        let cases = try Reference.load().ols
        #expect(cases.count >= 3)
        for c in cases {
            let fit = try #require(Stats.olsConditionByTurn(y: c.y, condition: c.condition, turn: c.turn), "\(c.name)")
            #expect(fit.names == c.names, "\(c.name) column names")
            #expect(fit.residualDF == Int(c.df_resid))
            for j in c.names.indices {
                expectStatistic(fit.coefficients[j], c.params[j], "\(c.name) β \(c.names[j])")
                expectStatistic(fit.standardErrors[j], c.bse[j], "\(c.name) SE \(c.names[j])")
                expectStatistic(fit.tValues[j], c.tvalues[j], "\(c.name) t \(c.names[j])")
                expectPValue(fit.pValues[j], c.pvalues[j], "\(c.name) p \(c.names[j])")
            }
            expectStatistic(fit.rSquared, c.rsquared, "\(c.name) R²")
            expectStatistic(fit.ssr, c.ssr, "\(c.name) SSR")
        }
    }

    @Test("an exact linear relation is recovered")
    func exactFit() throws {
        let x: [Double] = [0, 1, 2, 3, 4, 5]
        let y = x.map { 2 - 3 * $0 }
        let fit = try #require(Stats.ols(y: y, design: x.map { [1, $0] }))
        #expect(fit.names == ["x0", "x1"])
        #expect(abs(fit.coefficients[0] - 2) < 1e-12 && abs(fit.coefficients[1] + 3) < 1e-12)
        #expect(fit.ssr < 1e-20)
        #expect(abs(fit.rSquared - 1) < 1e-12)
    }

    @Test("simple regression matches the textbook closed form")
    func simpleRegression() throws {
        let x: [Double] = [1, 2, 4, 5, 7, 8]
        let y: [Double] = [2.3, 2.9, 5.1, 5.2, 8.0, 8.4]
        let fit = try #require(Stats.ols(y: y, design: x.map { [1, $0] }, names: ["a", "b"]))
        let mx = try #require(Stats.mean(x)), my = try #require(Stats.mean(y))
        let sxx = x.reduce(0) { $0 + ($1 - mx) * ($1 - mx) }
        let sxy = zip(x, y).reduce(0) { $0 + ($1.0 - mx) * ($1.1 - my) }
        let slope = sxy / sxx
        let intercept = my - slope * mx
        let ssr = zip(x, y).reduce(0) { $0 + ($1.1 - intercept - slope * $1.0) * ($1.1 - intercept - slope * $1.0) }
        let seSlope = (ssr / 4 / sxx).squareRoot()
        #expect(isClose(fit.coefficient("b") ?? .nan, slope, tolerance: 1e-12))
        #expect(isClose(fit.coefficient("a") ?? .nan, intercept, tolerance: 1e-12))
        #expect(isClose(fit.standardErrors[1], seSlope, tolerance: 1e-12))
        #expect(isCloseP(fit.pValues[1], Stats.studentTTwoSidedP(slope / seSlope, df: 4), tolerance: 1e-10))
        #expect(fit.coefficient("missing") == nil)
    }

    @Test("design matrix uses treatment coding with the first level as reference")
    func design() throws {
        let design = try #require(
            Stats.conditionByTurnDesign(condition: ["b", "a", "c", "b"], turn: [0, 1, 2, 3]))
        #expect(design.levels == ["a", "b", "c"])
        #expect(
            design.names == [
                "Intercept", "C(condition)[T.b]", "C(condition)[T.c]", "turn", "C(condition)[T.b]:turn",
                "C(condition)[T.c]:turn",
            ])
        #expect(design.rows[0] == [1, 1, 0, 0, 0, 0])
        #expect(design.rows[1] == [1, 0, 0, 1, 0, 0])
        #expect(design.rows[2] == [1, 0, 1, 2, 0, 2])
        #expect(design.rows[3] == [1, 1, 0, 3, 3, 0])
        let custom = try #require(
            Stats.conditionByTurnDesign(condition: ["b", "a"], turn: [0, 1], levels: ["b", "a"]))
        #expect(custom.names == ["Intercept", "C(condition)[T.a]", "turn", "C(condition)[T.a]:turn"])
        #expect(Stats.conditionByTurnDesign(condition: ["a", "z"], turn: [0, 1], levels: ["a"]) == nil)
        #expect(Stats.conditionByTurnDesign(condition: ["a"], turn: [0, 1]) == nil)
        #expect(Stats.conditionByTurnDesign(condition: [], turn: []) == nil)
    }

    @Test("changing the reference level changes the coding, not the fit")
    func referenceLevelInvariance() throws {
        let c = try Reference.load().ols[0]
        let byDefault = try #require(Stats.olsConditionByTurn(y: c.y, condition: c.condition, turn: c.turn))
        let levels = ["mod_strict", "baseline", "mod_gentle"]
        let reordered = try #require(
            Stats.olsConditionByTurn(y: c.y, condition: c.condition, turn: c.turn, levels: levels))
        #expect(isClose(byDefault.ssr, reordered.ssr, tolerance: 1e-10))
        // The intercept of the new reference level = old intercept + old dummy of that level.
        let strictIntercept = try #require(byDefault.coefficient("Intercept"))
            + #require(byDefault.coefficient("C(condition)[T.mod_strict]"))
        #expect(isClose(try #require(reordered.coefficient("Intercept")), strictIntercept, tolerance: 1e-10))
    }

    @Test("degenerate designs give nil")
    func degenerate() {
        // Collinear columns.
        #expect(Stats.ols(y: [1, 2, 3, 4], design: [[1, 2], [1, 2], [1, 2], [1, 2]]) == nil)
        #expect(Stats.ols(y: [1, 2, 3, 5], design: [[1, 0, 0], [1, 1, 2], [1, 2, 4], [1, 3, 6]]) == nil)
        // n ≤ p.
        #expect(Stats.ols(y: [1, 2], design: [[1, 0], [1, 1]]) == nil)
        // Shape mismatches and non-finite values.
        #expect(Stats.ols(y: [1, 2, 3], design: [[1, 0], [1, 1]]) == nil)
        #expect(Stats.ols(y: [1, 2, 3], design: [[1, 0], [1, 1], [1]]) == nil)
        #expect(Stats.ols(y: [1, 2, .nan], design: [[1, 0], [1, 1], [1, 2]]) == nil)
        #expect(Stats.ols(y: [1, 2, 3], design: [[1, 0], [1, 1], [1, 2]], names: ["only one"]) == nil)
        #expect(Stats.ols(y: [], design: []) == nil)
        // A condition observed at a single turn makes its interaction column collinear with its dummy.
        #expect(
            Stats.olsConditionByTurn(
                y: [1, 2, 3, 4, 5], condition: ["a", "a", "a", "b", "b"], turn: [0, 1, 2, 3, 3]) == nil)
    }
}
