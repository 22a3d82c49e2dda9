import Foundation

/// One annotation job as stored: one annotator's answer about one comment, parsed against the rubric.
///
/// Values are in ``values`` (one per dimension when ``status`` is `ok`); the store also keeps them as tidy
/// rows (`annotation_value`). A parse failure keeps the raw answer and the reason; it is never a default value.
public struct AnnotationRecord: Codable, Sendable, Hashable {
    /// Stable UUID derived from the comment and the annotator.
    public var id: String
    /// The annotated comment (a turn id, or a discussion's seed comment id).
    public var commentId: String
    /// The comment's discussion.
    public var discussionId: String
    /// The annotator's username.
    public var annotator: String
    /// Parsed values by dimension name (in range; complete when `status` is `ok`).
    public var values: [String: Int]
    /// Parse status: `ok`, `outOfRange`, `missingDimension`, `refusal`, `unparseable`, or `failed` (the call failed).
    public var status: String
    /// How the values were found: `json`, `fencedJSON`, `keyValue`, `spelledOut`, `none`.
    public var method: String
    /// Why parsing or the call failed, for people.
    public var detail: String?
    /// The answer as received (`nil` when the call failed).
    public var rawText: String?
    /// Whether the request asked for schema-constrained output.
    public var structuredOutput: Bool
    /// Model name (``ModelSettings/name``).
    public var modelName: String
    /// Model id as reported by the server.
    public var modelId: String?
    /// Base URL called.
    public var endpoint: String
    /// Sampling parameters sent.
    public var sampling: SamplingParameters
    /// SHA-256 of the prompt (text in the prompt table).
    public var promptHash: String
    /// Template set id.
    public var templateId: String
    /// Prompt tokens, as reported.
    public var promptTokens: Int?
    /// Completion tokens, as reported.
    public var completionTokens: Int?
    /// Cached prompt tokens, as reported.
    public var cachedTokens: Int?
    /// Call wall time in milliseconds.
    public var latencyMs: Double?
    /// Finish reason as reported.
    public var finishReason: String?
    /// Attempts made.
    public var attempts: Int
    /// When the call started.
    public var startedAt: Date
    /// When it ended.
    public var finishedAt: Date

    /// Creates a record.
    public init(
        id: String, commentId: String, discussionId: String, annotator: String, values: [String: Int], status: String,
        method: String, detail: String?, rawText: String?, structuredOutput: Bool, modelName: String, modelId: String?,
        endpoint: String, sampling: SamplingParameters, promptHash: String, templateId: String, promptTokens: Int?,
        completionTokens: Int?, cachedTokens: Int?, latencyMs: Double?, finishReason: String?, attempts: Int,
        startedAt: Date, finishedAt: Date
    ) {
        self.id = id
        self.commentId = commentId
        self.discussionId = discussionId
        self.annotator = annotator
        self.values = values
        self.status = status
        self.method = method
        self.detail = detail
        self.rawText = rawText
        self.structuredOutput = structuredOutput
        self.modelName = modelName
        self.modelId = modelId
        self.endpoint = endpoint
        self.sampling = sampling
        self.promptHash = promptHash
        self.templateId = templateId
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.cachedTokens = cachedTokens
        self.latencyMs = latencyMs
        self.finishReason = finishReason
        self.attempts = attempts
        self.startedAt = startedAt
        self.finishedAt = finishedAt
    }
}

/// A member of the annotation panel as stored.
public struct AnnotatorRecord: Codable, Sendable, Hashable {
    /// The annotator's username (unique in a store).
    public var username: String
    /// The persona.
    public var persona: Persona
    /// The rendered system message (persona, instructions, rubric).
    public var systemPrompt: String
    /// The rubric, as JSON-encoded dimensions.
    public var rubric: Rubric
    /// A stable key of the persona for imported annotators (``LegacyPromptParts/identity``): files of the
    /// earlier tools name every annotator by the same model, so the persona is what tells them apart. `nil` for
    /// the panel of an experiment, whose usernames are unique by construction.
    public var personaKey: String?

    /// Creates a record.
    public init(username: String, persona: Persona, systemPrompt: String, rubric: Rubric, personaKey: String? = nil) {
        self.username = username
        self.persona = persona
        self.systemPrompt = systemPrompt
        self.rubric = rubric
        self.personaKey = personaKey
    }
}
