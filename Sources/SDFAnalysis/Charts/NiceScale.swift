import Foundation

/// "Nice" axis ticks: steps of 1, 2 or 5 times a power of ten, so that labels read as round numbers.
///
/// Source: Heckbert (1990), "Nice numbers for graph labels", in *Graphics Gems* (Academic Press), pp. 61–63,
/// loose labelling variant.
public struct NiceScale: Sendable, Hashable {
    /// The axis's lower end: a multiple of ``step`` at or below the data minimum (or the fixed lower end).
    public var lower: Double
    /// The axis's upper end: a multiple of ``step`` at or above the data maximum (or the fixed upper end).
    public var upper: Double
    /// The distance between ticks, 1, 2 or 5 × 10^k; > 0.
    public var step: Double
    /// Tick values from ``lower`` to ``upper`` inclusive, strictly increasing, at least two.
    public var ticks: [Double]

    /// A loose nice scale covering `[minimum, maximum]` with about `targetTicks` ticks.
    ///
    /// - Parameters:
    ///   - minimum: the smallest value to show (finite).
    ///   - maximum: the largest value to show (finite); when equal to `minimum` the range is widened by 1 on
    ///     each side; when smaller the two are swapped.
    ///   - targetTicks: the desired number of ticks, ≥ 2 (values below 2 are treated as 2).
    public init(minimum: Double, maximum: Double, targetTicks: Int = 5) {
        var lo = minimum.isFinite ? minimum : 0
        var hi = maximum.isFinite ? maximum : 1
        if hi < lo { swap(&lo, &hi) }
        if hi == lo {
            lo -= 1
            hi += 1
        }
        let range = Self.niceNumber(hi - lo, round: false)
        let step = Self.niceNumber(range / Double(max(2, targetTicks) - 1), round: true)
        let lower = (lo / step).rounded(.down) * step
        let upper = (hi / step).rounded(.up) * step
        self.init(lower: lower, upper: upper, step: step)
    }

    /// A scale over a fixed domain `[lower, upper]` (e.g. a rubric's 1–5), with nice ticks inside it.
    ///
    /// - Parameters:
    ///   - fixedLower: the axis's lower end, kept as given.
    ///   - fixedUpper: the axis's upper end, kept as given; must exceed `fixedLower` (otherwise the domain is
    ///     widened to `fixedLower + 1`).
    ///   - targetTicks: the desired number of ticks, ≥ 2.
    /// - Returns: a scale whose ticks are the multiples of a nice step inside the domain, including both ends
    ///   when they are multiples of the step.
    public static func fixed(_ fixedLower: Double, _ fixedUpper: Double, targetTicks: Int = 5) -> NiceScale {
        let upperEnd = fixedUpper > fixedLower ? fixedUpper : fixedLower + 1
        let target = max(2, targetTicks)
        var step = niceNumber(niceNumber(upperEnd - fixedLower, round: false) / Double(target - 1), round: true)
        // Prefer a finer nice step that puts ticks on both ends (1–7 → every integer, not 2, 4, 6), as long as
        // it gives at most about twice the target number of ticks.
        var candidate = step
        for _ in 0..<3 {
            if isMultiple(fixedLower, of: candidate) && isMultiple(upperEnd, of: candidate) {
                if (upperEnd - fixedLower) / candidate <= Double(2 * target) { step = candidate }
                break
            }
            candidate = finerNiceStep(candidate)
        }
        var scale = NiceScale(lower: fixedLower, upper: upperEnd, step: step)
        let first = (fixedLower / step - 1e-9).rounded(.up)
        let last = (upperEnd / step + 1e-9).rounded(.down)
        var ticks: [Double] = []
        var k = first
        while k <= last {
            ticks.append(clean(k * step))
            k += 1
        }
        scale.ticks = ticks
        return scale
    }

    /// Whether `x` is an integer multiple of `step` (up to rounding noise).
    static func isMultiple(_ x: Double, of step: Double) -> Bool {
        let q = x / step
        return abs(q - q.rounded()) < 1e-9
    }

    /// The next smaller step of the 1-2-5 ladder: 10 → 5, 5 → 2, 2 → 1, 1 → 0.5.
    static func finerNiceStep(_ step: Double) -> Double {
        let power = pow10(Int(Foundation.log10(step).rounded(.down)))
        let mantissa = (step / power).rounded()
        switch mantissa {
        case 5: return 2 * power
        case 2: return power
        default: return power / 2
        }
    }

    private init(lower: Double, upper: Double, step: Double) {
        self.lower = Self.clean(lower)
        self.upper = Self.clean(upper)
        self.step = step
        let count = Int(((upper - lower) / step).rounded()) + 1
        self.ticks = (0..<max(2, count)).map { Self.clean(lower + Double($0) * step) }
    }

    /// Digits after the decimal point that the tick labels need: 0 for steps ≥ 1, 1 for 0.5, 2 for 0.05, …
    public var decimals: Int {
        guard step < 1 else { return 0 }
        var d = 0
        var s = step
        while s < 0.999_999 && d < 10 {
            s *= 10
            d += 1
        }
        return d
    }

    /// The label of tick value `value`, with ``decimals`` digits (and `suffix` appended, e.g. `%`).
    public func label(_ value: Double, scale: Double = 1, suffix: String = "") -> String {
        let scaledDecimals = max(0, decimals - Int(Foundation.log10(scale).rounded()))
        return SVG.num(value * scale, decimals: scaledDecimals) + suffix
    }

    /// Heckbert's nice number: 1, 2, 5 or 10 times a power of ten near `x` (> 0); rounded to the nearest
    /// when `round`, otherwise the smallest at or above.
    static func niceNumber(_ x: Double, round: Bool) -> Double {
        guard x > 0, x.isFinite else { return 1 }
        let exponent = Foundation.log10(x).rounded(.down)
        let power = pow10(Int(exponent))
        let fraction = x / power
        let nice: Double
        if round {
            nice = fraction < 1.5 ? 1 : fraction < 3 ? 2 : fraction < 7 ? 5 : 10
        } else {
            nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10
        }
        return nice * power
    }

    /// 10^k by repeated multiplication (exact for the small k used here).
    static func pow10(_ k: Int) -> Double {
        var result = 1.0
        if k >= 0 {
            for _ in 0..<k { result *= 10 }
        } else {
            for _ in 0..<(-k) { result /= 10 }
        }
        return result
    }

    /// Removes floating-point noise such as 0.30000000000000004 (rounds to 10 decimal places).
    static func clean(_ x: Double) -> Double {
        (x * 1e10).rounded() / 1e10
    }
}
