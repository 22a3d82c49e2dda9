import Foundation
import Testing

@testable import SDFCore

/// Compares `actual` with `Golden/<name>`; with `SDF_UPDATE_GOLDEN=1` in the environment it (re)writes the file.
func expectMatchesGolden(_ actual: String, _ name: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
    let url = TestSupport.testsDirectory.appendingPathComponent("Golden").appendingPathComponent(name)
    if ProcessInfo.processInfo.environment["SDF_UPDATE_GOLDEN"] == "1" {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data((actual + "\n").utf8).write(to: url)
        return
    }
    guard let data = FileManager.default.contents(atPath: url.path), let stored = String(data: data, encoding: .utf8) else {
        Issue.record("missing golden file \(url.path); run with SDF_UPDATE_GOLDEN=1 to create it", sourceLocation: sourceLocation)
        return
    }
    // Golden files end with one newline so they read well in editors; the rendered text never does.
    let expected = stored.hasSuffix("\n") ? String(stored.dropLast()) : stored
    #expect(actual == expected, "rendered text differs from \(name)", sourceLocation: sourceLocation)
}

enum PromptFixtures {
    static let persona = Persona(
        username: "harbour_heron", age: 47, sex: "female", education: "bachelor's degree in marine biology",
        sexualOrientation: "lesbian", ethnicity: "Norwegian", occupation: "ferry deckhand", politicalLeaning: "centre-left",
        personality: ["dry", "patient", "stubborn"], extra: ["country": "Norway", "hobby": "knitting"])

    static let seedComment = """
        Honestly, "quick syncs" aren't worth a 2-hour commute & nobody's <really> productive in an open-plan office.
        If your job only works when someone can watch you, maybe the problem is the job.

        """

    static let window3 = [
        ContextComment(speaker: "OP", text: "Return-to-office is about control, not \"culture\"."),
        ContextComment(speaker: "DieselDave74", text: "  Some of us never had the option to work from home, mate.\n"),
        ContextComment(speaker: "moderator", text: "Let's keep it civil & stick to the topic, please."),
    ]

    static func renderer() throws -> PromptRenderer { try PromptRenderer(templates: .builtIn) }
}

@Suite("Prompt rendering")
struct PromptGoldenTests {
    // MARK: golden files

    @Test func participantSystemPromptMatchesGolden() throws {
        let text = try PromptFixtures.renderer().system(
            username: PromptFixtures.persona.username, persona: PromptFixtures.persona, role: .user,
            instructions: DefaultData.userInstructions, seedComment: PromptFixtures.seedComment)
        try expectMatchesGolden(text, "participant-system.txt")
        Self.expectClean(text)
        #expect(text.hasPrefix("You are harbour_heron, a member of an online discussion forum.\nAbout you:\n- age: 47\n"))
        #expect(text.hasSuffix("If your job only works when someone can watch you, maybe the problem is the job."))
    }

    @Test func moderatorSystemPromptMatchesGolden() throws {
        let guidelines = try #require(DefaultData.strategies.first { $0.name == "guidelines" })
        let text = try PromptFixtures.renderer().system(
            username: "moderator", persona: nil, role: .moderator, instructions: guidelines.instructions,
            seedComment: PromptFixtures.seedComment)
        try expectMatchesGolden(text, "moderator-system.txt")
        Self.expectClean(text)
        #expect(text.hasPrefix("You moderate an online discussion forum; your username is moderator.\n\n"))
        #expect(!text.contains("About you"))
        #expect(text.contains("The thread you are moderating started with this post by a forum member (OP):"))
    }

    @Test func turnPromptWithoutCommentsMatchesGolden() throws {
        let r = try PromptFixtures.renderer()
        let prompt = r.prompt(system: "SYSTEM", username: "harbour_heron", window: [], truncated: false)
        try expectMatchesGolden(prompt.user, "turn-0-comments.txt")
        Self.expectClean(prompt.user)
        Self.expectCue(prompt.user, "harbour_heron")
        #expect(prompt.user.contains("No one has replied to the post yet."))
        #expect(!prompt.user.contains("comments in the thread"))
        // With no comments there is nothing to truncate: the flag changes nothing.
        #expect(r.prompt(system: "SYSTEM", username: "harbour_heron", window: [], truncated: true).user == prompt.user)
    }

