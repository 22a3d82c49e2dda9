import Crypto
import Foundation

/// What the importer reads out of one prompt of the earlier Python tools: who the speaker was and what they
/// were told.
///
/// Three layouts are recognised:
/// - SynDisco 2.x: a JSON object (or its JSON text) with `context`, `instructions`, `type` and a `persona` object
///   (`username`, `age`, `sex`, …, `special_instructions`, `personality_characteristics`).
/// - 2025 text: `… Your name is NAME. Your traits: key: value, key: value, … Your instructions: …`.
/// - 2024 text: `You are NAME 52 years old, Orientation, Group, Employment, trait, …, woman, with Masters
///   education, and Neutral intent. Context: … Your instructions: …`.
public struct LegacyPromptParts: Sendable, Hashable {
    /// The persona read from the prompt; `nil` when no attribute could be read.
    public var persona: Persona?
    /// The part of the prompt that describes the speaker, whitespace collapsed: the input of ``identity``.
    public var personaText: String
    /// The role instructions (`Your instructions: …` or the JSON `instructions`), or empty.
    public var instructions: String
    /// The context (`Context: …` or the JSON `context`), or empty.
    public var context: String

    /// A stable key of the persona: the first 16 hex digits of the SHA-256 of ``personaText``. Two prompts
    /// describing the same persona get the same key whatever their model; two different personas never share
    /// one, even when they share a username.
    public var identity: String { LegacyPrompt.hash(personaText) }

    /// Creates parts.
    public init(persona: Persona?, personaText: String, instructions: String, context: String) {
        self.persona = persona
        self.personaText = personaText
        self.instructions = instructions
        self.context = context
    }
}

