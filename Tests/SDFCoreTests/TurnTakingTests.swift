import Foundation
import Testing

@testable import SDFCore

@Suite("Turn-taking")
struct TurnTakingTests {
    static func run(_ taker: inout TurnTaker, _ turns: Int) -> [TurnDecision] {
        (0..<turns).map { _ in taker.next() }
    }

    static func speakers(policy: TurnTakingPolicy, users: Int, seed: UInt64, turns: Int) -> [Int] {
        var taker = TurnTaker(policy: policy, userCount: users, seed: seed)
        return run(&taker, turns).map(\.speaker)
    }

    // MARK: respond(p): the manipulation check

    /// With `respond(p)`, after the first two turns the speaker before last replies with probability p,
    /// otherwise a uniform draw over the n − 1 other users picks them with probability 1/(n − 1).
    /// Each A,B,A indicator is Bernoulli(e) given the past, so the count over N turns has variance N·e(1 − e).
    @Test(arguments: [0.0, 0.3, 0.7, 1.0], [2, 3, 5])
    func respondReplyBackShareMatchesTheory(p: Double, n: Int) {
        let turns = 20_000
        let seed = SeedDerivation.derive(2026, "respond", "\(p)", "\(n)")
        let s = Self.speakers(policy: .respond(p: p), users: n, seed: seed, turns: turns)
        var triples = 0
        var abA = 0
        for t in 2..<s.count {
            triples += 1
            if s[t] == s[t - 2] { abA += 1 }
        }
        let expected = p + (1 - p) / Double(n - 1)
        #expect(abs(TurnTaker.expectedReplyBackShare(p: p, users: n) - expected) < 1e-12)
        let share = Double(abA) / Double(triples)
        let se = (expected * (1 - expected) / Double(triples)).squareRoot()
        #expect(abs(share - expected) <= 4 * se + 1e-12, "p=\(p) n=\(n): share \(share), expected \(expected) ± \(4 * se)")
    }

    /// The manipulation must actually move the share: with 5 users, p = 0.7 gives far more A,B,A than p = 0.
    @Test func respondShareIncreasesWithP() {
        func share(_ p: Double) -> Double {
            let s = Self.speakers(policy: .respond(p: p), users: 5, seed: 8, turns: 5_000)
            return Double((2..<s.count).filter { s[$0] == s[$0 - 2] }.count) / Double(s.count - 2)
        }
        let shares = [0.0, 0.3, 0.7, 1.0].map(share)
        #expect(shares == shares.sorted())
        #expect(shares[0] < 0.35 && shares[3] == 1.0)
    }

    // MARK: first speaker, no immediate repeats

    @Test(arguments: [TurnTakingPolicy.respond(p: 0.4), .random])
    func firstSpeakerIsUniformOverAllUsers(policy: TurnTakingPolicy) {
        let n = 5
        var counts = [Int](repeating: 0, count: n)
        for seed in 0..<10_000 {
            var taker = TurnTaker(policy: policy, userCount: n, seed: SeedDerivation.derive(UInt64(seed), "turn-taking"))
            let d = taker.next()
            #expect(d.rule == "first")
            #expect(d.candidates == Array(0..<n))
            #expect(d.draw == nil)
            counts[d.speaker] += 1
        }
        #expect(TestSupport.chiSquareUniform(counts) < TestSupport.chiSquareCritical999(df: n - 1), "\(counts)")
    }

    @Test(arguments: [TurnTakingPolicy.respond(p: 0), .respond(p: 0.4), .respond(p: 1), .random], [2, 3, 6])
    func neverTheSameSpeakerTwiceInARow(policy: TurnTakingPolicy, n: Int) {
        let s = Self.speakers(policy: policy, users: n, seed: 31, turns: 5_000)
        #expect(s.allSatisfy { (0..<n).contains($0) })
        #expect(zip(s, s.dropFirst()).allSatisfy { $0 != $1 })
        // Every user gets turns, except under respond(1), where the first two speakers alternate for ever.
        if policy == .respond(p: 1) {
            #expect(Set(s).count == 2)
        } else {
            #expect(Set(s).count == n)
        }
    }

    // MARK: roundRobin

    @Test(arguments: [2, 3, 7])
    func roundRobinCyclesFromZero(n: Int) {
        var taker = TurnTaker(policy: .roundRobin(randomStart: false), userCount: n, seed: 123)
        let decisions = Self.run(&taker, 3 * n + 2)
        #expect(decisions.map(\.speaker) == (0..<(3 * n + 2)).map { $0 % n })
        #expect(decisions.first?.rule == "first")
        #expect(decisions.dropFirst().allSatisfy { $0.rule == "cyclic" })
        #expect(decisions.allSatisfy { $0.candidates == [$0.speaker] && $0.draw == nil })
    }

