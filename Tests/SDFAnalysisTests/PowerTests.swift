import Foundation
import SDFCore
import SDFStore
import Testing

@testable import SDFAnalysis

/// Reference values written by `scripts/reference-power.py` (SciPy nct, statsmodels TTestIndPower and MixedLM).
enum PowerReference {
    static let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/power.json")

    struct File: Decodable {
        var nct: [NCT]
        var power: [PowerCase]
        var solve: [Solve]
        var pilotData: PilotData
        var pilot: [Pilot]
    }

    struct NCT: Decodable { var t: Double; var df: Double; var nc: Double; var cdf: Double; var sf: Double }
    struct PowerCase: Decodable { var effect: Double; var nobs1: Double; var alpha: Double; var ratio: Double; var power: Double }
    struct Solve: Decodable { var effect: Double; var alpha: Double; var power: Double; var nobs1: Double; var nobs1Exact: Double }
    struct PilotData: Decodable { var condition: [String]; var replicate: [Int]; var y: [Int] }
    struct Pilot: Decodable {
        var alpha: Double
        var power: Double
        var effect: Double?
        var groupVariance: Double
        var residualVariance: Double
        var icc: Double
        var commentsPerDiscussion: Double
        var designEffect: Double
        var comments: Int
        var discussions: Int
        var pairs: [Pair]
    }
    struct Pair: Decodable {
        var a: String
        var b: String
        var commentsA: Int
        var commentsB: Int
        var difference: Double
        var pooledSD: Double
        var pilotEffect: Double
        var effect: Double
        var effectiveN: Double
        var commentsNeeded: Double
        var discussionsExact: Double
        var discussionsNeeded: Int
        var pilotPower: Double
    }

    static func load() throws -> File { try JSONDecoder().decode(File.self, from: Data(contentsOf: url)) }

    /// The pilot data as records: one discussion per (condition, replicate), one user comment per rating, rated
    /// by one annotator on toxicity.
    static func pilotRecords(_ data: PilotData) -> RecordBuilder {
        var b = RecordBuilder()
        var ids: [String: String] = [:]
        for i in data.y.indices {
            let key = "\(data.condition[i])-\(data.replicate[i])"
            let id = ids[key] ?? b.discussion(data.condition[i], replicate: data.replicate[i], users: ["a", "b", "c"], moderator: false)
            ids[key] = id
            let turn = b.turn(id, ["a", "b", "c"][i % 3])
            b.annotate(turn, by: "ann", ["toxicity": data.y[i]])
        }
        return b
    }
}

/// |actual − expected| ≤ tolerance·max(1, |expected|).
func closeRelative(_ actual: Double?, _ expected: Double, _ tolerance: Double) -> Bool {
    guard let actual else { return false }
    return abs(actual - expected) <= tolerance * max(1, abs(expected))
}

@Suite("Power: noncentral t, TTestIndPower, design effect")
struct PowerTests {
    @Test("the noncentral t CDF and SF match scipy.stats.nct to 1e-8")
    func noncentralT() throws {
        let file = try PowerReference.load()
        #expect(file.nct.count > 400)
        var largest = 0.0
        for c in file.nct {
            let cdf = Stats.noncentralTCDF(c.t, df: c.df, nc: c.nc)
            let sf = Stats.noncentralTSF(c.t, df: c.df, nc: c.nc)
            largest = max(largest, abs(cdf - c.cdf), abs(sf - c.sf))
            #expect(abs(cdf - c.cdf) < 1e-8, "cdf(\(c.t), \(c.df), \(c.nc)) = \(cdf), scipy \(c.cdf)")
            #expect(abs(sf - c.sf) < 1e-8, "sf(\(c.t), \(c.df), \(c.nc)) = \(sf), scipy \(c.sf)")
        }
        print("noncentral t: largest absolute difference from scipy \(largest)")
    }

