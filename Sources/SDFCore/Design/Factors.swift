import Foundation
import Yams

/// A design factor beyond strategy and model: a name and its levels, in file order.
///
/// Written in the experiment file as `factors: {NAME: {LEVEL: OVERRIDE, …}, …}`; each level's override is a
/// partial experiment deep-merged into the file (see ``FactorMerge``).
public struct Factor: Codable, Sendable, Hashable {
    /// The factor's name, e.g. `turn_taking`; also its export column.
    public var name: String
    /// The level names, in file order; the first is the baseline (a level an explicit condition leaves out).
    public var levels: [String]

    /// Creates a factor.
    public init(name: String, levels: [String]) {
        self.name = name
        self.levels = levels
    }
}

/// One factor at one level, e.g. `trolls=none`.
public struct FactorLevel: Codable, Sendable, Hashable, CustomStringConvertible {
    /// The factor's name.
    public var factor: String
    /// The level's name.
    public var level: String

    /// Creates a factor level.
    public init(factor: String, level: String) {
        self.factor = factor
        self.level = level
    }

    /// `factor=level`.
    public var description: String { "\(factor)=\(level)" }

    /// The stable key of a combination of levels: `f1=l1;f2=l2` in factor order; empty for no factors.
    public static func key(_ levels: [FactorLevel]) -> String { levels.map(\.description).joined(separator: ";") }
}

/// How factor levels are merged into the experiment file: maps merge key by key, recursively; scalars, lists and
/// `null` replace what is there (a list is never appended to: `personas: [...]` in a level is the whole pool).
///
/// Works on YAML nodes before decoding, so that a level can override any key the file can hold; the merged node is
/// then decoded and validated like a whole experiment file.
public enum FactorMerge {
    /// The top-level keys a factor level may override. The others are the design itself (`strategies`, `models`,
    /// `replicates`, `seed`), run settings (`concurrency`) or the stage run once per store (`annotation`).
    public static let overridableKeys: [String] = ["personas", "seedComments", "discussion", "users", "trolls", "moderator", "prompts"]

    /// The top-level keys that are part of the file but cannot be overridden by a level.
    public static let fixedKeys: [String] = ["version", "name", "seed", "replicates", "strategies", "models", "concurrency", "annotation", "branching"]

    /// `base` with `override` merged in: for two mappings, each key of `override` is merged into the value of the
    /// same key in `base` (added when `base` lacks it); anything else (scalar, sequence, null, or a mapping over a
    /// non-mapping) replaces.
    public static func merge(_ base: Node, _ override: Node) -> Node {
        guard case .mapping(var merged) = base, case .mapping(let top) = override else { return override }
        for (key, value) in top {
            if let existing = merged[key] {
                merged[key] = merge(existing, value)
            } else {
                merged[key] = value
            }
        }
        return .mapping(merged)
    }

    /// The closest of `candidates` to `word` by edit distance, if it is within 2 edits or a third of the word.
    public static func suggestion(for word: String, among candidates: [String]) -> String? {
        let scored = candidates.map { ($0, editDistance(word.lowercased(), $0.lowercased())) }.min { $0.1 < $1.1 }
        guard let (best, distance) = scored, distance <= max(2, word.count / 3) else { return nil }
        return best
    }

    /// Levenshtein distance between two strings (unit costs), over characters.
    public static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a)
        let b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
}

/// The `factors:` and `conditions:` sections of an experiment file, parsed but not yet merged.
struct FactorSection {
    /// One level and its override node.
    struct Level {
        var name: String
        var override: Node
    }

    /// Factors in file order with their levels' overrides.
    var factors: [(name: String, levels: [Level])] = []
    /// The explicit conditions, each a full combination (left-out factors at their first level); `nil` for the
    /// full factorial.
    var explicit: [[FactorLevel]]?

    /// The design's level combinations: the explicit list, or the full factorial (first factor outermost).
    var combinations: [[FactorLevel]] {
        if let explicit { return explicit }
        var result: [[FactorLevel]] = [[]]
        for factor in factors {
            result = result.flatMap { prefix in factor.levels.map { prefix + [FactorLevel(factor: factor.name, level: $0.name)] } }
        }
        return factors.isEmpty ? [] : result
    }

