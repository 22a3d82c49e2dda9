extension Stats {
    /// The normalised distance from unimodality (nDFU) of a histogram over ordered scale points.
    ///
    /// With h the histogram and m the index of its first maximum, DFU is the largest increase met when
    /// walking away from the peak — max over i ≥ m of h[i+1] − h[i] and over i ≤ m of h[i−1] − h[i], floored
    /// at 0 — and nDFU = DFU / h[m]. A unimodal histogram (non-increasing on both sides of its peak) gives 0;
    /// two equal, separated peaks give 1.
    ///
    /// - Parameter histogram: counts or relative frequencies per scale point, in scale order (≥ 0).
    /// - Returns: nDFU in [0, 1]; `nil` when the histogram is empty, has a negative or non-finite entry, or
    ///   sums to 0.
    ///
    /// Source: Pavlopoulos & Likas (2024), "Polarized opinion detection improves the detection of toxic
    /// language", EACL 2024. Matches `ndfu.dfu(histogram)` (PyPI `ndfu`).
    public static func nDFU(histogram: [Double]) -> Double? {
        guard !histogram.isEmpty, histogram.allSatisfy({ $0.isFinite && $0 >= 0 }),
            let peak = histogram.max(), peak > 0, let m = histogram.firstIndex(of: peak)
        else { return nil }
        var largest = 0.0
        for i in m..<(histogram.count - 1) { largest = max(largest, histogram[i + 1] - histogram[i]) }
        for i in stride(from: m, to: 0, by: -1) { largest = max(largest, histogram[i - 1] - histogram[i]) }
        return largest / peak
    }

    /// The counts of `ratings` at each point of a fixed scale (not the observed range).
    ///
    /// - Parameters:
    ///   - ratings: the ratings; each must equal one of `scale`'s points exactly.
    ///   - scale: the scale's points in order, e.g. `[1, 2, 3, 4, 5]`, without duplicates.
    /// - Returns: one count per scale point (zeros included); `nil` when `scale` is empty or has duplicates,
    ///   or a rating is not on the scale.
    public static func scaleHistogram(_ ratings: [Double], scale: [Double]) -> [Double]? {
        guard !scale.isEmpty, Set(scale).count == scale.count else { return nil }
        var position = [Double: Int]()
        for (i, point) in scale.enumerated() { position[point] = i }
        var counts = [Double](repeating: 0, count: scale.count)
        for rating in ratings {
            guard let i = position[rating] else { return nil }
            counts[i] += 1
        }
        return counts
    }

    /// nDFU of a set of ratings on a fixed scale (e.g. 1…5): ``nDFU(histogram:)`` of
    /// ``scaleHistogram(_:scale:)``.
    ///
    /// The histogram always spans the whole scale, never the observed range: `[1, 1, 2, 2, 2]` on 1…5 is
    /// unimodal (0), `[1, 1, 5, 5]` is fully polarised (1), `[1, 1, 1, 5]` gives 1/3.
    ///
    /// - Returns: nDFU in [0, 1]; `nil` when `ratings` is empty, `scale` is empty or has duplicates, or a
    ///   rating is not a scale point.
    ///
    /// Source: Pavlopoulos & Likas (2024). Matches `ndfu.dfu(ndfu.pdf(ratings, scale=scale))`.
    public static func nDFU(ratings: [Double], scale: [Double]) -> Double? {
        guard !ratings.isEmpty, let histogram = scaleHistogram(ratings, scale: scale) else { return nil }
        return nDFU(histogram: histogram)
    }

    /// nDFU of integer ratings on an integer scale such as `1...5`; see ``nDFU(ratings:scale:)``.
    ///
    /// - Returns: nDFU in [0, 1]; `nil` when `ratings` is empty or a rating lies outside `scale`.
    public static func nDFU(ratings: [Int], scale: ClosedRange<Int>) -> Double? {
        nDFU(ratings: ratings.map(Double.init), scale: scale.map(Double.init))
    }
}
