/// An experiment file as written by the researcher: the design, the data sources and the model settings.
///
/// Decoded from YAML (see the README's experiment file reference). Unknown keys are errors, missing
/// optional keys take the defaults documented on each property. Paths are kept as written; the
/// ``ExperimentLoader`` resolves them relative to the file and validates the whole.
public struct ExperimentSpec: Codable, Sendable, Hashable {
    /// The newest file format version this build reads.
    public static let highestSupportedVersion = 1

    /// File format version; must be between 1 and ``highestSupportedVersion``.
    public var version: Int
    /// A short name for the experiment; defaults to the file name without extension.
    public var name: String?
    /// The run seed every random choice derives from (default 42).
    public var seed: UInt64
    /// Discussions per condition (default 1).
    public var replicates: Int
    /// The persona pool users are sampled from: a path (JSON array, one JSON object, or a folder of
    /// `*.json`) or an inline list.
    public var personas: PersonaSource
    /// Seed comments: a path (folder of `*.txt`, one `.txt` file, or a JSON array of strings) or an inline list.
    public var seedComments: SeedCommentSource
    /// Discussion shape: users per discussion, turns, history length, turn-taking.
    public var discussion: DiscussionSettings
    /// Instructions for ordinary users.
    public var users: UserSettings
    /// Trolls: a share of each discussion's users that get sabotage instructions (default none).
    public var trolls: TrollSettings?
    /// The moderator's name and schedule (used by every strategy but `none`).
    public var moderator: ModeratorSettings
    /// The moderation strategies compared; `none` means no moderator. Default: `[none]`.
    public var strategies: [StrategySpec]
    /// The models compared; each condition is one strategy × one model. Default: the local model.
    public var models: [ModelSettings]
    /// Discussions in flight at once; `nil` (the default) uses the servers' slot count: the local engine's
    /// ``ModelSettings/parallel``, a remote llama-server's `/props` `total_slots` (summed over its endpoints),
    /// or 8 when a server does not say. Each discussion is itself sequential.
    public var concurrency: Int?
    /// Prompt template overrides (Mustache); unset ones use the built-in templates.
    public var prompts: PromptOverrides
    /// The annotation stage; `nil` means comments are not annotated.
    public var annotation: AnnotationSpec?
    /// Counterfactual branching (``BranchingSpec``); `nil` (the default): every discussion runs from its seed comment.
    public var branching: BranchingSpec?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case version, name, seed, replicates, personas, seedComments, discussion, users, trolls, moderator
        case strategies, models, concurrency, prompts, annotation, branching
    }

    /// Creates a spec in code; defaults match those of the YAML decoder.
    public init(
        name: String? = nil, seed: UInt64 = 42, replicates: Int = 1, personas: PersonaSource,
        seedComments: SeedCommentSource, discussion: DiscussionSettings = .init(), users: UserSettings = .init(),
        trolls: TrollSettings? = nil, moderator: ModeratorSettings = .init(),
        strategies: [StrategySpec] = [.init(name: "none")], models: [ModelSettings] = [.init()],
        concurrency: Int? = nil, prompts: PromptOverrides = .init(), annotation: AnnotationSpec? = nil,
        branching: BranchingSpec? = nil
    ) {
        self.branching = branching
        self.version = Self.highestSupportedVersion
        self.name = name
        self.seed = seed
        self.replicates = replicates
        self.personas = personas
        self.seedComments = seedComments
        self.discussion = discussion
        self.users = users
        self.trolls = trolls
        self.moderator = moderator
        self.strategies = strategies
        self.models = models
        self.concurrency = concurrency
        self.prompts = prompts
        self.annotation = annotation
    }

    /// Decodes strictly: unknown keys and wrong types throw `DecodingError` with the key path.
    public init(from decoder: any Decoder) throws {
        try StrictKeys.check(decoder, allowed: Set(CodingKeys.allCases.map(\.rawValue)))
        let c = try decoder.container(keyedBy: CodingKeys.self)
        version = try c.decode(Int.self, forKey: .version)
        name = try c.decodeIfPresent(String.self, forKey: .name)
        seed = try c.decodeIfPresent(UInt64.self, forKey: .seed) ?? 42
        replicates = try c.decodeIfPresent(Int.self, forKey: .replicates) ?? 1
        personas = try c.decode(PersonaSource.self, forKey: .personas)
        seedComments = try c.decode(SeedCommentSource.self, forKey: .seedComments)
        discussion = try c.decodeIfPresent(DiscussionSettings.self, forKey: .discussion) ?? .init()
        users = try c.decodeIfPresent(UserSettings.self, forKey: .users) ?? .init()
        trolls = try c.decodeIfPresent(TrollSettings.self, forKey: .trolls)
        moderator = try c.decodeIfPresent(ModeratorSettings.self, forKey: .moderator) ?? .init()
        strategies = try c.decodeIfPresent([StrategySpec].self, forKey: .strategies) ?? [.init(name: "none")]
        models = try c.decodeIfPresent([ModelSettings].self, forKey: .models) ?? [.init()]
        concurrency = try c.decodeIfPresent(Int.self, forKey: .concurrency)
        prompts = try c.decodeIfPresent(PromptOverrides.self, forKey: .prompts) ?? .init()
        annotation = try c.decodeIfPresent(AnnotationSpec.self, forKey: .annotation)
        branching = try c.decodeIfPresent(BranchingSpec.self, forKey: .branching)
    }
}

