import Foundation
import Testing
import Yams

@testable import SDFCore

@Suite("Conditional moderator schedules")
struct ModeratorScheduleTests {
    static let annotation = """
        annotation:
          annotators: [{username: ann_a}, {username: ann_b}]
        """

    static func load(_ body: String) throws -> Experiment {
        try ExperimentLoader.load(yaml: YAMLFixtures.minimal(plus: body), file: ExperimentLoaderTests.file, baseDirectory: "/nonexistent-sdf-base")
    }

    // MARK: reading and writing the file

    @Test func readsDecideFirstAndOnTrigger() throws {
        let decide = try Self.load("strategies: [guidelines]\nmoderator: {schedule: decideFirst}")
        #expect(decide.spec.moderator.schedule == .decideFirst)
        #expect(decide.spec.moderator.schedule.isConditional)
        let trigger = try Self.load(
            "strategies: [guidelines]\nmoderator:\n  schedule: onTrigger\n  trigger: {annotator: ann_b, dimension: toxicity, atLeast: 3}\n"
                + Self.annotation)
        #expect(trigger.spec.moderator.schedule == .onTrigger(ModeratorTrigger(annotator: "ann_b", dimension: "toxicity", atLeast: 3)))
        #expect(!ModeratorSchedule.afterEveryComment.isConditional && !ModeratorSchedule.everyKComments(2).isConditional)
    }

    @Test(arguments: [
        ModeratorSchedule.afterEveryComment, .everyKComments(3), .decideFirst,
        .onTrigger(ModeratorTrigger(annotator: "ann_a", dimension: "argument_quality", atLeast: 2)),
    ])
    func moderatorSettingsRoundTripThroughTheirEncoding(schedule: ModeratorSchedule) throws {
        let settings = ModeratorSettings(username: "mod_x", schedule: schedule)
        let yaml = try YAMLEncoder().encode(settings)
        #expect(try YAMLDecoder().decode(ModeratorSettings.self, from: yaml) == settings)
        let json = try JSONEncoder().encode(settings)
        #expect(try JSONDecoder().decode(ModeratorSettings.self, from: json) == settings)
    }

    @Test func experimentSpecRoundTripsWithADecisionPromptOverride() throws {
        let e = try Self.load("strategies: [guidelines]\nmoderator: {schedule: decideFirst}\nprompts: {moderatorDecision: \"Should {{username}} speak? JSON please.\"}")
        #expect(e.templates.moderatorDecision == "Should {{username}} speak? JSON please.")
        let yaml = try YAMLEncoder().encode(e.spec)
        #expect(try YAMLDecoder().decode(ExperimentSpec.self, from: yaml) == e.spec)
    }

    // MARK: design hash

    @Test func fixedScheduleDesignsKeepTheirFingerprintShape() throws {
        let fixed = try Self.load("strategies: [guidelines]")
        #expect(!fixed.designFingerprint.contains("moderatorDecision"))
        #expect(!fixed.designFingerprint.contains("moderatorTrigger"))
        // The built-in decision template is not encoded with the templates (old hashes stay).
        let templates = String(decoding: try JSONEncoder().encode(PromptTemplates.builtIn), as: UTF8.self)
        #expect(!templates.contains("moderatorDecision"))
        #expect(try JSONDecoder().decode(PromptTemplates.self, from: Data(templates.utf8)) == .builtIn)
    }

    @Test func decisionTemplateAndTriggerAreDesign() throws {
        let decide = try Self.load("strategies: [guidelines]\nmoderator: {schedule: decideFirst}")
        let custom = try Self.load("strategies: [guidelines]\nmoderator: {schedule: decideFirst}\nprompts: {moderatorDecision: \"Speak, {{username}}? Answer JSON.\"}")
        #expect(decide.designHash != custom.designHash)
        let t3 = try Self.load(
            "strategies: [guidelines]\nmoderator: {schedule: onTrigger, trigger: {annotator: ann_a, dimension: toxicity, atLeast: 3}}\n" + Self.annotation)
        let t4 = try Self.load(
            "strategies: [guidelines]\nmoderator: {schedule: onTrigger, trigger: {annotator: ann_a, dimension: toxicity, atLeast: 4}}\n" + Self.annotation)
        #expect(t3.designHash != t4.designHash)
        #expect(t3.designFingerprint.contains("moderatorTrigger"))
    }

    // MARK: validation

    @Test func unknownAnnotatorDimensionAndThresholdNameTheirField() {
        let unknownAnnotator = YAMLFixtures.minimal(
            plus: "strategies: [guidelines]\nmoderator:\n  schedule: onTrigger\n  trigger: {annotator: nobody, dimension: toxicity, atLeast: 3}\n"
                + Self.annotation)
        _ = ExperimentLoaderTests.expectOne(
            unknownAnnotator, field: "moderator.trigger.annotator", line: lineNumber(of: "trigger:", in: unknownAnnotator), messageContains: ["unknown annotator 'nobody'", "ann_a, ann_b"])
        let unknownDimension = YAMLFixtures.minimal(
            plus: "strategies: [guidelines]\nmoderator:\n  schedule: onTrigger\n  trigger: {annotator: ann_a, dimension: rudeness, atLeast: 3}\n"
                + Self.annotation)
        _ = ExperimentLoaderTests.expectOne(
            unknownDimension, field: "moderator.trigger.dimension", line: lineNumber(of: "trigger:", in: unknownDimension),
            messageContains: ["unknown dimension 'rudeness'", "toxicity, argument_quality"])
        for bad in [0, 6] {
            let outside = YAMLFixtures.minimal(
                plus: "strategies: [guidelines]\nmoderator:\n  schedule: onTrigger\n  trigger: {annotator: ann_a, dimension: toxicity, atLeast: \(bad)}\n"
                    + Self.annotation)
            _ = ExperimentLoaderTests.expectOne(
                outside, field: "moderator.trigger.atLeast", line: lineNumber(of: "trigger:", in: outside), messageContains: ["threshold \(bad) is outside", "1...5"])
        }
    }

