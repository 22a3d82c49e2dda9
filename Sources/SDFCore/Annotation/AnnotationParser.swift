import Foundation

/// The outcome of reading an annotator's answer against a rubric.
///
/// Only ``ok`` yields a complete set of values; every other case is a recorded failure, never a default.
/// When an answer has several problems the most severe decides the status, in this order:
/// conflicting or non-numeric values (``unparseable``), then ``outOfRange``, then ``missingDimension``.
public enum AnnotationParseStatus: String, Codable, Sendable, Hashable {
    /// Every rubric dimension was found once (or repeated with the same value), each within its scale.
    case ok
    /// A value was read but is not a point of its dimension's scale: outside `min...max`, not whole (`3.5`),
    /// or given on another scale (`3/10` for a 1–5 dimension).
    case outOfRange
    /// At least one dimension was read, or a JSON object was found, but some rubric dimension has no value.
    case missingDimension
    /// No value was found and the answer declines to rate ("I cannot rate this", "As an AI, …").
    case refusal
    /// Nothing usable: an empty answer, no dimension with a value, a non-numeric value (`"high"`, `true`), or
    /// a dimension given twice with different values.
    case unparseable
}

/// Which reading of an annotator's answer found its values (stored as its raw value in `annotation.method`).
public enum AnnotationParseMethod: String, Codable, Sendable, Hashable, CaseIterable {
    /// The whole answer is a JSON object.
    case json
    /// A JSON object inside a ``` fence or embedded in prose.
    case fencedJSON
    /// Labelled numbers in free text.
    case keyValue
    /// Free text where at least one value is a word such as `three`.
    case spelledOut
    /// No reading found values (or the call failed).
    case none
}

/// The values read from one annotator answer, with how they were found and why parsing failed, if it did.
public struct AnnotationParseResult: Codable, Sendable, Hashable {
    /// Values by rubric dimension name (the rubric's spelling, e.g. `argument_quality`).
    ///
    /// When ``status`` is ``AnnotationParseStatus/ok`` this holds every dimension of the rubric. Otherwise it
    /// holds whatever was found within range and unambiguous, which may be partial or empty; a failed
    /// dimension is left out, never filled with a default.
    public var values: [String: Int]
    /// Whether the answer was usable, and if not, what kind of failure.
    public var status: AnnotationParseStatus
    /// Which reading found the values: `json` (the whole answer is a JSON object), `fencedJSON` (a JSON
    /// object inside a ``` fence or embedded in prose), `keyValue` (labelled numbers in free text),
    /// `spelledOut` (free text where at least one value is a word such as `three`), or `none`.
    public var method: AnnotationParseMethod
    /// Why parsing failed, for people, e.g. `toxicity = 7 is outside 1...5` or `missing argument_quality`;
    /// several problems are joined with `; `. `nil` when ``status`` is ``AnnotationParseStatus/ok``.
    public var detail: String?

    /// Creates a result.
    public init(values: [String: Int], status: AnnotationParseStatus, method: AnnotationParseMethod, detail: String?) {
        self.values = values
        self.status = status
        self.method = method
        self.detail = detail
    }
}

