import Foundation
import Testing

@testable import SDFCore

@Suite("SeededGenerator")
struct SeededGeneratorTests {
    /// Reference outputs of SplitMix64 computed with an independent implementation of Vigna's `splitmix64.c`
    /// (a few lines of Python with explicit 64-bit masking). Seed 1234567 is the vector commonly used to
    /// check SplitMix64 / Java's `SplittableRandom` (first output 6457827717110365317).
    @Test(arguments: [
        (UInt64(0), [UInt64(0xE220_A839_7B1D_CDAF), 0x6E78_9E6A_A1B9_65F4, 0x06C4_5D18_8009_454F]),
        (UInt64(1_234_567), [UInt64(0x599E_D017_FB08_FC85), 0x2C73_F084_5854_0FA5, 0x883E_BCE5_A3F2_7C77]),
    ])
    func matchesIndependentSplitMix64Reference(seed: UInt64, expected: [UInt64]) {
        var g = SeededGenerator(seed: seed)
        #expect((0..<3).map { _ in g.next() } == expected)
    }

    @Test func sameSeedGivesSameSequenceAndDifferentSeedsDiffer() {
        for seed: UInt64 in [0, 1, 42, 0xDEAD_BEEF, .max] {
            var a = SeededGenerator(seed: seed)
            var b = SeededGenerator(seed: seed)
            var c = SeededGenerator(seed: seed &+ 1)
            let sa = (0..<200).map { _ in a.next() }
            let sb = (0..<200).map { _ in b.next() }
            let sc = (0..<200).map { _ in c.next() }
            #expect(sa == sb)
            #expect(sa != sc)
            // Outputs within one stream do not repeat over a short run (a stuck or tiny-period generator would).
            #expect(Set(sa).count == sa.count)
        }
    }

    @Test func namedStreamIsTheDerivedSeedAndStreamsDiffer() {
        let x = SeededGenerator(seed: 42, stream: "turn-taking")
        #expect(x.state == SeedDerivation.derive(42, "turn-taking"))
        var a = SeededGenerator(seed: 42, stream: "personas")
        var b = SeededGenerator(seed: 42, stream: "trolls")
        var c = SeededGenerator(seed: 42, stream: "personas")
        let sa = (0..<20).map { _ in a.next() }
        #expect(sa != (0..<20).map { _ in b.next() })
        #expect(sa == (0..<20).map { _ in c.next() })
    }

    @Test func codableRoundTripContinuesTheSequence() throws {
        var g = SeededGenerator(seed: 99)
        for _ in 0..<17 { _ = g.next() }
        let data = try JSONEncoder().encode(g)
        var restored = try JSONDecoder().decode(SeededGenerator.self, from: data)
        #expect(restored == g)
        #expect((0..<50).map { _ in restored.next() } == (0..<50).map { _ in g.next() })
    }

    @Test func nextUnitIsInUnitIntervalWithMeanAndVarianceOfUniform() {
        var g = SeededGenerator(seed: 7)
        let n = 50_000
        var sum = 0.0
        var sumSquares = 0.0
        var buckets = [Int](repeating: 0, count: 10)
        for _ in 0..<n {
            let u = g.nextUnit()
            #expect(u >= 0 && u < 1)
            sum += u
            sumSquares += u * u
            buckets[Int(u * 10)] += 1
        }
        let mean = sum / Double(n)
        let variance = sumSquares / Double(n) - mean * mean
        // Uniform(0,1): mean 1/2 (sd of the mean 0.2887/sqrt(n) ≈ 0.0013), variance 1/12.
        #expect(abs(mean - 0.5) < 4 * 0.2887 / Double(n).squareRoot())
        #expect(abs(variance - 1.0 / 12.0) < 0.003)
        #expect(TestSupport.chiSquareUniform(buckets) < TestSupport.chiSquareCritical999(df: 9))
    }

    @Test(arguments: [1, 2, 3, 7, 10, 24])
    func indexBelowIsInRangeAndRoughlyUniform(count: Int) {
        var g = SeededGenerator(seed: UInt64(1000 + count))
        let draws = 5_000 * count
        var counts = [Int](repeating: 0, count: count)
        for _ in 0..<draws {
            let i = g.index(below: count)
            #expect(i >= 0 && i < count)
            counts[i] += 1
        }
        if count == 1 {
            #expect(counts == [draws])
        } else {
            let df = count - 1
            #expect(TestSupport.chiSquareUniform(counts) < TestSupport.chiSquareCritical999(df: df), "counts: \(counts)")
        }
    }

    /// With a bound of 3·2^61, `next() % bound` would put 56.25 % of the draws in the lower half of the range;
    /// an unbiased method puts 50 % there. This checks the rejection step really removes the bias.
    @Test func indexBelowHugeBoundHasNoModuloBias() {
        let bound = 3 << 61
        var g = SeededGenerator(seed: 2024)
        let n = 40_000
        var lower = 0
        for _ in 0..<n {
            let i = g.index(below: bound)
            #expect(i >= 0 && i < bound)
            if i < bound / 2 { lower += 1 }
        }
        let share = Double(lower) / Double(n)
        let se = (0.25 / Double(n)).squareRoot()
        #expect(abs(share - 0.5) < 4 * se, "share below the midpoint: \(share)")
    }

