import Foundation

/// What one cleaning step changed in a model's output.
public struct CleaningChange: Codable, Sendable, Hashable {
    /// The step, e.g. `speakerPrefix`, `markdownLabel`, `wrappingQuotes`, `codeFence`, `cutAtOtherSpeaker`,
    /// `whitespace`, `lineEndings`, `nulCharacters`, `abstentionMarker`.
    public var step: String
    /// The text the step removed: a prefix as it was; for a cut, everything from the cut on; for steps that remove
    /// at both ends (fences, quotes, surrounding whitespace) the two parts joined by ` … `; for `lineEndings`, `\r`.
    public var removed: String

    /// Creates a change record.
    public init(step: String, removed: String) {
        self.step = step
        self.removed = removed
    }
}

/// Something suspicious in a cleaned comment, reported but not fixed.
public enum CommentFlag: String, Codable, Sendable, Hashable, CaseIterable {
    /// A template placeholder left unfilled (`@username`, `{{name}}`, `[username]`, `<name>`).
    case unfilledPlaceholder
    /// The speaker mentions itself (`@ownname`).
    case selfMention
    /// Refusal or out-of-character text ("As an AI…", "I cannot…").
    case refusal
    /// Generation stopped at the token limit (finish reason `length`).
    case truncated
    /// Mostly non-Latin letters: the model may have drifted away from English.
    case nonEnglish
    /// The same text as an earlier comment in the thread (after case and whitespace folding).
    case repetition
    /// Nearly the same text as an earlier comment: at least 80 % of the comment's word trigrams (it has at least
    /// four) occur in one earlier comment, and it is not an exact ``repetition``.
    case nearDuplicate
    /// The comment loops: some run of four words occurs at least three times in it ("I'm here to help, and I'm here
    /// to help…").
    case selfRepetition
    /// The comment recites its own prompt: word runs of eight or more that also occur in the speaker's system
    /// message (persona, instructions, seed comment) cover at least half of the comment's words.
    case promptEcho
    /// The speaker's own name followed by a colon appears inside the comment (`moderator: …` again after the
    /// leading prefix was removed): the model wrote a transcript, not a comment.
    case selfPrefix
    /// The raw output contains control characters (C0 other than tab/newline/CR, DEL, C1, or bidirectional
    /// overrides/isolates; see ``ControlCharacters``). They are kept (raw text exactly, clean text too, except
    /// U+0000, which the `nulCharacters` step removes from the clean text and records).
    case controlCharacters
    /// The raw output contains U+FFFD: the model wrote it, or the server sent something that is not Unicode
    /// text (a lone UTF-16 surrogate escape such as `\ud800`, or invalid UTF-8), which the client stores as U+FFFD.
    case replacementCharacter
}

/// The outcome of cleaning one model output.
public struct CleanedOutput: Codable, Sendable, Hashable {
    /// The comment text, or `nil` when the output is an abstention.
    public var text: String?
    /// Each change made, in order; raw text minus these changes gives ``text``.
    public var changes: [CleaningChange]
    /// Problems noticed and left in place.
    public var flags: [CommentFlag]

    /// Whether the speaker abstained.
    public var isAbstention: Bool { text == nil }
}

/// Turns a raw model output into a comment or an abstention through a list of typed steps.
///
/// Steps (the cleaning rule: fix what is safe to fix, record every change, flag the rest): strip code fences, a leading speaker prefix ("User X posted:", "X:", "**X**:"),
/// markdown labels ("**Comment:**"), wrapping quotes; cut at the first line where the model writes as another
/// participant; map empty output, `""`, `''`, `(silent)` and similar markers to an abstention. Every step
/// works on whole tokens at the start or end of the text or on whole lines, never deleting a substring
/// inside the text.
public struct OutputCleaner: Sendable {
    /// The speaker whose output this is.
    public var speaker: String
    /// Everybody else who may appear in the thread (other users, the moderator, `OP`).
    public var others: [String]

    /// Creates a cleaner for one speaker.
    public init(speaker: String, others: [String]) {
        self.speaker = speaker
        self.others = others
    }

