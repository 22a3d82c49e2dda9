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

/// Where one `sdf run` invocation stands (stored as its raw value in `run.status`).
public enum RunStatus: String, Codable, Sendable, Hashable, CaseIterable {
    /// Started and not finished (or killed without a chance to say so).
    case running
    /// Every discussion done.
    case done
    /// Finished with at least one failed discussion.
    case failed
    /// Stopped by Ctrl-C/SIGTERM, or found `running` by a later invocation holding the store's lock.
    case interrupted
}

/// The turn-taking policy a stored discussion ran under: a policy of the experiment, or unknown (imported).
///
/// Its raw value is its label (``description``), stored in `discussion.turnTaking` and written in exports and
/// sdf-json files: `roundRobin(randomStart=false)`, `random`, `respond(p=0.4)`, `imported`. The label round-trips
/// exactly (a `Double`'s description reads back as the same value).
public enum RecordedTurnTaking: Codable, Sendable, Hashable, CustomStringConvertible {
    /// The experiment's policy.
    case policy(TurnTakingPolicy)
    /// Not recorded by the files the discussion was imported from.
    case imported

    /// The probability that the speaker before the last replies, for `respond`; `nil` otherwise.
    public var respondProbability: Double? {
        if case .policy(.respond(let p)) = self { return p }
        return nil
    }

    /// The label: `roundRobin(randomStart=false)`, `random`, `respond(p=0.4)`, `imported`.
    public var description: String {
        switch self {
        case .imported: return "imported"
        case .policy(.roundRobin(let randomStart)): return "roundRobin(randomStart=\(randomStart))"
        case .policy(.random): return "random"
        case .policy(.respond(let p)): return "respond(p=\(p))"
        }
    }

    /// Reads a label (``description``); `nil` for any other text.
    public init?(label: String) {
        switch label {
        case "imported": self = .imported
        case "random": self = .policy(.random)
        case "roundRobin(randomStart=true)": self = .policy(.roundRobin(randomStart: true))
        case "roundRobin(randomStart=false)": self = .policy(.roundRobin(randomStart: false))
        default:
            guard label.hasPrefix("respond(p="), label.hasSuffix(")"),
                let p = Double(label.dropFirst("respond(p=".count).dropLast()), (0...1).contains(p)
            else { return nil }
            self = .policy(.respond(p: p))
        }
    }