/// Where personas come from: a path or an inline list.
public enum PersonaSource: Codable, Sendable, Hashable {
    /// A JSON file (array of personas or one persona) or a folder of `*.json` persona files.
    case path(String)
    /// Personas written in the experiment file.
    case inline([Persona])

    /// Decodes a string as a path, a sequence as inline personas.
    public init(from decoder: any Decoder) throws {
        let single = try decoder.singleValueContainer()
        if let path = try? single.decode(String.self) {
            self = .path(path)
        } else {
            self = .inline(try single.decode([Persona].self))
        }
    }

    /// Encodes as a string or a list.
    public func encode(to encoder: any Encoder) throws {
        var single = encoder.singleValueContainer()
        switch self {
        case .path(let path): try single.encode(path)
        case .inline(let personas): try single.encode(personas)
        }
    }
}

/// Where seed comments come from: a path or an inline list.
public enum SeedCommentSource: Codable, Sendable, Hashable {
    /// A folder (each `*.txt` one comment by `OP`, each `*.json` a thread), a single `.txt` file, a JSON array whose
    /// items are strings or threads `{"id", "comments": [{"author", "text"}]}`, or a CSV file with columns
    /// `thread_id`, `author`, `text` (optional `position`).
    case path(String)
    /// Seeds written in the experiment file: strings (one comment by `OP`) and threads `{id, comments}`.
    case inline([SeedCommentEntry])

    /// Decodes a string as a path, a sequence as inline seeds.
    public init(from decoder: any Decoder) throws {
        let single = try decoder.singleValueContainer()
        if let path = try? single.decode(String.self) {
            self = .path(path)
        } else {
            self = .inline(try single.decode([SeedCommentEntry].self))
        }
    }

    /// Encodes as a string or a list (plain seeds as strings, so files without threads encode as before).
    public func encode(to encoder: any Encoder) throws {
        var single = encoder.singleValueContainer()
        switch self {
        case .path(let path): try single.encode(path)
        case .inline(let entries): try single.encode(entries)
        }
    }
}

/// The shape of every discussion.
public struct DiscussionSettings: Codable, Sendable, Hashable {
    /// Users per discussion, sampled from the persona pool without replacement (default 3; ≥ 2).
    public var users: Int
    /// User turns per discussion (default 6; ≥ 1). Moderator turns come on top.
    public var turns: Int
    /// The context window: the last *h* comments shown to a speaker; `nil` shows the whole thread (default 5).
    public var historyLength: Int?
    /// Who speaks next (default `respond` with p = 0.4).
    public var turnTaking: TurnTakingPolicy

    enum CodingKeys: String, CodingKey, CaseIterable { case users, turns, historyLength, turnTaking }

    /// Creates settings with the documented defaults.
    public init(users: Int = 3, turns: Int = 6, historyLength: Int? = 5, turnTaking: TurnTakingPolicy = .respond(p: 0.4)) {
        self.users = users
        self.turns = turns
        self.historyLength = historyLength
        self.turnTaking = turnTaking
    }