    /// Whole-text markers that mean "I have nothing to say" (compared case-insensitively after trimming).
    public static let abstentionMarkers: Set<String> = [
        "", "\"\"", "''", "“”", "``", "(silent)", "[silent]", "<silent>", "*silent*", "silent", "(silence)",
        "(no comment)", "[no comment]", "no comment", "(abstain)", "(abstains)", "(pass)", "pass", "(no response)",
        "...", "…", "(stays silent)", "(remains silent)", "*stays silent*", "*remains silent*",
    ]

    /// Cleans `raw`.
    ///
    /// - Parameters:
    ///   - raw: the model's output as received.
    ///   - finishReason: the server's finish reason (`length` sets ``CommentFlag/truncated``).
    ///   - earlier: earlier comment texts of the thread, for the repetition and near-duplicate flags.
    ///   - prompt: the speaker's system message, for the prompt-echo flag (empty: not checked).
    public func clean(_ raw: String, finishReason: String? = nil, earlier: [String] = [], prompt: String = "") -> CleanedOutput {
        clean(raw, finishReason: finishReason, earlier: EarlierComments(earlier), prompt: prompt)
    }

    /// Cleans `raw` against earlier comments already prepared (``EarlierComments``): the same result as
    /// ``clean(_:finishReason:earlier:prompt:)`` with their texts, without preparing every earlier comment again for
    /// each new one (a caller that cleans a thread comment by comment appends each comment once).
    public func clean(_ raw: String, finishReason: String? = nil, earlier: EarlierComments, prompt: String = "") -> CleanedOutput {
        var changes: [CleaningChange] = []
        var text = raw
        func apply(_ step: String, _ transform: (String) -> (String, String)?) {
            if let (next, removed) = transform(text), next != text {
                changes.append(CleaningChange(step: step, removed: removed))
                text = next
            }
        }
        // U+0000 is never text: it is removed from the clean text (recorded; the raw text keeps it exactly).
        apply("nulCharacters") { text in
            text.unicodeScalars.contains("\u{0}")
                ? (String(String.UnicodeScalarView(text.unicodeScalars.filter { $0 != "\u{0}" })),
                    String(String.UnicodeScalarView(text.unicodeScalars.filter { $0 == "\u{0}" }))) : nil
        }
        let rawFlags = Self.rawFlags(raw)
        apply("lineEndings") { text in
            text.contains("\r") ? (text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n"), "\r") : nil
        }
        apply("whitespace") { Self.trim($0) }
        // Repeat the leading-decoration steps: a model may write "```\n**Alice:** \"text\"\n```".
        for _ in 0..<3 {
            let before = text
            apply("codeFence") { Self.stripCodeFence($0) }
            apply("cutAtOtherSpeaker") { self.cutAtOtherSpeaker($0) }
            apply("speakerPrefix") { self.stripSpeakerPrefix($0) }
            apply("markdownLabel") { Self.stripMarkdownLabel($0) }
            apply("wrappingQuotes") { Self.stripWrappingQuotes($0) }
            apply("whitespace") { Self.trim($0) }
            if text == before { break }
        }
        if Self.abstentionMarkers.contains(text.lowercased()) {
            if !text.isEmpty { changes.append(CleaningChange(step: "abstentionMarker", removed: text)) }
            return CleanedOutput(text: nil, changes: changes, flags: rawFlags)
        }
        return CleanedOutput(
            text: text, changes: changes, flags: flags(text, finishReason: finishReason, earlier: earlier, prompt: prompt) + rawFlags)
    }

    // MARK: steps

    static func trim(_ text: String) -> (String, String)? {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard trimmed != text else { return nil }
        guard let range = text.range(of: trimmed), !trimmed.isEmpty else { return ("", text) }
        return (trimmed, String(text[..<range.lowerBound]) + " … " + String(text[range.upperBound...]))
    }

    /// Removes a code fence wrapping the whole text (```` ```lang … ``` ````).
    static func stripCodeFence(_ text: String) -> (String, String)? {
        guard text.hasPrefix("```") else { return nil }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        let opening = String(lines.removeFirst())
        var closing = ""
        if let last = lines.last, last.trimmingCharacters(in: .whitespaces) == "```" {
            closing = String(lines.removeLast())
        } else if !opening.dropFirst(3).contains("`") {
            // An unclosed fence: still drop the opening line.
        } else {
            return nil
        }
        return (lines.joined(separator: "\n"), opening + (closing.isEmpty ? "" : " … " + closing))
    }

    /// Removes "User X posted:", "X:", "**X**:", "X wrote:", "[X]:" where X is the speaker (names match
    /// case-insensitively).
    func stripSpeakerPrefix(_ text: String) -> (String, String)? {
        guard
            let length = Self.prefixLength(of: text, names: [speaker, "User " + speaker], caseInsensitive: true, allowAt: true)
        else {
            return nil
        }
        let index = text.index(text.startIndex, offsetBy: length)
        return (String(text[index...]), String(text[..<index]))
    }

    static let labelWords = [
        "user", "comment", "response", "reply", "answer", "my comment", "your comment", "my reply", "my response",
        "message", "post", "output", "moderator comment", "moderator response", "intervention",
    ]

    /// Removes a leading label such as "**Comment:**", "Response:", "User posted:".
    static func stripMarkdownLabel(_ text: String) -> (String, String)? {
        guard let length = prefixLength(of: text, names: labelWords, caseInsensitive: true) else {
            return nil
        }
        let index = text.index(text.startIndex, offsetBy: length)
        return (String(text[index...]), String(text[..<index]))
    }

    /// Length in characters of a leading `[decoration]NAME[decoration][ verb]:[decoration]` prefix, if present.
    ///
    /// Decoration is `*`, `_`, `#`, `[`, `]`, `>`, `<`, spaces, and `@` only where `allowAt` (the speaker's own
    /// prefix: "@Bob: …" from someone else addresses Bob); the separator is a colon or a dash with spaces on both
    /// sides; verbs are "posted", "wrote", "says", "said",
    /// "replied", "commented", "responds". A name must be followed by the colon (or a verb and a colon), so a
    /// comment starting "Alice is right" keeps its words.
    static func prefixLength(
        of text: String, names: [String], caseInsensitive: Bool = false, allowVerb: Bool = true, allowAt: Bool = false
    ) -> Int? {
        let chars = Array(text)
        var decoration: Set<Character> = ["*", "_", "#", "[", "]", ">", "<", " "]
        if allowAt { decoration.insert("@") }
        var i = 0
        while i < chars.count, decoration.contains(chars[i]) { i += 1 }
        let rest = String(chars[i...])
        let candidates = names.sorted { $0.count > $1.count }
        guard
            let name = candidates.first(where: { name in
                caseInsensitive ? rest.lowercased().hasPrefix(name.lowercased()) : rest.hasPrefix(name)
            })
        else { return nil }
        i += name.count
        while i < chars.count, decoration.contains(chars[i]) { i += 1 }
        if allowVerb {
            let restAfter = String(chars[i...]).lowercased()
            for verb in ["posted", "wrote", "writes", "says", "said", "replied", "replies", "commented", "responds", "responded"]
            where restAfter.hasPrefix(verb) {
                i += verb.count
                while i < chars.count, decoration.contains(chars[i]) { i += 1 }
                break
            }
        }
        // The separator: a colon, or a dash with spaces on both sides ("Reply - text", never "Post-war").
        let spacedDash =
            i > 0 && i + 1 < chars.count && (chars[i] == "-" || chars[i] == "–" || chars[i] == "—") && chars[i - 1] == " "
            && chars[i + 1] == " "
        guard i < chars.count, chars[i] == ":" || chars[i] == "：" || spacedDash else { return nil }
        i += 1
        while i < chars.count, decoration.contains(chars[i]) || chars[i] == "\n" { i += 1 }
        return i
    }

    static let quotePairs: [(Character, Character)] = [("\"", "\""), ("'", "'"), ("“", "”"), ("«", "»"), ("„", "“")]

    /// Removes one pair of quotes wrapping the whole text, when no quote of the same kind appears inside.
    static func stripWrappingQuotes(_ text: String) -> (String, String)? {
        guard text.count >= 2, let first = text.first, let last = text.last else { return nil }
        for (open, close) in quotePairs where first == open && last == close {
            let inner = text.dropFirst().dropLast()
            if inner.contains(open) || inner.contains(close) { return nil }
            return (String(inner), "\(open)…\(close)")
        }
        return nil
    }

    /// Cuts at the first line where the model starts writing as another participant ("Bob:", "**Bob**:",
    /// "User Bob posted:", "OP:"); keeps everything before it.
    func cutAtOtherSpeaker(_ text: String) -> (String, String)? {
        let names = others.flatMap { [$0, "User " + $0] }
        guard !names.isEmpty else { return nil }
        var offset = 0
        var isFirst = true
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if !isFirst, Self.prefixLength(of: String(line), names: names, caseInsensitive: true) != nil {
                let index = text.index(text.startIndex, offsetBy: offset)
                return (String(text[..<index]), String(text[index...]))
            }
            if isFirst, Self.prefixLength(of: String(line), names: names, caseInsensitive: true) != nil {
                // The whole output is written as someone else: nothing of the speaker's own remains.
                return ("", text)
            }
            isFirst = false
            offset += line.count + 1
        }
        return nil
    }

