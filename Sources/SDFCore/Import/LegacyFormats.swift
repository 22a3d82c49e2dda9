import Foundation

/// One logged comment of a discussion written by the earlier Python tools (SDF / SynDisco).
///
/// The text is kept exactly as logged, including artefacts the old tools left in (`**Comment:**`,
/// `User x posted:`, wrapping quotes); cleaning it is the importer's job. `Codable` here is SDF's own
/// encoding of the value (property names as keys), not the legacy layout: use ``LegacyFormats`` to read
/// legacy files.
public struct LegacyComment: Codable, Sendable, Hashable {
    /// Who wrote it: a username or the moderator's name, as logged.
    public var speaker: String
    /// The text as logged; the old tools logged silence as a comment with the text `""` or an empty text.
    public var text: String
    /// The model that wrote it (2025 layout), `hardcoded` for the seed comment; `nil` in the 2024 layout.
    public var model: String?
    /// Whether this is one of the discussion's seed comments: the log's leading entries whose model is
    /// `hardcoded` (2025 layout: one; SynDisco 2.x: several, attributed to their real authors). The 2024 layout
    /// logged no seed; its topic only appears inside the user prompts.
    public var isSeed: Bool

    /// Creates a comment.
    public init(speaker: String, text: String, model: String? = nil, isSeed: Bool = false) {
        self.speaker = speaker
        self.text = text
        self.model = model
        self.isSeed = isSeed
    }

    /// Whether the speaker stayed silent: the text, trimmed, is empty, `""` or `''`.
    public var isSilence: Bool { LegacyFormats.isSilence(text) }
}

/// A discussion file of the earlier Python tools, decoded but not interpreted.
///
/// Two layouts exist: 2024 files log comments as `[name, text]` pairs; 2025 files log
/// `{name, text, model}` objects and start with the hard-coded seed comment. Keys other than the ones
/// below (e.g. `user_types`, `moderator_type`) are ignored. Values are kept as written: the timestamp is
/// the old tools' own format (e.g. `24-10-17-12-04`, year-month-day-hour-minute), and silent turns stay in
/// ``logs`` (see ``LegacyComment/isSilence``).
public struct LegacyDiscussion: Codable, Sendable, Hashable {
    /// The conversation id (`id`), a UUID string in practice; annotation files refer to it as `conv_id`.
    public var id: String
    /// When the discussion was run (`timestamp`), as written.
    public var timestamp: String
    /// The participants' usernames (`users`), without the moderator.
    public var users: [String]
    /// The moderator's name (`moderator`), or `nil` when there was none (key absent or `null`).
    public var moderator: String?
    /// The full prompt each user was given (`user_prompts`), in the order of ``users``. SynDisco 2.x wrote each
    /// prompt as a JSON object (`context`, `instructions`, `type`, `persona`); such an entry is kept as its JSON
    /// text (sorted keys), to be read with ``LegacyPrompt/parse(_:username:)``.
    public var userPrompts: [String]
    /// The moderator's full prompt (`moderator_prompt`), or `nil`.
    public var moderatorPrompt: String?
    /// How many earlier comments each speaker saw (`ctx_length`), or `nil` when not recorded.
    public var contextLength: Int?
    /// Every logged comment, in order, silences and the seed included.
    public var logs: [LegacyComment]

    /// Creates a discussion.
    public init(
        id: String, timestamp: String, users: [String], moderator: String?, userPrompts: [String],
        moderatorPrompt: String?, contextLength: Int?, logs: [LegacyComment]
    ) {
        self.id = id
        self.timestamp = timestamp
        self.users = users
        self.moderator = moderator
        self.userPrompts = userPrompts
        self.moderatorPrompt = moderatorPrompt
        self.contextLength = contextLength
        self.logs = logs
    }

    /// The first seed comment (2025 layout), or `nil` when the log has none.
    public var seed: LegacyComment? { logs.first(where: \.isSeed) }

