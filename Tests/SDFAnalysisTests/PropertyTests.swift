import Testing

@testable import SDFAnalysis

/// Properties checked over seeded random inputs (plain loops; the seeds make every run identical).
@Suite("Properties over seeded random inputs")
struct PropertyTests {
    /// A random sample of 1…40 values, with ties when `rounded`.
    static func sample(_ random: inout TestRandom, rounded: Bool) -> [Double] {
        let n = random.int(1...40)
        return (0..<n).map { _ in
            let value = 5 + 3 * random.normal()
            return rounded ? value.rounded() : value
        }
    }

    @Test("descriptive statistics: bounds, non-negativity, permutation invariance, monotone quantiles")
    func descriptive() throws {
        var random = TestRandom(seed: 1)
        for trial in 0..<300 {
            let x = Self.sample(&random, rounded: trial % 2 == 0)
            let shuffled = random.shuffle(x)
            let lo = try #require(x.min()), hi = try #require(x.max())
            let mean = try #require(Stats.mean(x))
            #expect(mean >= lo && mean <= hi)
            let median = try #require(Stats.median(x))
            #expect(median >= lo && median <= hi)
            #expect(isClose(try #require(Stats.mean(shuffled)), mean, tolerance: 1e-12))
            #expect(Stats.median(shuffled) == median)
            if x.count >= 2 {
                let variance = try #require(Stats.variance(x))
                #expect(variance >= 0)
                #expect(isClose(try #require(Stats.variance(shuffled)), variance, tolerance: 1e-10))
                // Shifting the data leaves the variance unchanged.
                #expect(isClose(try #require(Stats.variance(x.map { $0 + 1000 })), variance, tolerance: 1e-7))
            }
            let ps = [0, 0.1, 0.33, 0.5, 0.9, 1]
            let q = try #require(Stats.quantiles(x, ps))
            #expect(q == q.sorted())
            #expect(q.first == lo && q.last == hi)
            #expect(Stats.quantiles(shuffled, ps) == q)
        }
    }

    @Test("rank tests and ANOVA: permutation invariance within groups, p in [0, 1], H ≥ 0")
    func groupTests() throws {
        var random = TestRandom(seed: 2)
        for trial in 0..<150 {
            let k = random.int(2...5)
            let groups = (0..<k).map { _ in Array(Self.sample(&random, rounded: trial % 2 == 0).prefix(15)) + [random.normal()] }
            let shuffled = groups.map { random.shuffle($0) }
            let kw = try #require(Stats.kruskalWallis(groups))
            #expect(kw.h >= -1e-9 && kw.p >= 0 && kw.p <= 1)
            let kwShuffled = try #require(Stats.kruskalWallis(shuffled))
            #expect(isClose(kwShuffled.h, kw.h, tolerance: 1e-9))
            let dunn = try #require(Stats.dunn(groups))
            for i in 0..<k {
                for j in 0..<k {
                    #expect(dunn.p[i][j] >= 0 && dunn.p[i][j] <= 1)
                    #expect(dunn.holm[i][j] >= dunn.p[i][j] && dunn.holm[i][j] <= dunn.bonferroni[i][j])
                    #expect(dunn.z[i][j] == -dunn.z[j][i])
                }
            }
            let mw = try #require(Stats.mannWhitneyU(groups[0], groups[1]))
            #expect(mw.p >= 0 && mw.p <= 1)
            #expect(mw.u >= 0 && mw.u <= Double(groups[0].count * groups[1].count))
            #expect(Stats.mannWhitneyU(shuffled[0], shuffled[1])?.u == mw.u)
            if let anova = Stats.oneWayANOVA(groups), anova.f.isFinite {
                #expect(anova.f >= 0 && anova.p >= 0 && anova.p <= 1)
                let reordered = try #require(Stats.oneWayANOVA(random.shuffle(shuffled)))
                #expect(isClose(reordered.f, anova.f, tolerance: 1e-9))
            }
            // Permuting the order of the groups leaves Kruskal–Wallis unchanged.
            #expect(isClose(try #require(Stats.kruskalWallis(groups.reversed())).h, kw.h, tolerance: 1e-9))
        }
    }

