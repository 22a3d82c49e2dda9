import Foundation

/// The Mustache templates prompts are rendered from; built-in defaults can be overridden per experiment.
///
/// Each template starts with `{{% CONTENT_TYPE: TEXT}}` so nothing is HTML-escaped. Context keys:
/// - system templates: `username`, `attributes` (list of `label`, `value`), `hasAttributes`, `instructions`,
///   `seedComment`, `role`, and for seed threads `seedThread` (list of `author`, `text`, `position`) and
///   `seedIsThread`;
/// - annotation template: `seedComment`, `seedThread`, `seedIsThread`, `context` (list of `speaker`, `text`),
///   `hasContext`, `target` (`speaker`, `text`);
/// - turn template: `username`, `comments` (list of `speaker`, `text`), `hasComments`, `truncated`;
/// - moderator decision template: the turn template's keys (the moderator's context window).
///
/// Encoded with one key per template; ``moderatorDecision`` is left out while it is the built-in one, so experiments
/// written before it existed keep their design hash.
public struct PromptTemplates: Codable, Sendable, Hashable {
    /// System message for users and trolls: persona, role instructions, the seed comment.
    public var participantSystem: String
    /// System message for the moderator: persona (if any), the moderation strategy, the seed comment.
    public var moderatorSystem: String
    /// User message for every speaker: the context window and a cue naming the speaker.
    public var turn: String
    /// System message of an annotator: persona, instructions, the rubric and the answer format.
    public var annotatorSystem: String
    /// User message of an annotation job: the preceding comments and the target comment.
    public var annotation: String
    /// User message of a `decideFirst` moderator's decision call: the context window and the question whether to
    /// intervene, answered as `{"intervene": true|false, "reason": "…"}` (sent with the moderator's system message).
    public var moderatorDecision: String

    /// Creates a template set; `moderatorDecision` defaults to the built-in one.
    public init(
        participantSystem: String, moderatorSystem: String, turn: String, annotatorSystem: String, annotation: String,
        moderatorDecision: String = PromptTemplates.builtInModeratorDecision
    ) {
        self.participantSystem = participantSystem
        self.moderatorSystem = moderatorSystem
        self.turn = turn
        self.annotatorSystem = annotatorSystem
        self.annotation = annotation
        self.moderatorDecision = moderatorDecision
    }

    enum CodingKeys: String, CodingKey { case participantSystem, moderatorSystem, turn, annotatorSystem, annotation, moderatorDecision }

