import Foundation
import Testing

@testable import SDFCore

/// Model output that is not polite text: NUL, C0 controls, terminal escapes, bidirectional overrides, U+FFFD,
/// random code points. The cleaner keeps the raw text exactly, flags what it sees, and never fixes silently.
@Suite("Hostile model output: cleaning and display")
struct HostileTextTests {
    let cleaner = OutputCleaner(speaker: "ann", others: ["bob", "OP"])

    /// `count` random Unicode scalars (every plane, controls included; surrogates cannot be scalars) from `seed`.
    static func randomScalars(_ count: Int, seed: UInt64) -> String {
        var rng = SplitMix(seed)
        var scalars = String.UnicodeScalarView()
        while scalars.count < count {
            let pick = rng.next() % 4
            let value: UInt32 =
                switch pick {
                case 0: UInt32(rng.next() % 0x20)  // C0
                case 1: UInt32(rng.next() % 0x800)  // Latin, C1, Greek…
                case 2: UInt32(0x2000 + rng.next() % 0x100)  // punctuation, bidi controls
                default: UInt32(rng.next() % 0x110000)
                }
            if let s = Unicode.Scalar(value) { scalars.append(s) }
        }
        return String(scalars)
    }

    struct SplitMix {
        var state: UInt64
        init(_ seed: UInt64) { state = seed }
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    @Test func aLeadingNulIsRemovedFromTheCleanTextAndRecorded() {
        let out = cleaner.clean("\u{0}hello")
        #expect(out.text == "hello")
        #expect(out.changes.contains(CleaningChange(step: "nulCharacters", removed: "\u{0}")))
        #expect(out.flags.contains(.controlCharacters))
    }

    @Test func anEmbeddedNulDoesNotCutTheComment() {
        let out = cleaner.clean("hello\u{0} world")
        #expect(out.text == "hello world")
        #expect(out.flags == [.controlCharacters])
        #expect(out.changes.map(\.step) == ["nulCharacters"])
    }

    @Test func onlyNulsIsAnAbstentionThatStillSaysWhy() {
        let out = cleaner.clean("\u{0}\u{0}")
        #expect(out.isAbstention)
        #expect(out.changes.first == CleaningChange(step: "nulCharacters", removed: "\u{0}\u{0}"))
        #expect(out.flags == [.controlCharacters])
    }

    @Test(arguments: [
        "ring \u{07} the bell", "\u{1B}]0;pwned\u{07}title", "colour \u{1B}[31mred\u{1B}[0m", "backspace\u{08}\u{08}",
        "rtl \u{202E}txt.exe", "isolate \u{2066}x\u{2069}", "c1 \u{9B}31m", "del \u{7F}",
    ])
    func controlCharactersAreFlaggedAndKept(_ raw: String) {
        let out = cleaner.clean(raw)
        #expect(out.flags.contains(.controlCharacters), "\(raw.unicodeScalars.map { $0.value })")
        // Kept, not fixed: only the NUL step may remove characters inside the text.
        #expect(out.text == raw)
    }

    @Test func plainTextTabsAndNewlinesAreNotControlCharacters() {
        #expect(cleaner.clean("a\tb\nc").flags.isEmpty)
        #expect(cleaner.clean("windows\r\nline").flags.isEmpty)
        #expect(cleaner.clean("مرحبا بالعالم والناس").flags.contains(.controlCharacters) == false)
    }

    @Test func replacementCharacterIsFlagged() {
        #expect(cleaner.clean("bad \u{FFFD} text").flags.contains(.replacementCharacter))
    }

    @Test func randomCodePointsNeverCrashAndNulIsTheOnlyThingRemovedInside() {
        for seed in 1...20 as ClosedRange<UInt64> {
            let raw = Self.randomScalars(700, seed: seed)  // ~2 KB of UTF-8
            let out = cleaner.clean(raw)
            if let text = out.text {
                #expect(!text.unicodeScalars.contains("\u{0}"))
                #expect(out.flags.contains(.controlCharacters) == ControlCharacters.found(in: raw))
            }
        }
    }

