import Foundation

/// Where a discussion stands in a run.
public enum DiscussionStatus: String, Codable, Sendable, Hashable {
    /// Created, not all turns taken yet.
    case running
    /// Every turn taken.
    case done
    /// Stopped by a failed LLM call after its retries.
    case failed
}

/// One discussion (thread) as stored: its design cell, its seed comment and its status.
public struct DiscussionRecord: Codable, Sendable, Hashable {
    /// UUID derived from the run seed, the condition and the replicate.
    public var id: String
    /// The condition's stable key (``Condition/id``).
    public var conditionId: String
    /// The condition's label.
    public var conditionLabel: String
    /// Moderation strategy name.
    public var strategy: String
    /// Model name (``ModelSettings/name``).
    public var modelName: String
    /// 0-based replicate index.
    public var replicate: Int
    /// The discussion's derived seed, as decimal text (SQLite integers are signed).
    public var seed: String
    /// Id of the seed comment (a UUID; the seed comment is authored by the non-participant `OP`).
    public var seedCommentId: String
    /// The seed comment's text.
    public var seedComment: String
    /// Index of the seed comment in the experiment's list.
    public var seedCommentIndex: Int
    /// Planned user turns.
    public var userTurns: Int
    /// Context window length *h*; `nil` = whole thread.
    public var historyLength: Int?
    /// The turn-taking policy, as its name (`respond(p=0.4)` etc.).
    public var turnTaking: String
    /// Where the discussion stands.
    public var status: DiscussionStatus
    /// When its first turn started.
    public var startedAt: Date
    /// When it finished or failed.
    public var finishedAt: Date?

    /// Creates a record.
    public init(
        id: String, conditionId: String, conditionLabel: String, strategy: String, modelName: String, replicate: Int,
        seed: String, seedCommentId: String, seedComment: String, seedCommentIndex: Int, userTurns: Int,
        historyLength: Int?, turnTaking: String, status: DiscussionStatus, startedAt: Date, finishedAt: Date? = nil
    ) {
        self.id = id
        self.conditionId = conditionId
        self.conditionLabel = conditionLabel
        self.strategy = strategy
        self.modelName = modelName
        self.replicate = replicate
        self.seed = seed
        self.seedCommentId = seedCommentId
        self.seedComment = seedComment
        self.seedCommentIndex = seedCommentIndex
        self.userTurns = userTurns
        self.historyLength = historyLength
        self.turnTaking = turnTaking
        self.status = status
        self.startedAt = startedAt
        self.finishedAt = finishedAt
    }
}

/// A participant of one discussion: a user, troll or moderator with its persona and instructions.
public struct ParticipantRecord: Codable, Sendable, Hashable {
    /// UUID derived from the discussion and position.
    public var id: String
    /// The discussion.
    public var discussionId: String
    /// 0-based position: users first (in turn-taking index order), the moderator last.
    public var position: Int
    /// Username in the thread.
    public var username: String
    /// `user`, `troll` or `moderator`.
    public var role: Role
    /// The persona (for a moderator without one: just the username).
    public var persona: Persona
    /// The role instructions or moderation strategy given.
    public var instructions: String
    /// The rendered system message (stable for the whole discussion).
    public var systemPrompt: String

    /// Creates a record.
    public init(
        id: String, discussionId: String, position: Int, username: String, role: Role, persona: Persona,
        instructions: String, systemPrompt: String
    ) {
        self.id = id
        self.discussionId = discussionId
        self.position = position
        self.username = username
        self.role = role
        self.persona = persona
        self.instructions = instructions
        self.systemPrompt = systemPrompt
    }
}

/// What came of a turn.
public enum TurnOutcome: String, Codable, Sendable, Hashable {
    /// The speaker posted a comment (non-empty clean text).
    case comment
    /// The speaker chose not to post; never shown to anyone, takes no context slot.
    case abstention
    /// The LLM call failed after its retries; recorded with the error.
    case failed
}

/// The sampling parameters sent with a call; `nil` where unknown (comments and annotations imported from
/// files of the earlier tools, which did not record them).
public struct SamplingParameters: Codable, Sendable, Hashable {
    /// Temperature, or `nil` when unknown.
    public var temperature: Double?
    /// Nucleus mass, if sent.
    public var topP: Double?
    /// Token cap, or `nil` when unknown.
    public var maxTokens: Int?
    /// The per-call sampling seed sent to the server, or `nil` when unknown.
    public var seed: Int?
    /// Stop sequences sent.
    public var stop: [String]

    /// Parameters of a call made outside SDF, none of them known.
    public static let unknown = SamplingParameters(temperature: nil, topP: nil, maxTokens: nil, seed: nil, stop: [])

    /// Creates parameters.
    public init(temperature: Double?, topP: Double?, maxTokens: Int?, seed: Int?, stop: [String]) {
        self.temperature = temperature
        self.topP = topP
        self.maxTokens = maxTokens
        self.seed = seed
        self.stop = stop
    }
}

