/// Text a model server may send that no part of SDF may lose or be driven by: for tests of storage, exports and
/// terminal output.
public enum HostileText {
    /// About 2 KB of Unicode scalars (700 of them): C0 controls, the first 2,048 code points, general punctuation
    /// (bidi controls, U+2028/2029) and any plane, from a seeded linear congruential generator (Knuth's MMIX
    /// constants), so the same seed gives the same text on every machine.
    ///
    /// - Parameter seed: any value; different seeds give different texts.
    /// - Returns: a string of 700 scalars (surrogate code points, which are not scalars, are skipped).
    public static func random(seed: UInt64) -> String {
        var state = seed
        var scalars = String.UnicodeScalarView()
        while scalars.count < 700 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let r = UInt32(truncatingIfNeeded: state >> 33)
            let value = [r % 0x20, r % 0x800, 0x2000 + r % 0x100, r % 0x110000][Int(state >> 62)]
            if let s = Unicode.Scalar(value) { scalars.append(s) }
        }
        return String(scalars)
    }
}
