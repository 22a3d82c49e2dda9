import Testing

@testable import SDFAnalysis

@Suite("Descriptive statistics and bootstrap")
struct DescriptiveTests {
    @Test("mean, SD, variance, median and R-7 quantiles match NumPy")
    func matchesNumPy() throws {
        let reference = try Reference.load()
        #expect(reference.descriptive.count >= 6)
        for (name, sample) in reference.descriptive {
            expectStatistic(Stats.mean(sample.data), sample.mean, "\(name) mean")
            expectStatistic(Stats.median(sample.data), sample.median, "\(name) median")
            if let sd = sample.sd, let variance = sample.variance {
                expectStatistic(Stats.standardDeviation(sample.data), sd, "\(name) sd")
                expectStatistic(Stats.variance(sample.data), variance, "\(name) variance")
            } else {
                #expect(Stats.standardDeviation(sample.data) == nil, "\(name): SD of one value is nil")
            }
            let quantiles = try #require(Stats.quantiles(sample.data, sample.quantile_probs))
            for (p, (value, expected)) in zip(sample.quantile_probs, zip(quantiles, sample.quantiles)) {
                expectStatistic(value, expected, "\(name) quantile \(p)")
                expectStatistic(Stats.quantile(sample.data, p), expected, "\(name) single quantile \(p)")
            }
        }
    }

    @Test("hand-computed values")
    func handComputed() {
        #expect(Stats.mean([1, 2, 3, 4]) == 2.5)
        #expect(Stats.variance([1, 2, 3, 4]) == 5.0 / 3.0)
        #expect(Stats.median([5, 1, 3]) == 3)
        #expect(Stats.median([4, 1, 3, 2]) == 2.5)
        // R-7 on 1…5: h = 4p.
        #expect(isClose(Stats.quantile([5, 4, 3, 2, 1], 0.3) ?? 0, 2.2, tolerance: 1e-15))
        #expect(Stats.quantile([5, 4, 3, 2, 1], 1) == 5)
        #expect(Stats.quantile([5, 4, 3, 2, 1], 0) == 1)
    }

    @Test("degenerate input gives the documented values")
    func degenerate() {
        #expect(Stats.mean([]) == nil)
        #expect(Stats.variance([]) == nil)
        #expect(Stats.variance([3]) == nil)
        #expect(Stats.standardDeviation([3]) == nil)
        #expect(Stats.variance([2, 2, 2]) == 0)
        #expect(Stats.median([]) == nil)
        #expect(Stats.quantile([], 0.5) == nil)
        #expect(Stats.quantile([1, 2], 1.5) == nil)
        #expect(Stats.quantile([1, 2], -0.1) == nil)
        #expect(Stats.quantile([1, 2], .nan) == nil)
        #expect(Stats.quantile([1, .nan, 2], 0.5)?.isNaN == true)
        #expect(Stats.mean([1, .nan])?.isNaN == true)
        #expect(Stats.quantile([7], 0.9) == 7)
    }

    @Test("bootstrap CI is deterministic for a seed and changes with the seed")
    func bootstrapDeterminism() throws {
        let x: [Double] = [2.1, 3.4, 1.9, 5.6, 4.4, 3.3, 2.8, 6.1, 0.7, 3.9, 4.1, 2.2]
        let a = try #require(Stats.bootstrapMeanCI(x, resamples: 2000, seed: 42))
        let b = try #require(Stats.bootstrapMeanCI(x, resamples: 2000, seed: 42))
        let c = try #require(Stats.bootstrapMeanCI(x, resamples: 2000, seed: 43))
        #expect(a == b)
        #expect(a != c)
        #expect(a.estimate == Stats.mean(x))
        #expect(a.level == 0.95)
        #expect(a.lower < a.estimate && a.estimate < a.upper)
    }

    @Test("bootstrap CI of a constant sample is [c, c]")
    func bootstrapConstant() throws {
        let exact = try #require(Stats.bootstrapMeanCI([Double](repeating: 2.5, count: 10), resamples: 500, seed: 1))
        #expect(exact.lower == 2.5 && exact.upper == 2.5 && exact.estimate == 2.5)
        let single = try #require(Stats.bootstrapMeanCI([-4.25], resamples: 100, seed: 9))
        #expect(single.lower == -4.25 && single.upper == -4.25)
        // 0.1 is not exactly representable: n copies sum with rounding, so allow a few ulps.
        let rounded = try #require(Stats.bootstrapMeanCI([Double](repeating: 0.1, count: 7), resamples: 300, seed: 2))
        #expect(abs(rounded.lower - 0.1) < 1e-15 && abs(rounded.upper - 0.1) < 1e-15)
    }

    @Test("bootstrap CI matches the exact (enumerated) bootstrap distribution")
    func bootstrapBruteForce() throws {
        // Resample means of [0, 0, 0, 1] are K/4 with K ~ Binomial(4, 1/4):
        // P(K ≤ 0) = .316, P(K ≤ 1) = .738, P(K ≤ 2) = .949, P(K ≤ 3) = .996.
        // So the 2.5 % / 97.5 % quantiles are 0 and 0.75, the 25 % / 75 % ones 0 and 0.5.
        // With B = 20 000 the empirical CDF is within ±0.01 of these, far from every boundary.
        let x: [Double] = [0, 0, 0, 1]
        let ci95 = try #require(Stats.bootstrapMeanCI(x, resamples: 20_000, level: 0.95, seed: 11))
        #expect(ci95.lower == 0 && ci95.upper == 0.75)
        let ci50 = try #require(Stats.bootstrapMeanCI(x, resamples: 20_000, level: 0.5, seed: 11))
        #expect(ci50.lower == 0 && ci50.upper == 0.5)
        // [1, 2, 3]: P(mean = 1) = P(mean = 3) = 1/27 ≈ 3.7 % > 2.5 %, so the 95 % CI is [1, 3].
        let ci = try #require(Stats.bootstrapMeanCI([3, 1, 2], resamples: 20_000, seed: 5))
        #expect(ci.lower == 1 && ci.upper == 3)
    }

    @Test("bootstrap CI narrows with n and agrees with the normal-theory width")
    func bootstrapNarrows() throws {
        var random = TestRandom(seed: 2024)
        let large = (0..<2000).map { _ in 10 + 3 * random.normal() }
        let small = Array(large.prefix(20))
        let ciSmall = try #require(Stats.bootstrapMeanCI(small, resamples: 4000, seed: 3))
        let ciLarge = try #require(Stats.bootstrapMeanCI(large, resamples: 4000, seed: 3))
        #expect(ciLarge.upper - ciLarge.lower < (ciSmall.upper - ciSmall.lower) / 4)
        #expect(ciLarge.lower < ciLarge.estimate && ciLarge.estimate < ciLarge.upper)
        // Width ≈ 2·1.96·s/√n for a large normal sample (within 10 %).
        let sd = try #require(Stats.standardDeviation(large))
        let normalWidth = 2 * 1.959964 * sd / Double(large.count).squareRoot()
        #expect(abs((ciLarge.upper - ciLarge.lower) / normalWidth - 1) < 0.1)
    }

    @Test("bootstrap degenerate parameters give nil")
    func bootstrapDegenerate() {
        #expect(Stats.bootstrapMeanCI([], seed: 1) == nil)
        #expect(Stats.bootstrapMeanCI([1, 2], resamples: 0, seed: 1) == nil)
        #expect(Stats.bootstrapMeanCI([1, 2], level: 1, seed: 1) == nil)
        #expect(Stats.bootstrapMeanCI([1, 2], level: 0, seed: 1) == nil)
    }
}