    /// Every seed comment, in log order: the leading `hardcoded` entries (SynDisco 2.x logs several).
    public var seeds: [LegacyComment] { logs.filter(\.isSeed) }
}

/// One annotated comment of a legacy annotation file: the comment text and the annotator's raw answer.
public struct LegacyAnnotationEntry: Codable, Sendable, Hashable {
    /// The annotated comment's text as logged (silences were annotated too).
    public var commentText: String
    /// The annotator's answer, unparsed, e.g. `Toxicity=2` or `Toxicity=2\nArgumentQuality=3`.
    public var rawAnnotation: String

    /// Creates an entry.
    public init(commentText: String, rawAnnotation: String) {
        self.commentText = commentText
        self.rawAnnotation = rawAnnotation
    }

    /// Whether the annotated comment was a silence (see ``LegacyFormats/isSilence(_:)``).
    public var commentIsSilence: Bool { LegacyFormats.isSilence(commentText) }
}

/// An annotation file of the earlier Python tools: one annotator's raw answers for one discussion.
///
/// The raw answers are kept as written; parse them with ``AnnotationParser`` against the rubric of the
/// time. Beware of scale directions: 2025 files asked for `ArgumentQuality` with **1 = best, 5 = worst**,
/// the opposite of SDF's default rubric (higher = better). This decoder does not re-map anything; an
/// importer that stores such values against an SDF rubric must map them (`6 − v` on 1–5) itself.
public struct LegacyAnnotationFile: Codable, Sendable, Hashable {
    /// The annotated discussion's id (`conv_id`), matching ``LegacyDiscussion/id``.
    public var conversationId: String
    /// When the annotation was run (`timestamp`), as written, or `nil`.
    public var timestamp: String?
    /// The annotator's full prompt (`annotator_prompt`).
    public var annotatorPrompt: String
    /// The annotating model (`annotator_model`, 2025 layout), or `nil`.
    public var annotator: String?
    /// The annotator's class name in the old tools (`annotator_type`, 2024 layout, e.g. `LLMAnnotator`), or `nil`.
    public var annotatorType: String?
    /// How many earlier comments the annotator saw (`ctx_length`), or `nil`.
    public var contextLength: Int?
    /// The annotated comments with the raw answers, in log order.
    public var entries: [LegacyAnnotationEntry]

    /// Creates an annotation file.
    public init(
        conversationId: String, timestamp: String?, annotatorPrompt: String, annotator: String?,
        annotatorType: String?, contextLength: Int?, entries: [LegacyAnnotationEntry]
    ) {
        self.conversationId = conversationId
        self.timestamp = timestamp
        self.annotatorPrompt = annotatorPrompt
        self.annotator = annotator
        self.annotatorType = annotatorType
        self.contextLength = contextLength
        self.entries = entries
    }
}

/// Why a legacy file could not be decoded, naming where and what, e.g.
/// `logs[3]: expected [name, text] or {name, text, model}` or `missing key 'logs'`.
public struct LegacyFormatError: Error, CustomStringConvertible, Sendable, Hashable {
    /// Where in the file: a key path such as `logs[3]` or `users[1]`; empty for the file as a whole.
    public var location: String
    /// What is wrong there.
    public var problem: String

    /// Creates an error.
    public init(location: String = "", problem: String) {
        self.location = location
        self.problem = problem
    }

    /// `location: problem`, or just the problem for the whole file.
    public var description: String { location.isEmpty ? problem : "\(location): \(problem)" }
}