    /// Decodes strictly with defaults for missing keys; `historyLength: null` or `all` means the whole thread.
    public init(from decoder: any Decoder) throws {
        try StrictKeys.check(decoder, allowed: Set(CodingKeys.allCases.map(\.rawValue)))
        let c = try decoder.container(keyedBy: CodingKeys.self)
        users = try c.decodeIfPresent(Int.self, forKey: .users) ?? 3
        turns = try c.decodeIfPresent(Int.self, forKey: .turns) ?? 6
        if !c.contains(.historyLength) {
            historyLength = 5
        } else if try c.decodeNil(forKey: .historyLength) {
            historyLength = nil
        } else if let word = try? c.decode(String.self, forKey: .historyLength), word == "all" {
            historyLength = nil
        } else {
            historyLength = try c.decode(Int.self, forKey: .historyLength)
        }
        turnTaking = try c.decodeIfPresent(TurnTakingPolicy.self, forKey: .turnTaking) ?? .respond(p: 0.4)
    }
}

/// Instructions for ordinary users.
public struct UserSettings: Codable, Sendable, Hashable {
    /// Role instructions; default: SDF's built-in user instructions.
    public var instructions: TextSource?

    enum CodingKeys: String, CodingKey, CaseIterable { case instructions }

    /// Creates settings; `nil` uses the built-in instructions.
    public init(instructions: TextSource? = nil) { self.instructions = instructions }

    /// Decodes strictly.
    public init(from decoder: any Decoder) throws {
        try StrictKeys.check(decoder, allowed: Set(CodingKeys.allCases.map(\.rawValue)))
        let c = try decoder.container(keyedBy: CodingKeys.self)
        instructions = try c.decodeIfPresent(TextSource.self, forKey: .instructions)
    }
}

/// Trolls: users with sabotage instructions.
public struct TrollSettings: Codable, Sendable, Hashable {
    /// Share of each discussion's users made trolls, in [0, 1]; the count is `round(share × users)`.
    public var share: Double
    /// Sabotage instructions; default: SDF's built-in troll instructions.
    public var instructions: TextSource?

    enum CodingKeys: String, CodingKey, CaseIterable { case share, instructions }

    /// Creates settings.
    public init(share: Double, instructions: TextSource? = nil) {
        self.share = share
        self.instructions = instructions
    }

    /// Decodes strictly; `share` is required.
    public init(from decoder: any Decoder) throws {
        try StrictKeys.check(decoder, allowed: Set(CodingKeys.allCases.map(\.rawValue)))
        let c = try decoder.container(keyedBy: CodingKeys.self)
        share = try c.decode(Double.self, forKey: .share)
        instructions = try c.decodeIfPresent(TextSource.self, forKey: .instructions)
    }
}

/// The moderator's identity and when it gets a turn.
public struct ModeratorSettings: Codable, Sendable, Hashable {
    /// The moderator's username in the thread (default `moderator`).
    public var username: String
    /// When the moderator speaks (default: after every user comment).
    public var schedule: ModeratorSchedule
    /// An optional persona for the moderator (its username is replaced by ``username``).
    public var persona: Persona?

    enum CodingKeys: String, CodingKey, CaseIterable { case username, schedule, every, trigger, persona }

    /// Creates settings with the documented defaults.
    public init(username: String = "moderator", schedule: ModeratorSchedule = .afterEveryComment, persona: Persona? = nil) {
        self.username = username
        self.schedule = schedule
        self.persona = persona
    }