    @Test func turnPromptWithThreeCommentsMatchesGolden() throws {
        let prompt = try PromptFixtures.renderer().prompt(
            system: "SYSTEM", username: "harbour_heron", window: PromptFixtures.window3, truncated: false)
        try expectMatchesGolden(prompt.user, "turn-3-comments.txt")
        Self.expectClean(prompt.user)
        Self.expectCue(prompt.user, "harbour_heron")
        #expect(prompt.user.hasPrefix("The comments in the thread so far:\n\nOP: Return-to-office"))
        #expect(!prompt.user.contains("earlier ones are not shown"))
        Self.expectCommentsInOrder(prompt.user)
    }

    @Test func truncatedTurnPromptWithThreeCommentsMatchesGolden() throws {
        let prompt = try PromptFixtures.renderer().prompt(
            system: "SYSTEM", username: "harbour_heron", window: PromptFixtures.window3, truncated: true)
        try expectMatchesGolden(prompt.user, "turn-3-comments-truncated.txt")
        Self.expectClean(prompt.user)
        Self.expectCue(prompt.user, "harbour_heron")
        #expect(prompt.user.hasPrefix("The most recent comments in the thread (earlier ones are not shown):\n\n"))
        #expect(!prompt.user.contains("so far"))
        Self.expectCommentsInOrder(prompt.user)
    }

    // MARK: checks shared by the goldens