/// Reads personas, instructions, rubric labels and timestamps out of the prompts and files of the earlier
/// Python tools (SDF 2024/2025, SynDisco 1.x/2.x). Pure functions: no I/O.
public enum LegacyPrompt {
    /// Splits `prompt` into persona, context and instructions (see ``LegacyPromptParts`` for the layouts).
    ///
    /// - Parameter username: the speaker's name when known from elsewhere in the file (the `users` list); it wins
    ///   over a name read from the prompt.
    /// - Returns: the parts; the persona is `nil` when nothing could be read, and ``LegacyPromptParts/personaText``
    ///   is then the whole prompt up to its context or instructions.
    public static func parse(_ prompt: String, username: String? = nil) -> LegacyPromptParts {
        if let parts = parseJSON(prompt, username: username) { return parts }
        let instructions = section(prompt, after: "Your instructions:", before: [])
        let context = section(prompt, after: "Context:", before: ["Your instructions:"])
        let head = collapse(prefix(prompt, before: ["Context:", "Your instructions:"]))
        if prompt.range(of: "Your traits:") != nil {
            let traits = section(prompt, after: "Your traits:", before: ["Context:", "Your instructions:"])
            let name = username ?? match(#"Your name is ([^\s.,]+)"#, in: prompt)
            return LegacyPromptParts(
                persona: persona2025(traits: traits, username: name), personaText: head, instructions: instructions,
                context: context)
        }
        return LegacyPromptParts(
            persona: persona2024(head, username: username), personaText: head, instructions: instructions, context: context)
    }

    /// Whether a persona was a troll in the earlier tools: its `special_instructions` or `intent` (kept in
    /// ``Persona/extra``) says `troll` (case-insensitive).
    public static func isTroll(_ persona: Persona?) -> Bool {
        guard let persona else { return false }
        return ["special_instructions", "intent"].contains { key in
            (persona.extra[key] ?? "").lowercased().contains("troll")
        }
    }

    /// The first 16 hex digits of the SHA-256 of `text` (UTF-8).
    public static func hash(_ text: String) -> String {
        let hex = SHA256.hash(data: Data(text.utf8)).map { byte in
            (byte < 16 ? "0" : "") + String(byte, radix: 16)
        }.joined()
        return String(hex.prefix(16))
    }

    /// The point labels the annotation prompt gave for `dimension`, e.g. `1 = not toxic, …, 5 = extremely toxic`
    /// or `1: best … 5: worst` after the dimension's name; `nil` unless every point of `points` has a label.
    ///
    /// - Parameter names: spellings of the dimension in the prompt (e.g. `["ArgumentQuality", "argument quality"]`),
    ///   matched case-insensitively; the labels are read from the first mention that has all of them.
    public static func rubricLabels(in prompt: String, names: [String], points: ClosedRange<Int>) -> [String]? {
        let lower = prompt.lowercased()
        for name in names {
            var searchStart = lower.startIndex
            while let found = lower.range(of: name.lowercased(), range: searchStart..<lower.endIndex) {
                searchStart = found.upperBound
                let tail = String(prompt[found.upperBound...].prefix(400))
                var labels: [Int: String] = [:]
                let pattern = #"(?:^|[\s,;(])(\d+)\s*(?:=|:|-|–|—)\s*([^,;\n.=]+?)\s*(?=[,;\n.)]|\s\d+\s*(?:=|:|-|–|—)|$)"#
                guard let regex = try? NSRegularExpression(pattern: pattern) else { return nil }
                let ns = tail as NSString
                for m in regex.matches(in: tail, range: NSRange(location: 0, length: ns.length)) {
                    guard let point = Int(ns.substring(with: m.range(at: 1))), points.contains(point), labels[point] == nil else {
                        continue
                    }
                    labels[point] = ns.substring(with: m.range(at: 2)).trimmingCharacters(in: .whitespaces)
                }
                if points.allSatisfy({ labels[$0] != nil }) { return points.map { labels[$0]! } }
            }
        }
        return nil
    }

    /// Reads a legacy timestamp: the old tools' `%y-%m-%d-%H-%M` (e.g. `24-10-17-12-04`, taken as UTC: the tools
    /// wrote local time without a zone), or ISO 8601 with or without fractional seconds; `nil` otherwise.
    public static func timestamp(_ text: String) -> Date? {
        let iso = ISO8601DateFormatter()
        if let date = iso.date(from: text) { return date }
        iso.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = iso.date(from: text) { return date }
        let parts = text.split(separator: "-").map { Int($0) }
        guard parts.count == 5, parts.allSatisfy({ $0 != nil }) else { return nil }
        var components = DateComponents()
        components.year = 2000 + parts[0]!
        components.month = parts[1]!
        components.day = parts[2]!
        components.hour = parts[3]!
        components.minute = parts[4]!
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        guard let date = calendar.date(from: components), calendar.component(.day, from: date) == parts[2]! else { return nil }
        return date
    }

    // MARK: - Layouts

    static func parseJSON(_ prompt: String, username: String?) -> LegacyPromptParts? {
        let trimmed = prompt.trimmingCharacters(in: .whitespacesAndNewlines)
        guard trimmed.first == "{", let data = trimmed.data(using: .utf8),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { return nil }
        var persona: Persona?
        var personaText = ""
        if var fields = object["persona"] as? [String: Any] {
            if let username, fields["username"] == nil { fields["username"] = username }
            if let personaData = try? JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys]) {
                personaText = String(decoding: personaData, as: UTF8.self)
                persona = try? JSONDecoder().decode(Persona.self, from: personaData)
            }
        } else if let attributes = object["attributes"] as? [String] {
            personaText = attributes.joined(separator: ", ")
            persona = persona2025(traits: personaText, username: username ?? object["name"] as? String)
        }
        if personaText.isEmpty { personaText = collapse(trimmed) }
        return LegacyPromptParts(
            persona: persona, personaText: personaText, instructions: text(object["instructions"]),
            context: text(object["context"]))
    }

    static func text(_ value: Any?) -> String {
        if let s = value as? String { return s }
        if let value, let data = try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .fragmentsAllowed]) {
            return String(decoding: data, as: UTF8.self)
        }
        return ""
    }

    /// `key: value, key: value` with list values written as Python lists (`['a', 'b']`); a traits text without
    /// keys (`just, strict, understanding`) is a personality list.
    static func persona2025(traits: String, username: String?) -> Persona? {
        let text = traits.trimmingCharacters(in: .whitespacesAndNewlines.union(CharacterSet(charactersIn: ".")))
        guard let regex = try? NSRegularExpression(pattern: #"(?:^|,\s*)([A-Za-z_][A-Za-z_ ]{0,40}?):\s*"#) else { return nil }
        let ns = text as NSString
        let matches = regex.matches(in: text, range: NSRange(location: 0, length: ns.length))
        var fields: [String: Any] = [:]
        for (i, m) in matches.enumerated() {
            let key = ns.substring(with: m.range(at: 1)).replacingOccurrences(of: " ", with: "_")
            let start = m.range.location + m.range.length
            let end = i + 1 < matches.count ? matches[i + 1].range.location : ns.length
            guard end >= start else { continue }
            var value = ns.substring(with: NSRange(location: start, length: end - start)).trimmingCharacters(in: .whitespaces)
            // Elided prompts end a value with ", ..." (the rest of the traits left out): not part of the value.
            while let last = [", ...", ",...", ", …", "...", "…", ","].first(where: { value.hasSuffix($0) }) {
                value = String(value.dropLast(last.count)).trimmingCharacters(in: .whitespaces)
            }
            if value.isEmpty { continue }
            if value.hasPrefix("["), value.hasSuffix("]") {
                value.removeFirst()
                value.removeLast()
                fields[key] = value.split(separator: ",").map {
                    $0.trimmingCharacters(in: CharacterSet.whitespaces.union(CharacterSet(charactersIn: "'\"")))
                }.filter { !$0.isEmpty }
            } else if key == "age", let age = Int(value) {
                fields[key] = age
            } else {
                fields[key] = value
            }
        }
        if matches.isEmpty {
            let words = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty && $0 != "..." }
            if !words.isEmpty { fields["personality"] = words }
        }
        if let username { fields["username"] = username }
        guard fields["username"] != nil, fields.count > 1 || !matches.isEmpty,
            let data = try? JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys])
        else { return username.map { Persona(username: $0) } }
        return try? JSONDecoder().decode(Persona.self, from: data)
    }

    /// `You are NAME 52 years old, Heterosexual, White, High School Teacher, patient, woman, with Masters
    /// education, and Neutral intent.` (the 2024 layout), read positionally after the age.
    static func persona2024(_ head: String, username: String?) -> Persona? {
        var persona = Persona(username: username ?? "annotator")
        var found = false
        if let age = match(#"(\d+)[ -]years?[ -]old"#, in: head).flatMap({ Int($0) }) {
            persona.age = age
            found = true
        }
        if let education = match(#"with ([^,.]+?) education"#, in: head) {
            persona.education = education
            found = true
        }
        if let intent = match(#"and ([^,.]+?) intent"#, in: head) {
            persona.extra["intent"] = intent
            found = true
        }
        let sexWords = ["woman": "female", "man": "male", "non-binary": "non-binary"]
        if let after = head.range(of: #"years? old,"#, options: .regularExpression) {
            var items = head[after.upperBound...].components(separatedBy: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            items = items.filter { !$0.hasPrefix("with ") && !$0.hasPrefix("and ") && !$0.isEmpty }
            if let sexIndex = items.lastIndex(where: { sexWords[$0.lowercased()] != nil }) {
                persona.sex = sexWords[items[sexIndex].lowercased()]
                items.remove(at: sexIndex)
            }
            if items.count >= 3 {
                persona.sexualOrientation = items[0]
                persona.ethnicity = items[1]
                persona.occupation = items[2]
                persona.personality = Array(items.dropFirst(3))
                found = true
            }
        } else {
            for word in head.lowercased().split(whereSeparator: { !$0.isLetter && $0 != "-" }) {
                if let sex = sexWords[String(word)] {
                    persona.sex = sex
                    found = true
                    break
                }
            }
        }
        return found || username != nil ? persona : nil
    }

    // MARK: - Text helpers

    /// `text` with every run of whitespace replaced by one space, trimmed.
    public static func collapse(_ text: String) -> String {
        text.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
    }

    static func match(_ pattern: String, in text: String) -> String? {
        guard let regex = try? NSRegularExpression(pattern: pattern) else { return nil }
        let ns = text as NSString
        guard let m = regex.firstMatch(in: text, range: NSRange(location: 0, length: ns.length)), m.numberOfRanges > 1,
            m.range(at: 1).location != NSNotFound
        else { return nil }
        return ns.substring(with: m.range(at: 1))
    }

    static func prefix(_ text: String, before markers: [String]) -> String {
        var end = text.endIndex
        for marker in markers { if let r = text.range(of: marker), r.lowerBound < end { end = r.lowerBound } }
        return String(text[..<end])
    }

    static func section(_ text: String, after marker: String, before markers: [String]) -> String {
        guard let start = text.range(of: marker) else { return "" }
        let rest = String(text[start.upperBound...])
        return prefix(rest, before: markers).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

extension LooseJSONValue {
    /// The value as compact JSON text with sorted keys (integral numbers without a fraction).
    var jsonText: String {
        switch self {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .number(let n):
            if n == n.rounded(), abs(n) < 1e15 { return String(Int(n)) }
            return String(n)
        case .string(let s):
            let data = (try? JSONEncoder().encode(s)) ?? Data("\"\"".utf8)
            return String(decoding: data, as: UTF8.self)
        case .array(let items): return "[" + items.map(\.jsonText).joined(separator: ",") + "]"
        case .object(let fields):
            return "{" + fields.keys.sorted().map { key in LooseJSONValue.string(key).jsonText + ":" + fields[key]!.jsonText }
                .joined(separator: ",") + "}"
        }
    }
}