    @Test("noncentral t: nc = 0 is Student's t; bad arguments are NaN; the CDF increases in t")
    func noncentralEdges() {
        #expect(abs(Stats.noncentralTCDF(1.5, df: 7, nc: 0) - (1 - Stats.studentTSF(1.5, df: 7))) < 1e-15)
        #expect(Stats.noncentralTCDF(1, df: 0, nc: 1).isNaN && Stats.noncentralTCDF(.nan, df: 3, nc: 1).isNaN)
        #expect(Stats.noncentralTCDF(-.infinity, df: 3, nc: 1) == 0 && Stats.noncentralTCDF(.infinity, df: 3, nc: 1) == 1)
        let values = stride(from: -4.0, through: 8, by: 0.25).map { Stats.noncentralTCDF($0, df: 6, nc: 1.7) }
        #expect(zip(values, values.dropFirst()).allSatisfy { $0 <= $1 })
    }

    @Test("power and sample size match statsmodels' TTestIndPower")
    func tTestPower() throws {
        let file = try PowerReference.load()
        var largest = 0.0
        for c in file.power {
            let p = Stats.tTestIndependentPower(effect: c.effect, nobs1: c.nobs1, alpha: c.alpha, ratio: c.ratio)
            largest = max(largest, abs(p - c.power))
            #expect(abs(p - c.power) < 1e-8, "power(\(c.effect), \(c.nobs1), \(c.alpha), \(c.ratio)) = \(p), statsmodels \(c.power)")
        }
        var largestN = 0.0
        for c in file.solve {
            let n = try #require(Stats.tTestIndependentSampleSize(effect: c.effect, alpha: c.alpha, power: c.power))
            largestN = max(largestN, abs(n - c.nobs1Exact) / c.nobs1Exact)
            // statsmodels' solve_power stops within ~2e-8 of the root; the root itself (brentq on its power) to 1e-9.
            #expect(abs(n - c.nobs1) <= 5e-8 * c.nobs1, "n(\(c.effect), \(c.alpha), \(c.power)) = \(n), statsmodels \(c.nobs1)")
            #expect(abs(n - c.nobs1Exact) <= 1e-9 * c.nobs1Exact, "n(\(c.effect), \(c.alpha), \(c.power)) = \(n), root \(c.nobs1Exact)")
        }
        print("TTestIndPower: largest power difference \(largest), largest relative n difference \(largestN)")
        #expect(Stats.tTestIndependentSampleSize(effect: 0, alpha: 0.05, power: 0.8) == nil)
        #expect(Stats.tTestIndependentSampleSize(effect: 0.5, alpha: 0.05, power: 0.01) == nil)
        #expect(Stats.tTestIndependentPower(effect: 0.5, nobs1: 0, alpha: 0.05).isNaN)
    }