    /// Decodes strictly. `schedule: everyKComments` needs `every: K`; `schedule: onTrigger` needs
    /// `trigger: {annotator, dimension, atLeast}`, and a `trigger` (other than `null`) with another schedule is an
    /// error.
    ///
    /// - Throws: `DecodingError` naming the key: an unknown schedule, a missing `every` or `trigger`, a `trigger`
    ///   given with another schedule, or a malformed trigger.
    public init(from decoder: any Decoder) throws {
        try StrictKeys.check(decoder, allowed: Set(CodingKeys.allCases.map(\.rawValue)))
        let c = try decoder.container(keyedBy: CodingKeys.self)
        username = try c.decodeIfPresent(String.self, forKey: .username) ?? "moderator"
        persona = try c.decodeIfPresent(Persona.self, forKey: .persona)
        let name = try c.decodeIfPresent(String.self, forKey: .schedule) ?? "afterEveryComment"
        // A factor level that changes the schedule removes the trigger with `trigger: null`.
        if name != "onTrigger", c.contains(.trigger), !(try c.decodeNil(forKey: .trigger)) {
            throw DecodingError.dataCorrupted(
                .init(
                    codingPath: c.codingPath + [CodingKeys.trigger],
                    debugDescription: "'trigger' only applies to schedule onTrigger (the schedule is \(name))"))
        }
        switch name {
        case "afterEveryComment":
            schedule = .afterEveryComment
        case "everyKComments":
            guard let k = try c.decodeIfPresent(Int.self, forKey: .every) else {
                throw DecodingError.keyNotFound(
                    CodingKeys.every,
                    .init(codingPath: c.codingPath, debugDescription: "schedule everyKComments needs 'every: K' (K ≥ 1)"))
            }
            schedule = .everyKComments(k)
        case "decideFirst":
            schedule = .decideFirst
        case "onTrigger":
            guard let trigger = try c.decodeIfPresent(ModeratorTrigger.self, forKey: .trigger) else {
                throw DecodingError.keyNotFound(
                    CodingKeys.trigger,
                    .init(
                        codingPath: c.codingPath,
                        debugDescription: "schedule onTrigger needs 'trigger: {annotator: NAME, dimension: DIMENSION, atLeast: N}'"))
            }
            schedule = .onTrigger(trigger)
        default:
            throw DecodingError.dataCorrupted(
                .init(
                    codingPath: c.codingPath + [CodingKeys.schedule],
                    debugDescription: "unknown schedule '\(name)'; expected afterEveryComment, everyKComments, decideFirst or onTrigger"))
        }
    }

    /// Encodes in the same shape the decoder reads.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(username, forKey: .username)
        switch schedule {
        case .afterEveryComment: try c.encode("afterEveryComment", forKey: .schedule)
        case .everyKComments(let k):
            try c.encode("everyKComments", forKey: .schedule)
            try c.encode(k, forKey: .every)
        case .decideFirst: try c.encode("decideFirst", forKey: .schedule)
        case .onTrigger(let trigger):
            try c.encode("onTrigger", forKey: .schedule)
            try c.encode(trigger, forKey: .trigger)
        }
        try c.encodeIfPresent(persona, forKey: .persona)
    }
}

/// When the moderator gets a turn.
///
/// The fixed schedules (``afterEveryComment``, ``everyKComments(_:)``) give the moderator a turn at known points.
/// The conditional ones first decide, after each user comment, whether the moderator gets a turn at all:
/// ``decideFirst`` asks the moderator (a short structured question), ``onTrigger(_:)`` scores the comment with a
/// named annotator. Each such point is stored as a ``ModeratorDecisionRecord``.
public enum ModeratorSchedule: Codable, Sendable, Hashable {
    /// A moderator turn after every user comment (user abstentions do not trigger one).
    case afterEveryComment
    /// A moderator turn after every K-th user comment.
    case everyKComments(Int)
    /// After every user comment the moderator is first asked whether to intervene (`{"intervene": true|false,
    /// "reason": "…"}`, a JSON schema where the server takes one); only on `true` does it get a turn. An answer
    /// that cannot be read counts as `false` (no intervention), recorded as `unparseable`.
    case decideFirst
    /// After every user comment a named annotator scores it inline; the moderator gets a turn when the score on the
    /// trigger's dimension is at least its threshold. A score that cannot be read counts as below the threshold.
    case onTrigger(ModeratorTrigger)

    /// Whether the moderator is considered after the `commentCount`-th user comment (1-based): it gets a turn for
    /// the fixed schedules, and is asked (``decideFirst``) or checked (``onTrigger(_:)``) for the conditional ones.
    public func moderatorSpeaks(afterUserComment commentCount: Int) -> Bool {
        switch self {
        case .afterEveryComment, .decideFirst, .onTrigger: return true
        case .everyKComments(let k): return k > 0 && commentCount % k == 0
        }
    }

