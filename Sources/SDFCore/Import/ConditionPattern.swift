import Foundation

/// Maps folder names of the earlier tools' output (e.g. `llama70b_vanilla.txt`) to design factors, with a
/// pattern such as `{model}_{strategy}`.
///
/// `{name}` placeholders capture text (as little as possible, so `{model}_{strategy}` splits `a_b_c` into
/// `a` and `b_c`); everything else must match literally. `{strategy}` and `{model}` set the discussion's
/// strategy and model; any other placeholder (e.g. `{trolls}`) becomes an extra factor of the condition.
/// A name with an extension of 1–4 letters (`.txt`, `.json`) is matched without it first (unless the pattern
/// has a dot), then as a whole.
public struct ConditionPattern: Sendable, Hashable {
    /// The pattern as given.
    public let pattern: String
    /// The placeholder names, in order.
    public let factors: [String]
    private let regex: String

    /// Parses a pattern.
    ///
    /// - Throws: ``LegacyFormatError`` (location `--condition-pattern`) when the pattern has no placeholder, an
    ///   unclosed `{`, a placeholder name other than letters, digits and `_`, or a placeholder twice.
    public init(_ pattern: String) throws {
        var factors: [String] = []
        var regex = "^"
        var rest = Substring(pattern)
        while let open = rest.firstIndex(of: "{") {
            regex += NSRegularExpression.escapedPattern(for: String(rest[..<open]))
            guard let close = rest[open...].firstIndex(of: "}") else {
                throw LegacyFormatError(location: "--condition-pattern", problem: "unclosed '{' in '\(pattern)'")
            }
            let name = String(rest[rest.index(after: open)..<close])
            guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
                throw LegacyFormatError(
                    location: "--condition-pattern",
                    problem: "'{\(name)}' is not a placeholder: expected a name of letters, digits and _, e.g. {model}_{strategy}")
            }
            guard !factors.contains(name) else {
                throw LegacyFormatError(location: "--condition-pattern", problem: "'{\(name)}' appears twice in '\(pattern)'")
            }
            factors.append(name)
            regex += "(.+?)"
            rest = rest[rest.index(after: close)...]
        }
        regex += NSRegularExpression.escapedPattern(for: String(rest)) + "$"
        guard !factors.isEmpty else {
            throw LegacyFormatError(
                location: "--condition-pattern", problem: "'\(pattern)' has no placeholder; expected e.g. {model}_{strategy}")
        }
        self.pattern = pattern
        self.factors = factors
        self.regex = regex
    }

    /// The factor values read from `name`, by placeholder name; `nil` when `name` (with or without its
    /// extension) does not match.
    public func match(_ name: String) -> [String: String]? {
        var candidates = [name]
        if let dot = name.lastIndex(of: "."), dot != name.startIndex {
            let ext = name[name.index(after: dot)...]
            // An extension of 1–4 letters (`.txt`, `.json`) is tried first, unless the pattern spells out a dot.
            if (1...4).contains(ext.count), ext.allSatisfy(\.isLetter), !pattern.contains(".") {
                candidates.insert(String(name[..<dot]), at: 0)
            } else {
                candidates.append(String(name[..<dot]))
            }
        }
        guard let expression = try? NSRegularExpression(pattern: regex, options: [.dotMatchesLineSeparators]) else { return nil }
        for candidate in candidates {
            let ns = candidate as NSString
            guard let m = expression.firstMatch(in: candidate, range: NSRange(location: 0, length: ns.length)) else { continue }
            var values: [String: String] = [:]
            for (i, factor) in factors.enumerated() { values[factor] = ns.substring(with: m.range(at: i + 1)) }
            return values
        }
        return nil
    }
}
