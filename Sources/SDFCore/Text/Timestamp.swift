import Foundation

/// ISO 8601 timestamps in UTC as SDF writes them (exports, reports, status lines), without creating a date
/// formatter per value.
///
/// The text is exactly what Foundation's `ISO8601DateFormatter` writes with `.withInternetDateTime` (and
/// `.withFractionalSeconds` for ``milliseconds(_:)``): the time rounded to the nearest millisecond, then
/// formatted. Creating an `ISO8601DateFormatter` costs about a millisecond on Linux (ICU set-up); exports wrote
/// two per row, which dominated their time. `Date.ISO8601FormatStyle` (a value type) formats the whole seconds.
public enum Timestamp {
    static let wholeSeconds = Date.ISO8601FormatStyle()

    /// `2025-10-09T08:53:20.125Z`: UTC, three fractional digits.
    public static func milliseconds(_ date: Date) -> String {
        let (seconds, milliseconds) = split(date)
        let base = Date(timeIntervalSince1970: seconds).formatted(wholeSeconds)
        let digits = String(milliseconds)
        return String(base.dropLast()) + "." + String(repeating: "0", count: 3 - digits.count) + digits + "Z"
    }

    /// `2025-10-09T08:53:20Z`: UTC, whole seconds (of the time rounded to the millisecond, as ICU does).
    public static func seconds(_ date: Date) -> String {
        Date(timeIntervalSince1970: split(date).seconds).formatted(wholeSeconds)
    }

    static let fractionalSeconds = Date.ISO8601FormatStyle(includingFractionalSeconds: true)

    /// Reads an ISO 8601 date-time as ``milliseconds(_:)`` and ``seconds(_:)`` write it (`2025-10-09T08:53:20.125Z`,
    /// `2025-10-09T08:53:20Z`), or with another UTC offset (`+02:00`); `nil` for anything else.
    ///
    /// The two written forms are read by Foundation's `Date.ISO8601FormatStyle` (no ICU formatter per call:
    /// `ISO8601DateFormatter` was 39 % of an sdf-json import); other offsets fall back to `ISO8601DateFormatter`,
    /// with or without fractional seconds. The result is the millisecond `ISO8601DateFormatter` reads (tested; the binary
    /// fractions below it may differ).
    public static func parse(_ text: String) -> Date? {
        if text.hasSuffix("Z") {
            if let date = try? fractionalSeconds.parse(text) { return date }
            if let date = try? wholeSeconds.parse(text) { return date }
        }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: text)
    }

    /// Whole seconds since 1970 (floored) and milliseconds 0...999 of `date` rounded to the nearest millisecond.
    static func split(_ date: Date) -> (seconds: Double, milliseconds: Int) {
        let ms = (date.timeIntervalSince1970 * 1000).rounded()
        let seconds = (ms / 1000).rounded(.down)
        return (seconds, Int(ms - seconds * 1000))
    }
}