    @Test func visibleRenderingLeavesNoControlForTheTerminal() {
        let hostile = "\u{1B}]0;pwned\u{07}\u{1B}[2J\u{0}\r\u{9B}\u{202E}abc\u{7F}\nnext\tline"
        let shown = ControlCharacters.visible(hostile)
        #expect(!shown.unicodeScalars.contains { ControlCharacters.isControl($0) || $0 == "\r" })
        #expect(shown == "␛]0;pwned␇␛[2J␀␍\\u{009B}\\u{202E}abc␡\nnext\tline")
        #expect(ControlCharacters.visible("one\ntwo", keepNewlines: false) == "one␤two")
        // Idempotent, and plain text is untouched.
        #expect(ControlCharacters.visible(shown) == shown)
        #expect(ControlCharacters.visible("café 😀 مرحبا") == "café 😀 مرحبا")
        for seed in 1...20 as ClosedRange<UInt64> {
            let out = ControlCharacters.visible(Self.randomScalars(700, seed: seed))
            #expect(!out.unicodeScalars.contains { ControlCharacters.isControl($0) || $0 == "\r" })
        }
    }
}

/// Counts beyond what a study can mean are refused with the bound in the message; so are empty templates.
@Suite("Study limits")
struct StudyLimitsTests {
    static func messages(_ yaml: String) -> [String] {
        do {
            _ = try ExperimentLoader.load(yaml: yaml, file: "absurd.yaml", baseDirectory: "/nonexistent-sdf-base")
            return []
        } catch let error as ExperimentFileError {
            return error.diagnostics.map { "\($0.field): \($0.message)" }
        } catch {
            return ["unexpected: \(error)"]
        }
    }

    @Test(arguments: [
        ("replicates: 10000000000", "replicates", "100000"),
        ("discussion: {turns: 10000000000}", "discussion.turns", "10000"),
        ("discussion: {users: 100000}", "discussion.users", "1000"),
        ("discussion: {historyLength: 99999999}", "discussion.historyLength", "10000"),
        ("concurrency: 1000000", "concurrency", "4096"),
        ("models: [{name: m, endpoint: \"http://127.0.0.1:9/v1\", maxTokens: 9999999999}]", "models[0].maxTokens", "1000000"),
        ("models: [{name: m, endpoint: local, parallel: 100000}]", "models[0].parallel", "1024"),
        ("moderator: {schedule: everyKComments, every: 99999999}", "moderator.every", "10000"),
    ])
    func absurdCountsAreRefusedWithTheirBound(_ yaml: String, field: String, bound: String) {
        let messages = Self.messages(YAMLFixtures.minimal(plus: yaml))
        #expect(messages.contains { $0.hasPrefix(field + ":") && $0.contains(bound) }, "\(messages)")
    }

    @Test func theDesignSizeIsBoundedBeforeAnythingIsAllocated() {
        let strategies = (0..<100).map { "s\($0)" }.joined(separator: ", ")
        let yaml = YAMLFixtures.minimal(plus: "replicates: 100000\nstrategies: [none, \(strategies)]")
        let messages = Self.messages(yaml)
        #expect(messages.contains { $0.contains("discussions") && $0.contains("1000000") }, "\(messages)")
    }

    @Test func reasonableCountsStillLoad() throws {
        let yaml = YAMLFixtures.minimal(plus: "replicates: 100000\ndiscussion: {turns: 10000, historyLength: 10000}")
        let experiment = try ExperimentLoader.load(yaml: yaml, file: "big.yaml", baseDirectory: "/nonexistent-sdf-base")
        #expect(experiment.spec.replicates == 100_000)
    }

    @Test(arguments: ["turn", "participantSystem", "moderatorSystem", "annotatorSystem", "annotation"])
    func anEmptyTemplateIsRefused(_ field: String) {
        for template in ["\"\"", "\"   \\n  \"", "\"{{#nothing}}x{{/nothing}}\""] {
            let messages = Self.messages(YAMLFixtures.minimal(plus: "prompts:\n  \(field): \(template)"))
            #expect(messages.contains { $0.hasPrefix("prompts.\(field):") && $0.contains("empty message") }, "\(template): \(messages)")
        }
    }

    @Test func theBuiltInTemplatesRenderText() {
        #expect(PromptRenderer.emptyRenderings(of: .builtIn).isEmpty)
    }
}