    @Test("the pilot's ICC, design effect, discussions needed and pilot power match statsmodels")
    func pilot() throws {
        let file = try PowerReference.load()
        let input = PowerReference.pilotRecords(file.pilotData).input()
        var largest: [String: Double] = [:]
        func track(_ name: String, _ actual: Double?, _ expected: Double) {
            largest[name] = max(largest[name] ?? 0, abs((actual ?? .nan) - expected) / max(1, abs(expected)))
        }
        defer { print("pilot: largest relative differences from statsmodels \(largest.sorted { $0.key < $1.key })") }
        for reference in file.pilot {
            let analysis = try PowerSection.analysis(input, alpha: reference.alpha, power: reference.power, effect: reference.effect)
            #expect(analysis.dimensions.map(\.dimension) == ["toxicity"])
            let d = try #require(analysis.dimensions.first)
            track("icc", d.icc, reference.icc)
            track("groupVariance", d.groupVariance, reference.groupVariance)
            track("designEffect", d.designEffect, reference.designEffect)
            #expect(closeRelative(d.icc, reference.icc, 1e-5), "ICC \(d.icc) vs \(reference.icc)")
            #expect(closeRelative(d.groupVariance, reference.groupVariance, 1e-5))
            #expect(closeRelative(d.residualVariance, reference.residualVariance, 1e-5))
            #expect(closeRelative(d.commentsPerDiscussion, reference.commentsPerDiscussion, 1e-12))
            #expect(closeRelative(d.designEffect, reference.designEffect, 1e-5))
            #expect(d.comments == reference.comments && d.discussions == reference.discussions)
            #expect(d.pairs.count == reference.pairs.count)
            for (p, r) in zip(d.pairs, reference.pairs) {
                track("effectiveN", p.effectiveN, r.effectiveN)
                track("commentsNeeded", p.commentsNeeded, r.commentsNeeded)
                track("pilotPower", p.pilotPower, r.pilotPower)
                track("pilotEffect", p.pilotEffect, r.pilotEffect)
                #expect(p.a == r.a && p.b == r.b && p.commentsA == r.commentsA && p.commentsB == r.commentsB)
                #expect(closeRelative(p.difference, r.difference, 1e-12) && closeRelative(p.pooledSD, r.pooledSD, 1e-12))
                #expect(closeRelative(p.pilotEffect, r.pilotEffect, 1e-12) && closeRelative(p.effect, r.effect, 1e-12))
                #expect(closeRelative(p.effectiveN, r.effectiveN, 1e-7), "n \(p.effectiveN ?? .nan) vs \(r.effectiveN)")
                // The ICC agrees to 1e-5 relative, so what depends on it agrees to about that.
                #expect(closeRelative(p.commentsNeeded, r.commentsNeeded, 1e-5))
                #expect(closeRelative(p.discussionsExact, r.discussionsExact, 1e-5))
                #expect(p.discussionsNeeded == r.discussionsNeeded)
                #expect(closeRelative(p.pilotPower, r.pilotPower, 1e-5), "pilot power \(p.pilotPower ?? .nan) vs \(r.pilotPower)")
            }
        }
    }

    @Test("one condition or no ok rating is a PowerError with the store-problem exit code")
    func errors() throws {
        var one = RecordBuilder()
        let d = one.discussion("none", replicate: 0, users: ["a"], moderator: false)
        let comment1 = one.turn(d, "a")
        one.annotate(comment1, by: "ann", ["toxicity": 2])
        #expect(throws: PowerError.self) { try PowerSection.analysis(one.input(), alpha: 0.05, power: 0.8, effect: nil) }
        do {
            _ = try PowerSection.analysis(one.input(), alpha: 0.05, power: 0.8, effect: nil)
        } catch let error as PowerError {
            #expect(error.message.contains("one condition only (none)"))
            #expect(SDFExitCode(for: error) == .storeProblem)
        }
        var unrated = RecordBuilder()
        let x = unrated.discussion("none", replicate: 0, users: ["a"], moderator: false)
        let y = unrated.discussion("guidelines", replicate: 0, users: ["a"], moderator: true)
        unrated.turn(x, "a")
        let comment2 = unrated.turn(y, "a")
        unrated.annotate(comment2, by: "ann", ["toxicity": 2], status: .refusal)
        do {
            _ = try PowerSection.analysis(unrated.input(), alpha: 0.05, power: 0.8, effect: nil)
            Issue.record("expected a PowerError")
        } catch let error as PowerError {
            #expect(error.message.contains("no ok rating"))
        }
    }

    @Test("the power text for the terminal matches its golden file")
    func text() throws {
        let file = try PowerReference.load()
        let analysis = try PowerSection.analysis(PowerReference.pilotRecords(file.pilotData).input(), alpha: 0.05, power: 0.8, effect: nil)
        try Golden.check(analysis.text(), named: "power-pilot.txt")
        let json = try analysis.json()
        #expect(json.contains("\"designEffect\"") && json.hasSuffix("}\n"))
    }

    @Test("PowerAnalysis.build reads a store")
    func fromStore() async throws {
        let file = try PowerReference.load()
        let store = try await PowerReference.pilotRecords(file.pilotData).store()
        let analysis = try await PowerAnalysis.build(store: store)
        #expect(closeRelative(analysis.dimensions.first?.icc, file.pilot[0].icc, 1e-5))
    }
}