    /// Decodes the label.
    ///
    /// - Throws: `DecodingError.dataCorrupted` naming the label when it is none of the forms above.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        let label = try c.decode(String.self)
        guard let value = RecordedTurnTaking(label: label) else {
            throw DecodingError.dataCorruptedError(
                in: c, debugDescription: "unknown turn-taking label '\(label)'; expected roundRobin(randomStart=…), random, respond(p=…) or imported")
        }
        self = value
    }

    /// Encodes the label.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }
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
    /// The turn-taking policy the discussion ran under (unknown for imported discussions).
    public var turnTaking: RecordedTurnTaking
    /// Where the discussion stands.
    public var status: DiscussionStatus
    /// When its first turn started.
    public var startedAt: Date
    /// When it finished or failed.
    public var finishedAt: Date?
    /// The condition's factor levels, in factor order (``Condition/levels``); empty for designs without factors and
    /// for discussions stored before factors existed.
    public var factorLevels: [FactorLevel]

    enum CodingKeys: String, CodingKey {
        case id, conditionId, conditionLabel, strategy, modelName, replicate, seed, seedCommentId, seedComment
        case seedCommentIndex, userTurns, historyLength, turnTaking, status, startedAt, finishedAt, factorLevels
    }

    /// Creates a record.
    public init(
        id: String, conditionId: String, conditionLabel: String, strategy: String, modelName: String, replicate: Int,
        seed: String, seedCommentId: String, seedComment: String, seedCommentIndex: Int, userTurns: Int,
        historyLength: Int?, turnTaking: RecordedTurnTaking, status: DiscussionStatus, startedAt: Date, finishedAt: Date? = nil,
        factorLevels: [FactorLevel] = []
    ) {
        self.factorLevels = factorLevels
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

    /// Decodes a record; a missing `factorLevels` (JSON written before factors) is empty.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        conditionId = try c.decode(String.self, forKey: .conditionId)
        conditionLabel = try c.decode(String.self, forKey: .conditionLabel)
        strategy = try c.decode(String.self, forKey: .strategy)
        modelName = try c.decode(String.self, forKey: .modelName)
        replicate = try c.decode(Int.self, forKey: .replicate)
        seed = try c.decode(String.self, forKey: .seed)
        seedCommentId = try c.decode(String.self, forKey: .seedCommentId)
        seedComment = try c.decode(String.self, forKey: .seedComment)
        seedCommentIndex = try c.decode(Int.self, forKey: .seedCommentIndex)
        userTurns = try c.decode(Int.self, forKey: .userTurns)
        historyLength = try c.decodeIfPresent(Int.self, forKey: .historyLength)
        turnTaking = try c.decode(RecordedTurnTaking.self, forKey: .turnTaking)
        status = try c.decode(DiscussionStatus.self, forKey: .status)
        startedAt = try c.decode(Date.self, forKey: .startedAt)
        finishedAt = try c.decodeIfPresent(Date.self, forKey: .finishedAt)
        factorLevels = try c.decodeIfPresent([FactorLevel].self, forKey: .factorLevels) ?? []
    }

    /// Encodes every field; `factorLevels` only when there are levels, so a record of a design without factors
    /// encodes (and exports as `sdf-json`) exactly as before factors existed.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(conditionId, forKey: .conditionId)
        try c.encode(conditionLabel, forKey: .conditionLabel)
        try c.encode(strategy, forKey: .strategy)
        try c.encode(modelName, forKey: .modelName)
        try c.encode(replicate, forKey: .replicate)
        try c.encode(seed, forKey: .seed)
        try c.encode(seedCommentId, forKey: .seedCommentId)
        try c.encode(seedComment, forKey: .seedComment)
        try c.encode(seedCommentIndex, forKey: .seedCommentIndex)
        try c.encode(userTurns, forKey: .userTurns)
        try c.encodeIfPresent(historyLength, forKey: .historyLength)
        try c.encode(turnTaking, forKey: .turnTaking)
        try c.encode(status, forKey: .status)
        try c.encode(startedAt, forKey: .startedAt)
        try c.encodeIfPresent(finishedAt, forKey: .finishedAt)
        if !factorLevels.isEmpty { try c.encode(factorLevels, forKey: .factorLevels) }
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
    /// `frequency_penalty`, if sent (absent from the JSON when not).
    public var frequencyPenalty: Double?
    /// `presence_penalty`, if sent.
    public var presencePenalty: Double?
    /// The model's `extraBody` fields sent at the top level of the request, if any.
    public var extraBody: [String: JSONValue]?

    /// Parameters of a call made outside SDF, none of them known.
    public static let unknown = SamplingParameters(temperature: nil, topP: nil, maxTokens: nil, seed: nil, stop: [])

    /// Creates parameters.
    public init(
        temperature: Double?, topP: Double?, maxTokens: Int?, seed: Int?, stop: [String], frequencyPenalty: Double? = nil,
        presencePenalty: Double? = nil, extraBody: [String: JSONValue]? = nil
    ) {
        self.temperature = temperature
        self.topP = topP
        self.maxTokens = maxTokens
        self.seed = seed
        self.stop = stop
        self.frequencyPenalty = frequencyPenalty
        self.presencePenalty = presencePenalty
        self.extraBody = extraBody
    }
}