/// Decoders for the discussion and annotation JSON files of the earlier Python tools (SDF / SynDisco).
///
/// Pure decoding: no I/O, no cleaning, no re-mapping of scales. Unknown keys are ignored; the keys read
/// are listed on each result type. Errors are ``LegacyFormatError``s that name the offending key or entry.
public enum LegacyFormats {
    /// Decodes a discussion file in the 2024 (`[name, text]` pairs) or 2025 (`{name, text, model}`) layout.
    ///
    /// Required keys: `id`, `timestamp` (strings), `users`, `user_prompts` (lists of strings) and `logs`;
    /// `moderator`, `moderator_prompt` (string or `null`) and `ctx_length` (integer) are optional. Each log
    /// entry may use either layout.
    ///
    /// - Throws: ``LegacyFormatError`` when the data is not a JSON object, a required key is missing, or a
    ///   value has the wrong shape.
    public static func decodeDiscussion(_ data: Data) throws -> LegacyDiscussion {
        let object = try topLevelObject(data)
        let logs = try array(object, "logs")
        var comments: [LegacyComment] = []
        var inSeedRun = true
        for (index, entry) in logs.enumerated() {
            let location = "logs[\(index)]"
            let shape = "expected [name, text] or {name, text, model}"
            switch entry {
            case .array(let pair):
                guard pair.count == 2, case .string(let name) = pair[0], case .string(let text) = pair[1] else {
                    throw LegacyFormatError(location: location, problem: shape + ", found \(describe(entry))")
                }
                inSeedRun = false
                comments.append(LegacyComment(speaker: name, text: text))
            case .object(let fields):
                guard case .string(let name)? = fields["name"] else {
                    throw LegacyFormatError(location: location, problem: shape + "; 'name' must be a string")
                }
                guard case .string(let text)? = fields["text"] else {
                    throw LegacyFormatError(location: location, problem: shape + "; 'text' must be a string")
                }
                let model: String?
                switch fields["model"] {
                case nil, .null?: model = nil
                case .string(let value)?: model = value
                default: throw LegacyFormatError(location: location, problem: shape + "; 'model' must be a string")
                }
                inSeedRun = inSeedRun && model == "hardcoded"
                comments.append(LegacyComment(speaker: name, text: text, model: model, isSeed: inSeedRun))
            default:
                throw LegacyFormatError(location: location, problem: shape + ", found \(describe(entry))")
            }
        }
        return LegacyDiscussion(
            id: try string(object, "id"),
            timestamp: try string(object, "timestamp"),
            users: try strings(object, "users"),
            moderator: try optionalString(object, "moderator"),
            userPrompts: try prompts(object, "user_prompts"),
            moderatorPrompt: try optionalPrompt(object, "moderator_prompt"),
            contextLength: try optionalInt(object, "ctx_length"),
            logs: comments)
    }

    /// Decodes an annotation file: `conv_id`, `annotator_prompt` and `logs` as `[comment text, raw annotation]`
    /// pairs are required; `timestamp`, `annotator_model`, `annotator_type` and `ctx_length` are optional.
    ///
    /// - Throws: ``LegacyFormatError`` when the data is not a JSON object, a required key is missing, or a
    ///   value has the wrong shape.
    public static func decodeAnnotations(_ data: Data) throws -> LegacyAnnotationFile {
        let object = try topLevelObject(data)
        let logs = try array(object, "logs")
        var entries: [LegacyAnnotationEntry] = []
        for (index, entry) in logs.enumerated() {
            guard case .array(let pair) = entry, pair.count == 2, case .string(let comment) = pair[0],
                case .string(let answer) = pair[1]
            else {
                throw LegacyFormatError(
                    location: "logs[\(index)]",
                    problem: "expected [comment text, raw annotation], found \(describe(entry))")
            }
            entries.append(LegacyAnnotationEntry(commentText: comment, rawAnnotation: answer))
        }
        return LegacyAnnotationFile(
            conversationId: try string(object, "conv_id"),
            timestamp: try optionalString(object, "timestamp"),
            annotatorPrompt: try optionalPrompt(object, "annotator_prompt") ?? string(object, "annotator_prompt"),
            annotator: try optionalString(object, "annotator_model"),
            annotatorType: try optionalString(object, "annotator_type"),
            contextLength: try optionalInt(object, "ctx_length"),
            entries: entries)
    }