/// Reads an LLM annotator's raw answer into one integer per rubric dimension, or a recorded failure.
///
/// Pure and deterministic: no I/O, no state. Readings are tried in order:
///
/// 1. **Strict JSON** (`json`): the whole trimmed answer is a JSON object, e.g.
///    `{"toxicity": 2, "argument_quality": 4}`.
/// 2. **Fenced or embedded JSON** (`fencedJSON`): the contents of a ``` fence (with or without a `json`
///    tag), else the first `{…}` object in the prose that has a rubric key.
/// 3. **Free text** (`keyValue` / `spelledOut`): labelled values anywhere in the text, in any order, on one
///    line or several: `Toxicity=3`, `toxicity: 3`, `**Toxicity**: 3/5`, `- **Toxicity:** 3`,
///    `Toxicity - 3`, `Toxicity score: 3`, `Argument quality (1-5): 4`, `toxicity on a 1-5 scale: 2`,
///    `| Toxicity | 2 |`, `the toxicity is 2`, `{'toxicity': 2}` (Python dicts), spelled-out numbers
///    `zero` … `ten` after an explicit separator.
///
/// Keys and labels match a dimension name case-insensitively, ignoring spaces, underscores, hyphens and
/// other punctuation (`argument_quality` ≈ `ArgumentQuality` ≈ `argument quality` ≈ `argument-quality`),
/// optionally followed by `score`, `rating`, `level` or `value` (`toxicity_score`). In free text a label
/// must stand as whole words: `nontoxicity` is not `toxicity`. When one dimension's name is part of
/// another's (`quality`, `argument_quality`), the longer label wins.
///
/// Values: JSON integers, numeric or spelled-out strings (`"3"`, `"three"`), and whole floats (`3.0`). A
/// fraction `3/5` or `3 out of 5` means 3; its denominator must be the dimension's `max`, else the value is
/// on another scale and is ``AnnotationParseStatus/outOfRange``. A non-whole number (`3.5`) is
/// ``AnnotationParseStatus/outOfRange`` too (it is not a point of the integer scale). A range (`1-5`,
/// `1 to 5`, `(1-5)`, `on a 1-5 scale`) is a scale mention and never a value; an answer such as
/// `Toxicity: 2-3` therefore gives no value for toxicity. A bare number without a label is not read.
/// Nothing is deleted from the text: labels and values are found by scanning whole tokens.
public enum AnnotationParser {
    /// Parses `text` against `rubric`.
    ///
    /// - Returns: ``AnnotationParseStatus/ok`` with every dimension's value, or a failure status with the
    ///   values that were found in range and a ``AnnotationParseResult/detail`` explaining the failure. An
    ///   empty answer or a rubric without dimensions is ``AnnotationParseStatus/unparseable``.
    public static func parse(_ text: String, rubric: Rubric) -> AnnotationParseResult {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else {
            return AnnotationParseResult(values: [:], status: .unparseable, method: .none, detail: "empty answer")
        }
        guard !rubric.dimensions.isEmpty else {
            return AnnotationParseResult(
                values: [:], status: .unparseable, method: .none, detail: "the rubric has no dimensions")
        }

        // 1 and 2: JSON, whole or fenced/embedded.
        var jsonWithoutDimensions: AnnotationParseMethod?
        if trimmed.first == "{", case .object(let object)? = LooseJSONValue.parse(trimmed) {
            if let readings = JSONReading.readings(in: object, rubric: rubric) {
                return evaluate(readings, rubric: rubric, method: .json)
            }
            jsonWithoutDimensions = .json
        }
        let chars = Array(trimmed)
        for object in JSONReading.embeddedObjects(in: chars) {
            if let readings = JSONReading.readings(in: object, rubric: rubric) {
                return evaluate(readings, rubric: rubric, method: .fencedJSON)
            }
            jsonWithoutDimensions = jsonWithoutDimensions ?? .fencedJSON
        }

        // 3: free text.
        let scanner = TextScanner(chars)
        let (readings, labelledWithoutValue) = scanner.readings(rubric: rubric)
        if !readings.isEmpty {
            let spelled = readings.values.contains { $0.contains { $0.spelled } }
            return evaluate(readings, rubric: rubric, method: spelled ? .spelledOut : .keyValue)
        }

        // Nothing read.
        if let phrase = scanner.refusalPhrase() {
            return AnnotationParseResult(
                values: [:], status: .refusal, method: .none,
                detail: "the annotator declined (\"\(phrase)\"): \(excerpt(trimmed))")
        }
        let names = rubric.dimensions.map(\.name).joined(separator: ", ")
        if let method = jsonWithoutDimensions {
            return AnnotationParseResult(
                values: [:], status: .missingDimension, method: method,
                detail: "missing \(names) (the JSON object has none of these keys)")
        }
        if !labelledWithoutValue.isEmpty {
            let labelled = rubric.dimensions.map(\.name).filter(labelledWithoutValue.contains)
            return AnnotationParseResult(
                values: [:], status: .unparseable, method: .none,
                detail: "no readable value after \(labelled.joined(separator: ", "))")
        }
        return AnnotationParseResult(
            values: [:], status: .unparseable, method: .none, detail: "no rubric dimension found (expected \(names))")
    }