    @Test func roundRobinWithoutRandomStartIgnoresTheSeed() {
        let a = Self.speakers(policy: .roundRobin(randomStart: false), users: 4, seed: 1, turns: 12)
        let b = Self.speakers(policy: .roundRobin(randomStart: false), users: 4, seed: 999, turns: 12)
        #expect(a == b)
    }

    @Test func roundRobinRandomStartVariesWithSeedButStillCycles() {
        let n = 4
        var starts = Set<Int>()
        for seed in 0..<60 {
            let s = Self.speakers(policy: .roundRobin(randomStart: true), users: n, seed: SeedDerivation.derive(UInt64(seed), "rr"), turns: 2 * n + 1)
            starts.insert(s[0])
            #expect(s == (0..<(2 * n + 1)).map { (s[0] + $0) % n })
        }
        #expect(starts == Set(0..<n), "all users should be able to start")
    }

    // MARK: random

    @Test func randomIsUniformOverTheOtherUsers() {
        let n = 4
        let s = Self.speakers(policy: .random, users: n, seed: 4242, turns: 48_000)
        // transitions[last][next]
        var transitions = [[Int]](repeating: [Int](repeating: 0, count: n), count: n)
        for (a, b) in zip(s, s.dropFirst()) { transitions[a][b] += 1 }
        for last in 0..<n {
            #expect(transitions[last][last] == 0)
            let others = (0..<n).filter { $0 != last }.map { transitions[last][$0] }
            #expect(TestSupport.chiSquareUniform(others) < TestSupport.chiSquareCritical999(df: n - 2), "after \(last): \(others)")
        }
        // The random policy has no reply-back bias: A,B,A share is 1/(n−1).
        let aba = Double((2..<s.count).filter { s[$0] == s[$0 - 2] }.count) / Double(s.count - 2)
        let expected = 1.0 / Double(n - 1)
        #expect(abs(aba - expected) < 4 * (expected * (1 - expected) / Double(s.count - 2)).squareRoot())
    }

    @Test func randomDecisionsLogCandidates() {
        var taker = TurnTaker(policy: .random, userCount: 5, seed: 3)
        let decisions = Self.run(&taker, 200)
        for (i, d) in decisions.enumerated() where i > 0 {
            let last = decisions[i - 1].speaker
            #expect(d.rule == "uniformExcludingLast")
            #expect(d.candidates == (0..<5).filter { $0 != last })
            #expect(d.candidates.contains(d.speaker))
            #expect(d.draw == nil)
        }
    }

    // MARK: decision log of respond

    @Test(arguments: [0.0, 0.25, 0.6, 1.0])
    func respondDecisionsLogDrawsAndRules(p: Double) {
        let n = 4
        var taker = TurnTaker(policy: .respond(p: p), userCount: n, seed: 77)
        let d = Self.run(&taker, 3_000)
        #expect(d[0].rule == "first" && d[0].draw == nil && d[0].candidates == Array(0..<n))
        #expect(d[1].rule == "uniformExcludingLast" && d[1].draw == nil)
        #expect(d[1].candidates == (0..<n).filter { $0 != d[0].speaker })
        var replyBacks = 0
        for t in 2..<d.count {
            let draw = try! #require(d[t].draw, "turn \(t) of respond must log its draw")
            #expect(draw >= 0 && draw < 1)
            switch d[t].rule {
            case "replyBack":
                replyBacks += 1
                #expect(draw < p)
                #expect(d[t].speaker == d[t - 2].speaker)
                #expect(d[t].candidates == [d[t].speaker])
            case "uniformExcludingLast":
                #expect(draw >= p)
                #expect(d[t].candidates == (0..<n).filter { $0 != d[t - 1].speaker })
                #expect(d[t].candidates.contains(d[t].speaker))
            default:
                Issue.record("unexpected rule \(d[t].rule) at turn \(t)")
            }
        }
        let share = Double(replyBacks) / Double(d.count - 2)
        let se = (p * (1 - p) / Double(d.count - 2)).squareRoot()
        #expect(abs(share - p) <= 4 * se + 1e-12, "replyBack rule share \(share) for p=\(p)")
    }

    // MARK: determinism and resume