    static func expectClean(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(!text.contains("{{") && !text.contains("}}"), "leftover Mustache tag", sourceLocation: sourceLocation)
        for entity in ["&#", "&quot;", "&amp;", "&lt;", "&gt;", "&apos;"] {
            #expect(!text.contains(entity), "HTML entity \(entity)", sourceLocation: sourceLocation)
        }
        #expect(!text.contains("\n\n\n"), "more than one blank line in a row", sourceLocation: sourceLocation)
        #expect(text == text.trimmingCharacters(in: .whitespacesAndNewlines), "surrounding whitespace", sourceLocation: sourceLocation)
        #expect(!text.split(separator: "\n", omittingEmptySubsequences: false).contains { $0.hasSuffix(" ") || $0.hasSuffix("\t") },
                "trailing spaces", sourceLocation: sourceLocation)
    }

    static func expectCue(_ text: String, _ name: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let last = text.split(separator: "\n").last.map(String.init) ?? ""
        #expect(last.hasPrefix("Write your next comment as \(name)."), "cue: \(last)", sourceLocation: sourceLocation)
        #expect(text.hasSuffix("Write your next comment as \(name). Reply with the comment text only, or with (silent) to stay silent."), sourceLocation: sourceLocation)
    }

    static func expectCommentsInOrder(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let lines = [
            "OP: Return-to-office is about control, not \"culture\".",
            "DieselDave74: Some of us never had the option to work from home, mate.",
            "moderator: Let's keep it civil & stick to the topic, please.",
        ]
        let ranges = lines.map { text.range(of: "\n" + $0 + "\n") }
        #expect(ranges.allSatisfy { $0 != nil }, sourceLocation: sourceLocation)
        let starts = ranges.compactMap { $0?.lowerBound }
        #expect(starts == starts.sorted(), sourceLocation: sourceLocation)
    }

    // MARK: placeholders

    /// Every context value a template is documented to use appears, non-empty, in the rendered text.
    @Test(arguments: [Role.user, .troll, .moderator])
    func systemTemplatesRenderEveryPlaceholder(role: Role) throws {
        let persona = Persona(
            username: "SENTINEL_USER", age: 71, sex: "SENTINEL_SEX", education: "SENTINEL_EDU", sexualOrientation: "SENTINEL_SO",
            ethnicity: "SENTINEL_ETH", occupation: "SENTINEL_OCC", politicalLeaning: "SENTINEL_POL",
            personality: ["SENTINEL_T1", "SENTINEL_T2"], extra: ["SENTINEL_KEY": "SENTINEL_VALUE"])
        let text = try PromptFixtures.renderer().system(
            username: "SENTINEL_NAME", persona: persona, role: role, instructions: "  SENTINEL_INSTRUCTIONS\n",
            seedComment: "\nSENTINEL_SEED  ")
        let expectedLines = [
            role == .moderator ? "your username is SENTINEL_NAME." : "You are SENTINEL_NAME,", "- age: 71", "- sex/gender: SENTINEL_SEX", "- education: SENTINEL_EDU",
            "- sexual orientation: SENTINEL_SO", "- ethnicity: SENTINEL_ETH", "- occupation: SENTINEL_OCC",
            "- political leaning: SENTINEL_POL", "- personality: SENTINEL_T1, SENTINEL_T2", "- SENTINEL_KEY: SENTINEL_VALUE",
            "\nSENTINEL_INSTRUCTIONS\n", "\nSENTINEL_SEED",
        ]
        for line in expectedLines { #expect(text.contains(line), "\(role): missing \(line.debugDescription)") }
        // Attributes come in the documented order.
        let order = expectedLines[1..<10].compactMap { text.range(of: $0)?.lowerBound }
        #expect(order.count == 9 && order == order.sorted())
        #expect(text.hasSuffix("SENTINEL_SEED"), "seed comment is trimmed and ends the prompt")
        #expect(text.contains(role == .moderator ? "You moderate an online discussion forum" : "a member of an online discussion forum"))
        Self.expectClean(text)
    }

    @Test func annotatorTemplatesRenderEveryPlaceholder() throws {
        let r = try PromptFixtures.renderer()
        let rubric = Rubric(dimensions: [
            RubricDimension(name: "DIM_A", description: "DESC_A", min: 1, max: 3, labels: ["LBL_A1", "LBL_A2", "LBL_A3"], higherMeans: "MORE_A"),
            RubricDimension(name: "DIM_B", description: "DESC_B", min: 0, max: 10, labels: [], higherMeans: "MORE_B"),
        ])
        let annotator = Persona(username: "ANN_NAME", age: 39, occupation: "ANN_JOB")
        let system = r.annotatorSystem(annotator: annotator, instructions: "\nANN_INSTRUCTIONS  ", rubric: rubric)
        for part in [
            "You are ANN_NAME,", "- age: 39", "- occupation: ANN_JOB", "\nANN_INSTRUCTIONS\n", "- DIM_A (1 to 3; higher means MORE_A): DESC_A",
            "1 = LBL_A1", "2 = LBL_A2", "3 = LBL_A3", "- DIM_B (0 to 10; higher means MORE_B): DESC_B",
        ] {
            #expect(system.contains(part), "missing \(part.debugDescription)")
        }
        #expect(system.hasSuffix(#"{"DIM_A": <integer 1-3>, "DIM_B": <integer 0-10>}"#))
        Self.expectClean(system)

        let withContext = r.annotationPrompt(
            system: system, seedComment: " SEED_TEXT\n", context: [.init(speaker: "CTX_SPEAKER", text: "CTX_TEXT")],
            target: .init(speaker: "TARGET_SPEAKER", text: "TARGET_TEXT "))
        for part in ["SEED_TEXT\n", "\nCTX_SPEAKER: CTX_TEXT\n", "TARGET_SPEAKER", "\nTARGET_TEXT\n"] {
            #expect(withContext.user.contains(part), "missing \(part.debugDescription)")
        }
        Self.expectClean(withContext.user)
        #expect(withContext.hash == RenderedPrompt.sha256Hex(system + "\u{0}" + withContext.user))
        let noContext = r.annotationPrompt(system: system, seedComment: "SEED_TEXT", context: [], target: .init(speaker: "T", text: "X"))
        #expect(!noContext.user.contains("CTX_"))
        #expect(noContext.hash != withContext.hash)
        Self.expectClean(noContext.user)
    }

    @Test func participantWithoutAttributesHasNoAboutSection() throws {
        let text = try PromptFixtures.renderer().system(
            username: "bare", persona: Persona(username: "bare", sex: ""), role: .user, instructions: "Be brief.", seedComment: "Seed.")
        #expect(text == """
            You are bare, a member of an online discussion forum.

            Be brief.

            The thread you are taking part in started with this post by another forum member (OP):
            Seed.
            """)
    }

    @Test func turnTemplateRendersEveryPlaceholder() throws {
        let window = [ContextComment(speaker: "SPEAKER_A", text: "TEXT_A"), ContextComment(speaker: "SPEAKER_B", text: "TEXT_B")]
        let user = try PromptFixtures.renderer().prompt(system: "", username: "CUE_NAME", window: window, truncated: false).user
        #expect(user == """
            The comments in the thread so far:

            SPEAKER_A: TEXT_A

            SPEAKER_B: TEXT_B

            Write your next comment as CUE_NAME. Reply with the comment text only, or with (silent) to stay silent.
            """)
    }

    @Test func textIsNeverHTMLEscaped() throws {
        let tricky = #"Tom & Jerry's "best" <b>idea</b> — it's 5 > 3 & 'quoted'"#
        let r = try PromptFixtures.renderer()
        let system = r.system(username: "o'brien", persona: Persona(username: "o'brien", occupation: "R&D \"lead\""), role: .user, instructions: tricky, seedComment: tricky)
        #expect(system.contains(tricky))
        #expect(system.contains("You are o'brien,"))
        #expect(system.contains("- occupation: R&D \"lead\""))
        let user = r.prompt(system: system, username: "o'brien", window: [.init(speaker: "a&b", text: tricky)], truncated: false).user
        #expect(user.contains("a&b: " + tricky))
        #expect(user.hasSuffix("Write your next comment as o'brien. Reply with the comment text only, or with (silent) to stay silent."))
    }

    /// Values are data, not templates: Mustache tags inside a comment are shown literally.
    @Test func mustacheTagsInsideValuesAreNotExpanded() throws {
        let user = try PromptFixtures.renderer().prompt(
            system: "", username: "x", window: [.init(speaker: "y", text: "I love {{username}} and {{#comments}}")], truncated: false
        ).user
        #expect(user.contains("y: I love {{username}} and {{#comments}}"))
    }

    // MARK: hash and template id

    @Test func sha256HexMatchesTheStandardTestVectors() {
        #expect(RenderedPrompt.sha256Hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(RenderedPrompt.sha256Hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    @Test func promptHashIdentifiesSystemAndUserMessage() throws {
        let r = try PromptFixtures.renderer()
        let a = r.prompt(system: "S", username: "alice", window: PromptFixtures.window3, truncated: false)
        let same = r.prompt(system: "S", username: "alice", window: PromptFixtures.window3, truncated: false)
        let otherUser = r.prompt(system: "S", username: "alice", window: PromptFixtures.window3, truncated: true)
        let otherCue = r.prompt(system: "S", username: "bob", window: PromptFixtures.window3, truncated: false)
        let otherWindow = r.prompt(system: "S", username: "alice", window: Array(PromptFixtures.window3.prefix(2)), truncated: false)
        let otherSystem = r.prompt(system: "S2", username: "alice", window: PromptFixtures.window3, truncated: false)
        #expect(a.hash == same.hash)
        #expect(a.hash.count == 64 && a.hash.allSatisfy { "0123456789abcdef".contains($0) })
        #expect(Set([a.hash, otherUser.hash, otherCue.hash, otherWindow.hash, otherSystem.hash]).count == 5)
        #expect(a.hash == RenderedPrompt.sha256Hex("S" + "\u{0}" + a.user))
        // The separator keeps (system, user) pairs apart that would concatenate to the same text.
        #expect(RenderedPrompt(system: "ab", user: "c", templateId: "t").hash != RenderedPrompt(system: "a", user: "bc", templateId: "t").hash)
        #expect(a.templateId == PromptTemplates.builtInId)
    }

    @Test func customTemplatesGetAContentDerivedId() throws {
        var custom = PromptTemplates.builtIn
        custom.turn = "{{% CONTENT_TYPE: TEXT}}\nSay something, {{username}}.   \n"
        let r1 = try PromptRenderer(templates: custom)
        let r2 = try PromptRenderer(templates: custom)
        var other = custom
        other.turn += "Please."
        let r3 = try PromptRenderer(templates: other)
        #expect(r1.templateId.hasPrefix("custom-"))
        let hex = r1.templateId.dropFirst("custom-".count)
        #expect(hex.count == 12 && hex.allSatisfy { "0123456789abcdef".contains($0) })
        #expect(r1.templateId == r2.templateId)
        #expect(r1.templateId != r3.templateId)
        #expect(try PromptRenderer(templates: .builtIn).templateId == "builtin-2")
        // tidy() strips the trailing spaces of the custom template.
        #expect(r1.prompt(system: "", username: "zoe", window: [], truncated: false).user == "Say something, zoe.")
    }

    @Test func malformedTemplatesAreRejected() {
        #expect(throws: (any Error).self) { try PromptRenderer.checkTemplate("{{#comments}} never closed") }
        var broken = PromptTemplates.builtIn
        broken.participantSystem = "{{#hasAttributes}}{{/attributes}}"
        #expect(throws: (any Error).self) { try PromptRenderer(templates: broken) }
        #expect(throws: Never.self) { try PromptRenderer.checkTemplate(PromptTemplates.builtIn.turn) }
    }
}
