import Foundation

/// Where an annotation job stands: its answer's parse status, or `failed` when the call itself failed.
///
/// Stored as its raw value in `annotation.status`.
public enum AnnotationStatus: String, Codable, Sendable, Hashable, CaseIterable {
    /// Every rubric dimension read within its scale (see ``AnnotationParseStatus/ok``).
    case ok
    /// See ``AnnotationParseStatus/outOfRange``.
    case outOfRange
    /// See ``AnnotationParseStatus/missingDimension``.
    case missingDimension
    /// See ``AnnotationParseStatus/refusal``.
    case refusal
    /// See ``AnnotationParseStatus/unparseable``.
    case unparseable
    /// The LLM call failed after its retries (the failure is in ``CallProvenance/error``).
    case failed

    /// The status of a parsed answer.
    public init(_ parse: AnnotationParseStatus) {
        switch parse {
        case .ok: self = .ok
        case .outOfRange: self = .outOfRange
        case .missingDimension: self = .missingDimension
        case .refusal: self = .refusal
        case .unparseable: self = .unparseable
        }
    }
}

/// One annotation job as stored: one annotator's answer about one comment, parsed against the rubric.
///
/// Values are in ``values`` (one per dimension when ``status`` is `ok`); the store also keeps them as tidy
/// rows (`annotation_value`). A parse failure keeps the raw answer and the reason; it is never a default value.
/// Stored in table `annotation`; ``call``'s fields are columns of the same row.
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
    /// Parse status, or `failed` when the call failed.
    public var status: AnnotationStatus
    /// How the values were found.
    public var method: AnnotationParseMethod
    /// Why parsing failed, for people (`nil` when parsed, and for failed calls: see ``reason``).
    public var detail: String?
    /// The answer as received (`nil` when the call failed).
    public var rawText: String?
    /// The `response_format` form the call used (the last one sent; ``StructuredOutputForm/off`` when none).
    public var structuredOutput: StructuredOutputForm
    /// The call: model, server, prompt, sampling, tokens, attempts, failure.
    public var call: CallProvenance
    /// When the call started.
    public var startedAt: Date
    /// When it ended.
    public var finishedAt: Date

    /// Creates a record.
    public init(
        id: String, commentId: String, discussionId: String, annotator: String, values: [String: Int] = [:],
        status: AnnotationStatus, method: AnnotationParseMethod = .none, detail: String? = nil, rawText: String? = nil,
        structuredOutput: StructuredOutputForm, call: CallProvenance, startedAt: Date, finishedAt: Date
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
        self.call = call
        self.startedAt = startedAt
        self.finishedAt = finishedAt
    }

    /// Why the job has no values, for people: the parse problem, or the call's failure (`kind: message`);
    /// `nil` when parsed.
    public var reason: String? { detail ?? call.error?.description }

    enum CodingKeys: String, CodingKey {
        case id, commentId, discussionId, annotator, values, status, method, detail, rawText, rawTextBytes, structuredOutput
        case startedAt, finishedAt
    }

    /// Decodes a row (or sdf-json object) with ``call`` from the same keys; the exact raw answer from
    /// `rawTextBytes` when present (``RawTextStorage``). An sdf-json file of an earlier version that kept a failed
    /// call's error in `detail` reads it into ``call``'s error.
    ///
    /// - Throws: `DecodingError` when a required field is missing or a status or method is unknown.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        commentId = try c.decode(String.self, forKey: .commentId)
        discussionId = try c.decode(String.self, forKey: .discussionId)
        annotator = try c.decode(String.self, forKey: .annotator)
        values = try c.decode([String: Int].self, forKey: .values)
        status = try c.decode(AnnotationStatus.self, forKey: .status)
        method = try c.decode(AnnotationParseMethod.self, forKey: .method)
        detail = try c.decodeIfPresent(String.self, forKey: .detail)
        rawText = try RawTextStorage.decode(c, text: .rawText, bytes: .rawTextBytes)
        // Earlier versions stored a Bool (`true`: a JSON schema was sent).
        // Read as plain text (a store column or a JSON string), or as the Bool earlier versions stored.
        if let text = try? c.decode(String.self, forKey: .structuredOutput) {
            guard let form = StructuredOutputForm(rawValue: text) else {
                throw DecodingError.dataCorruptedError(
                    forKey: .structuredOutput, in: c, debugDescription: "structuredOutput '\(text)' is not json_schema, json_object or off")
            }
            structuredOutput = form
        } else {
            structuredOutput = StructuredOutputForm(legacyFlag: try c.decode(Bool.self, forKey: .structuredOutput))
        }
        call = try CallProvenance(from: decoder)
        startedAt = try c.decode(Date.self, forKey: .startedAt)
        finishedAt = try c.decode(Date.self, forKey: .finishedAt)
        if status == .failed, call.error == nil, let detail {
            call.error = CallFailure(legacyDescription: detail)
            self.detail = nil
        }
    }

    /// Encodes the record's fields and ``call``'s as one flat object (`nil` fields left out).
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(commentId, forKey: .commentId)
        try c.encode(discussionId, forKey: .discussionId)
        try c.encode(annotator, forKey: .annotator)
        try c.encode(values, forKey: .values)
        try c.encode(status, forKey: .status)
        try c.encode(method, forKey: .method)
        try c.encodeIfPresent(detail, forKey: .detail)
        try c.encodeIfPresent(rawText, forKey: .rawText)
        try c.encode(structuredOutput.rawValue, forKey: .structuredOutput)
        try call.encode(to: encoder)
        try c.encode(startedAt, forKey: .startedAt)
        try c.encode(finishedAt, forKey: .finishedAt)
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

/// What the analysis needs of one annotation: whose rating of which comment, its status and values — the slim
/// form of ``AnnotationRecord`` the report reads (without the raw answer and call provenance), so that a store
/// with half a million annotations fits in memory.
public struct AnnotationScore: Codable, Sendable, Hashable {
    /// The annotated comment (a turn id, or a discussion's seed comment id).
    public var commentId: String
    /// The annotator's username.
    public var annotator: String
    /// Parse status, or `failed` when the call failed.
    public var status: AnnotationStatus
    /// Parsed values by dimension name (in range; complete when `status` is `ok`).
    public var values: [String: Int]

    /// Creates a score.
    public init(commentId: String, annotator: String, status: AnnotationStatus, values: [String: Int]) {
        self.commentId = commentId
        self.annotator = annotator
        self.status = status
        self.values = values
    }

    /// The score of a full record.
    public init(_ record: AnnotationRecord) {
        self.init(commentId: record.commentId, annotator: record.annotator, status: record.status, values: record.values)
    }
}