    /// Whether a decision (a moderator's answer or a trigger check) comes before each moderator turn.
    public var isConditional: Bool {
        switch self {
        case .afterEveryComment, .everyKComments: return false
        case .decideFirst, .onTrigger: return true
        }
    }

    /// The schedule's name as written in the experiment file: `afterEveryComment`, `everyKComments`, `decideFirst`,
    /// `onTrigger`.
    public var name: String {
        switch self {
        case .afterEveryComment: return "afterEveryComment"
        case .everyKComments: return "everyKComments"
        case .decideFirst: return "decideFirst"
        case .onTrigger: return "onTrigger"
        }
    }
}

/// When ``ModeratorSchedule/onTrigger(_:)`` gives the moderator a turn: the last user comment's score on one rubric
/// dimension, by one annotator of the annotation panel, is at least a threshold.
///
/// YAML: `trigger: {annotator: ann_1, dimension: toxicity, atLeast: 3}`. The loader checks that the annotator is on
/// the panel, the dimension is in the rubric and the threshold is a point of its scale.
public struct ModeratorTrigger: Codable, Sendable, Hashable {
    /// The annotator's username (one of the annotation panel).
    public var annotator: String
    /// The rubric dimension's name, e.g. `toxicity`.
    public var dimension: String
    /// The threshold: the moderator gets a turn when the score is ≥ this value (a point of the dimension's scale).
    public var atLeast: Int

    enum CodingKeys: String, CodingKey, CaseIterable { case annotator, dimension, atLeast }

    /// Creates a trigger.
    public init(annotator: String, dimension: String, atLeast: Int) {
        self.annotator = annotator
        self.dimension = dimension
        self.atLeast = atLeast
    }

    /// Decodes strictly; all three keys are required.
    public init(from decoder: any Decoder) throws {
        try StrictKeys.check(decoder, allowed: Set(CodingKeys.allCases.map(\.rawValue)))
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            annotator: try c.decode(String.self, forKey: .annotator), dimension: try c.decode(String.self, forKey: .dimension),
            atLeast: try c.decode(Int.self, forKey: .atLeast))
    }

    /// Whether `score` fires the trigger (`score ≥ atLeast`); `nil` (no readable score) never does.
    public func fires(_ score: Int?) -> Bool { score.map { $0 >= atLeast } ?? false }
}

/// One moderation strategy: a name and the moderator's instructions.
public struct StrategySpec: Codable, Sendable, Hashable {
    /// Condition label, e.g. `guidelines`; `none` means no moderator.
    public var name: String
    /// The moderator's instructions; a built-in strategy of the same name is used when absent.
    public var instructions: TextSource?

    enum CodingKeys: String, CodingKey, CaseIterable { case name, instructions }

    /// Creates a strategy.
    public init(name: String, instructions: TextSource? = nil) {
        self.name = name
        self.instructions = instructions
    }

    /// Decodes strictly; a bare string is a strategy name.
    public init(from decoder: any Decoder) throws {
        if let single = try? decoder.singleValueContainer(), let name = try? single.decode(String.self) {
            self.init(name: name)
            return
        }
        try StrictKeys.check(decoder, allowed: Set(CodingKeys.allCases.map(\.rawValue)))
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            name: try c.decode(String.self, forKey: .name),
            instructions: try c.decodeIfPresent(TextSource.self, forKey: .instructions))
    }
}

