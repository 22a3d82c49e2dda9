import SDFCore
import Testing

@testable import SDFAnalysis

/// A 64-bit linear congruential generator (Knuth's MMIX constants) for reproducible test inputs.
struct TestLCG {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    /// The next value, in 0..<2³¹.
    mutating func next() -> Int {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return Int(state >> 33)
    }
}

@Suite("Lexical diversity")
struct LexicalDiversityTests {
    @Test("diversity with interned tokens equals 1 − the mean pairwise ROUGE-L F1; canonical equivalents stay distinct")
    func internedTokensGiveThePairwiseMean() {
        // "café" precomposed and decomposed are different tokens (scalar comparison, as in Python).
        let words = ["the", "city", "cars", "caf\u{E9}", "cafe\u{301}", "ΣΟΦΙΑ", "σοφια", "42", "x"]
        var random = TestLCG(seed: 7)
        func next() -> Int { random.next() }
        for _ in 0..<40 {
            let comments = (0..<(2 + next() % 6)).map { _ in (0..<(next() % 12)).map { _ in words[next() % words.count] }.joined(separator: " ") }
            var sum = 0.0
            var pairs = 0
            for i in comments.indices { for j in comments.indices where j > i { sum += Stats.rougeLF1(comments[i], comments[j]); pairs += 1 } }
            let diversity = Stats.lexicalDiversity(comments)
            #expect(diversity != nil)
            #expect(abs((diversity ?? -1) - (1 - sum / Double(pairs))) < 1e-12, "\(comments)")
        }
        #expect(Stats.lexicalDiversity(["caf\u{E9}", "cafe\u{301}"]) == 1)
    }

    @Test("tokens, pairwise ROUGE-L F1 and diversity match rouge-score / the Python LCS")
    func matchesReference() throws {
        let sets = try Reference.load().lexical
        #expect(sets.values.contains { $0.reference == "rouge-score" })
        for (name, set) in sets {
            for (comment, tokens) in zip(set.comments, set.tokens) {
                #expect(Stats.tokens(comment) == tokens, "\(name): tokens of \(comment)")
            }
            for pair in set.pairs {
                let f1 = Stats.rougeLF1(set.comments[pair.i], set.comments[pair.j])
                expectStatistic(f1, pair.f1, "\(name) F1(\(pair.i), \(pair.j))")
            }
            expectStatistic(Stats.lexicalDiversity(set.comments), set.diversity, "\(name) diversity")
        }
    }

    @Test("the bit-parallel LCS equals the dynamic-programming table, across 64-bit word boundaries")
    func bitParallelEqualsTable() {
        var random = TestLCG(seed: 11)
        func next() -> Int { random.next() }
        let lengths = [0, 1, 2, 63, 64, 65, 127, 128, 129, 200]
        for _ in 0..<300 {
            let alphabet = 1 + next() % 12
            let m = next() % 2 == 0 ? lengths[next() % lengths.count] : next() % 210
            let n = next() % 2 == 0 ? lengths[next() % lengths.count] : next() % 210
            let a = (0..<m).map { _ in Int32(next() % alphabet) }
            let b = (0..<n).map { _ in Int32(next() % alphabet) }
            #expect(Stats.lcsLength(bitParallel: a, b, alphabetSize: alphabet) == Stats.lcsLength(a, b), "m \(m), n \(n), alphabet \(alphabet)")
        }
        // All equal: the LCS is the shorter length; disjoint: 0.
        #expect(Stats.lcsLength(bitParallel: [Int32](repeating: 3, count: 130), [Int32](repeating: 3, count: 70)) == 70)
        #expect(Stats.lcsLength(bitParallel: [0, 1, 0, 1], [2, 2, 2]) == 0)
    }

    @Test("long comments (more than 64 and 128 words) give 1 − the mean pairwise ROUGE-L F1")
    func longCommentsGiveThePairwiseMean() {
        let words = ["the", "city", "cars", "park", "bus", "Tram", "r\u{E9}seau", "42"]
        var random = TestLCG(seed: 5)
        func next() -> Int { random.next() }
        for _ in 0..<10 {
            let comments = (0..<(2 + next() % 4)).map { _ in (0..<(next() % 190)).map { _ in words[next() % words.count] }.joined(separator: ", ") }
            var sum = 0.0
            var pairs = 0
            for i in comments.indices { for j in comments.indices where j > i { sum += Stats.rougeLF1(comments[i], comments[j]); pairs += 1 } }
            #expect(abs((Stats.lexicalDiversity(comments) ?? -1) - (1 - sum / Double(pairs))) < 1e-12)
        }
    }

    @Test("hand-computed LCS and F1")
    func handComputed() {
        #expect(Stats.lcsLength(Array("ABCBDAB"), Array("BDCABA")) == 4)
        #expect(Stats.lcsLength([Int](), [1, 2]) == 0)
        #expect(Stats.tokens("Don't STOP—now, 2nd try!") == ["don", "t", "stop", "now", "2nd", "try"])
        #expect(Stats.tokens("ΣΟΦΙΑ Café") == ["σοφια", "café"])
        // "the cat sat" vs "the cat sat down": l = 3, P = 1, R = 3/4, F = 6/7.
        #expect(isClose(Stats.rougeLF1("the cat sat", "the cat sat down"), 6.0 / 7.0, tolerance: 1e-15))
        #expect(Stats.rougeLF1("a b", "c d") == 0)
        #expect(Stats.rougeLF1("", "") == 0)
        #expect(Stats.rougeLF1("Same words.", "same WORDS") == 1)
    }

