/// The Mustache templates prompts are rendered from; built-in defaults can be overridden per experiment.
///
/// Each template starts with `{{% CONTENT_TYPE: TEXT}}` so nothing is HTML-escaped. Context keys:
/// - system templates: `username`, `attributes` (list of `label`, `value`), `hasAttributes`, `instructions`,
///   `seedComment`, `role`;
/// - turn template: `username`, `comments` (list of `speaker`, `text`), `hasComments`, `truncated`.
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

    /// Creates a template set.
    public init(participantSystem: String, moderatorSystem: String, turn: String, annotatorSystem: String, annotation: String) {
        self.participantSystem = participantSystem
        self.moderatorSystem = moderatorSystem
        self.turn = turn
        self.annotatorSystem = annotatorSystem
        self.annotation = annotation
    }

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
