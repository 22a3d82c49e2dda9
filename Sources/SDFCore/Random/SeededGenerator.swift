/// A small, fast, seedable pseudo-random generator (SplitMix64) whose whole state is one `UInt64`.
///
/// Every random choice in SDF goes through a `SeededGenerator` derived from the run seed, so that the
/// same experiment file and seed give the same decisions on every machine. The state is `Codable` so a
/// partially finished discussion can be resumed with its generator exactly where it was.
///
/// Algorithm: Steele, Lea & Flood, "Fast splittable pseudorandom number generators" (OOPSLA 2014);
/// constants as in Vigna's public-domain `splitmix64.c`.
public struct SeededGenerator: RandomNumberGenerator, Codable, Sendable, Hashable {
    /// The generator's whole state; advancing it by the golden-ratio increment gives the next output.
    public var state: UInt64

    /// Creates a generator whose first output is fully determined by `seed`.
    public init(seed: UInt64) { self.state = seed }

    /// Creates a generator for a named stream derived from a parent seed, e.g. `("turn-taking")`.
    ///
    /// Streams with different names are statistically independent for practical purposes.
    public init(seed: UInt64, stream: String) {
        self.state = SeedDerivation.derive(seed, stream)
    }

    /// Returns the next 64 random bits.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform `Double` in [0, 1) with 53 bits of precision.
    public mutating func nextUnit() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }
}

/// Derives child seeds from a parent seed and labels, deterministically and platform-independently.
///
/// Labels are hashed with 64-bit FNV-1a over their UTF-8 bytes and mixed with the parent through the
/// SplitMix64 finaliser, so `derive(42, "a")` is the same on every machine and Swift version
/// (unlike `Hasher`, which is randomly seeded per process).
public enum SeedDerivation {
    /// Mixes `seed` with each label in turn and returns the derived 64-bit seed.
    public static func derive(_ seed: UInt64, _ labels: String...) -> UInt64 {
        derive(seed, labels)
    }

    /// Mixes `seed` with each label in `labels` and returns the derived 64-bit seed.
    public static func derive(_ seed: UInt64, _ labels: [String]) -> UInt64 {
        var value = seed
        for label in labels {
            var hash: UInt64 = 0xCBF2_9CE4_8422_2325
            for byte in label.utf8 {
                hash ^= UInt64(byte)
                hash &*= 0x0000_0100_0000_01B3
            }
            value = mix(value ^ mix(hash))
        }
        return value
    }

    /// The SplitMix64 output function, a bijective 64-bit mixer.
    public static func mix(_ input: UInt64) -> UInt64 {
        var z = input &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A version-4-shaped UUID string built from two derived 64-bit values: stable for a given seed and labels.
    ///
    /// Used for discussion, participant and comment ids so that the same spec and seed give the same ids.
    /// The ids depend on position (seed, condition, replicate, turn), never on text.
    public static func uuid(_ seed: UInt64, _ labels: String...) -> String {
        let high = derive(seed, labels + ["uuid-high"])
        let low = derive(seed, labels + ["uuid-low"])
        var bytes = [UInt8](repeating: 0, count: 16)
        for i in 0..<8 {
            bytes[i] = UInt8(truncatingIfNeeded: high >> (56 - 8 * UInt64(i)))
            bytes[8 + i] = UInt8(truncatingIfNeeded: low >> (56 - 8 * UInt64(i)))
        }
        bytes[6] = (bytes[6] & 0x0F) | 0x40
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        let hex = bytes.map { byte -> String in
            let s = String(byte, radix: 16)
            return s.count == 1 ? "0" + s : s
        }.joined()
        let chars = Array(hex)
        return [0..<8, 8..<12, 12..<16, 16..<20, 20..<32].map { String(chars[$0]) }.joined(separator: "-")
    }
}

extension SeededGenerator {
    /// A uniform index in `0..<count` without modulo bias.
    ///
    /// Lemire's multiply-and-reject method ("Fast random integer generation in an interval", ACM TOMACS 2019),
    /// written out here rather than taken from `Int.random(in:using:)` so that the sequence of draws cannot
    /// change with the standard library's implementation.
    /// - Precondition: `count > 0`.
    public mutating func index(below count: Int) -> Int {
        precondition(count > 0, "index(below:) needs a positive count")
        let bound = UInt64(count)
        var product = next().multipliedFullWidth(by: bound)
        if product.low < bound {
            let threshold = (0 &- bound) % bound
            while product.low < threshold {
                product = next().multipliedFullWidth(by: bound)
            }
        }
        return Int(product.high)
    }

    /// The elements of `items` in a uniformly random order (Fisher–Yates, using ``index(below:)``).
    public mutating func shuffled<T>(_ items: [T]) -> [T] {
        var result = items
        guard result.count > 1 else { return result }
        for i in stride(from: result.count - 1, to: 0, by: -1) {
            let j = index(below: i + 1)
            result.swapAt(i, j)
        }
        return result
    }
}