    @Test("diversity extremes and degenerate input")
    func extremes() {
        #expect(Stats.lexicalDiversity(["x y z", "X, Y; Z", "x y z"]) == 0)
        #expect(Stats.lexicalDiversity(["a b", "c d", "e"]) == 1)
        #expect(Stats.lexicalDiversity(["only one"]) == nil)
        #expect(Stats.lexicalDiversity([]) == nil)
        #expect(Stats.lexicalDiversity(["", "..."]) == 1)
    }
}

@Suite("Rates and the turn-taking check")
struct RateTests {
    @Test("intervention rate")
    func intervention() {
        #expect(Stats.interventionRate(moderatorComments: 3, moderatorTurns: 12) == 0.25)
        #expect(Stats.interventionRate([true, false, false, true]) == 0.5)
        #expect(Stats.interventionRate([]) == nil)
        #expect(Stats.interventionRate(moderatorComments: 1, moderatorTurns: 0) == nil)
        #expect(Stats.interventionRate(moderatorComments: 5, moderatorTurns: 4) == nil)
        #expect(Stats.interventionRate(moderatorComments: -1, moderatorTurns: 4) == nil)
    }

    @Test("participation rates per user and the share who commented")
    func participation() throws {
        let speakers = ["ann", "bob", "ann", "cat", "bob", "ann", "cat"]
        let commented = [true, false, true, false, false, false, false]
        let result = try #require(Stats.participation(speakers: speakers, commented: commented))
        #expect(result.turns == ["ann": 3, "bob": 2, "cat": 2])
        #expect(result.comments == ["ann": 2, "bob": 0, "cat": 0])
        #expect(result.rates == ["ann": 2.0 / 3.0, "bob": 0, "cat": 0])
        #expect(result.shareWhoCommented == 1.0 / 3.0)
        let withSilent = try #require(
            Stats.participation(speakers: speakers, commented: commented, users: ["ann", "bob", "cat", "dan"]))
        #expect(withSilent.shareWhoCommented == 0.25)
        #expect(withSilent.rates["dan"] == nil)
        #expect(Stats.participation(speakers: ["a"], commented: []) == nil)
        #expect(Stats.participation(speakers: [String](), commented: []) == nil)
    }

    @Test("turn-taking check matches statsmodels proportions_ztest")
    func turnTakingReference() throws {
        let cases = try Reference.load().turn_taking
        #expect(cases.count >= 3)
        for c in cases {
            let check = try #require(Stats.turnTakingCheck(speakers: c.speakers, p: c.p, users: c.users), "\(c.name)")
            #expect(check.triples == c.triples, "\(c.name) triples")
            #expect(check.replyBacks == c.aba, "\(c.name) A,B,A count")
            expectStatistic(check.observed, c.observed, "\(c.name) observed")
            expectStatistic(check.expected, c.expected, "\(c.name) expected")
            expectStatistic(check.z, c.z, "\(c.name) z")
            expectPValue(check.p, c.pvalue, "\(c.name) p")
        }
    }

    @Test("the check accepts TurnTaker's respond(p) and rejects the random policy")
    func turnTakingSimulation() throws {
        func speakers(_ policy: TurnTakingPolicy, users: Int, seed: UInt64) -> [Int] {
            var taker = TurnTaker(policy: policy, userCount: users, seed: seed)
            return (0..<3000).map { _ in taker.next().speaker }
        }
        let respond = try #require(Stats.turnTakingCheck(speakers: speakers(.respond(p: 0.4), users: 5, seed: 8), p: 0.4, users: 5))
        #expect(abs(respond.observed - 0.55) < 0.05)
        #expect(respond.p > 0.001)
        let random = try #require(Stats.turnTakingCheck(speakers: speakers(.random, users: 5, seed: 8), p: 0.4, users: 5))
        #expect(abs(random.observed - 0.25) < 0.05)
        #expect(random.p < 1e-10)
    }

    @Test("turn-taking check degenerate cases")
    func turnTakingDegenerate() throws {
        #expect(Stats.turnTakingCheck(speakers: [1, 2], p: 0.3, users: 3) == nil)
        #expect(Stats.turnTakingCheck(speakers: [1, 1, 1, 1], p: 0.3, users: 3) == nil)
        #expect(Stats.turnTakingCheck(speakers: [1, 2, 1], p: 1.5, users: 3) == nil)
        #expect(Stats.turnTakingCheck(speakers: [1, 2, 1], p: 0.5, users: 1) == nil)
        // Two users: A, B, A is forced, p₀ = 1.
        let forced = try #require(Stats.turnTakingCheck(speakers: [0, 1, 0, 1, 0], p: 0, users: 2))
        #expect(forced.expected == 1 && forced.z == 0 && forced.p == 1)
        let broken = try #require(Stats.turnTakingCheck(speakers: [0, 1, 1, 0, 1], p: 0, users: 2))
        #expect(broken.triples == 2 && broken.replyBacks == 1)
        #expect(broken.z == -.infinity && broken.p == 0)
    }
}
