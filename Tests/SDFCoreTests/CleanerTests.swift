import Foundation
import Testing

@testable import SDFCore

/// One messy model output and what the cleaner must make of it.
struct CleanerCase: CustomTestStringConvertible, Sendable {
    var raw: String
    /// The clean comment, or `nil` for an abstention.
    var clean: String?
    /// The cleaning steps in the order they must be logged.
    var steps: [String]
    var speaker = "Alice"
    var testDescription: String { raw.debugDescription }
}

let cleanerOthers = ["Bob", "Carol", "moderator", "OP"]

let cleanerCases: [CleanerCase] = [
    // Speaker prefixes.
    .init(raw: "Alice: I think the rent cap is overdue.", clean: "I think the rent cap is overdue.", steps: ["speakerPrefix"]),
    .init(raw: "**Alice**: Rent control hurts renters in the long run.", clean: "Rent control hurts renters in the long run.", steps: ["speakerPrefix"]),
    .init(raw: "**Alice:** Honestly, nobody asked for this.", clean: "Honestly, nobody asked for this.", steps: ["speakerPrefix"]),
    .init(raw: "User Alice posted: Remote work saved my sanity.", clean: "Remote work saved my sanity.", steps: ["speakerPrefix"]),
    .init(raw: "Alice wrote: That's a fair point about commuting.", clean: "That's a fair point about commuting.", steps: ["speakerPrefix"]),
    .init(raw: "[Alice]: Caps on immigration won't fix wages.", clean: "Caps on immigration won't fix wages.", steps: ["speakerPrefix"]),
    .init(raw: "Alice:\nI'd rather see better buses than more roads.", clean: "I'd rather see better buses than more roads.", steps: ["speakerPrefix"]),
    .init(raw: "  Alice says: Nurses are underpaid, full stop.  ", clean: "Nurses are underpaid, full stop.", steps: ["whitespace", "speakerPrefix"]),
    // Markdown and plain labels.
    .init(raw: "**Comment:** We should fund more nurses.", clean: "We should fund more nurses.", steps: ["markdownLabel"]),
    .init(raw: "Response: Bring back the night buses.", clean: "Bring back the night buses.", steps: ["markdownLabel"]),
    .init(raw: "My reply: the OP has a point, sadly.", clean: "the OP has a point, sadly.", steps: ["markdownLabel"]),
    .init(raw: "Alice: **Reply:** Landlords are people too.", clean: "Landlords are people too.", steps: ["speakerPrefix", "markdownLabel"]),
    // Wrapping quotes.
    .init(raw: "\"Landlords aren't all villains, you know.\"", clean: "Landlords aren't all villains, you know.", steps: ["wrappingQuotes"]),
    .init(raw: "“I work from home and I'm twice as productive.”", clean: "I work from home and I'm twice as productive.", steps: ["wrappingQuotes"]),
    .init(raw: "Alice: \"Free transit pays for itself.\"", clean: "Free transit pays for itself.", steps: ["speakerPrefix", "wrappingQuotes"]),
    // Code fences.
    .init(raw: "```\nI disagree with the post here.\n```", clean: "I disagree with the post here.", steps: ["codeFence"]),
    .init(raw: "```text\n**Alice:** \"Public transport should be free.\"\n```", clean: "Public transport should be free.", steps: ["codeFence", "speakerPrefix", "wrappingQuotes"]),
    // The model goes on to write the next user's turn.
    .init(raw: "I agree.\nBob: No way, that's nonsense.", clean: "I agree.", steps: ["cutAtOtherSpeaker", "whitespace"]),
    .init(raw: "Alice: Fair enough.\n\n**Bob**: Not really.\nCarol: Agreed with Bob.", clean: "Fair enough.", steps: ["cutAtOtherSpeaker", "speakerPrefix", "whitespace"]),
    .init(raw: "Taxing second homes is overdue.\nUser Carol posted: Says who?", clean: "Taxing second homes is overdue.", steps: ["cutAtOtherSpeaker", "whitespace"]),
    .init(raw: "Good luck enforcing that.\nmoderator: Please keep it civil.", clean: "Good luck enforcing that.", steps: ["cutAtOtherSpeaker", "whitespace"]),
    // The whole output is someone else's turn.
    .init(raw: "Bob: You're all wrong about this.", clean: nil, steps: ["cutAtOtherSpeaker"]),
    .init(raw: "**Carol**: I'm with Bob on this one.", clean: nil, steps: ["cutAtOtherSpeaker"]),
    .init(raw: "OP: Thanks for the replies, everyone.", clean: nil, steps: ["cutAtOtherSpeaker"]),
    // Abstentions.
    .init(raw: "\"\"", clean: nil, steps: ["wrappingQuotes"]),
    .init(raw: "''", clean: nil, steps: ["wrappingQuotes"]),
    .init(raw: "(silent)", clean: nil, steps: ["abstentionMarker"]),
    .init(raw: "(Silent)", clean: nil, steps: ["abstentionMarker"]),
    .init(raw: "", clean: nil, steps: []),
    .init(raw: "   \n\t  ", clean: nil, steps: ["whitespace"]),
    .init(raw: "Alice: (silent)", clean: nil, steps: ["speakerPrefix", "abstentionMarker"]),
    .init(raw: "  *stays silent*\n", clean: nil, steps: ["whitespace", "abstentionMarker"]),
    .init(raw: "```\n(silent)\n```", clean: nil, steps: ["codeFence", "abstentionMarker"]),
    .init(raw: "Alice:", clean: nil, steps: ["speakerPrefix"]),
    // Texts that must not change.
    .init(raw: "Alice is right about that, frankly.", clean: "Alice is right about that, frankly.", steps: []),
    .init(raw: "users should vote on the new rules.", clean: "users should vote on the new rules.", steps: []),
    .init(raw: "My neighbour said \"rent caps\" would ruin us, but rents doubled anyway.", clean: "My neighbour said \"rent caps\" would ruin us, but rents doubled anyway.", steps: []),
    .init(raw: "\"Culture\" is a buzzword, and so is \"synergy\"", clean: "\"Culture\" is a buzzword, and so is \"synergy\"", steps: []),
    .init(raw: "I told Bob: stop blaming immigrants for the housing crisis.", clean: "I told Bob: stop blaming immigrants for the housing crisis.", steps: []),
    .init(raw: "I see your point.\nBob is wrong though, and so is the OP.", clean: "I see your point.\nBob is wrong though, and so is the OP.", steps: []),
    .init(raw: "Responses like that are why nobody trusts economists.", clean: "Responses like that are why nobody trusts economists.", steps: []),
    .init(raw: "Commenting here because nobody else will.", clean: "Commenting here because nobody else will.", steps: []),
    .init(raw: "Alice wrote that remote work is fine, and she's right.", clean: "Alice wrote that remote work is fine, and she's right.", steps: []),
    .init(raw: "Bobby's landlord raised the rent by 30%.", clean: "Bobby's landlord raised the rent by 30%.", steps: []),
    .init(raw: "Passing the buck again, I see.", clean: "Passing the buck again, I see.", steps: []),
    .init(raw: "'Landlords' is a funny word for 'people who own two flats'", clean: "'Landlords' is a funny word for 'people who own two flats'", steps: []),
    // A moderator's output.
    .init(raw: "**Moderator Comment:** Please stay on topic.", clean: "Please stay on topic.", steps: ["markdownLabel"], speaker: "moderator"),
    .init(raw: "moderator: Let's keep it civil, everyone.", clean: "Let's keep it civil, everyone.", steps: ["speakerPrefix"], speaker: "moderator"),
]

