import Testing

@testable import SDFAnalysis

@Suite("Krippendorff's alpha")
struct AgreementTests {
    @Test("interval and ordinal α match the krippendorff package")
    func matchesPackage() throws {
        let sets = try Reference.load().krippendorff
        #expect(sets.count >= 4)
        for (name, set) in sets {
            expectStatistic(Stats.krippendorffAlpha(set.units_by_coders, level: .interval), set.interval, "\(name) interval")
            expectStatistic(Stats.krippendorffAlpha(set.units_by_coders, level: .ordinal), set.ordinal, "\(name) ordinal")
        }
    }

    @Test("Krippendorff (2011) worked example: 0.849 interval, 0.815 ordinal")
    func paperExample() throws {
        let units = try #require(try Reference.load().krippendorff["krippendorff_2011"]).units_by_coders
        #expect(units.count == 12)
        let interval = try #require(Stats.krippendorffAlpha(units, level: .interval))
        let ordinal = try #require(Stats.krippendorffAlpha(units, level: .ordinal))
        #expect((interval * 1000).rounded() == 849)
        #expect((ordinal * 1000).rounded() == 815)
    }

    @Test("hand-computed α for two coders")
    func handComputed() throws {
        // Units (1,1), (1,2), (2,2): o = [[2,1],[1,2]], n = 6, D_o ∝ 2, D_e ∝ 2·3·3/5 = 3.6 → α = 1 − 2/3.6 = 4/9.
        let alpha = try #require(Stats.krippendorffAlpha([[1, 1], [1, 2], [2, 2]], level: .interval))
        #expect(isClose(alpha, 4.0 / 9.0, tolerance: 1e-14))
        // With two values, ordinal δ² is a constant, so ordinal α equals interval α.
        #expect(isClose(try #require(Stats.krippendorffAlpha([[1, 1], [1, 2], [2, 2]], level: .ordinal)), 4.0 / 9.0))
        // NaN is missing, like nil.
        let withNaN = Stats.krippendorffAlpha(
            [[1, 1, .nan], [1, 2, nil], [2, 2], [5, nil], [.infinity, 4]], level: .interval)
        #expect(isClose(try #require(withNaN), 4.0 / 9.0, tolerance: 1e-14))
    }

    @Test("degenerate data gives nil")
    func degenerate() {
        #expect(Stats.krippendorffAlpha([], level: .interval) == nil)
        #expect(Stats.krippendorffAlpha([[1, nil], [nil, 2]], level: .interval) == nil)
        #expect(Stats.krippendorffAlpha([[3, 3], [3, 3, 3], [1, nil]], level: .ordinal) == nil)
    }
}

@Suite("nDFU")
struct PolarisationTests {
    @Test("the scale's fixed points are used, not the observed range")
    func fixedScale() throws {
        #expect(Stats.nDFU(ratings: [1, 1, 2, 2, 2], scale: 1...5) == 0)
        #expect(Stats.nDFU(ratings: [1, 1, 5, 5], scale: 1...5) == 1)
        let third = try #require(Stats.nDFU(ratings: [1, 1, 1, 5], scale: 1...5))
        #expect(isClose(third, 1.0 / 3.0, tolerance: 1e-15))
        #expect(Stats.scaleHistogram([1, 1, 2, 2, 2], scale: [1, 2, 3, 4, 5]) == [2, 3, 0, 0, 0])
    }

    @Test("nDFU matches the ndfu package on fixed scales")
    func matchesPackage() throws {
        let cases = try Reference.load().ndfu
        #expect(cases.count >= 6)
        for c in cases {
            expectStatistic(Stats.nDFU(ratings: c.ratings, scale: c.scale), c.ndfu, "nDFU \(c.ratings)")
        }
    }

    @Test("histogram input: counts and frequencies agree; peaks and walks in both directions")
    func histogram() throws {
        #expect(Stats.nDFU(histogram: [1, 3, 2, 4]) == 0.25)  // peak at the end, walk left: 3 − 2
        #expect(isClose(try #require(Stats.nDFU(histogram: [0.1, 0.3, 0.2, 0.4])), 0.25, tolerance: 1e-14))
        #expect(Stats.nDFU(histogram: [2, 0, 5, 1, 3]) == 0.4)  // left walk 2 − 0, right walk 3 − 1
        #expect(Stats.nDFU(histogram: [4, 1, 3]) == 0.5)
        #expect(Stats.nDFU(histogram: [0, 0, 7]) == 0)
        #expect(Stats.nDFU(histogram: [5]) == 0)
    }

    @Test("degenerate input gives nil")
    func degenerate() {
        #expect(Stats.nDFU(ratings: [], scale: 1...5) == nil)
        #expect(Stats.nDFU(ratings: [0, 3], scale: 1...5) == nil)
        #expect(Stats.nDFU(ratings: [2.5], scale: [1, 2, 3]) == nil)
        #expect(Stats.nDFU(ratings: [1], scale: [1, 1, 2]) == nil)
        #expect(Stats.nDFU(histogram: []) == nil)
        #expect(Stats.nDFU(histogram: [0, 0]) == nil)
        #expect(Stats.nDFU(histogram: [1, -1]) == nil)
        #expect(Stats.nDFU(histogram: [1, .nan]) == nil)
    }
}
