import Foundation
import SDFCore
import Testing

@testable import SDFAnalysis

/// Reference values written by `scripts/reference-mixed-models.py` (statsmodels OLS and MixedLM, SciPy t).
enum ModelReference {
    static let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/models.json")

    struct File: Decodable {
        var ols: [OLS]
        var mixed: [Mixed]
        var t_quantiles: [Quantile]
    }

    struct Quantile: Decodable { var df: Double; var p: Double; var t: Double }

    struct OLS: Decodable {
        var name: String
        var levels: [String]
        var condition: [String]
        var turn: [Double]
        var model: [String]
        var y: [Double]
        var names: [String]
        var params: [Double]
        var bse: [Double]
        var tvalues: [Double]
        var pvalues: [Double]
        var ci_lower: [Double]
        var ci_upper: [Double]
        var rsquared: Double
        var rsquared_adj: Double
        var nobs: Int
        var df_resid: Double
    }

    struct Mixed: Decodable {
        var name: String
        var levels: [String]
        var condition: [String]
        var turn: [Double]
        var model: [String]
        var group: [String]
        var y: [Double]
        var names: [String]
        var params: [Double]
        var bse: [Double]
        var pvalues: [Double]
        var group_var: Double
        var scale: Double
        var llf: Double
        var converged: Bool
    }

    static func load() throws -> File { try JSONDecoder().decode(File.self, from: Data(contentsOf: url)) }

    /// patsy's spelling of the reference-coded condition columns, as SDF spells them.
    static func sdfName(_ name: String) -> String {
        name.replacingOccurrences(of: "C(condition, Treatment('none'))", with: "C(condition)")
    }

    /// The design of a case: `model` enters when it has several distinct values.
    static func design(condition: [String], turn: [Double], model: [String], levels: [String]) -> Stats.DesignMatrix? {
        Stats.conditionByTurnDesign(
            condition: condition, turn: turn, model: Set(model).count > 1 ? model : nil, levels: levels)
    }
}

/// |a − b| ≤ tolerance·max(1, |b|).
func near(_ a: Double, _ b: Double, _ tolerance: Double) -> Bool { abs(a - b) <= tolerance * max(1, abs(b)) }

@Suite("Regression models")
struct ModelTests {
    @Test("Student's t quantile matches scipy.stats.t.ppf")
    func tQuantile() throws {
        let cases = try ModelReference.load().t_quantiles
        #expect(cases.count >= 20)
        for c in cases {
            let t = Stats.studentTQuantile(c.p, df: c.df)
            #expect(near(t, c.t, 1e-9), "t(\(c.p), \(c.df)) = \(t), scipy \(c.t)")
            #expect(near(Stats.studentTQuantile(1 - c.p, df: c.df), -c.t, 1e-9))
        }
        #expect(Stats.studentTQuantile(0.5, df: 3) == 0)
        #expect(Stats.studentTQuantile(0, df: 3).isNaN && Stats.studentTQuantile(0.5, df: 0).isNaN)
        #expect(near(Stats.normalQuantile(0.975), 1.959963984540054, 1e-12))
    }

    @Test("OLS of score ~ condition × turn (+ model) matches statsmodels: β, SE, t, p, CI, R², adjusted R², n")
    func ols() throws {
        let cases = try ModelReference.load().ols
        #expect(cases.count == 4)
        for c in cases {
            let design = try #require(ModelReference.design(condition: c.condition, turn: c.turn, model: c.model, levels: c.levels))
            #expect(design.names == c.names.map(ModelReference.sdfName), "\(c.name) columns")
            let fit = try #require(Stats.ols(y: c.y, design: design.rows, names: design.names))
            let ci = fit.confidenceIntervals(level: 0.95)
            for j in c.names.indices {
                #expect(near(fit.coefficients[j], c.params[j], 1e-9), "\(c.name) β \(c.names[j])")
                #expect(near(fit.standardErrors[j], c.bse[j], 1e-9), "\(c.name) SE \(c.names[j])")
                #expect(near(fit.tValues[j], c.tvalues[j], 1e-9), "\(c.name) t \(c.names[j])")
                #expect(isCloseP(fit.pValues[j], c.pvalues[j]), "\(c.name) p \(c.names[j])")
                #expect(near(ci[j].lower, c.ci_lower[j], 1e-9) && near(ci[j].upper, c.ci_upper[j], 1e-9), "\(c.name) CI \(c.names[j])")
            }
            #expect(near(fit.rSquared, c.rsquared, 1e-9) && near(fit.adjustedRSquared, c.rsquared_adj, 1e-9), "\(c.name) R²")
            #expect(fit.n == c.nobs && fit.residualDF == Int(c.df_resid))
        }
    }