/// One agent turn with its full provenance: a comment, an abstention or a failed call.
///
/// Stored in table `turn`, one column per field; ``call``'s fields are columns of the same row (see
/// ``CallProvenance/CodingKeys``).
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
    /// The call that produced the turn: model, server, prompt, sampling, tokens, attempts, failure.
    public var call: CallProvenance
    /// When the call started.
    public var startedAt: Date
    /// When the call ended.
    public var finishedAt: Date

    /// Creates a record.
    public init(
        id: String, discussionId: String, turnIndex: Int, speaker: String, role: Role, outcome: TurnOutcome,
        text: String? = nil, rawText: String? = nil, cleaning: [CleaningChange] = [], flags: [CommentFlag] = [],
        decision: TurnDecision? = nil, call: CallProvenance, startedAt: Date, finishedAt: Date
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
        self.call = call
        self.startedAt = startedAt
        self.finishedAt = finishedAt
    }

    enum CodingKeys: String, CodingKey {
        case id, discussionId, turnIndex, speaker, role, outcome, text, rawText, rawTextBytes, cleaning, flags, decision
        case startedAt, finishedAt
    }

    /// Decodes a row (or sdf-json object): the record's own fields and, from the same keys, ``call``. When the
    /// row has `rawTextBytes` (raw text holding U+0000, see ``RawTextStorage``), ``rawText`` is decoded from them.
    ///
    /// - Throws: `DecodingError` when a required field is missing or malformed.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        discussionId = try c.decode(String.self, forKey: .discussionId)
        turnIndex = try c.decode(Int.self, forKey: .turnIndex)
        speaker = try c.decode(String.self, forKey: .speaker)
        role = try c.decode(Role.self, forKey: .role)
        outcome = try c.decode(TurnOutcome.self, forKey: .outcome)
        text = try c.decodeIfPresent(String.self, forKey: .text)
        rawText = try RawTextStorage.decode(c, text: .rawText, bytes: .rawTextBytes)
        cleaning = try c.decode([CleaningChange].self, forKey: .cleaning)
        flags = try c.decode([CommentFlag].self, forKey: .flags)
        decision = try c.decodeIfPresent(TurnDecision.self, forKey: .decision)
        call = try CallProvenance(from: decoder)
        startedAt = try c.decode(Date.self, forKey: .startedAt)
        finishedAt = try c.decode(Date.self, forKey: .finishedAt)
    }

    /// Encodes the record's fields and ``call``'s as one flat object (`nil` fields left out).
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(discussionId, forKey: .discussionId)
        try c.encode(turnIndex, forKey: .turnIndex)
        try c.encode(speaker, forKey: .speaker)
        try c.encode(role, forKey: .role)
        try c.encode(outcome, forKey: .outcome)
        try c.encodeIfPresent(text, forKey: .text)
        try c.encodeIfPresent(rawText, forKey: .rawText)
        try c.encode(cleaning, forKey: .cleaning)
        try c.encode(flags, forKey: .flags)
        try c.encodeIfPresent(decision, forKey: .decision)
        try call.encode(to: encoder)
        try c.encode(startedAt, forKey: .startedAt)
        try c.encode(finishedAt, forKey: .finishedAt)
    }
}

/// Raw model output whose exact bytes a store keeps beside the text column.
///
/// SQLite's C API ends TEXT at the first U+0000, so a store keeps such a text's exact UTF-8 in a BLOB column
/// (`rawTextBytes`) and shows each U+0000 as `␀` in the text column. Records decode the exact text from the
/// bytes when the row has them; sdf-json objects never do.
public enum RawTextStorage {
    /// The raw text under `text`, or the exact text decoded from `bytes` when that key holds data.
    ///
    /// - Throws: `DecodingError` when `text` holds something other than a string.
    public static func decode<Key: CodingKey>(_ c: KeyedDecodingContainer<Key>, text: Key, bytes: Key) throws -> String? {
        if let data = try? c.decodeIfPresent(Data.self, forKey: bytes) { return String(decoding: data, as: UTF8.self) }
        return try c.decodeIfPresent(String.self, forKey: text)
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
    /// Where the invocation stands.
    public var status: RunStatus

    /// Creates a manifest.
    public init(
        id: String, experiment: String, specHash: String, designHash: String, specText: String, design: String = "",
        toolVersion: String, models: [String: String], host: String, startedAt: Date, finishedAt: Date? = nil, status: RunStatus
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