    /// Splits `root` into the file without `factors`/`conditions` and the parsed sections, appending a diagnostic
    /// for every malformed part.
    static func split(
        _ root: Node, locate: ([any PathComponent], String) -> SpecDiagnostic, _ d: inout [SpecDiagnostic]
    ) -> (base: Node, section: FactorSection) {
        guard case .mapping(var map) = root else { return (root, FactorSection()) }
        var section = FactorSection()
        let factorsNode = map["factors"]
        let conditionsNode = map["conditions"]
        map["factors"] = nil
        map["conditions"] = nil
        if let factorsNode {
            guard case .mapping(let factors) = factorsNode else {
                d.append(locate(["factors"], "expected a mapping of factor names to their levels"))
                return (.mapping(map), section)
            }
            if factors.isEmpty { d.append(locate(["factors"], "expected at least one factor")) }
            let reserved: Set<String> = ["strategy", "model", "condition", "replicate"]
            for (key, levelsNode) in factors {
                let name = key.string ?? ""
                if !validName(name) {
                    d.append(locate(["factors", name], "expected a factor name of letters, digits, '_' or '-', got '\(name)'"))
                } else if reserved.contains(name) {
                    d.append(locate(["factors", name], "'\(name)' is a design column already; name the factor otherwise"))
                }
                guard case .mapping(let levels) = levelsNode, !levels.isEmpty else {
                    d.append(locate(["factors", name], "expected a mapping of level names to overrides, e.g. none: {trolls: {share: 0}}"))
                    continue
                }
                var parsed: [Level] = []
                for (levelKey, override) in levels {
                    let level = levelKey.string ?? ""
                    if !validName(level) {
                        d.append(locate(["factors", name, level], "expected a level name of letters, digits, '_', '-' or '.', got '\(level)'"))
                    }
                    if case .mapping = override {
                    } else if case .scalar(let s) = override, s.string == "" || s.string == "null" || s.string == "~" {
                        // An empty level (the file as it is): `baseline: {}` or `baseline:`.
                    } else {
                        d.append(locate(["factors", name, level], "expected a mapping of overrides (a partial experiment), e.g. {trolls: {share: 0}}"))
                    }
                    parsed.append(Level(name: level, override: override))
                }
                section.factors.append((name, parsed))
            }
        }
        if let conditionsNode {
            if section.factors.isEmpty, factorsNode == nil {
                d.append(locate(["conditions"], "'conditions' lists combinations of factor levels, but the file has no 'factors'"))
            } else if case .sequence(let list) = conditionsNode, !list.isEmpty {
                var explicit: [[FactorLevel]] = []
                var seen = Set<String>()
                for (i, entry) in list.enumerated() {
                    guard case .mapping(let pairs) = entry else {
                        d.append(locate(["conditions", i], "expected a mapping of factor names to levels, e.g. {trolls: none}"))
                        continue
                    }
                    var chosen: [String: String] = [:]
                    var ok = true
                    for (k, v) in pairs {
                        let factor = k.string ?? ""
                        guard let levels = section.factors.first(where: { $0.name == factor })?.levels else {
                            let hint = FactorMerge.suggestion(for: factor, among: section.factors.map(\.name)).map { " (did you mean \($0)?)" } ?? ""
                            d.append(locate(["conditions", i, factor], "no factor '\(factor)'\(hint)"))
                            ok = false
                            continue
                        }
                        let level = v.string ?? ""
                        if !levels.contains(where: { $0.name == level }) {
                            let hint = FactorMerge.suggestion(for: level, among: levels.map(\.name)).map { " (did you mean \($0)?)" }
                                ?? " (levels: \(levels.map(\.name).joined(separator: ", ")))"
                            d.append(locate(["conditions", i, factor], "factor '\(factor)' has no level '\(level)'\(hint)"))
                            ok = false
                        }
                        chosen[factor] = level
                    }
                    guard ok else { continue }
                    let combination = section.factors.map { FactorLevel(factor: $0.name, level: chosen[$0.name] ?? $0.levels[0].name) }
                    if !seen.insert(FactorLevel.key(combination)).inserted {
                        d.append(locate(["conditions", i], "the combination \(FactorLevel.key(combination)) is listed twice"))
                    }
                    explicit.append(combination)
                }
                section.explicit = explicit
            } else {
                d.append(locate(["conditions"], "expected a non-empty list of level combinations, e.g. - {turn_taking: respond, trolls: none}"))
            }
        }
        return (.mapping(map), section)
    }

    static func validName(_ name: String) -> Bool {
        !name.isEmpty && name.allSatisfy { $0.isLetter || $0.isNumber || "_-.".contains($0) }
    }

    /// The override of `factor` at `level`, as a mapping node (an empty level is an empty mapping).
    func override(_ factor: String, _ level: String) -> Node {
        let node = factors.first { $0.name == factor }?.levels.first { $0.name == level }?.override
        if let node, case .mapping = node { return node }
        return .mapping(Node.Mapping([]))
    }
}