    /// Whether a logged text stands for silence: after trimming it is empty, `""` or `''` (the earlier
    /// tools logged a speaker's silence as a comment with such a text).
    public static func isSilence(_ text: String) -> Bool {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return trimmed.isEmpty || trimmed == "\"\"" || trimmed == "''"
    }

    // MARK: - Helpers

    static func topLevelObject(_ data: Data) throws -> [String: LooseJSONValue] {
        let value: LooseJSONValue
        do {
            value = try JSONDecoder().decode(LooseJSONValue.self, from: data)
        } catch {
            throw LegacyFormatError(problem: "not valid JSON")
        }
        guard case .object(let object) = value else {
            throw LegacyFormatError(problem: "expected a JSON object at the top level, found \(describe(value))")
        }
        return object
    }

    static func describe(_ value: LooseJSONValue) -> String {
        switch value {
        case .null: "null"
        case .bool: "a boolean"
        case .number: "a number"
        case .string: "a string"
        case .array(let items): "a list of \(items.count)"
        case .object: "an object"
        }
    }

    static func required(_ object: [String: LooseJSONValue], _ key: String) throws -> LooseJSONValue {
        guard let value = object[key] else { throw LegacyFormatError(problem: "missing key '\(key)'") }
        return value
    }

    static func string(_ object: [String: LooseJSONValue], _ key: String) throws -> String {
        let value = try required(object, key)
        guard case .string(let text) = value else {
            throw LegacyFormatError(location: key, problem: "expected a string, found \(describe(value))")
        }
        return text
    }

    static func optionalString(_ object: [String: LooseJSONValue], _ key: String) throws -> String? {
        switch object[key] {
        case nil, .null?: return nil
        case .string(let text)?: return text
        case let value?:
            throw LegacyFormatError(location: key, problem: "expected a string or null, found \(describe(value))")
        }
    }

    static func optionalInt(_ object: [String: LooseJSONValue], _ key: String) throws -> Int? {
        switch object[key] {
        case nil, .null?: return nil
        case .number(let number)?:
            if let value = Int(exactly: number) { return value }
            throw LegacyFormatError(location: key, problem: "expected an integer, found \(number)")
        case let value?:
            throw LegacyFormatError(location: key, problem: "expected an integer, found \(describe(value))")
        }
    }

    static func array(_ object: [String: LooseJSONValue], _ key: String) throws -> [LooseJSONValue] {
        let value = try required(object, key)
        guard case .array(let items) = value else {
            throw LegacyFormatError(location: key, problem: "expected a list, found \(describe(value))")
        }
        return items
    }

    /// A prompt: a string as written, or (SynDisco 2.x) a JSON object kept as its sorted-key JSON text.
    static func prompts(_ object: [String: LooseJSONValue], _ key: String) throws -> [String] {
        try array(object, key).enumerated().map { index, item in
            switch item {
            case .string(let text): return text
            case .object: return item.jsonText
            default:
                throw LegacyFormatError(
                    location: "\(key)[\(index)]", problem: "expected a string or an object, found \(describe(item))")
            }
        }
    }

    static func optionalPrompt(_ object: [String: LooseJSONValue], _ key: String) throws -> String? {
        switch object[key] {
        case nil, .null?: return nil
        case .string(let text)?: return text
        case .object(let fields)?: return LooseJSONValue.object(fields).jsonText
        case let value?:
            throw LegacyFormatError(location: key, problem: "expected a string, an object or null, found \(describe(value))")
        }
    }

    static func strings(_ object: [String: LooseJSONValue], _ key: String) throws -> [String] {
        try array(object, key).enumerated().map { index, item in
            guard case .string(let text) = item else {
                throw LegacyFormatError(location: "\(key)[\(index)]", problem: "expected a string, found \(describe(item))")
            }
            return text
        }
    }
}