    // MARK: flags

    /// Flags about the raw output as received, for comments and abstentions alike.
    static func rawFlags(_ raw: String) -> [CommentFlag] {
        var result: [CommentFlag] = []
        if ControlCharacters.found(in: raw) { result.append(.controlCharacters) }
        if raw.unicodeScalars.contains("\u{FFFD}") { result.append(.replacementCharacter) }
        return result
    }

    func flags(_ text: String, finishReason: String?, earlier: EarlierComments, prompt: String = "") -> [CommentFlag] {
        var result: [CommentFlag] = []
        let lower = text.lowercased()
        let placeholderPatterns = ["@username", "{{", "}}", "[username]", "<username>", "[name]", "<name>", "@user ", "[user]"]
        if placeholderPatterns.contains(where: { lower.contains($0) }) || lower.hasSuffix("@user") {
            result.append(.unfilledPlaceholder)
        }
        if Self.mentions(lower, speaker.lowercased()) { result.append(.selfMention) }
        let words = Self.words(lower)
        if Self.refusalPhrases.contains(where: { Self.containsPhrase(words, $0) }) { result.append(.refusal) }
        if finishReason == "length" { result.append(.truncated) }
        let letters = text.unicodeScalars.filter { CharacterSet.letters.contains($0) }
        if letters.count >= 8 {
            let nonLatin = letters.filter { $0.value > 0x024F }.count
            if Double(nonLatin) / Double(letters.count) > 0.3 { result.append(.nonEnglish) }
        }
        let folded = Self.fold(text)
        if !folded.isEmpty, earlier.folded.contains(folded) {
            result.append(.repetition)
        } else if Self.isNearDuplicate(words, of: earlier) {
            result.append(.nearDuplicate)
        }
        if Self.loops(words) { result.append(.selfRepetition) }
        if !prompt.isEmpty, Self.echoes(words, prompt: Self.words(prompt)) { result.append(.promptEcho) }
        if Self.containsOwnPrefix(lower, speaker.lowercased()) { result.append(.selfPrefix) }
        return result
    }