    /// Turns the readings per dimension name into a result; see ``AnnotationParseStatus`` for precedence.
    static func evaluate(_ readings: [String: [Reading]], rubric: Rubric, method: AnnotationParseMethod) -> AnnotationParseResult {
        var values: [String: Int] = [:]
        var conflicts: [String] = []
        var invalid: [String] = []
        var outOfRange: [String] = []
        var missing: [String] = []
        for dimension in rubric.dimensions {
            let found = readings[dimension.name] ?? []
            guard let first = found.first else {
                missing.append(dimension.name)
                continue
            }
            var distinct: [Reading] = []
            for reading in found where !distinct.contains(where: { $0.meaning(for: dimension) == reading.meaning(for: dimension) }) {
                distinct.append(reading)
            }
            if distinct.count > 1 {
                conflicts.append(
                    "conflicting values for \(dimension.name): " + distinct.map(\.shown).joined(separator: " and "))
                continue
            }
            switch first.value {
            case .integer(let value, let denominator):
                if let denominator, denominator != dimension.max {
                    outOfRange.append(
                        "\(dimension.name) = \(first.shown) is on another scale than \(dimension.min)...\(dimension.max)")
                } else if dimension.points.contains(value) {
                    values[dimension.name] = value
                } else {
                    outOfRange.append("\(dimension.name) = \(first.shown) is outside \(dimension.min)...\(dimension.max)")
                }
            case .notWhole:
                outOfRange.append(
                    "\(dimension.name) = \(first.shown) is not a whole point of \(dimension.min)...\(dimension.max)")
            case .tooLarge:
                outOfRange.append("\(dimension.name) = \(first.shown) is outside \(dimension.min)...\(dimension.max)")
            case .invalid:
                invalid.append("\(dimension.name): expected an integer, got \(first.shown)")
            }
        }
        var problems = conflicts + invalid + outOfRange
        if !missing.isEmpty { problems.append("missing " + missing.joined(separator: ", ")) }
        let status: AnnotationParseStatus =
            if !conflicts.isEmpty || !invalid.isEmpty { .unparseable }
            else if !outOfRange.isEmpty { .outOfRange }
            else if !missing.isEmpty { .missingDimension }
            else { .ok }
        return AnnotationParseResult(
            values: values, status: status, method: method,
            detail: problems.isEmpty ? nil : problems.joined(separator: "; "))
    }

    /// The first 80 characters of `text` on one line, for details.
    static func excerpt(_ text: String) -> String {
        let oneLine = text.split(whereSeparator: \.isNewline).joined(separator: " ")
        return oneLine.count <= 80 ? oneLine : String(oneLine.prefix(80)) + "…"
    }

    // MARK: - Readings

    /// One value found for a dimension, before it is checked against the dimension's scale.
    struct Reading: Hashable {
        enum Value: Hashable {
            /// An integer, with the denominator when written as a fraction (`3/5`, `3 out of 5`).
            case integer(Int, denominator: Int?)
            /// A number with a fractional part, e.g. `3.5`.
            case notWhole
            /// A whole number too large for `Int`.
            case tooLarge
            /// Not a number at all (`"high"`, `true`, a list).
            case invalid
        }
        var value: Value
        /// The value as written, for details.
        var shown: String
        /// Whether the value was a spelled-out word.
        var spelled: Bool = false

        /// What the reading means for `dimension`: equal meanings are not a conflict (`3`, `three`, `3/5`).
        func meaning(for dimension: RubricDimension) -> String {
            if case .integer(let value, let denominator) = value, denominator == nil || denominator == dimension.max {
                return String(value)
            }
            return shown
        }
    }

    /// The number words read as values, `zero` … `ten`.
    static let numberWords: [String: Int] = [
        "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5,
        "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
    ]

    /// Label suffixes allowed after a dimension name (`toxicity score`, `toxicity_rating`).
    static let labelSuffixes = ["score", "rating", "level", "value"]

    /// Lowercased letters and digits of `key`, for comparing keys and names.
    static func normalizedKey(_ key: String) -> String {
        String(key.lowercased().filter { $0.isLetter || $0.isNumber })
    }

    /// The index of the dimension `key` names, if any (see ``AnnotationParser`` for the matching rules).
    static func dimensionIndex(forKey key: String, rubric: Rubric) -> Int? {
        let normalized = normalizedKey(key)
        guard !normalized.isEmpty else { return nil }
        return rubric.dimensions.firstIndex { dimension in
            let name = normalizedKey(dimension.name)
            return normalized == name || labelSuffixes.contains { normalized == name + $0 }
        }
    }
}