    /// Decodes the templates; a missing `moderatorDecision` is the built-in one.
    ///
    /// - Throws: `DecodingError` when one of the other templates is missing.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            participantSystem: try c.decode(String.self, forKey: .participantSystem),
            moderatorSystem: try c.decode(String.self, forKey: .moderatorSystem), turn: try c.decode(String.self, forKey: .turn),
            annotatorSystem: try c.decode(String.self, forKey: .annotatorSystem),
            annotation: try c.decode(String.self, forKey: .annotation),
            moderatorDecision: try c.decodeIfPresent(String.self, forKey: .moderatorDecision) ?? Self.builtInModeratorDecision)
    }

    /// Encodes every template; `moderatorDecision` only when it is not the built-in one (see the type's summary).
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(participantSystem, forKey: .participantSystem)
        try c.encode(moderatorSystem, forKey: .moderatorSystem)
        try c.encode(turn, forKey: .turn)
        try c.encode(annotatorSystem, forKey: .annotatorSystem)
        try c.encode(annotation, forKey: .annotation)
        if moderatorDecision != Self.builtInModeratorDecision { try c.encode(moderatorDecision, forKey: .moderatorDecision) }
    }

    /// The built-in decision question of a `decideFirst` moderator (the context window, then the question and the
    /// JSON answer format). Silence is offered as an equal choice, not as a failure to act.
    public static let builtInModeratorDecision = #"""
        {{% CONTENT_TYPE: TEXT}}
        {{#hasComments}}
        {{#truncated}}
        The most recent comments in the thread (earlier ones are not shown):
        {{/truncated}}
        {{^truncated}}
        The comments in the thread so far:
        {{/truncated}}

        {{#comments}}
        {{speaker}}: {{text}}

        {{/comments}}
        {{/hasComments}}
        {{^hasComments}}
        No one has replied to the post yet.

        {{/hasComments}}
        You are {{username}}. Before writing anything, decide whether the thread needs a comment from you right now.
        Staying silent is a good choice when the discussion is going well on its own; intervene only when your
        moderation guidelines call for it.
        Answer with a JSON object and nothing else, in this form:
        {"intervene": <true or false>, "reason": "<one short sentence>"}
        """#

    /// The JSON schema of a decision answer: `intervene` (Boolean) and `reason` (string), both required, nothing
    /// else. Sent as `response_format` where the server supports it.
    public static let moderatorDecisionSchema =
        #"{"type":"object","properties":{"intervene":{"type":"boolean"},"reason":{"type":"string"}},"required":["intervene","reason"],"additionalProperties":false}"#

    /// The built-in templates for a seed that is a thread (several comments, or authors other than `OP`): the
    /// built-in ``participantSystem``, ``moderatorSystem`` and ``annotation`` with the sentence introducing OP's
    /// post replaced by one introducing the thread and its comments listed as `author: text` blocks, as the turn
    /// template lists comments. Used in place of a built-in template for thread seeds only, so one-comment seeds
    /// render, and experiments hash, exactly as before threads existed.
    public static let builtInThreadVariants: PromptTemplates = {
        let list = """
            {{#seedThread}}
            {{author}}: {{text}}

            {{/seedThread}}
            """
        var t = PromptTemplates.builtIn
        t.participantSystem = t.participantSystem.replacingOccurrences(
            of: "The thread you are taking part in started with this post by another forum member (OP):\n{{seedComment}}",
            with: "The thread you are taking part in started with these comments by other forum members:\n\n" + list)
        t.moderatorSystem = t.moderatorSystem.replacingOccurrences(
            of: "The thread you are moderating started with this post by a forum member (OP):\n{{seedComment}}",
            with: "The thread you are moderating started with these comments by forum members:\n\n" + list)
        t.annotation = t.annotation.replacingOccurrences(
            of: "The discussion started with this post by OP:\n{{seedComment}}\n",
            with: "The discussion started with these comments:\n\n" + list)
        return t
    }()

    /// The id recorded with prompts rendered from the built-in templates; bump it when they change.
    public static let builtInId = "builtin-2"

    /// SDF's built-in templates.
    public static let builtIn = PromptTemplates(
        participantSystem: #"""
            {{% CONTENT_TYPE: TEXT}}
            You are {{username}}, a member of an online discussion forum.
            {{#hasAttributes}}
            About you:
            {{#attributes}}
            - {{label}}: {{value}}
            {{/attributes}}
            {{/hasAttributes}}

            {{instructions}}

            The thread you are taking part in started with this post by another forum member (OP):
            {{seedComment}}
            """#,
        moderatorSystem: #"""
            {{% CONTENT_TYPE: TEXT}}
            You moderate an online discussion forum; your username is {{username}}.
            {{#hasAttributes}}
            About you:
            {{#attributes}}
            - {{label}}: {{value}}
            {{/attributes}}
            {{/hasAttributes}}

            {{instructions}}

            The thread you are moderating started with this post by a forum member (OP):
            {{seedComment}}
            """#,
        turn: #"""
            {{% CONTENT_TYPE: TEXT}}
            {{#hasComments}}
            {{#truncated}}
            The most recent comments in the thread (earlier ones are not shown):
            {{/truncated}}
            {{^truncated}}
            The comments in the thread so far:
            {{/truncated}}

            {{#comments}}
            {{speaker}}: {{text}}

            {{/comments}}
            {{/hasComments}}
            {{^hasComments}}
            No one has replied to the post yet.

            {{/hasComments}}
            Write your next comment as {{username}}. Reply with the comment text only, or with (silent) to stay silent.
            """#,
        annotatorSystem: #"""
            {{% CONTENT_TYPE: TEXT}}
            You are {{username}}, an annotator who rates comments from online discussions.
            {{#hasAttributes}}
            About you:
            {{#attributes}}
            - {{label}}: {{value}}
            {{/attributes}}
            {{/hasAttributes}}

            {{instructions}}

            Rate the target comment on these dimensions:
            {{#dimensions}}
            - {{name}} ({{min}} to {{max}}; higher means {{higherMeans}}): {{description}}
            {{#labels}}
              {{point}} = {{label}}
            {{/labels}}
            {{/dimensions}}

            Answer with a JSON object with one integer per dimension and nothing else, in this form:
            {{example}}
            """#,
        annotation: #"""
            {{% CONTENT_TYPE: TEXT}}
            The discussion started with this post by OP:
            {{seedComment}}

            {{#hasContext}}
            Comments before the target comment:

            {{#context}}
            {{speaker}}: {{text}}

            {{/context}}
            {{/hasContext}}
            Target comment, by {{target.speaker}}:
            {{target.text}}

            Rate the target comment. Answer with the JSON object only.
            """#
    )
}