    @Test func shuffledIsAPermutation() {
        var g = SeededGenerator(seed: 5)
        for size in [0, 1, 2, 5, 31, 100] {
            let items = Array(0..<size)
            for _ in 0..<20 {
                let s = g.shuffled(items)
                #expect(s.count == items.count)
                #expect(s.sorted() == items)
            }
        }
        let words = ["a", "b", "b", "c"]
        #expect(g.shuffled(words).sorted() == words.sorted())
        // Large shuffles actually move things.
        #expect(g.shuffled(Array(0..<100)) != Array(0..<100))
    }

    @Test func shuffledGivesAllOrdersOfThreeEquallyOften() {
        var g = SeededGenerator(seed: 11)
        var counts: [[Int]: Int] = [:]
        let n = 30_000
        for _ in 0..<n { counts[g.shuffled([0, 1, 2]), default: 0] += 1 }
        #expect(counts.count == 6)
        #expect(TestSupport.chiSquareUniform(Array(counts.values)) < TestSupport.chiSquareCritical999(df: 5), "\(counts)")
    }

    @Test func shuffledIsDeterministicForASeed() {
        var a = SeededGenerator(seed: 77)
        var b = SeededGenerator(seed: 77)
        let items = (0..<50).map { "item-\($0)" }
        #expect(a.shuffled(items) == b.shuffled(items))
    }
}

@Suite("SeedDerivation")
struct SeedDerivationTests {
    @Test func deriveIsDeterministicAndSensitiveToEveryInput() {
        let base = SeedDerivation.derive(42, "condition", "replicate-0")
        #expect(base == SeedDerivation.derive(42, "condition", "replicate-0"))
        #expect(base == SeedDerivation.derive(42, ["condition", "replicate-0"]))
        #expect(base != SeedDerivation.derive(43, "condition", "replicate-0"))
        #expect(base != SeedDerivation.derive(42, "condition", "replicate-1"))
        #expect(base != SeedDerivation.derive(42, "replicate-0", "condition"), "label order must matter")
        #expect(base != SeedDerivation.derive(42, "conditionreplicate-0"), "label boundaries must matter")
        #expect(SeedDerivation.derive(42, "a") != SeedDerivation.derive(42, "A"))
        // No labels: nothing is mixed in.
        #expect(SeedDerivation.derive(42, [String]()) == 42)
    }

    @Test func derivedSeedsForManyLabelsAreDistinct() {
        let seeds = (0..<5_000).map { SeedDerivation.derive(7, "replicate-\($0)") }
        #expect(Set(seeds).count == seeds.count)
        let bySeed = (0..<5_000).map { SeedDerivation.derive(UInt64($0), "x") }
        #expect(Set(bySeed).count == bySeed.count)
    }

    @Test func mixHasNoCollisionsOnConsecutiveInputsAndSpreadsBits() {
        let outputs = (0..<10_000).map { SeedDerivation.mix(UInt64($0)) }
        #expect(Set(outputs).count == outputs.count)
        // Avalanche: flipping one input bit flips about half of the 64 output bits on average.
        var flipped = 0
        var trials = 0
        for x in 0..<200 {
            for bit in 0..<64 {
                let a = SeedDerivation.mix(UInt64(x))
                let b = SeedDerivation.mix(UInt64(x) ^ (1 << UInt64(bit)))
                flipped += (a ^ b).nonzeroBitCount
                trials += 1
            }
        }
        let mean = Double(flipped) / Double(trials)
        #expect(abs(mean - 32) < 1, "mean flipped bits \(mean)")
    }

    @Test func uuidIsAValidVersion4ShapedUUID() {
        for i in 0..<500 {
            let s = SeedDerivation.uuid(UInt64(i), "discussion", "strategy=none;model=local", "replicate-\(i % 7)")
            #expect(UUID(uuidString: s) != nil, "\(s)")
            #expect(s.count == 36)
            #expect(s == s.lowercased())
            let chars = Array(s)
            #expect([8, 13, 18, 23].allSatisfy { chars[$0] == "-" })
            #expect(chars[14] == "4", "version nibble of \(s)")
            #expect("89ab".contains(chars[19]), "variant nibble of \(s)")
        }
    }

    @Test func uuidHexDigitsComeFromTheDerivedHalves() {
        let high = SeedDerivation.derive(42, ["p", "q", "uuid-high"])
        let low = SeedDerivation.derive(42, ["p", "q", "uuid-low"])
        let s = SeedDerivation.uuid(42, "p", "q").replacingOccurrences(of: "-", with: "")
        func hex(_ v: UInt64) -> String {
            let h = String(v, radix: 16)
            return String(repeating: "0", count: 16 - h.count) + h
        }
        let h = Array(hex(high))
        let l = Array(hex(low))
        let got = Array(s)
        // Digits not overwritten by the version (digit 12) and variant (digit 16) come straight from the halves.
        #expect(String(got[0..<12]) == String(h[0..<12]))
        #expect(String(got[13..<16]) == String(h[13..<16]))
        #expect(String(got[17..<32]) == String(l[1..<16]))
    }

    @Test func uuidIsStableForSameLabelsAndDistinctOtherwise() {
        let a = SeedDerivation.uuid(42, "participant", "d1", "0")
        #expect(a == SeedDerivation.uuid(42, "participant", "d1", "0"))
        #expect(a != SeedDerivation.uuid(42, "participant", "d1", "1"))
        #expect(a != SeedDerivation.uuid(43, "participant", "d1", "0"))
        #expect(a != SeedDerivation.uuid(42, "participant", "d2", "0"))
        let many = (0..<3_000).map { SeedDerivation.uuid(1, "comment", "turn-\($0)") }
        #expect(Set(many).count == many.count)
    }
}