// MARK: - JSON

/// Any JSON value, decoded without a schema (numbers as `Double`).
enum LooseJSONValue: Decodable, Hashable, Sendable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([LooseJSONValue])
    case object([String: LooseJSONValue])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([LooseJSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: LooseJSONValue].self))
        }
    }

    /// Decodes `text` as one JSON value, or `nil` when it is not valid JSON.
    static func parse(_ text: String) -> LooseJSONValue? {
        try? JSONDecoder().decode(LooseJSONValue.self, from: Data(text.utf8))
    }

    /// A short description for error messages: `"high"`, `true`, `a list`, `an object`, `null`, `3.5`.
    var shown: String {
        switch self {
        case .null: "null"
        case .bool(let value): String(value)
        case .number(let value): AnnotationParser.JSONReading.format(value)
        case .string(let value): "\"\(value)\""
        case .array: "a list"
        case .object: "an object"
        }
    }
}

extension AnnotationParser {
    /// Reading values out of JSON objects.
    enum JSONReading {
        /// Keys of a nested object holding a dimension's value, e.g. `{"toxicity": {"score": 2, "reason": …}}`.
        static let nestedValueKeys = ["score", "value", "rating"]

        /// Readings per dimension name from `object`, or from the first nested object that has rubric keys;
        /// `nil` when no object has any rubric key.
        static func readings(in object: [String: LooseJSONValue], rubric: Rubric) -> [String: [Reading]]? {
            var queue: [[String: LooseJSONValue]] = [object]
            while !queue.isEmpty {
                let current = queue.removeFirst()
                var readings: [String: [Reading]] = [:]
                for key in current.keys.sorted() {
                    guard let index = dimensionIndex(forKey: key, rubric: rubric), let value = current[key] else {
                        continue
                    }
                    if case .null = value { continue }  // no value given: the dimension counts as missing
                    readings[rubric.dimensions[index].name, default: []].append(reading(of: value))
                }
                if !readings.isEmpty { return readings }
                for key in current.keys.sorted() {
                    switch current[key] {
                    case .object(let nested)?: queue.append(nested)
                    case .array(let items)?:
                        for case .object(let nested) in items { queue.append(nested) }
                    default: break
                    }
                }
            }
            return nil
        }

        /// The reading of one JSON value given for a dimension.
        static func reading(of value: LooseJSONValue) -> Reading {
            switch value {
            case .number(let number):
                return numberReading(number, shown: format(number))
            case .string(let text):
                let chars = Array(text.trimmingCharacters(in: .whitespacesAndNewlines))
                let scanner = TextScanner(chars)
                if let (reading, end) = scanner.value(at: 0, allowSpelled: true) {
                    // A number with an optional remark: "3", "3/5", "three", "3 (moderate)", "3 - moderate".
                    let rest = scanner.skipSpaces(from: end, newlines: true)
                    if rest == chars.count || "([-–—:,.".contains(chars[rest]) {
                        var reading = reading
                        reading.spelled = false
                        return reading
                    }
                }
                return Reading(value: .invalid, shown: value.shown)
            case .object(let nested):
                for key in nestedValueKeys {
                    if let inner = nested.first(where: { normalizedKey($0.key) == key })?.value {
                        return reading(of: inner)
                    }
                }
                return Reading(value: .invalid, shown: value.shown)
            case .null, .bool, .array:
                return Reading(value: .invalid, shown: value.shown)
            }
        }

        /// The reading of a JSON number: whole numbers are integers (`3.0` is 3).
        static func numberReading(_ number: Double, shown: String) -> Reading {
            guard number.isFinite, number == number.rounded() else { return Reading(value: .notWhole, shown: shown) }
            guard let value = Int(exactly: number) else { return Reading(value: .tooLarge, shown: shown) }
            return Reading(value: .integer(value, denominator: nil), shown: String(value))
        }

        /// `3` for whole numbers, else Swift's shortest description (`3.5`, `1e+20`).
        static func format(_ number: Double) -> String {
            if number == number.rounded(), abs(number) < 1e15 { return String(Int(number)) }
            return String(number)
        }

