import Crypto
import Foundation
import Mustache

/// A rendered chat prompt: the stable system message and the per-turn user message.
public struct RenderedPrompt: Codable, Sendable, Hashable {
    /// The system message (persona, instructions, seed comment); the same for a participant's every turn.
    public var system: String
    /// The user message: the context window and the cue naming the speaker.
    public var user: String
    /// Which template set produced it: ``PromptTemplates/builtInId`` or `custom-<first 12 hex of its SHA-256>`.
    public var templateId: String
    /// Lower-case hex SHA-256 of `system + "\u{0}" + user`: identifies the exact prompt sent.
    public var hash: String

    /// Creates a rendered prompt, computing its hash.
    public init(system: String, user: String, templateId: String) {
        self.system = system
        self.user = user
        self.templateId = templateId
        self.hash = Self.sha256Hex(system + "\u{0}" + user)
    }

    /// Lower-case hex SHA-256 of the UTF-8 bytes of `text` (swift-crypto).
    public static func sha256Hex(_ text: String) -> String {
        SHA256.hash(data: Data(text.utf8)).map { byte in
            let s = String(byte, radix: 16)
            return s.count == 1 ? "0" + s : s
        }.joined()
    }
}

/// One comment in a context window, as shown to a speaker.
public struct ContextComment: Sendable, Hashable {
    /// Who wrote it (`OP` for the seed comment).
    public var speaker: String
    /// The clean text, shown as-is.
    public var text: String

    /// Creates a context entry.
    public init(speaker: String, text: String) {
        self.speaker = speaker
        self.text = text
    }
}

/// Renders prompts from ``PromptTemplates`` with swift-mustache.
public struct PromptRenderer: Sendable {
    /// The templates in use.
    public let templates: PromptTemplates
    /// ``PromptTemplates/builtInId`` for the built-in set, else `custom-` + 12 hex digits of the set's hash.
    public let templateId: String
    private let participantSystem: MustacheTemplate
    private let moderatorSystem: MustacheTemplate
    private let turn: MustacheTemplate
    private let annotatorSystem: MustacheTemplate
    private let annotation: MustacheTemplate
    private let moderatorDecision: MustacheTemplate
    // Used for thread seeds: the built-in thread variants where the set's template is the built-in one, else the
    // set's own template.
    private let participantSystemThread: MustacheTemplate
    private let moderatorSystemThread: MustacheTemplate
    private let annotationThread: MustacheTemplate

    /// Parses the templates once.
    ///
    /// - Throws: the Mustache parser's error for a malformed template.
    public init(templates: PromptTemplates) throws {
        self.templates = templates
        self.participantSystem = try MustacheTemplate(string: templates.participantSystem)
        self.moderatorSystem = try MustacheTemplate(string: templates.moderatorSystem)
        self.turn = try MustacheTemplate(string: templates.turn)
        self.annotatorSystem = try MustacheTemplate(string: templates.annotatorSystem)
        self.annotation = try MustacheTemplate(string: templates.annotation)
        self.moderatorDecision = try MustacheTemplate(string: templates.moderatorDecision)
        let builtIn = PromptTemplates.builtIn
        self.participantSystemThread =
            try templates.participantSystem == builtIn.participantSystem
            ? MustacheTemplate(string: PromptTemplates.builtInThreadVariants.participantSystem) : participantSystem
        self.moderatorSystemThread =
            try templates.moderatorSystem == builtIn.moderatorSystem
            ? MustacheTemplate(string: PromptTemplates.builtInThreadVariants.moderatorSystem) : moderatorSystem
        self.annotationThread =
            try templates.annotation == builtIn.annotation
            ? MustacheTemplate(string: PromptTemplates.builtInThreadVariants.annotation) : annotation
        if templates == .builtIn {
            templateId = PromptTemplates.builtInId
        } else {
            let all = [
                templates.participantSystem, templates.moderatorSystem, templates.turn, templates.annotatorSystem,
                templates.annotation,
            ].joined(separator: "\u{0}")
            // The decision template joins the hash only when it is not the built-in one, so the ids of custom sets
            // made before it existed stay the same.
            let decision =
                templates.moderatorDecision == PromptTemplates.builtInModeratorDecision ? "" : "\u{0}" + templates.moderatorDecision
            templateId = "custom-" + String(RenderedPrompt.sha256Hex(all + decision).prefix(12))
        }
    }

    /// Throws if `template` does not parse as Mustache.
    public static func checkTemplate(_ template: String) throws {
        _ = try MustacheTemplate(string: template)
    }