/// One agent turn with its full provenance: a comment, an abstention or a failed call.
public struct TurnRecord: Codable, Sendable, Hashable {
    /// Stable UUID (for comments: the comment id), derived from the discussion and turn index.
    public var id: String
    /// The discussion.
    public var discussionId: String
    /// 1-based position among the discussion's turns (user and moderator turns; the seed comment is 0).
    public var turnIndex: Int
    /// The speaker's username.
    public var speaker: String
    /// The speaker's role.
    public var role: Role
    /// Comment, abstention or failure.
    public var outcome: TurnOutcome
    /// The clean comment text (comments only; never empty).
    public var text: String?
    /// The model's output as received (`nil` for a failed call).
    public var rawText: String?
    /// What the cleaner changed.
    public var cleaning: [CleaningChange]
    /// What the cleaner noticed and left.
    public var flags: [CommentFlag]
    /// The turn-taking decision that chose this user (`nil` for moderator turns).
    public var decision: TurnDecision?
    /// Model name of the condition.
    public var modelName: String
    /// Model id as reported by the server.
    public var modelId: String?
    /// Base URL called (`local` engine: its loopback URL).
    public var endpoint: String
    /// Sampling parameters sent.
    public var sampling: SamplingParameters
    /// SHA-256 of the prompt (see ``RenderedPrompt/hash``); the prompt text is in the prompt table.
    public var promptHash: String
    /// Template set id.
    public var templateId: String
    /// Prompt tokens, as reported.
    public var promptTokens: Int?
    /// Completion tokens, as reported.
    public var completionTokens: Int?
    /// Prompt tokens served from the server's cache, as reported.
    public var cachedTokens: Int?
    /// Wall time of the call in milliseconds (the last attempt).
    public var latencyMs: Double?
    /// Finish reason as reported (`stop`, `length`…).
    public var finishReason: String?
    /// Attempts made (1 = first try succeeded).
    public var attempts: Int
    /// For failed calls: the error kind and message.
    public var error: String?
    /// When the call started.
    public var startedAt: Date
    /// When the call ended.
    public var finishedAt: Date

    /// Creates a record.
    public init(
        id: String, discussionId: String, turnIndex: Int, speaker: String, role: Role, outcome: TurnOutcome,
        text: String?, rawText: String?, cleaning: [CleaningChange], flags: [CommentFlag], decision: TurnDecision?,
        modelName: String, modelId: String?, endpoint: String, sampling: SamplingParameters, promptHash: String,
        templateId: String, promptTokens: Int?, completionTokens: Int?, cachedTokens: Int?, latencyMs: Double?,
        finishReason: String?, attempts: Int, error: String?, startedAt: Date, finishedAt: Date
    ) {
        self.id = id
        self.discussionId = discussionId
        self.turnIndex = turnIndex
        self.speaker = speaker
        self.role = role
        self.outcome = outcome
        self.text = text
        self.rawText = rawText
        self.cleaning = cleaning
        self.flags = flags
        self.decision = decision
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
        self.error = error
        self.startedAt = startedAt
        self.finishedAt = finishedAt
    }
}

/// A rendered prompt as stored, keyed by its hash (identical prompts are stored once).
public struct PromptRecord: Codable, Sendable, Hashable {
    /// ``RenderedPrompt/hash``.
    public var hash: String
    /// Template set id.
    public var templateId: String
    /// System message.
    public var system: String
    /// User message.
    public var user: String

    /// Creates a record from a rendered prompt.
    public init(_ prompt: RenderedPrompt) {
        self.hash = prompt.hash
        self.templateId = prompt.templateId
        self.system = prompt.system
        self.user = prompt.user
    }
}

/// The manifest of one `sdf run` invocation on a store.
public struct RunManifest: Codable, Sendable, Hashable {
    /// UUID of this invocation (random: two invocations are two runs).
    public var id: String
    /// The experiment's name.
    public var experiment: String
    /// SHA-256 of the experiment file's bytes.
    public var specHash: String
    /// SHA-256 of the resolved design (conditions, cells, personas, seed comments, instructions, templates):
    /// a store refuses to continue under a different one.
    public var designHash: String
    /// The experiment file's text.
    public var specText: String
    /// The design fingerprint (sorted-key JSON of everything ``designHash`` covers), so a refused resume can say
    /// what changed.
    public var design: String
    /// SDF's version.
    public var toolVersion: String
    /// For each model name: the model id and endpoint reported by the server (and, for `local`, the GGUF SHA-256).
    public var models: [String: String]
    /// Host name.
    public var host: String
    /// Start of the invocation.
    public var startedAt: Date
    /// End of the invocation (`nil` while running or if killed).
    public var finishedAt: Date?
    /// `running`, `done`, `failed` or `interrupted`.
    public var status: String

    /// Creates a manifest.
    public init(
        id: String, experiment: String, specHash: String, designHash: String, specText: String, design: String = "",
        toolVersion: String, models: [String: String], host: String, startedAt: Date, finishedAt: Date? = nil, status: String
    ) {
        self.id = id
        self.experiment = experiment
        self.specHash = specHash
        self.designHash = designHash
        self.specText = specText
        self.design = design
        self.toolVersion = toolVersion
        self.models = models
        self.host = host
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.status = status
    }
}

/// SDF's version string, recorded in every run manifest.
public enum SDFVersion {
    /// Semantic version of this build.
    public static let current = "0.1.0"
}