        /// JSON objects inside ``` fences, then `{…}` objects anywhere in the text, in order of appearance.
        static func embeddedObjects(in chars: [Character]) -> [[String: LooseJSONValue]] {
            var objects: [[String: LooseJSONValue]] = []
            for block in fencedBlocks(in: chars) {
                let text = String(block).trimmingCharacters(in: .whitespacesAndNewlines)
                if case .object(let object)? = LooseJSONValue.parse(text) { objects.append(object) }
            }
            var start = 0
            while let open = chars[start...].firstIndex(of: "{") {
                if let close = matchingBrace(in: chars, from: open),
                    case .object(let object)? = LooseJSONValue.parse(String(chars[open...close]))
                {
                    objects.append(object)
                    start = close + 1
                } else {
                    start = open + 1
                }
            }
            return objects
        }

        /// The contents of each ``` fence, without the info string (`json`) on the opening line.
        static func fencedBlocks(in chars: [Character]) -> [ArraySlice<Character>] {
            var fences: [Int] = []
            var i = 0
            while i + 2 < chars.count {
                if chars[i] == "`", chars[i + 1] == "`", chars[i + 2] == "`" {
                    fences.append(i)
                    i += 3
                } else {
                    i += 1
                }
            }
            var blocks: [ArraySlice<Character>] = []
            var pair = 0
            while pair + 1 < fences.count {
                var contentStart = fences[pair] + 3
                while contentStart < fences[pair + 1], chars[contentStart] != "{", !chars[contentStart].isNewline {
                    contentStart += 1  // the info string, e.g. `json`
                }
                blocks.append(chars[contentStart..<fences[pair + 1]])
                pair += 2
            }
            return blocks
        }

        /// The index of the `}` closing the `{` at `open`, skipping braces inside JSON strings.
        static func matchingBrace(in chars: [Character], from open: Int) -> Int? {
            var depth = 0
            var inString = false
            var escaped = false
            for i in open..<chars.count {
                let c = chars[i]
                if inString {
                    if escaped { escaped = false } else if c == "\\" { escaped = true } else if c == "\"" { inString = false }
                    continue
                }
                switch c {
                case "\"": inString = true
                case "{": depth += 1
                case "}":
                    depth -= 1
                    if depth == 0 { return i }
                default: break
                }
            }
            return nil
        }
    }

    // MARK: - Free text

    /// Scans free text for labelled values and refusal phrases, token by token.
    struct TextScanner {
        /// The text as characters.
        let chars: [Character]
        /// The same characters lowercased (one per character), with typographic apostrophes made plain.
        let lower: [Character]

        init(_ chars: [Character]) {
            self.chars = chars
            self.lower = chars.map { c in
                if c == "’" || c == "‘" { return "'" }
                let lowered = c.lowercased()
                return lowered.count == 1 ? Character(lowered) : c
            }
        }

        /// Characters skipped around labels and values: markdown emphasis, code ticks and quotes.
        static let decoration: Set<Character> = ["*", "_", "`", "\"", "'", "“", "”", "‘", "’"]
        /// Characters that separate a label from its value.
        static let separators: Set<Character> = [":", "=", "：", "|"]
        /// Dashes that separate a label from its value when followed by a space (`Toxicity - 3`).
        static let dashes: Set<Character> = ["-", "–", "—"]
        /// Words that separate a label from its value (`toxicity is 2`, `a toxicity of 2`, `rate it as 2`).
        static let separatorWords = ["is", "of", "as", "at", "equals"]

        /// Phrases that mark a refusal (lowercase, plain apostrophes), matched as whole words.
        static let refusalPhrases = [
            "i cannot", "i can't", "i can not", "i won't", "i will not", "i'm unable", "i am unable",
            "i'm not able", "i am not able", "as an ai", "as a language model", "i'm sorry", "i am sorry",
            "i apologize", "i apologise", "i must decline", "i decline", "i refuse", "unable to rate",
            "not able to rate", "cannot rate", "can't rate",
        ]

        func isWordChar(_ i: Int) -> Bool { i >= 0 && i < chars.count && (chars[i].isLetter || chars[i].isNumber) }
        func isDigit(_ i: Int) -> Bool { i >= 0 && i < chars.count && chars[i].isASCII && chars[i].isNumber }
        func isHorizontalSpace(_ i: Int) -> Bool {
            i < chars.count && chars[i].isWhitespace && !chars[i].isNewline
        }