    /// The templates of `templates` that render to an empty message (only whitespace) for a typical speaker,
    /// thread and rubric: `participantSystem`, `moderatorSystem`, `turn`, `annotatorSystem`, `annotation`,
    /// `moderatorDecision`.
    ///
    /// A chat server rejects an empty message, so such a template would fail every call. Templates that do not
    /// parse are left to ``checkTemplate(_:)`` and not listed.
    public static func emptyRenderings(of templates: PromptTemplates) -> [String] {
        var empty: [String] = []
        func renders(_ template: String, _ render: (PromptRenderer) -> String) -> Bool {
            var single = PromptTemplates.builtIn
            single.participantSystem = template
            single.moderatorSystem = template
            single.turn = template
            single.annotatorSystem = template
            single.annotation = template
            single.moderatorDecision = template
            guard let renderer = try? PromptRenderer(templates: single) else { return true }
            return !render(renderer).trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
        }
        let persona = Persona(username: "Alice")
        let comment = ContextComment(speaker: "Bob", text: "I disagree.")
        let rubric = Rubric.default
        if !renders(templates.participantSystem, {
            $0.system(username: "Alice", persona: persona, role: .user, instructions: "Be yourself.", seedComment: "Is rent too high?")
        }) { empty.append("participantSystem") }
        if !renders(templates.moderatorSystem, {
            $0.system(username: "mod", persona: nil, role: .moderator, instructions: "Keep it civil.", seedComment: "Is rent too high?")
        }) { empty.append("moderatorSystem") }
        if !renders(templates.turn, { $0.prompt(system: "s", username: "Alice", window: [comment], truncated: false).user }) {
            empty.append("turn")
        }
        if !renders(templates.annotatorSystem, { $0.annotatorSystem(annotator: persona, instructions: "Rate it.", rubric: rubric) }) {
            empty.append("annotatorSystem")
        }
        if !renders(templates.annotation, {
            $0.annotationPrompt(system: "s", seedComment: "Is rent too high?", context: [], target: comment).user
        }) { empty.append("annotation") }
        if !renders(templates.moderatorDecision, { $0.decisionPrompt(system: "s", username: "mod", window: [comment], truncated: false).user }) {
            empty.append("moderatorDecision")
        }
        return empty
    }

    /// Renders the system message of a user, troll or moderator whose thread opens with one comment by `OP`.
    ///
    /// - Parameters:
    ///   - username: the speaker's name.
    ///   - persona: the speaker's persona (`nil` for a moderator without one).
    ///   - role: selects the moderator or the participant template.
    ///   - instructions: role instructions or moderation strategy.
    ///   - seedComment: the thread's opening post.
    public func system(username: String, persona: Persona?, role: Role, instructions: String, seedComment: String) -> String {
        system(username: username, persona: persona, role: role, instructions: instructions, seed: .single(seedComment))
    }

    /// Renders the system message of a user, troll or moderator for a seed that may be a thread.
    ///
    /// Template keys about the seed: `seedComment` (a one-comment seed by `OP`: its text; a thread: every comment
    /// as `author: text`, separated by blank lines, like the context window), `seedThread` (list of `author`,
    /// `text`, `position` from 0), `seedIsThread` (false exactly for one comment by `OP`). A thread seed renders
    /// through the built-in thread variant (``PromptTemplates/builtInThreadVariants``) where the template is the
    /// built-in one; one-comment seeds render exactly as ``system(username:persona:role:instructions:seedComment:)``.
    public func system(username: String, persona: Persona?, role: Role, instructions: String, seed: SeedThread) -> String {
        let attributes: [[String: String]] = (persona?.attributes ?? []).map { ["label": $0.label, "value": $0.value] }
        var context: [String: Any] = [
            "username": username, "attributes": attributes, "hasAttributes": !attributes.isEmpty,
            "instructions": instructions.trimmingCharacters(in: .whitespacesAndNewlines), "role": role.rawValue,
        ]
        context.merge(Self.seedValues(seed)) { a, _ in a }
        let template: MustacheTemplate
        if seed.isSingleOP {
            template = role == .moderator ? moderatorSystem : participantSystem
        } else {
            template = role == .moderator ? moderatorSystemThread : participantSystemThread
        }
        return Self.tidy(template.render(context))
    }

    /// The template values of a seed: `seedComment`, `seedThread`, `seedIsThread` (see
    /// ``system(username:persona:role:instructions:seed:)``); texts trimmed.
    static func seedValues(_ seed: SeedThread) -> [String: Any] {
        let trimmed = SeedThread(
            id: seed.id,
            comments: seed.comments.map { SeedThreadComment(author: $0.author, text: $0.text.trimmingCharacters(in: .whitespacesAndNewlines)) })
        return [
            "seedComment": trimmed.block,
            "seedThread": trimmed.comments.enumerated().map { ["author": $0.element.author, "text": $0.element.text, "position": String($0.offset)] },
            "seedIsThread": !seed.isSingleOP,
        ]
    }