    @Test(arguments: [TurnTakingPolicy.respond(p: 0.4), .random, .roundRobin(randomStart: true)])
    func sameSeedSameDecisionsDifferentSeedDifferent(policy: TurnTakingPolicy) {
        var a = TurnTaker(policy: policy, userCount: 5, seed: 1000)
        var b = TurnTaker(policy: policy, userCount: 5, seed: 1000)
        let da = Self.run(&a, 300)
        #expect(da == Self.run(&b, 300))
        #expect(a == b)
        // Another seed changes the sequence (for roundRobin only the start can change, so compare several seeds).
        let others = (1001..<1011).map { seed -> [TurnDecision] in
            var c = TurnTaker(policy: policy, userCount: 5, seed: UInt64(seed))
            return Self.run(&c, 300)
        }
        #expect(others.contains { $0 != da })
        if case .roundRobin = policy {} else { #expect(others.allSatisfy { $0 != da }) }
    }

    @Test(arguments: [TurnTakingPolicy.respond(p: 0.4), .respond(p: 0.9), .random, .roundRobin(randomStart: true), .roundRobin(randomStart: false)], [0, 1, 2, 17])
    func encodedMidwayTakerResumesWithTheSameDecisions(policy: TurnTakingPolicy, after: Int) throws {
        var original = TurnTaker(policy: policy, userCount: 4, seed: 555)
        _ = Self.run(&original, after)
        let data = try JSONEncoder().encode(original)
        var restored = try JSONDecoder().decode(TurnTaker.self, from: data)
        #expect(restored == original)
        #expect(Self.run(&restored, 400) == Self.run(&original, 400))
    }

    /// Resuming must keep the A,B,A memory: a restored `respond(1)` taker continues alternating the same two users.
    @Test func resumedRespondRemembersTheLastTwoSpeakers() throws {
        var original = TurnTaker(policy: .respond(p: 1), userCount: 6, seed: 9)
        let before = Self.run(&original, 5).map(\.speaker)
        var restored = try JSONDecoder().decode(TurnTaker.self, from: JSONEncoder().encode(original))
        let after = Self.run(&restored, 4).map(\.speaker)
        #expect(after == [before[3], before[4], before[3], before[4]])
    }

    @Test func decisionsRoundTripThroughJSON() throws {
        var taker = TurnTaker(policy: .respond(p: 0.5), userCount: 3, seed: 2)
        let decisions = Self.run(&taker, 20)
        let back = try JSONDecoder().decode([TurnDecision].self, from: JSONEncoder().encode(decisions))
        #expect(back == decisions)
    }

    @Test func precondition_needsTwoUsers() async {
        await #expect(processExitsWith: .failure) {
            _ = TurnTaker(policy: .random, userCount: 1, seed: 0)
        }
    }

    // MARK: policy coding

    @Test func policyDecodesTheDocumentedShapesAndAliases() throws {
        func decode(_ json: String) throws -> TurnTakingPolicy {
            try JSONDecoder().decode(TurnTakingPolicy.self, from: Data(json.utf8))
        }
        #expect(try decode(#"{"policy":"roundRobin","randomStart":true}"#) == .roundRobin(randomStart: true))
        #expect(try decode(#"{"policy":"roundRobin"}"#) == .roundRobin(randomStart: false))
        #expect(try decode(#"{"policy":"round_robin"}"#) == .roundRobin(randomStart: false))
        #expect(try decode(#"{"policy":"random"}"#) == .random)
        #expect(try decode(#"{"policy":"respond","p":0.4}"#) == .respond(p: 0.4))
        #expect(try decode(#"{"policy":"random_weighted","p":0.25}"#) == .respond(p: 0.25))
        #expect(throws: DecodingError.self) { try decode(#"{"policy":"respond"}"#) }
        #expect(throws: DecodingError.self) { try decode(#"{"policy":"alternate"}"#) }
        #expect(throws: DecodingError.self) { try decode(#"{"policy":"random","q":1}"#) }
        #expect(throws: DecodingError.self) { try decode(#"{"p":0.3}"#) }
    }

    @Test(arguments: [TurnTakingPolicy.respond(p: 0.35), .random, .roundRobin(randomStart: true), .roundRobin(randomStart: false)])
    func policyEncodesInTheShapeItDecodes(policy: TurnTakingPolicy) throws {
        let back = try JSONDecoder().decode(TurnTakingPolicy.self, from: JSONEncoder().encode(policy))
        #expect(back == policy)
    }

    @Test func policyNames() {
        #expect(TurnTakingPolicy.respond(p: 0.1).name == "respond")
        #expect(TurnTakingPolicy.random.name == "random")
        #expect(TurnTakingPolicy.roundRobin(randomStart: true).name == "roundRobin")
    }
}