@Suite("OutputCleaner")
struct CleanerTests {
    static func cleaner(for speaker: String) -> OutputCleaner {
        let everyone = ["Alice", "Bob", "Carol", "moderator", "OP"]
        return OutputCleaner(speaker: speaker, others: everyone.filter { $0 != speaker })
    }

    @Test(arguments: cleanerCases)
    func cleansMessyOutput(_ c: CleanerCase) {
        let out = Self.cleaner(for: c.speaker).clean(c.raw)
        #expect(out.text == c.clean)
        #expect(out.isAbstention == (c.clean == nil))
        #expect(out.changes.map(\.step) == c.steps)
        if c.steps.isEmpty { #expect(out.changes.isEmpty) }
        if out.isAbstention { #expect(out.flags.isEmpty) }
    }

    @Test func tableIsLargeEnough() {
        #expect(cleanerCases.count >= 25)
        #expect(cleanerCases.filter { $0.clean == nil }.count >= 8)
        #expect(cleanerCases.filter { $0.steps.isEmpty && $0.clean != nil }.count >= 8)
    }

    /// Cleaning only removes whole decorations at the ends (or cuts off trailing lines): the clean text is a
    /// contiguous piece of the raw output.
    @Test(arguments: cleanerCases.filter { $0.clean != nil })
    func cleanTextIsAContiguousPieceOfTheRawText(_ c: CleanerCase) throws {
        let out = Self.cleaner(for: c.speaker).clean(c.raw)
        let text = try #require(out.text)
        #expect(c.raw.contains(text))
    }

    @Test func recordedRemovalsAreTheTextThatWasRemoved() {
        let out = Self.cleaner(for: "Alice").clean("I agree.\nBob: No way, that's nonsense.")
        #expect(out.changes.first == CleaningChange(step: "cutAtOtherSpeaker", removed: "Bob: No way, that's nonsense."))
        let prefix = Self.cleaner(for: "Alice").clean("User Alice posted: Fine.")
        #expect(prefix.changes == [CleaningChange(step: "speakerPrefix", removed: "User Alice posted: ")])
        let label = Self.cleaner(for: "Alice").clean("**Comment:** Fine.")
        #expect(label.changes == [CleaningChange(step: "markdownLabel", removed: "**Comment:** ")])
        let whole = Self.cleaner(for: "Alice").clean("Bob: hi")
        #expect(whole.changes == [CleaningChange(step: "cutAtOtherSpeaker", removed: "Bob: hi")])
        let silent = Self.cleaner(for: "Alice").clean("(pass)")
        #expect(silent.changes == [CleaningChange(step: "abstentionMarker", removed: "(pass)")])
    }

    /// The built-in instructions tell every role to answer "(silent)" to abstain; the cleaner must agree.
    @Test func builtInAbstentionInstructionMatchesTheCleaner() {
        let texts = [DefaultData.userInstructions, DefaultData.trollInstructions] + DefaultData.strategies.map(\.instructions)
        for text in texts { #expect(text.contains("(silent)")) }
        #expect(OutputCleaner.abstentionMarkers.contains("(silent)"))
        #expect(Self.cleaner(for: "moderator").clean("(silent)").isAbstention)
    }

    // MARK: flags

    @Test func flagsUnfilledPlaceholders() {
        let c = Self.cleaner(for: "Alice")
        for text in ["@username I think you're wrong.", "Thanks, [username], good point.", "Hey {{name}}, fair enough.", "Replying to <name>: nope.", "Good point @user"] {
            #expect(c.clean(text).flags.contains(.unfilledPlaceholder), "\(text)")
        }
        #expect(!c.clean("Totally agree with @Bob here.").flags.contains(.unfilledPlaceholder))
        #expect(!c.clean("Most users would agree with that.").flags.contains(.unfilledPlaceholder))
    }

    @Test func flagsSelfMention() {
        let c = Self.cleaner(for: "Alice")
        #expect(c.clean("@Alice I agree with myself, apparently.").flags == [.selfMention])
        #expect(c.clean("As @alice said earlier, rents are too high.").flags == [.selfMention])
        #expect(c.clean("Totally agree with @Bob here.").flags == [])
        #expect(c.clean("Alice here, and I agree.").flags == [])
    }

    @Test func flagsRefusals() {
        let c = Self.cleaner(for: "Alice")
        for text in [
            "As an AI, I don't have opinions on rent control.",
            "I'm sorry, but I can't continue this conversation.",
            "As a language model I cannot take sides.",
            "I cannot fulfill that request.",
        ] {
            #expect(c.clean(text).flags.contains(.refusal), "\(text)")
        }
        #expect(!c.clean("I cannot believe people still defend this.").flags.contains(.refusal))
        #expect(!c.clean("As a nurse, I see this every day.").flags.contains(.refusal))
    }

    @Test func flagsTruncationOnlyForFinishReasonLength() {
        let c = Self.cleaner(for: "Alice")
        #expect(c.clean("Remote work is great because", finishReason: "length").flags == [.truncated])
        #expect(c.clean("Remote work is great.", finishReason: "stop").flags == [])
        #expect(c.clean("Remote work is great.").flags == [])
        // An abstention carries no flags even when cut off.
        #expect(c.clean("(silent)", finishReason: "length").flags == [])
    }

    @Test func flagsRepetitionAfterCaseAndWhitespaceFolding() {
        let c = Self.cleaner(for: "Alice")
        let earlier = ["Rents are too high.", "I   AGREE with\nyou."]
        #expect(c.clean("i agree with you.", earlier: earlier).flags == [.repetition])
        #expect(c.clean("Alice: Rents are too high.", earlier: earlier).flags == [.repetition])
        #expect(c.clean("I agree with you!", earlier: earlier).flags == [])
        #expect(c.clean("Rents are too high, though.", earlier: earlier).flags == [])
    }

    @Test func flagsMostlyNonLatinText() {
        let c = Self.cleaner(for: "Alice")
        #expect(c.clean("Я думаю, что аренда слишком дорогая.").flags == [.nonEnglish])
        #expect(c.clean("我认为远程工作更有效率，通勤太浪费时间了。").flags == [.nonEnglish])
        #expect(c.clean("Ok. Я думаю, что аренда слишком дорогая для всех.").flags == [.nonEnglish])
        // Latin letters with diacritics are still Latin; a stray foreign word does not trip the flag.
        #expect(c.clean("Café culture is über-important to the naïve.").flags == [])
        #expect(c.clean("The Russian word for rent is аренда, apparently.").flags == [])
        // Short texts are never judged.
        #expect(c.clean("да да").flags == [])
    }

    @Test func severalFlagsAtOnceInOrder() {
        let c = Self.cleaner(for: "Alice")
        let out = c.clean("@username As an AI I think @Alice is", finishReason: "length", earlier: ["@username as an AI i think @alice is"])
        #expect(out.flags == [.unfilledPlaceholder, .selfMention, .refusal, .truncated, .repetition])
    }

    // MARK: generated texts

    /// Random comments wrapped in random decorations: the cleaner recovers the comment exactly, and the result
    /// is always a contiguous substring of the raw output.
    @Test func generatedDecoratedCommentsAreRecoveredExactly() {
        let words = [
            "rent", "control", "works", "Bob", "is", "wrong", "about", "OP's", "point", "users", "comment", "posted",
            "nobody", "wants", "more", "roads", "I", "think", "it's", "\"fair\"", "taxes", "Alice", "reply",
            "moderator", "buses", "honestly", "the", "council", "said", "(maybe)",
        ]
        let prefixes = ["", "Alice: ", "**Alice**: ", "**Alice:** ", "User Alice posted: ", "Alice wrote: ", "[Alice]: ", "@Alice: ", "Alice:\n"]
        let labels = ["", "**Comment:** ", "Response: ", "Reply - ", "My comment: "]
        let quotes: [(String, String)] = [("", ""), ("\"", "\""), ("“", "”"), ("«", "»")]
        let tails = ["", "\nBob: Nope.", "\n\n**Carol**: Agreed.", "\nUser Bob posted: what?", "\nmoderator: Please stay on topic."]
        var g = SeededGenerator(seed: 314)
        let cleaner = Self.cleaner(for: "Alice")
        for _ in 0..<2_000 {
            // A comment that starts with a lowercase-safe word and contains no quote characters of its own
            // wrapping kind at the ends.
            let count = 3 + g.index(below: 10)
            var comment = (0..<count).map { _ in words[g.index(below: words.count)] }.joined(separator: " ")
            comment = "So " + comment + "."
            let prefix = prefixes[g.index(below: prefixes.count)]
            let label = labels[g.index(below: labels.count)]
            var (open, close) = quotes[g.index(below: quotes.count)]
            if comment.contains("\"") && open == "\"" { (open, close) = ("", "") }
            let tail = tails[g.index(below: tails.count)]
            var raw = prefix + label + open + comment + close + tail
            if g.index(below: 4) == 0 { raw = "```\n" + raw + "\n```" }
            if g.index(below: 3) == 0 { raw = "  " + raw + "\n " }
            let out = cleaner.clean(raw)
            #expect(out.text == comment, "raw: \(raw.debugDescription)")
            if let text = out.text { #expect(raw.contains(text)) }
        }
    }

    /// Plain comments made of ordinary words are never changed at all.
    @Test func generatedPlainCommentsAreLeftAlone() {
        let words = [
            "rent", "Bob", "is", "wrong", "Alice", "users", "comment", "posted", "Carol's", "point", "said:", "OP", "reply",
            "moderator", "response", "we", "should", "vote", "passing", "pass", "silent", "(really)", "answer", "output",
        ]
        var g = SeededGenerator(seed: 2718)
        let cleaner = Self.cleaner(for: "Alice")
        for _ in 0..<2_000 {
            let first = ["I", "We", "Honestly", "Frankly", "Nobody", "Everyone"][g.index(below: 6)]
            let count = 1 + g.index(below: 12)
            let comment = ([first] + (0..<count).map { _ in words[g.index(below: words.count)] }).joined(separator: " ") + "."
            let out = cleaner.clean(comment)
            #expect(out.text == comment)
            #expect(out.changes.isEmpty)
        }
    }

    // MARK: known issues

    /// Documented: "Every step works on whole tokens … never deleting a substring inside the text."
    /// `prefixLength` accepts "-" as the separator after a label word, so a comment whose first word is a
    /// hyphenated compound starting with a label word loses the first half of that word.
    @Test(arguments: [
        "Post-war housing was built to last.",
        "Reply-all emails are the real productivity killer.",
        "Comment-section moderation never works anyway.",
        "Answer-driven debates are rare here.",
    ])
    func labelWordStartingAHyphenatedWordIsKept(_ raw: String) {
        let out = Self.cleaner(for: "Alice").clean(raw)
        do {
            #expect(out.text == raw)
            #expect(out.changes.isEmpty)
        }
    }

    /// "@Bob: …" is how forum users address Bob, not a speaker label; the cleaner treats it as the model
    /// writing Bob's turn and throws the whole comment away as an abstention.
    @Test func addressingAnotherUserWithAtMentionIsNotAnAbstention() {
        let raw = "@Bob: rent caps did nothing for my street."
        let out = Self.cleaner(for: "Alice").clean(raw)
        do {
            #expect(out.text == raw)
        }
    }

    /// A line break written as CRLF is one `Character` in Swift, so splitting on "\n" never sees it:
    /// the next speaker's turn is not cut off.
    @Test func cutsAtOtherSpeakerAfterCRLF() {
        let out = Self.cleaner(for: "Alice").clean("I agree.\r\nBob: No way, that's nonsense.")
        do {
            #expect(out.text == "I agree.")
        }
    }

    /// `stripSpeakerPrefix` is documented to remove "X:" … "where X is the speaker (or \"User\")", but only
    /// "User <speaker>" is in its name list: a bare "User:" label (common with small chat models) stays.
    @Test(arguments: ["User: I think rent caps work.", "**User:** I think rent caps work.", "User posted: I think rent caps work."])
    func bareUserLabelIsStripped(_ raw: String) {
        let out = Self.cleaner(for: "Alice").clean(raw)
        do {
            #expect(out.text == "I think rent caps work.")
        }
    }

    /// Names are matched case-sensitively. With the default moderator username `moderator`, a model that writes
    /// the usual capitalised "Moderator:" label is neither stripped (own output) nor cut (someone else's turn).
    @Test func capitalisedModeratorLabelIsRecognised() {
        let own = Self.cleaner(for: "moderator").clean("Moderator: Please keep it civil, everyone.")
        let other = Self.cleaner(for: "Alice").clean("I agree.\nModerator: Please keep it civil.")
        do {
            #expect(own.text == "Please keep it civil, everyone.")
            #expect(other.text == "I agree.")
        }
    }

    /// The refusal check is a plain substring test, so ordinary sentences containing "as an ai…" trip it.
    @Test(arguments: ["As an airline pilot, I can tell you remote work isn't for everyone.", "As an aide to a councillor I saw how rent caps get drafted."])
    func occupationsStartingWithAiAreNotRefusals(_ raw: String) {
        let out = Self.cleaner(for: "Alice").clean(raw)
        do {
            #expect(!out.flags.contains(.refusal))
        }
    }

    /// The self-mention check is a substring test: "@Samantha" counts as Sam mentioning himself.
    @Test func mentioningALongerNameIsNotASelfMention() {
        let cleaner = OutputCleaner(speaker: "Sam", others: ["Samantha", "Bob"])
        let out = cleaner.clean("@Samantha you're right about the buses.")
        do {
            #expect(!out.flags.contains(.selfMention))
        }
    }
}