    /// Renders a full prompt: the given system message and a user message with the context window.
    ///
    /// - Parameters:
    ///   - system: from ``system(username:persona:role:instructions:seedComment:)``.
    ///   - username: the speaker named in the cue.
    ///   - window: the comments shown, oldest first.
    ///   - truncated: whether earlier comments exist that are not shown.
    public func prompt(system: String, username: String, window: [ContextComment], truncated: Bool) -> RenderedPrompt {
        let comments = window.map { ["speaker": $0.speaker, "text": $0.text.trimmingCharacters(in: .whitespacesAndNewlines)] }
        let context: [String: Any] = [
            "username": username, "comments": comments, "hasComments": !comments.isEmpty, "truncated": truncated,
        ]
        return RenderedPrompt(system: system, user: Self.tidy(turn.render(context)), templateId: templateId)
    }

    /// Renders a `decideFirst` moderator's decision call: the moderator's system message and a user message with
    /// the context window and the question whether to intervene (template ``PromptTemplates/moderatorDecision``).
    ///
    /// - Parameters:
    ///   - system: the moderator's system message, the same as for its turns (so a prefix cache serves both).
    ///   - username: the moderator's name.
    ///   - window: the comments shown, oldest first.
    ///   - truncated: whether earlier comments exist that are not shown.
    public func decisionPrompt(system: String, username: String, window: [ContextComment], truncated: Bool) -> RenderedPrompt {
        let comments = window.map { ["speaker": $0.speaker, "text": $0.text.trimmingCharacters(in: .whitespacesAndNewlines)] }
        let context: [String: Any] = [
            "username": username, "comments": comments, "hasComments": !comments.isEmpty, "truncated": truncated,
        ]
        return RenderedPrompt(system: system, user: Self.tidy(moderatorDecision.render(context)), templateId: templateId)
    }

    /// Renders an annotator's system message: persona, instructions, rubric and the JSON answer format.
    ///
    /// The answer format shows placeholders (`<integer 1-5>`), never example numbers, so the annotator is not
    /// anchored on a value.
    public func annotatorSystem(annotator: Persona, instructions: String, rubric: Rubric) -> String {
        let attributes: [[String: String]] = annotator.attributes.map { ["label": $0.label, "value": $0.value] }
        let dimensions: [[String: Any]] = rubric.dimensions.map { d in
            [
                "name": d.name, "description": d.description, "min": String(d.min), "max": String(d.max),
                "higherMeans": d.higherMeans,
                "labels": d.labels.enumerated().map { ["point": String(d.min + $0.offset), "label": $0.element] },
            ]
        }
        let example = "{" + rubric.dimensions.map { "\"\($0.name)\": <integer \($0.min)-\($0.max)>" }.joined(separator: ", ") + "}"
        let context: [String: Any] = [
            "username": annotator.username, "attributes": attributes, "hasAttributes": !attributes.isEmpty,
            "instructions": instructions.trimmingCharacters(in: .whitespacesAndNewlines), "dimensions": dimensions,
            "example": example,
        ]
        return Self.tidy(annotatorSystem.render(context))
    }

    /// Renders an annotation job: the given system message and a user message with the seed comment, the
    /// comments before the target (oldest first) and the target comment.
    public func annotationPrompt(system: String, seedComment: String, context: [ContextComment], target: ContextComment) -> RenderedPrompt {
        annotationPrompt(system: system, seed: .single(seedComment), context: context, target: target)
    }

    /// Renders an annotation job whose discussion opens with `seed` (one comment by `OP` or a thread; the seed keys
    /// are those of ``system(username:persona:role:instructions:seed:)``). Seed comments are context only, never a
    /// target.
    public func annotationPrompt(system: String, seed: SeedThread, context: [ContextComment], target: ContextComment) -> RenderedPrompt {
        var values: [String: Any] = [
            "context": context.map { ["speaker": $0.speaker, "text": $0.text.trimmingCharacters(in: .whitespacesAndNewlines)] },
            "hasContext": !context.isEmpty,
            "target": ["speaker": target.speaker, "text": target.text.trimmingCharacters(in: .whitespacesAndNewlines)],
        ]
        values.merge(Self.seedValues(seed)) { a, _ in a }
        let template = seed.isSingleOP ? annotation : annotationThread
        return RenderedPrompt(system: system, user: Self.tidy(template.render(values)), templateId: templateId)
    }

    /// Trims trailing spaces on lines and surrounding blank lines, so templates can be indented loosely.
    static func tidy(_ text: String) -> String {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { line -> Substring in
            var l = line
            while l.last == " " || l.last == "\t" { l = l.dropLast() }
            return l
        }
        return lines.joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