/// One model to run discussions with, and how to reach it.
public struct ModelSettings: Codable, Sendable, Hashable {
    /// Condition label for this model (default `local`).
    public var name: String
    /// Where requests go: `["local"]` (SDF starts llama-server with ``gguf``) or one or more OpenAI-compatible
    /// base URLs ending in `/v1`, serving the same model. Calls are balanced over several by outstanding
    /// requests; a failing one is taken out for a while. In the file: `endpoint: URL` or `endpoint: [URL, URL]`.
    public var endpoints: [String]
    /// The first of ``endpoints`` (`local`, or a base URL); setting it replaces the list with one endpoint.
    public var endpoint: String {
        get { endpoints.first ?? "local" }
        set { endpoints = [newValue] }
    }
    /// The model name sent to the server; default: the first id the server lists at `/v1/models`.
    public var model: String?
    /// For `local`: a GGUF file; default: the bundled SmolLM2-135M-Instruct.
    public var gguf: String?
    /// Name of the environment variable holding the API key (never the key itself).
    public var apiKeyEnv: String?
    /// Sampling temperature (default 0.8), in [0, 2].
    public var temperature: Double
    /// Nucleus sampling mass in (0, 1]; unset lets the server decide.
    public var topP: Double?
    /// Maximum tokens per comment (default 120, ≥ 1).
    public var maxTokens: Int
    /// Whole-request timeout in seconds (default 300).
    public var timeoutSeconds: Double
    /// For `local`: parallel slots of llama-server (default 4).
    public var parallel: Int
    /// For `local`: context size per slot in tokens (default 2048).
    public var contextPerSlot: Int
    /// OpenAI's `frequency_penalty` in [-2, 2]; unset sends nothing (the server's default).
    public var frequencyPenalty: Double?
    /// OpenAI's `presence_penalty` in [-2, 2]; unset sends nothing (the server's default).
    public var presencePenalty: Double?
    /// Which `seed` each call sends (default ``SamplingSeedPolicy/derived``). In the file: `seed: derived`,
    /// `seed: none`, or `seed: 1234` (fixed).
    public var seedPolicy: SamplingSeedPolicy
    /// Extra fields sent as they are at the top level of every request's JSON, e.g. llama.cpp's
    /// `{repeat_penalty: 1.1, dry_multiplier: 0.8}` or vLLM's `{repetition_penalty: 1.05}`. A key SDF sets itself
    /// (`model`, `messages`, `temperature`…) is an error. Unset sends nothing.
    public var extraBody: [String: JSONValue]?
    /// Price per million tokens, for `sdf plan`'s cost estimate; not part of the design.
    public var price: ModelPrice?
    /// Extra stop sequences for comment calls (user and moderator turns), sent before the other speakers' cues:
    /// e.g. `["\n\n"]` ends a comment at its first blank line, so a small model's rambling after the comment is not
    /// generated (the answer's finish reason is then `stop`, not `length`). At most 4, each non-empty; unset sends only
    /// the speaker cues. Not sent with annotation or moderator-decision calls (their answers are JSON).
    public var stop: [String]?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case name, endpoint, model, gguf, apiKeyEnv, temperature, topP, maxTokens, timeoutSeconds, parallel
        case contextPerSlot, frequencyPenalty, presencePenalty, seed, extraBody, price, stop
    }

    /// The request keys SDF sets itself, which ``extraBody`` may not hold.
    public static let reservedRequestKeys: Set<String> = [
        "model", "messages", "temperature", "top_p", "max_tokens", "seed", "stop", "stream", "response_format",
        "frequency_penalty", "presence_penalty",
    ]

    /// The sampling settings added after the first design hash, as fingerprint entries: only those that are set
    /// (so a file without them hashes as before).
    public var samplingFingerprint: [String: String] {
        var result: [String: String] = [:]
        if let frequencyPenalty { result["frequencyPenalty"] = String(frequencyPenalty) }
        if let presencePenalty { result["presencePenalty"] = String(presencePenalty) }
        if seedPolicy != .derived { result["seed"] = seedPolicy.description }
        if let extraBody { result["extraBody"] = JSONValue.object(extraBody).jsonText }
        if let stop { result["stop"] = JSONValue.array(stop.map { .string($0) }).jsonText }
        return result
    }

    /// Creates settings with the documented defaults (the local model).
    public init(
        name: String = "local", endpoint: String = "local", model: String? = nil, gguf: String? = nil,
        apiKeyEnv: String? = nil, temperature: Double = 0.8, topP: Double? = nil, maxTokens: Int = 120,
        timeoutSeconds: Double = 300, parallel: Int = 4, contextPerSlot: Int = 2048
    ) {
        self.name = name
        self.endpoints = [endpoint]
        self.model = model
        self.gguf = gguf
        self.apiKeyEnv = apiKeyEnv
        self.temperature = temperature
        self.topP = topP
        self.maxTokens = maxTokens
        self.timeoutSeconds = timeoutSeconds
        self.parallel = parallel
        self.contextPerSlot = contextPerSlot
        self.seedPolicy = .derived
    }

    /// Decodes strictly with defaults for missing keys.
    public init(from decoder: any Decoder) throws {
        try StrictKeys.check(decoder, allowed: Set(CodingKeys.allCases.map(\.rawValue)))
        let c = try decoder.container(keyedBy: CodingKeys.self)
        if let list = try? c.decodeIfPresent([String].self, forKey: .endpoint) {
            endpoints = list
        } else if let single = try? c.decodeIfPresent(String.self, forKey: .endpoint) {
            endpoints = [single]
        } else if c.contains(.endpoint), !((try? c.decodeNil(forKey: .endpoint)) ?? false) {
            throw DecodingError.dataCorruptedError(
                forKey: .endpoint, in: c, debugDescription: "expected 'local', a base URL, or a list of base URLs")
        } else {
            endpoints = ["local"]
        }
        let endpoint = endpoints.first ?? "local"
        name = try c.decodeIfPresent(String.self, forKey: .name) ?? (endpoint == "local" ? "local" : endpoint)
        model = try c.decodeIfPresent(String.self, forKey: .model)
        gguf = try c.decodeIfPresent(String.self, forKey: .gguf)
        apiKeyEnv = try c.decodeIfPresent(String.self, forKey: .apiKeyEnv)
        temperature = try c.decodeIfPresent(Double.self, forKey: .temperature) ?? 0.8
        topP = try c.decodeIfPresent(Double.self, forKey: .topP)
        maxTokens = try c.decodeIfPresent(Int.self, forKey: .maxTokens) ?? 120
        timeoutSeconds = try c.decodeIfPresent(Double.self, forKey: .timeoutSeconds) ?? 300
        parallel = try c.decodeIfPresent(Int.self, forKey: .parallel) ?? 4
        contextPerSlot = try c.decodeIfPresent(Int.self, forKey: .contextPerSlot) ?? 2048
        frequencyPenalty = try c.decodeIfPresent(Double.self, forKey: .frequencyPenalty)
        presencePenalty = try c.decodeIfPresent(Double.self, forKey: .presencePenalty)
        seedPolicy = try c.decodeIfPresent(SamplingSeedPolicy.self, forKey: .seed) ?? .derived
        extraBody = try c.decodeIfPresent([String: JSONValue].self, forKey: .extraBody)
        price = try c.decodeIfPresent(ModelPrice.self, forKey: .price)
        stop = try c.decodeIfPresent([String].self, forKey: .stop)
    }

    /// Whether this model runs on the local llama.cpp engine that SDF starts itself.
    public var isLocal: Bool { endpoint == "local" }

    /// Encodes with the file's keys; `endpoint` is a string for one endpoint and a list for several.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        if endpoints.count == 1 { try c.encode(endpoint, forKey: .endpoint) } else { try c.encode(endpoints, forKey: .endpoint) }
        try c.encodeIfPresent(model, forKey: .model)
        try c.encodeIfPresent(gguf, forKey: .gguf)
        try c.encodeIfPresent(apiKeyEnv, forKey: .apiKeyEnv)
        try c.encode(temperature, forKey: .temperature)
        try c.encodeIfPresent(topP, forKey: .topP)
        try c.encode(maxTokens, forKey: .maxTokens)
        try c.encode(timeoutSeconds, forKey: .timeoutSeconds)
        try c.encode(parallel, forKey: .parallel)
        try c.encode(contextPerSlot, forKey: .contextPerSlot)
        try c.encodeIfPresent(frequencyPenalty, forKey: .frequencyPenalty)
        try c.encodeIfPresent(presencePenalty, forKey: .presencePenalty)
        if seedPolicy != .derived { try c.encode(seedPolicy, forKey: .seed) }
        try c.encodeIfPresent(extraBody, forKey: .extraBody)
        try c.encodeIfPresent(price, forKey: .price)
        try c.encodeIfPresent(stop, forKey: .stop)
    }

    /// The `seed` a call labelled `label` sends under ``seedPolicy``, given the derived per-call seed.
    public func samplingSeed(derived: @autoclosure () -> Int) -> Int? {
        switch seedPolicy {
        case .derived: return derived()
        case .none: return nil
        case .fixed(let value): return value
        }
    }
}