    /// Refusal phrases (``CommentFlag/refusal``), as words.
    static let refusalPhrases: [[Substring]] = [
        "as an ai", "as a language model", "i cannot fulfill", "i can't fulfill", "i cannot comply", "i can't comply",
        "i'm sorry but i can't", "i'm sorry but i cannot", "i am sorry but i can't", "i am sorry but i cannot",
        "i cannot assist", "i can't assist", "i cannot help with", "i can't help with", "i'm not able to provide",
        "as an assistant", "i can't continue this", "i cannot continue this",
    ].map { words($0) }

    /// Whether at least 80 % of the word trigrams of `words` (at least 4 of them) occur in one of `earlier`.
    static func isNearDuplicate(_ words: [Substring], of earlier: EarlierComments) -> Bool {
        let mine = Set(ngrams(words, 3))
        guard mine.count >= 4 else { return false }
        let needed = 0.8 * Double(mine.count)
        return earlier.trigrams.contains { theirs in
            // |mine ∩ theirs| counted without building the intersection, stopping once the rest cannot reach 80 %.
            var shared = 0
            var left = mine.count
            for gram in mine {
                if theirs.contains(gram) { shared += 1 }
                left -= 1
                if Double(shared) >= needed { return true }
                if Double(shared + left) < needed { return false }
            }
            return Double(shared) >= needed
        }
    }