    @Test("REML random-intercept model matches statsmodels MixedLM: β to 1e-6, variances to 1e-5")
    func mixed() throws {
        let cases = try ModelReference.load().mixed
        #expect(cases.count == 4)
        #expect(cases.contains { c in Dictionary(grouping: c.group, by: { $0 }).values.contains { $0.count == 1 } }, "a group of size 1")
        for c in cases {
            let design = try #require(ModelReference.design(condition: c.condition, turn: c.turn, model: c.model, levels: c.levels))
            #expect(design.names == c.names.map(ModelReference.sdfName), "\(c.name) columns")
            let fit = try #require(Stats.mixedModelREML(y: c.y, design: design.rows, groups: c.group, names: design.names))
            for j in c.names.indices {
                #expect(near(fit.coefficients[j], c.params[j], 1e-6), "\(c.name) β \(c.names[j]): \(fit.coefficients[j]) vs \(c.params[j])")
                #expect(near(fit.standardErrors[j], c.bse[j], 1e-6), "\(c.name) SE \(c.names[j]): \(fit.standardErrors[j]) vs \(c.bse[j])")
                #expect(abs(fit.pValues[j] - c.pvalues[j]) <= 1e-6, "\(c.name) p \(c.names[j]): \(fit.pValues[j]) vs \(c.pvalues[j])")
            }
            #expect(abs(fit.groupVariance - c.group_var) <= 1e-5, "\(c.name) group variance \(fit.groupVariance) vs \(c.group_var)")
            #expect(abs(fit.residualVariance - c.scale) <= 1e-5, "\(c.name) residual variance \(fit.residualVariance) vs \(c.scale)")
            #expect(abs(fit.logLikelihood - c.llf) <= 1e-6, "\(c.name) REML log-likelihood \(fit.logLikelihood) vs \(c.llf)")
            #expect(fit.converged && fit.n == c.y.count && fit.groups == Set(c.group).count)
            #expect(near(fit.icc, c.group_var / (c.group_var + c.scale), 1e-5))
        }
    }

    @Test("the mixed model refuses bad shapes and singular designs")
    func mixedDegenerate() throws {
        #expect(Stats.mixedModelREML(y: [1, 2], design: [[1], [1]], groups: ["a"]) == nil)
        #expect(Stats.mixedModelREML(y: [1, 2, 3], design: [[1, 0], [1, 0], [1, 0]], groups: ["a", "a", "b"]) == nil)
        #expect(Stats.mixedModelREML(y: [1, 2], design: [[1, 0], [1, 1]], groups: ["a", "b"]) == nil)
        // Strong clustering: a positive group variance and an ICC near 1.
        let y: [Double] = [1, 1.1, 0.9, 5, 5.2, 4.9, 9, 9.1, 8.8, 3, 3.1, 2.9]
        let fit = try #require(Stats.mixedModelREML(y: y, design: y.map { _ in [1] }, groups: (0..<12).map { "g\($0 / 3)" }))
        #expect(fit.converged && fit.groupVariance > 5 && fit.icc > 0.99 && fit.groups == 4)
        // With one group per observation, σ²_b and σ² are not separately identified, but β is the mean.
        let singletons = try #require(Stats.mixedModelREML(y: [1, 2, 4], design: [[1], [1], [1]], groups: ["a", "b", "c"]))
        #expect(near(singletons.coefficients[0], 7.0 / 3, 1e-12))
    }

    @Test("the cluster bootstrap resamples whole clusters, deterministically")
    func clusterBootstrap() throws {
        // Singleton clusters: the same draws as the comment bootstrap with the same seed.
        let x: [Double] = [1, 4, 2, 8, 5, 7, 3]
        let a = try #require(Stats.clusterBootstrapMeanCI(x.map { [$0] }, resamples: 500, seed: 9))
        let b = try #require(Stats.bootstrapMeanCI(x, resamples: 500, seed: 9))
        #expect(a == b)
        // One cluster: degenerate. Empty clusters are dropped; no value: nil.
        let one = try #require(Stats.clusterBootstrapMeanCI([[1, 2, 6]], resamples: 100, seed: 1))
        #expect(one.lower == 3 && one.upper == 3 && one.estimate == 3)
        #expect(Stats.clusterBootstrapMeanCI([[], []], seed: 1) == nil)
        #expect(Stats.clusterBootstrapMeanCI([[1]], resamples: 0, seed: 1) == nil)
        // Strongly clustered data: the cluster interval is wider than the comment interval.
        let clusters = (0..<6).map { g in (0..<10).map { Double(g) + 0.01 * Double($0) } }
        let cluster = try #require(Stats.clusterBootstrapMeanCI(clusters, resamples: 2000, seed: 3))
        let naive = try #require(Stats.bootstrapMeanCI(clusters.flatMap { $0 }, resamples: 2000, seed: 3))
        #expect(cluster.upper - cluster.lower > 2 * (naive.upper - naive.lower))
        #expect(cluster.estimate == naive.estimate)
        let again = try #require(Stats.clusterBootstrapMeanCI(clusters, resamples: 2000, seed: 3))
        #expect(again == cluster)
    }
}