    @Test func triggerNeedsAnAnnotationSectionAndItsSchedule() {
        let noAnnotation = YAMLFixtures.minimal(
            plus: "strategies: [guidelines]\nmoderator:\n  schedule: onTrigger\n  trigger: {annotator: ann_a, dimension: toxicity, atLeast: 3}\n")
        _ = ExperimentLoaderTests.expectOne(noAnnotation, field: "moderator.trigger", line: lineNumber(of: "trigger:", in: noAnnotation), messageContains: ["no 'annotation' section"])
        let missing = YAMLFixtures.minimal(plus: "moderator:\n  schedule: onTrigger\n")
        let missingDiagnostics = ExperimentLoaderTests.diagnostics(missing)
        #expect(missingDiagnostics.count == 1 && missingDiagnostics[0].message.contains("needs 'trigger:"), "\(missingDiagnostics)")
        #expect(missingDiagnostics.first?.field.hasPrefix("moderator") == true)
        let stray = YAMLFixtures.minimal(plus: "moderator:\n  schedule: decideFirst\n  trigger: {annotator: a, dimension: b, atLeast: 1}\n")
        _ = ExperimentLoaderTests.expectOne(stray, field: "moderator.trigger", line: lineNumber(of: "trigger:", in: stray), messageContains: ["only applies to schedule onTrigger"])
        let unknownKey = YAMLFixtures.minimal(
            plus: "moderator:\n  schedule: onTrigger\n  trigger: {annotator: a, dimension: b, atLeast: 1, atMost: 4}\n" + Self.annotation)
        let d = ExperimentLoaderTests.diagnostics(unknownKey)
        #expect(d.count == 1 && d[0].field.hasPrefix("moderator.trigger"), "\(d)")
        let unknown = YAMLFixtures.minimal(plus: "moderator:\n  schedule: sometimes\n")
        _ = ExperimentLoaderTests.expectOne(unknown, field: "moderator.schedule", line: lineNumber(of: "schedule: sometimes", in: unknown), messageContains: ["decideFirst or onTrigger"])
    }

    // MARK: the decision prompt and its parser

    @Test func decisionPromptMatchesGolden() throws {
        let renderer = try PromptFixtures.renderer()
        let prompt = renderer.decisionPrompt(system: "SYSTEM", username: "moderator", window: PromptFixtures.window3, truncated: true)
        try expectMatchesGolden(prompt.user, "moderator-decision-3-comments-truncated.txt")
        #expect(prompt.system == "SYSTEM")
        #expect(prompt.templateId == PromptTemplates.builtInId)
        let empty = renderer.decisionPrompt(system: "SYSTEM", username: "moderator", window: [], truncated: false)
        try expectMatchesGolden(empty.user, "moderator-decision-0-comments.txt")
        #expect(PromptRenderer.emptyRenderings(of: .builtIn).isEmpty)
        var blank = PromptTemplates.builtIn
        blank.moderatorDecision = "{{% CONTENT_TYPE: TEXT}}\n{{#nothing}}x{{/nothing}}"
        #expect(PromptRenderer.emptyRenderings(of: blank) == ["moderatorDecision"])
        // A custom decision template gives a custom template id; the built-in one keeps the built-in id.
        #expect(try PromptRenderer(templates: blank).templateId.hasPrefix("custom-"))
    }

    @Test(arguments: [
        (#"{"intervene": true, "reason": "Insults."}"#, true, "Insults.", AnnotationParseMethod.json),
        (#"{"intervene": false, "reason": "Civil."}"#, false, "Civil.", .json),
        ("Sure.\n```json\n{\"intervene\": \"yes\", \"reason\": \"x\"}\n```", true, "x", .fencedJSON),
        (#"I think {"Intervene": 0} is right"#, false, nil, .fencedJSON),
        ("**Intervene**: no\nReason: all fine", false, nil, .keyValue),
        ("intervene = YES", true, nil, .keyValue),
    ] as [(String, Bool, String?, AnnotationParseMethod)])
    func parsesDecisions(text: String, intervene: Bool, reason: String?, method: AnnotationParseMethod) {
        let parsed = ModeratorDecisionParser.parse(text)
        #expect(parsed.intervene == intervene)
        #expect(parsed.reason == reason)
        #expect(parsed.method == method)
        #expect(parsed.detail == nil)
    }

    @Test(arguments: ["", "I would rather not say.", #"{"intervene": "maybe"}"#, "the moderator intervened: yes", #"{"speak": true}"#])
    func unreadableDecisionsAreNil(text: String) {
        let parsed = ModeratorDecisionParser.parse(text)
        #expect(parsed.intervene == nil)
        #expect(parsed.method == .none)
        #expect(parsed.detail != nil)
    }

    @Test func triggerFiresAtOrAboveItsThreshold() {
        let t = ModeratorTrigger(annotator: "a", dimension: "toxicity", atLeast: 3)
        #expect(!t.fires(2) && t.fires(3) && t.fires(5) && !t.fires(nil))
    }
}
