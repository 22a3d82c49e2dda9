import Testing

@testable import SDFAnalysis

@Suite("Rank tests, Dunn and ANOVA")
struct GroupTests {
    @Test("Kruskal–Wallis H and p match scipy.stats.kruskal")
    func kruskalWallis() throws {
        let sets = try Reference.load().groups
        #expect(sets.count >= 5)
        for (name, set) in sets {
            let result = try #require(Stats.kruskalWallis(set.groups), "\(name)")
            expectStatistic(result.h, set.kruskal.h, "\(name) H")
            expectPValue(result.p, set.kruskal.p, "\(name) p")
            #expect(result.df == set.groups.count - 1)
        }
    }

    @Test("Dunn z and unadjusted / Holm / Bonferroni p match scikit-posthocs")
    func dunn() throws {
        for (name, set) in try Reference.load().groups {
            let result = try #require(Stats.dunn(set.groups), "\(name)")
            expectMatrix(result.z, set.dunn.z, "\(name) Dunn z", pValues: false)
            expectMatrix(result.p, set.dunn.p, "\(name) Dunn p", pValues: true)
            expectMatrix(result.holm, set.dunn.holm, "\(name) Dunn Holm", pValues: true)
            expectMatrix(result.bonferroni, set.dunn.bonferroni, "\(name) Dunn Bonferroni", pValues: true)
            #expect(result.pValues(.holm) == result.holm)
        }
    }

    @Test("Mann–Whitney U and p match scipy.stats.mannwhitneyu (asymptotic, two-sided)")
    func mannWhitney() throws {
        let reference = try Reference.load()
        var cases = reference.mannwhitney_extra.map { ($0.x, $0.y, $0.u, $0.p) }
        for (_, set) in reference.groups {
            cases.append((set.groups[0], set.groups[1], set.mannwhitney_first_two.u, set.mannwhitney_first_two.p))
        }
        #expect(cases.count >= 8)
        for (x, y, u, p) in cases {
            let result = try #require(Stats.mannWhitneyU(x, y))
            expectStatistic(result.u, u, "U of \(x.prefix(4))…")
            expectPValue(result.p, p, "p of \(x.prefix(4))…")
            // Swapping the samples gives U₂ = n₁n₂ − U₁ and the same two-sided p.
            let swapped = try #require(Stats.mannWhitneyU(y, x))
            #expect(isClose(swapped.u, Double(x.count * y.count) - u))
            #expect(isCloseP(swapped.p, p))
        }
    }

    @Test("one-way ANOVA F and p match scipy.stats.f_oneway")
    func anova() throws {
        for (name, set) in try Reference.load().groups {
            let result = try #require(Stats.oneWayANOVA(set.groups), "\(name)")
            expectStatistic(result.f, set.anova.f, "\(name) F")
            expectPValue(result.p, set.anova.p, "\(name) p")
            #expect(result.dfBetween == set.groups.count - 1)
            #expect(result.dfWithin == set.groups.map(\.count).reduce(0, +) - set.groups.count)
        }
    }

    @Test("average ranks and p-value adjustments, by hand")
    func handComputed() {
        #expect(Stats.ranks([10, 20, 20, 5]) == [2, 3.5, 3.5, 1])
        #expect(Stats.ranks([3, 3, 3]) == [2, 2, 2])
        #expect(Stats.ranks([]) == [])
        #expect(Stats.tieSum([1, 2, 2, 3, 3, 3]) == 6 + 24)
        let p = [0.01, 0.04, 0.03, 0.005]
        let holm = Stats.adjustPValues(p, method: .holm)
        for (value, expected) in zip(holm, [0.03, 0.06, 0.06, 0.02]) { #expect(isClose(value, expected, tolerance: 1e-15)) }
        #expect(Stats.adjustPValues(p, method: .bonferroni) == [0.04, 0.16, 0.12, 0.02])
        #expect(Stats.adjustPValues([0.3, 0.6], method: .bonferroni) == [0.6, 1])
        #expect(Stats.adjustPValues(p, method: .none) == p)
        #expect(Stats.adjustPValues([], method: .holm) == [])
    }

    @Test("degenerate groups give the documented values")
    func degenerate() throws {
        #expect(Stats.kruskalWallis([[1, 2, 3]]) == nil)
        #expect(Stats.kruskalWallis([[1, 2], []]) == nil)
        #expect(Stats.kruskalWallis([[4, 4], [4, 4, 4]]) == nil)
        #expect(Stats.kruskalWallis([[1, .nan], [2, 3]]) == nil)
        #expect(Stats.dunn([[4, 4], [4, 4]]) == nil)
        #expect(Stats.dunn([[1, 2]]) == nil)
        #expect(Stats.mannWhitneyU([], [1, 2]) == nil)
        let tied = try #require(Stats.mannWhitneyU([1, 1, 1], [1, 1]))
        #expect(tied.u == 3 && tied.p == 1 && tied.z == 0)
        #expect(Stats.oneWayANOVA([[1, 2, 3]]) == nil)
        #expect(Stats.oneWayANOVA([[1], [2]]) == nil)
        #expect(Stats.oneWayANOVA([[1, 2], []]) == nil)
        #expect(Stats.oneWayANOVA([[5, 5], [5, 5]]) == nil)
        let constant = try #require(Stats.oneWayANOVA([[1, 1], [2, 2]]))
        #expect(constant.f == .infinity && constant.p == 0)
        // Two groups of n = 1 and 2 are still testable.
        #expect(Stats.kruskalWallis([[1], [2, 3]]) != nil)
    }

    @Test("with two groups, ANOVA F equals the squared pooled t statistic")
    func anovaTwoGroupsIsTTest() throws {
        let a: [Double] = [4.1, 5.3, 6.2, 5.5, 4.9]
        let b: [Double] = [6.8, 7.4, 5.9, 7.7]
        let result = try #require(Stats.oneWayANOVA([a, b]))
        let ma = try #require(Stats.mean(a)), mb = try #require(Stats.mean(b))
        let va = try #require(Stats.variance(a)), vb = try #require(Stats.variance(b))
        let pooled = (4 * va + 3 * vb) / 7
        let t = (ma - mb) / (pooled * (1.0 / 5 + 1.0 / 4)).squareRoot()
        #expect(isClose(result.f, t * t, tolerance: 1e-12))
        #expect(isCloseP(result.p, Stats.studentTTwoSidedP(t, df: 7), tolerance: 1e-10))
    }
}
