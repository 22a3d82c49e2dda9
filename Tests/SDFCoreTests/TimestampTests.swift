import Foundation
import SDFCore
import Testing

@Suite("timestamps")
struct TimestampTests {
    /// Seeded dates: whole seconds, half milliseconds (the rounding edge), just below a second, before 1970.
    static func dates() -> [Date] {
        var state: UInt64 = 0x5DF
        var out: [Date] = []
        for i in 0..<20_000 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let r = Double(state >> 11) / Double(1 << 53)
            switch i % 4 {
            case 0: out.append(Date(timeIntervalSince1970: (r * 2e9).rounded()))
            case 1: out.append(Date(timeIntervalSince1970: 1_700_000_000 + Double(i) * 0.0005))
            case 2: out.append(Date(timeIntervalSince1970: (r * 2e9).rounded(.down) + 0.9995 + r * 0.0004))
            default: out.append(Date(timeIntervalSince1970: -r * 1e6))
            }
        }
        return out
    }

    @Test("parse reads what milliseconds and seconds write, and other offsets, as ISO8601DateFormatter does")
    func parseMatchesFoundation() {
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let whole = ISO8601DateFormatter()
        var mismatches: [String] = []
        for date in Self.dates() {
            for text in [Timestamp.milliseconds(date), Timestamp.seconds(date)] {
                // The same millisecond (the two readers' binary fractions may differ below it).
                let expected = (text.contains(".") ? fractional.date(from: text) : whole.date(from: text)).map { ($0.timeIntervalSince1970 * 1000).rounded() }
                let parsed = Timestamp.parse(text).map { ($0.timeIntervalSince1970 * 1000).rounded() }
                if parsed == nil || parsed != expected { mismatches.append("\(text): \(String(describing: parsed)) ≠ \(String(describing: expected))") }
            }
            // The written millisecond is read back exactly.
            let ms = (date.timeIntervalSince1970 * 1000).rounded()
            if let back = Timestamp.parse(Timestamp.milliseconds(date)), (back.timeIntervalSince1970 * 1000).rounded() != ms {
                mismatches.append("\(Timestamp.milliseconds(date)) read back as \(back.timeIntervalSince1970)")
            }
        }
        #expect(mismatches.count == 0, "\(mismatches.count) mismatches, e.g. \(mismatches.prefix(3))")
        #expect(Timestamp.parse("2025-10-09T10:53:20.125+02:00") == Timestamp.parse("2025-10-09T08:53:20.125Z"))
        #expect(Timestamp.parse("2025-10-09T10:53:20-01:30") == fractional.date(from: "2025-10-09T10:53:20.000-01:30"))
        for bad in ["", "2025-10-09", "2025-10-09 08:53:20Z", "yesterday", "2025-13-09T08:53:20Z"] {
            #expect(Timestamp.parse(bad) == nil, "\(bad)")
        }
    }

    @Test("the same text as ISO8601DateFormatter, milliseconds and whole seconds")
    func matchesFoundation() {
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let whole = ISO8601DateFormatter()
        var mismatches: [String] = []
        for date in Self.dates() {
            if Timestamp.milliseconds(date) != fractional.string(from: date) {
                mismatches.append("\(date.timeIntervalSince1970): \(Timestamp.milliseconds(date)) ≠ \(fractional.string(from: date))")
            }
            if Timestamp.seconds(date) != whole.string(from: date) {
                mismatches.append("\(date.timeIntervalSince1970): \(Timestamp.seconds(date)) ≠ \(whole.string(from: date))")
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(5))")
        #expect(Timestamp.milliseconds(Date(timeIntervalSince1970: 1_760_000_000.125)) == "2025-10-09T08:53:20.125Z")
        #expect(Timestamp.seconds(Date(timeIntervalSince1970: 1_760_000_000.9996)) == "2025-10-09T08:53:21Z")
    }
}