    /// Whether some run of four words occurs at least three times in `words` (overlapping occurrences count).
    static func loops(_ words: [Substring]) -> Bool {
        var counts: [String: Int] = [:]
        for gram in ngrams(words, 4) {
            counts[gram, default: 0] += 1
            if counts[gram]! >= 3 { return true }
        }
        return false
    }

    /// Whether word runs of eight or more shared with `prompt` cover at least half of `words` (at least 8 words).
    static func echoes(_ words: [Substring], prompt: [Substring]) -> Bool {
        guard words.count >= 8, prompt.count >= 8 else { return false }
        let promptGrams = Set(ngrams(prompt, 8))
        var covered = [Bool](repeating: false, count: words.count)
        for start in 0...(words.count - 8) where promptGrams.contains(words[start..<start + 8].joined(separator: " ")) {
            for i in start..<start + 8 { covered[i] = true }
        }
        return covered.filter { $0 }.count * 2 >= words.count
    }

    /// Whether `text` (lower-cased) contains `speaker:` where the name starts a word (at the start or after a
    /// character that is not a name character).
    static func containsOwnPrefix(_ text: String, _ speaker: String) -> Bool {
        guard !speaker.isEmpty else { return false }
        var search = text[...]
        while let range = search.range(of: speaker + ":") {
            if range.lowerBound == text.startIndex { return true }
            let before = text[text.index(before: range.lowerBound)]
            if !(before.isLetter || before.isNumber || before == "_" || before == "-" || before == "@") { return true }
            search = search[range.upperBound...]
        }
        return false
    }

    /// The word n-grams of `words`, each joined by single spaces.
    static func ngrams(_ words: [Substring], _ n: Int) -> [String] {
        guard words.count >= n else { return [] }
        return (0...(words.count - n)).map { words[$0..<$0 + n].joined(separator: " ") }
    }

    /// Whether `text` contains `@name` not followed by another name character (letters, digits, `_`, `-`, `.`+letter).
    static func mentions(_ text: String, _ name: String) -> Bool {
        var search = text[...]
        while let range = search.range(of: "@" + name) {
            let after = search[range.upperBound...].first
            if after == nil || !(after!.isLetter || after!.isNumber || after! == "_" || after! == "-") { return true }
            search = search[range.upperBound...]
        }
        return false
    }

    /// Lower-case words: runs of letters, digits and apostrophes.
    static func words(_ text: String) -> [Substring] {
        text.lowercased().split(whereSeparator: { !($0.isLetter || $0.isNumber || $0 == "'" || $0 == "’") })
    }

    /// Whether `phrase` occurs as consecutive whole words in `words`.
    static func containsPhrase(_ words: [Substring], _ phrase: [Substring]) -> Bool {
        guard !phrase.isEmpty, words.count >= phrase.count else { return false }
        for start in 0...(words.count - phrase.count) where words[start] == phrase[0] {
            if Array(words[start..<start + phrase.count]) == phrase { return true }
        }
        return false
    }

    static func fold(_ text: String) -> String {
        text.lowercased().split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
    }
}

/// Earlier comments of a thread as the cleaner's repetition flags compare them: each comment's case- and
/// whitespace-folded text (``CommentFlag/repetition``) and its set of word trigrams (``CommentFlag/nearDuplicate``),
/// computed once when the comment is appended.
///
/// Cleaning a thread of n comments against `[String]` prepares every earlier comment again for each new one
/// (O(n²) tokenisations: most of `sdf import`'s time on long threads); a caller that keeps one value and appends
/// each comment prepares each once. The flags are the same either way.
public struct EarlierComments: Sendable, Hashable {
    /// Folded texts, in thread order.
    var folded: [String] = []
    /// Word-trigram sets, in thread order.
    var trigrams: [Set<String>] = []

    /// Prepares `texts` (earlier comments, in thread order).
    public init(_ texts: [String] = []) {
        for text in texts { append(text) }
    }

    /// Number of comments held.
    public var count: Int { folded.count }

    /// Appends one more earlier comment.
    public mutating func append(_ text: String) {
        folded.append(OutputCleaner.fold(text))
        trigrams.append(Set(OutputCleaner.ngrams(OutputCleaner.words(text), 3)))
    }
}