        /// The index after spaces (and line breaks when `newlines`) from `i`.
        func skipSpaces(from i: Int, newlines: Bool) -> Int {
            var j = i
            while j < chars.count, chars[j].isWhitespace, newlines || !chars[j].isNewline { j += 1 }
            return j
        }

        /// The index after spaces and decoration from `i`.
        func skipDecoration(from i: Int, newlines: Bool) -> Int {
            var j = i
            while j < chars.count,
                Self.decoration.contains(chars[j]) || (chars[j].isWhitespace && (newlines || !chars[j].isNewline))
            {
                j += 1
            }
            return j
        }

        /// The index after `word` at `i` when it stands there as a whole word (case-insensitive).
        func word(_ word: String, at i: Int) -> Int? {
            guard !isWordChar(i - 1) else { return nil }
            var j = i
            for c in word {
                guard j < lower.count, lower[j] == c else { return nil }
                j += 1
            }
            return isWordChar(j) ? nil : j
        }

        /// The words of a dimension name: `argument_quality` and `ArgumentQuality` give `argument`, `quality`.
        static func nameWords(_ name: String) -> [[Character]] {
            var words: [[Character]] = []
            var current: [Character] = []
            var previousIsLower = false
            for c in name {
                if !(c.isLetter || c.isNumber) {
                    if !current.isEmpty { words.append(current) }
                    current = []
                    previousIsLower = false
                    continue
                }
                if c.isUppercase, previousIsLower, !current.isEmpty {
                    words.append(current)
                    current = []
                }
                current.append(contentsOf: c.lowercased())
                previousIsLower = c.isLowercase || c.isNumber
            }
            if !current.isEmpty { words.append(current) }
            return words
        }

        /// The end of a label for `words` starting at `i`: the words joined by nothing, spaces, `_` or `-`,
        /// as whole words, with an optional suffix (`score`, …).
        func label(_ words: [[Character]], at i: Int) -> Int? {
            guard !words.isEmpty, !isWordChar(i - 1) else { return nil }
            var j = i
            for (index, word) in words.enumerated() {
                if index > 0 {
                    while j < chars.count, chars[j] == " " || chars[j] == "_" || chars[j] == "-" { j += 1 }
                }
                for c in word {
                    guard j < lower.count, lower[j] == c else { return nil }
                    j += 1
                }
            }
            guard !isWordChar(j) else { return nil }
            var k = j
            while k < chars.count, chars[k] == " " || chars[k] == "_" || chars[k] == "-" { k += 1 }
            for suffix in AnnotationParser.labelSuffixes {
                if let end = word(suffix, atLabelEnd: k) { return end }
            }
            return j
        }

        /// Like ``word(_:at:)`` but without the boundary check before (the label precedes it).
        private func word(_ word: String, atLabelEnd i: Int) -> Int? {
            var j = i
            for c in word {
                guard j < lower.count, lower[j] == c else { return nil }
                j += 1
            }
            return isWordChar(j) ? nil : j
        }

        /// Every label of every dimension, as (dimension index, start, end); overlaps go to the longer label.
        func labels(rubric: Rubric) -> [(dimension: Int, start: Int, end: Int)] {
            var found: [(dimension: Int, start: Int, end: Int)] = []
            for (index, dimension) in rubric.dimensions.enumerated() {
                let words = Self.nameWords(dimension.name)
                for start in chars.indices {
                    if let end = label(words, at: start) { found.append((index, start, end)) }
                }
            }
            found.sort { ($0.start, $1.end - $1.start) < ($1.start, $0.end - $0.start) }
            var kept: [(dimension: Int, start: Int, end: Int)] = []
            for match in found where kept.last.map({ match.start >= $0.end }) ?? true {
                kept.append(match)
            }
            return kept
        }

        /// Readings per dimension name, and the dimensions labelled without a readable value.
        func readings(rubric: Rubric) -> (readings: [String: [Reading]], labelledWithoutValue: Set<String>) {
            var readings: [String: [Reading]] = [:]
            var unread: Set<String> = []
            for match in labels(rubric: rubric) {
                let name = rubric.dimensions[match.dimension].name
                if let reading = valueAfterLabel(at: match.end) {
                    readings[name, default: []].append(reading)
                } else {
                    unread.insert(name)
                }
            }
            return (readings, unread.subtracting(readings.keys))
        }

