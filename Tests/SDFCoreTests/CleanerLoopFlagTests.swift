import Testing

@testable import SDFCore

/// The flags for the small model's typical failures: near-duplicates, loops, recited prompts and transcripts.
@Suite struct CleanerLoopFlagTests {
    let alice = OutputCleaner(speaker: "Alice", others: ["Bob", "moderator", "OP"])

    @Test func nearDuplicateOfAnEarlierComment() {
        let earlier = ["I think the rent cap is overdue and landlords have had it easy for far too long."]
        // One word changed: most trigrams are shared, the text is not the same.
        let edited = alice.clean("I think the rent cap is overdue and landlords have had it easy for too long.", earlier: earlier)
        #expect(edited.flags == [.nearDuplicate])
        // The exact text is a repetition, not also a near-duplicate.
        #expect(alice.clean(earlier[0], earlier: earlier).flags == [.repetition])
        // A reply that quotes a few words of it is neither.
        let reply = alice.clean("Overdue? Landlords have had it easy? My landlord fixed the boiler in a day, so no.", earlier: earlier)
        #expect(reply.flags.isEmpty)
        // Too short to judge (fewer than four trigrams).
        #expect(alice.clean("I think the rent", earlier: earlier).flags.isEmpty)
    }

    @Test func loopsAreSelfRepetition() {
        let loop = alice.clean(String(repeating: "I'm here to help, and I'm here to help. ", count: 4))
        #expect(loop.flags.contains(.selfRepetition))
        // Twice is rhetoric, not a loop.
        #expect(alice.clean("We need more nurses. We need more nurses, and we need them now.").flags.isEmpty)
    }

    @Test func recitingTheSystemMessageIsPromptEcho() {
        let system = """
            You are Alice, a 34-year-old nurse. You are taking part in an online discussion. The discussion starts \
            with this comment by OP: Rent control is the only thing standing between working families and the street.
            """
        let recited = alice.clean(
            "The discussion starts with this comment by OP: Rent control is the only thing standing between working families",
            prompt: system)
        #expect(recited.flags == [.promptEcho])
        // Own words around a short quote: under half the comment is shared.
        let quoting = alice.clean(
            "OP says rent control is the only thing standing between working families and the street, but that ignores "
                + "what happened to supply in every city that tried it, and the waiting lists that followed.",
            prompt: system)
        #expect(!quoting.flags.contains(.promptEcho))
        // No prompt given: not checked.
        #expect(alice.clean("The discussion starts with this comment by OP: Rent control is the only thing").flags.isEmpty)
    }

    @Test func ownNameInsideTheCommentIsSelfPrefix() {
        let moderator = OutputCleaner(speaker: "moderator", others: ["Alice", "Bob", "OP"])
        #expect(moderator.clean("Please stay civil. moderator: Please stay civil.").flags == [.selfPrefix])
        #expect(alice.clean("I agree with that. Alice: and I said so before.").flags == [.selfPrefix])
        // Someone else's name, a longer name, or a mention are not.
        #expect(!alice.clean("Quoting the rules, moderator: be kind.").flags.contains(.selfPrefix))
        #expect(!alice.clean("MaryAlice: that is what my friend wrote.").flags.contains(.selfPrefix))
        #expect(!alice.clean("Alice here, and I agree.").flags.contains(.selfPrefix))
    }
}

@Suite("Earlier comments prepared once")
struct EarlierCommentsTests {
    @Test("appending comment by comment equals preparing the list; flags equal those computed from the texts")
    func incrementalEqualsWhole() {
        let thread = [
            "Cars should pay for the roads they use, plain and simple.",
            "cars SHOULD pay for the   roads they use, plain and simple.",
            "Cars should pay for the roads they use, plain and simple, really.",
            "Buses are a different matter entirely; they carry forty people.",
            "Nobody asked about buses.",
            "Cars should pay for the roads they use, plain and simple.",
        ]
        let cleaner = OutputCleaner(speaker: "ada", others: ["ben", "OP"])
        var earlier = EarlierComments()
        var texts: [String] = []
        var flagged = 0
        for comment in thread {
            let fromTexts = cleaner.clean(comment, earlier: texts)
            let prepared = cleaner.clean(comment, earlier: earlier)
            #expect(prepared == fromTexts, "\(comment)")
            flagged += prepared.flags.contains(.repetition) || prepared.flags.contains(.nearDuplicate) ? 1 : 0
            if let text = prepared.text {
                earlier.append(text)
                texts.append(text)
            }
        }
        #expect(earlier == EarlierComments(texts))
        #expect(earlier.count == thread.count)
        // The second (same words, other case and spacing) and the last are repetitions; the third a near-duplicate.
        #expect(flagged == 3)
    }
}
