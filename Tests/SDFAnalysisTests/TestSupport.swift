import Foundation
import Testing

@testable import SDFAnalysis

/// Tolerances and the reference values written by `scripts/reference_stats.py`.
enum Reference {
    /// Statistics agree to 1e−9, relative for values above 1 in magnitude, absolute below.
    static let statisticTolerance = 1e-9
    /// p-values agree to 1e−6 relative (stricter than absolute for p ≤ 1, and meaningful in far tails).
    static let pValueTolerance = 1e-6

    /// The committed fixture, found next to this source file (never through Bundle.module).
    static let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/reference.json")

    /// The decoded fixture; a decoding failure fails every test that reads it.
    static func load() throws -> File {
        try JSONDecoder().decode(File.self, from: Data(contentsOf: url))
    }

    struct File: Decodable {
        var descriptive: [String: Descriptive]
        var groups: [String: Groups]
        var mannwhitney_extra: [MannWhitney]
        var ols: [OLS]
        var krippendorff: [String: Krippendorff]
        var ndfu: [NDFU]
        var lexical: [String: Lexical]
        var turn_taking: [TurnTaking]
        var distributions: Distributions
    }

    struct Descriptive: Decodable {
        var data: [Double]
        var mean: Double
        var median: Double
        var quantile_probs: [Double]
        var quantiles: [Double]
        var sd: Double?
        var variance: Double?
    }

    struct Groups: Decodable {
        struct HP: Decodable { var h: Double; var p: Double }
        struct FP: Decodable { var f: Double; var p: Double }
        struct UP: Decodable { var u: Double; var p: Double }
        struct Dunn: Decodable { var z: [[Double]]; var p: [[Double]]; var holm: [[Double]]; var bonferroni: [[Double]] }
        var groups: [[Double]]
        var kruskal: HP
        var anova: FP
        var mannwhitney_first_two: UP
        var dunn: Dunn
    }

    struct MannWhitney: Decodable { var x: [Double]; var y: [Double]; var u: Double; var p: Double }

    struct OLS: Decodable {
        var name: String
        var condition: [String]
        var turn: [Double]
        var y: [Double]
        var names: [String]
        var params: [Double]
        var bse: [Double]
        var tvalues: [Double]
        var pvalues: [Double]
        var df_resid: Double
        var rsquared: Double
        var ssr: Double
    }

    struct Krippendorff: Decodable { var units_by_coders: [[Double?]]; var interval: Double; var ordinal: Double }

    struct NDFU: Decodable { var scale: [Double]; var ratings: [Double]; var ndfu: Double }

    struct Lexical: Decodable {
        struct Pair: Decodable { var i: Int; var j: Int; var f1: Double }
        var comments: [String]
        var tokens: [[String]]
        var pairs: [Pair]
        var diversity: Double
        var reference: String
    }

    struct TurnTaking: Decodable {
        var name: String
        var p: Double
        var users: Int
        var speakers: [Int]
        var triples: Int
        var aba: Int
        var observed: Double
        var expected: Double
        var z: Double
        var pvalue: Double
    }

    struct Distributions: Decodable {
        struct Normal: Decodable { var x: Double; var cdf: Double; var sf: Double }
        struct Chi2: Decodable { var x: Double; var df: Double; var sf: Double; var cdf: Double }
        struct F: Decodable { var x: Double; var df1: Double; var df2: Double; var sf: Double }
        struct T: Decodable { var t: Double; var df: Double; var p2: Double; var sf: Double }
        struct Beta: Decodable { var a: Double; var b: Double; var x: Double; var value: Double }
        struct Gamma: Decodable { var a: Double; var x: Double; var p: Double; var q: Double }
        struct LogBeta: Decodable { var a: Double; var b: Double; var value: Double }
        var normal: [Normal]
        var chi2: [Chi2]
        var f: [F]
        var t: [T]
        var betainc: [Beta]
        var gammainc: [Gamma]
        var betaln: [LogBeta]
    }
}

/// Whether `actual` is within `tolerance` of `expected`, relative above magnitude 1 and absolute below.
func isClose(_ actual: Double, _ expected: Double, tolerance: Double = Reference.statisticTolerance) -> Bool {
    if actual == expected { return true }
    return abs(actual - expected) <= tolerance * max(1, abs(expected))
}

/// Whether a p-value (or any probability) is within `tolerance` of `expected`, relative to `expected`.
func isCloseP(_ actual: Double, _ expected: Double, tolerance: Double = Reference.pValueTolerance) -> Bool {
    if actual == expected { return true }
    return abs(actual - expected) <= tolerance * abs(expected)
}

/// Records a failure naming `what` unless `actual` is close to `expected` as a statistic.
func expectStatistic(
    _ actual: Double?, _ expected: Double, _ what: String, sourceLocation: SourceLocation = #_sourceLocation
) {
    guard let actual else {
        Issue.record("\(what): got nil, expected \(expected)", sourceLocation: sourceLocation)
        return
    }
    #expect(isClose(actual, expected), "\(what): got \(actual), expected \(expected)", sourceLocation: sourceLocation)
}

/// Records a failure naming `what` unless `actual` is close to `expected` as a p-value.
func expectPValue(
    _ actual: Double?, _ expected: Double, _ what: String, sourceLocation: SourceLocation = #_sourceLocation
) {
    guard let actual else {
        Issue.record("\(what): got nil, expected \(expected)", sourceLocation: sourceLocation)
        return
    }
    #expect(isCloseP(actual, expected), "\(what): got \(actual), expected \(expected)", sourceLocation: sourceLocation)
}

/// Compares two matrices entry by entry with `check`.
func expectMatrix(
    _ actual: [[Double]], _ expected: [[Double]], _ what: String, pValues: Bool,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(actual.count == expected.count, "\(what): \(actual.count) rows, expected \(expected.count)", sourceLocation: sourceLocation)
    for (i, (row, expectedRow)) in zip(actual, expected).enumerated() {
        #expect(row.count == expectedRow.count, "\(what)[\(i)]: wrong width", sourceLocation: sourceLocation)
        for (j, (value, expectedValue)) in zip(row, expectedRow).enumerated() {
            if pValues {
                expectPValue(value, expectedValue, "\(what)[\(i)][\(j)]", sourceLocation: sourceLocation)
            } else {
                expectStatistic(value, expectedValue, "\(what)[\(i)][\(j)]", sourceLocation: sourceLocation)
            }
        }
    }
}

/// A small seeded generator for property tests (SplitMix64, independent of the code under test).
struct TestRandom {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    mutating func unit() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    /// Uniform integer in `range` (modulo bias is irrelevant here).
    mutating func int(_ range: ClosedRange<Int>) -> Int {
        range.lowerBound + Int(next() % UInt64(range.count))
    }

    /// Approximately standard normal (Box–Muller).
    mutating func normal() -> Double {
        let u1 = max(unit(), 1e-300)
        let u2 = unit()
        return (-2 * Foundation.log(u1)).squareRoot() * Foundation.cos(2 * Double.pi * u2)
    }

    /// A Fisher–Yates shuffle.
    mutating func shuffle<T>(_ items: [T]) -> [T] {
        var result = items
        guard result.count > 1 else { return result }
        for i in stride(from: result.count - 1, to: 0, by: -1) {
            result.swapAt(i, Int(next() % UInt64(i + 1)))
        }
        return result
    }
}