        /// The value following a label ending at `i`, or `nil` when what follows is not a value.
        func valueAfterLabel(at i: Int) -> Reading? {
            var j = skipDecoration(from: i, newlines: false)
            let spaced = j > i && (i..<j).contains { chars[$0].isWhitespace }
            // A scale mention between label and separator: "(1-5)", "[1 to 5]", "1-5", "on a 1-5 scale".
            if j < chars.count, chars[j] == "(" || chars[j] == "[" {
                guard let close = closingBracket(from: j) else { return nil }
                j = skipDecoration(from: close + 1, newlines: false)
            } else if let end = scalePhrase(at: j) ?? (spaced ? range(at: j) : nil) {
                j = skipDecoration(from: end, newlines: false)
                if j < chars.count, chars[j] == "," { j = skipDecoration(from: j + 1, newlines: false) }
            }
            var explicit = false
            if j < chars.count, Self.separators.contains(chars[j]) {
                j += 1
                if j < chars.count, chars[j] == ">" { j += 1 }  // "=>"
                explicit = true
            } else if j < chars.count, Self.dashes.contains(chars[j]) {
                let spaceBefore = j > 0 && chars[j - 1].isWhitespace
                if j + 1 < chars.count, chars[j + 1].isWhitespace {
                    j += 1
                    explicit = true
                } else if isDigit(j + 1), !spaceBefore {
                    j += 1  // "Toxicity-3"
                    explicit = true
                } else if !(isDigit(j + 1) && spaceBefore) {
                    return nil  // "Toxicity -1" falls through as a negative number
                }
            } else if let end = Self.separatorWords.lazy.compactMap({ self.word($0, at: j) }).first {
                j = skipSpaces(from: end, newlines: false)
                if let article = word("a", at: j) { j = article }
                explicit = true
            }
            guard explicit || spaced else { return nil }
            let valueStart = skipDecoration(from: j, newlines: explicit)
            guard let (reading, end) = value(at: valueStart, allowSpelled: explicit) else { return nil }
            if (j..<valueStart).contains(where: { chars[$0].isNewline }), end < chars.count,
                chars[end] == "." || chars[end] == ")", isHorizontalSpace(end + 1)
            {
                return nil  // "Argument quality:\n1. The claim…" starts a numbered list, not a value
            }
            return reading
        }

        /// The index of the bracket closing the one at `open`, on the same line.
        func closingBracket(from open: Int) -> Int? {
            var depth = 0
            for k in open..<chars.count {
                if chars[k].isNewline { return nil }
                if chars[k] == "(" || chars[k] == "[" { depth += 1 }
                if chars[k] == ")" || chars[k] == "]" {
                    depth -= 1
                    if depth == 0 { return k }
                }
            }
            return nil
        }

        /// The end of an unsigned integer at `i`.
        func digits(at i: Int) -> Int? {
            var j = i
            while isDigit(j) { j += 1 }
            return j > i ? j : nil
        }

        /// The end of a range `N-M`, `N – M` or `N to M` at `i` (a scale mention, not a value).
        func range(at i: Int) -> Int? {
            guard let first = digits(at: i) else { return nil }
            var j = skipSpaces(from: first, newlines: false)
            if j < chars.count, Self.dashes.contains(chars[j]) {
                j += 1
            } else if let end = word("to", at: j) {
                j = end
            } else {
                return nil
            }
            j = skipSpaces(from: j, newlines: false)
            guard let last = digits(at: j), !isWordChar(last) else { return nil }
            return last
        }

        /// The end of `on a 1-5 scale`, `on a scale of 1 to 5` or `on the 1–5 scale` at `i`.
        func scalePhrase(at i: Int) -> Int? {
            guard let on = word("on", at: i) else { return nil }
            var j = skipSpaces(from: on, newlines: false)
            if let article = word("a", at: j) ?? word("the", at: j) { j = skipSpaces(from: article, newlines: false) }
            if let scale = word("scale", at: j) {
                j = skipSpaces(from: scale, newlines: false)
                if let of = word("of", at: j) ?? word("from", at: j) { j = skipSpaces(from: of, newlines: false) }
                return range(at: j)
            }
            guard let end = range(at: j) else { return nil }
            j = skipSpaces(from: end, newlines: false)
            if let point = word("point", at: j) { j = skipSpaces(from: point, newlines: false) }
            return word("scale", at: j)
        }

