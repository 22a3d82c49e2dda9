import Foundation

/// What a `decideFirst` moderator's answer said, or why it could not be read.
public struct ModeratorDecisionParse: Codable, Sendable, Hashable {
    /// `true` (intervene), `false` (stay silent), or `nil` when the answer could not be read.
    public var intervene: Bool?
    /// The stated reason, when one was given.
    public var reason: String?
    /// Which reading found the answer: `json`, `fencedJSON` (a JSON object in a fence or in prose), `keyValue`
    /// (`intervene: yes` in free text), or `none`.
    public var method: AnnotationParseMethod
    /// Why the answer could not be read; `nil` when ``intervene`` is set.
    public var detail: String?

    /// Creates a result.
    public init(intervene: Bool?, reason: String?, method: AnnotationParseMethod, detail: String?) {
        self.intervene = intervene
        self.reason = reason
        self.method = method
        self.detail = detail
    }
}

/// Reads a moderator's decision answer, `{"intervene": true|false, "reason": "…"}`, tolerantly.
///
/// Pure and deterministic. Readings, in order: the whole answer as a JSON object (`json`); a JSON object inside a
/// ``` fence or embedded in prose, found with ``AnnotationParser``'s reader (`fencedJSON`); the label `intervene`
/// followed by `:`/`=` and a yes/no word in free text (`keyValue`). Accepted values: JSON `true`/`false`, the strings
/// or words `true`, `false`, `yes`, `no` (any case), and the numbers `1` and `0`. Anything else leaves
/// ``ModeratorDecisionParse/intervene`` `nil`; the caller records that and applies its default (no intervention).
public enum ModeratorDecisionParser {
    /// Parses `text`.
    ///
    /// - Returns: the decision and reason, or `intervene == nil` with a ``ModeratorDecisionParse/detail``.
    public static func parse(_ text: String) -> ModeratorDecisionParse {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { return .init(intervene: nil, reason: nil, method: .none, detail: "empty answer") }
        var badValue: String?
        if trimmed.first == "{", case .object(let object)? = LooseJSONValue.parse(trimmed) {
            switch read(object) {
            case .decided(let parse): return ModeratorDecisionParse(intervene: parse.0, reason: parse.1, method: .json, detail: nil)
            case .badValue(let shown): badValue = shown
            case .noKey: break
            }
        }
        if badValue == nil {
            for object in AnnotationParser.JSONReading.embeddedObjects(in: Array(trimmed)) {
                switch read(object) {
                case .decided(let parse):
                    return ModeratorDecisionParse(intervene: parse.0, reason: parse.1, method: .fencedJSON, detail: nil)
                case .badValue(let shown):
                    badValue = shown
                case .noKey: continue
                }
                break
            }
        }
        if let badValue {
            return .init(intervene: nil, reason: nil, method: .none, detail: "intervene = \(badValue) is not true or false")
        }
        if let value = labelledValue(in: trimmed) {
            return .init(intervene: value, reason: nil, method: .keyValue, detail: nil)
        }
        let excerpt = trimmed.count > 80 ? String(trimmed.prefix(80)) + "…" : trimmed
        return .init(intervene: nil, reason: nil, method: .none, detail: "no 'intervene' answer found: \(excerpt)")
    }

    enum Reading {
        case decided((Bool, String?))
        case badValue(String)
        case noKey
    }

    static func read(_ object: [String: LooseJSONValue]) -> Reading {
        guard let key = object.keys.sorted().first(where: { normalized($0) == "intervene" }), let value = object[key] else {
            return .noKey
        }
        let reasonKey = object.keys.sorted().first { normalized($0) == "reason" }
        var reason: String?
        if let reasonKey, case .string(let text)? = object[reasonKey] { reason = text }
        switch value {
        case .bool(let flag): return .decided((flag, reason))
        case .number(let n) where n == 0 || n == 1: return .decided((n == 1, reason))
        case .string(let word):
            if let flag = yesNo(word) { return .decided((flag, reason)) }
            return .badValue(value.shown)
        default: return .badValue(value.shown)
        }
    }

    static func normalized(_ key: String) -> String { key.lowercased().filter { $0.isLetter } }

    static func yesNo(_ word: String) -> Bool? {
        switch word.trimmingCharacters(in: .whitespacesAndNewlines).lowercased() {
        case "true", "yes", "1": return true
        case "false", "no", "0": return false
        default: return nil
        }
    }

    /// `intervene: yes`, `**Intervene**: no`, `intervene = true` in free text: the first such label with a yes/no value.
    static func labelledValue(in text: String) -> Bool? {
        let lower = text.lowercased()
        var search = lower.startIndex..<lower.endIndex
        while let found = lower.range(of: "intervene", range: search) {
            search = found.upperBound..<lower.endIndex
            // The label must stand as a word (not `intervened`, not `nonintervene`).
            if found.lowerBound > lower.startIndex, lower[lower.index(before: found.lowerBound)].isLetter { continue }
            var i = found.upperBound
            if i < lower.endIndex, lower[i].isLetter { continue }
            var sawSeparator = false
            while i < lower.endIndex, "*_`\"' \t:=".contains(lower[i]) {
                if lower[i] == ":" || lower[i] == "=" { sawSeparator = true }
                i = lower.index(after: i)
            }
            guard sawSeparator else { continue }
            let word = String(lower[i...].prefix { $0.isLetter || $0.isNumber })
            if let flag = yesNo(word) { return flag }
        }
        return nil
    }
}