/// Which sampling `seed` a model's calls send.
public enum SamplingSeedPolicy: Codable, Sendable, Hashable, CustomStringConvertible {
    /// A seed per call, derived from the replicate's seed and the speaker's turn label (the default): replicate *r*
    /// gets the same seeds in every condition.
    case derived
    /// No `seed` field (the server samples as it likes; not reproducible).
    case none
    /// The same seed on every call.
    case fixed(Int)

    /// Decodes `derived`, `none`, or an integer.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let value = try? c.decode(Int.self) {
            self = .fixed(value)
            return
        }
        switch try? c.decode(String.self) {
        case "derived": self = .derived
        case "none": self = .none
        default:
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: "expected 'derived', 'none' or an integer seed"))
        }
    }

    /// Encodes as the file writes it.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .derived: try c.encode("derived")
        case .none: try c.encode("none")
        case .fixed(let value): try c.encode(value)
        }
    }

    /// `derived`, `none`, or the fixed seed.
    public var description: String {
        switch self {
        case .derived: return "derived"
        case .none: return "none"
        case .fixed(let value): return String(value)
        }
    }
}

/// A model's price in currency units (e.g. USD) per million tokens.
public struct ModelPrice: Codable, Sendable, Hashable {
    /// Price per million prompt (input) tokens, ≥ 0.
    public var input: Double
    /// Price per million completion (output) tokens, ≥ 0.
    public var output: Double