        /// A value at `i`: an optionally signed number or (when `allowSpelled`) a number word, with an
        /// optional denominator (`/5`, `out of 5`); `nil` when it is a range (`1-5`) or glued to a word (`3rd`).
        func value(at i: Int, allowSpelled: Bool) -> (reading: Reading, end: Int)? {
            var j = i
            var sign = ""
            if j < chars.count, chars[j] == "-" || chars[j] == "−" || chars[j] == "+", isDigit(j + 1) {
                sign = chars[j] == "+" ? "" : "-"
                j += 1
            }
            var reading: Reading
            if let integerEnd = digits(at: j) {
                var end = integerEnd
                if end + 1 < chars.count, chars[end] == ".", isDigit(end + 1) {
                    end = digits(at: end + 1)!
                }
                let written = sign + String(chars[j..<end])
                if isWordChar(end) { return nil }
                if written.contains("."), let number = Double(written) {
                    reading = JSONReading.numberReading(number, shown: written)  // "3.0" is 3, "3.5" is not whole
                } else if let integer = Int(written) {
                    reading = Reading(value: .integer(integer, denominator: nil), shown: written)
                } else {
                    reading = Reading(value: .tooLarge, shown: written)
                }
                j = end
            } else if allowSpelled, sign.isEmpty,
                let (word, number) = AnnotationParser.numberWords.first(where: { self.word($0.key, at: j) != nil })
            {
                reading = Reading(value: .integer(number, denominator: nil), shown: word, spelled: true)
                j += word.count
                // "Argument quality: one could argue…" is prose, not a value: only punctuation, a line end,
                // "out of …" or "and …" may follow a number word.
                let next = skipSpaces(from: j, newlines: false)
                if next < chars.count, chars[next].isLetter, self.word("out", at: next) == nil,
                    self.word("and", at: next) == nil
                {
                    return nil
                }
            } else {
                return nil
            }
            // A range is a scale mention, not a value.
            if sign.isEmpty, range(at: i) != nil { return nil }
            // A denominator: "3/5", "3 / 5", "3 out of 5".
            var k = skipSpaces(from: j, newlines: false)
            var denominatorStart: Int?
            if k < chars.count, chars[k] == "/" {
                denominatorStart = skipSpaces(from: k + 1, newlines: false)
            } else if let out = word("out", at: k) {
                k = skipSpaces(from: out, newlines: false)
                if let of = word("of", at: k) { denominatorStart = skipSpaces(from: of, newlines: false) }
            }
            if let start = denominatorStart, case .integer(let numerator, nil) = reading.value,
                let (end, denominator) = denominator(at: start)
            {
                reading.value = .integer(numerator, denominator: denominator)
                reading.shown += "/\(denominator)"
                j = end
            }
            return (reading, j)
        }

        /// A denominator at `i`, digits or a number word (`5`, `five`), as (end, value).
        func denominator(at i: Int) -> (end: Int, value: Int)? {
            if let end = digits(at: i) {
                guard !isWordChar(end), let value = Int(String(chars[i..<end])) else { return nil }
                return (end, value)
            }
            for (name, value) in AnnotationParser.numberWords {
                if let end = word(name, at: i) { return (end, value) }
            }
            return nil
        }

        /// The first refusal phrase in the text, as written, or `nil`.
        func refusalPhrase() -> String? {
            var best: (start: Int, end: Int)?
            for phrase in Self.refusalPhrases {
                let target = Array(phrase)
                guard target.count <= lower.count else { continue }
                for start in 0...(lower.count - target.count) where !isWordChar(start - 1) {
                    if lower[start..<start + target.count].elementsEqual(target), !isWordChar(start + target.count) {
                        if best == nil || start < best!.start { best = (start, start + target.count) }
                        break
                    }
                }
            }
            return best.map { String(chars[$0.start..<$0.end]) }
        }
    }
}