    @Test("α = 1 for identical coders, whatever the values and missing cells")
    func alphaIdenticalCoders() throws {
        var random = TestRandom(seed: 3)
        for _ in 0..<100 {
            let coders = random.int(2...6)
            var units = [[Double?]]()
            for _ in 0..<random.int(3...30) {
                let value = Double(random.int(1...7))
                var unit = [Double?](repeating: value, count: coders)
                // Drop some ratings, keeping at least two.
                for c in 2..<coders where random.unit() < 0.3 { unit[c] = nil }
                units.append(unit)
            }
            // Make sure two distinct values occur, so α is defined.
            units.append([1, 1])
            units.append([7, 7])
            #expect(Stats.krippendorffAlpha(units, level: .interval) == 1)
            #expect(Stats.krippendorffAlpha(units, level: .ordinal) == 1)
        }
    }

    @Test("α is near 0 for independent random coders and invariant to unit and coder order")
    func alphaRandomCoders() throws {
        var random = TestRandom(seed: 4)
        var alphas = [Double]()
        for _ in 0..<40 {
            let units: [[Double?]] = (0..<300).map { _ in
                (0..<3).map { _ in random.unit() < 0.1 ? nil : Double(random.int(1...5)) }
            }
            let interval = try #require(Stats.krippendorffAlpha(units, level: .interval))
            let ordinal = try #require(Stats.krippendorffAlpha(units, level: .ordinal))
            // α's sampling SD here is ≈ 0.037, so ±0.2 is more than 5 SD.
            #expect(abs(interval) < 0.2 && abs(ordinal) < 0.2)
            alphas.append(interval)
            let permuted = random.shuffle(units).map { random.shuffle($0) }
            #expect(isClose(try #require(Stats.krippendorffAlpha(permuted, level: .interval)), interval, tolerance: 1e-10))
            #expect(isClose(try #require(Stats.krippendorffAlpha(permuted, level: .ordinal)), ordinal, tolerance: 1e-10))
        }
        // The mean of 40 such α has SD ≈ 0.006.
        #expect(abs(try #require(Stats.mean(alphas))) < 0.03)
    }

    @Test("nDFU lies in [0, 1] and is 0 for unimodal histograms")
    func ndfuRange() throws {
        var random = TestRandom(seed: 5)
        for _ in 0..<500 {
            let points = random.int(2...10)
            let ratings = (0..<random.int(1...30)).map { _ in random.int(1...points) }
            let value = try #require(Stats.nDFU(ratings: ratings, scale: 1...points))
            #expect(value >= 0 && value <= 1)
            #expect(Stats.nDFU(ratings: random.shuffle(ratings), scale: 1...points) == value)
            // Build a unimodal histogram: increasing then decreasing.
            let peak = random.int(0...(points - 1))
            var histogram = [Double](repeating: 0, count: points)
            histogram[peak] = 50
            for i in stride(from: peak - 1, through: 0, by: -1) {
                histogram[i] = min(histogram[i + 1], Double(random.int(0...50)))
            }
            for i in (peak + 1)..<points {
                histogram[i] = min(histogram[i - 1], Double(random.int(0...50)))
            }
            #expect(Stats.nDFU(histogram: histogram) == 0, "\(histogram)")
        }
    }

    @Test("ROUGE-L F1 is symmetric, in [0, 1], and 1 for identical token lists")
    func rouge() {
        var random = TestRandom(seed: 6)
        let words = ["we", "should", "moderate", "this", "thread", "now", "never", "always", "agree"]
        for _ in 0..<200 {
            let a = (0..<random.int(0...12)).map { _ in words[random.int(0...(words.count - 1))] }
            let b = (0..<random.int(0...12)).map { _ in words[random.int(0...(words.count - 1))] }
            let f = Stats.rougeLF1(tokens: a, b)
            #expect(f >= 0 && f <= 1)
            #expect(f == Stats.rougeLF1(tokens: b, a))
            #expect(Stats.lcsLength(a, b) <= min(a.count, b.count))
            if !a.isEmpty { #expect(Stats.rougeLF1(tokens: a, a) == 1) }
        }
    }
}