    enum CodingKeys: String, CodingKey, CaseIterable { case input, output }

    /// Creates a price.
    public init(input: Double, output: Double) {
        self.input = input
        self.output = output
    }

    /// Decodes strictly; both keys are required.
    public init(from decoder: any Decoder) throws {
        try StrictKeys.check(decoder, allowed: Set(CodingKeys.allCases.map(\.rawValue)))
        let c = try decoder.container(keyedBy: CodingKeys.self)
        input = try c.decode(Double.self, forKey: .input)
        output = try c.decode(Double.self, forKey: .output)
    }
}

/// Mustache template overrides for prompts; each is inline text or `{file: …}`.
public struct PromptOverrides: Codable, Sendable, Hashable {
    /// System message of users and trolls.
    public var participantSystem: TextSource?
    /// System message of the moderator.
    public var moderatorSystem: TextSource?
    /// User message (context window + cue) for every speaker.
    public var turn: TextSource?
    /// System message of annotators.
    public var annotatorSystem: TextSource?
    /// User message of an annotation job (context ending with the target comment).
    public var annotation: TextSource?
    /// User message of a `decideFirst` moderator's decision call (context window and the intervene question).
    public var moderatorDecision: TextSource?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case participantSystem, moderatorSystem, turn, annotatorSystem, annotation, moderatorDecision
    }

    /// No overrides.
    public init(
        participantSystem: TextSource? = nil, moderatorSystem: TextSource? = nil, turn: TextSource? = nil,
        annotatorSystem: TextSource? = nil, annotation: TextSource? = nil, moderatorDecision: TextSource? = nil
    ) {
        self.participantSystem = participantSystem
        self.moderatorSystem = moderatorSystem
        self.turn = turn
        self.annotatorSystem = annotatorSystem
        self.annotation = annotation
        self.moderatorDecision = moderatorDecision
    }

    /// Decodes strictly.
    public init(from decoder: any Decoder) throws {
        try StrictKeys.check(decoder, allowed: Set(CodingKeys.allCases.map(\.rawValue)))
        let c = try decoder.container(keyedBy: CodingKeys.self)
        participantSystem = try c.decodeIfPresent(TextSource.self, forKey: .participantSystem)
        moderatorSystem = try c.decodeIfPresent(TextSource.self, forKey: .moderatorSystem)
        turn = try c.decodeIfPresent(TextSource.self, forKey: .turn)
        annotatorSystem = try c.decodeIfPresent(TextSource.self, forKey: .annotatorSystem)
        annotation = try c.decodeIfPresent(TextSource.self, forKey: .annotation)
        moderatorDecision = try c.decodeIfPresent(TextSource.self, forKey: .moderatorDecision)
    }
}
