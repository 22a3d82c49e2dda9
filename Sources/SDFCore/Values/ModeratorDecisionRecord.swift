import Foundation

/// What kind of check decided whether the moderator got a turn (column `kind` of `moderator_decision`).
public enum ModeratorDecisionKind: String, Codable, Sendable, Hashable, CaseIterable {
    /// A `decideFirst` decision call: the moderator was asked whether to intervene.
    case decision
    /// An `onTrigger` check: a named annotator scored the last user comment inline.
    case trigger
}

/// Whether a moderator decision could be read (column `status` of `moderator_decision`).
public enum ModeratorDecisionStatus: String, Codable, Sendable, Hashable, CaseIterable {
    /// The answer (decision) or the annotator's score (trigger) was read.
    case ok
    /// The answer or score could not be read; the documented default applied: no intervention
    /// (``ModeratorDecisionRecord/defaulted`` is `true`).
    case unparseable
    /// The call failed after its retries; the discussion ends `failed` and a resume asks again.
    case failed
}

/// One point where a conditional moderator schedule decided whether the moderator gets a turn: table
/// `moderator_decision`, one row per (discussion, ``slot``).
///
/// For ``ModeratorDecisionKind/decision`` rows ``call`` is the decision call's provenance (model, sampling, prompt
/// hash, tokens, latency, attempts; the prompt text is in the prompt table). For ``ModeratorDecisionKind/trigger``
/// rows it is a copy of the inline annotation's call, which is stored as that comment's annotation
/// (``annotationId``). The moderator's comment, when it spoke, is the turn at ``afterTurnIndex`` + 1.
public struct ModeratorDecisionRecord: Codable, Sendable, Hashable {
    /// Stable UUID derived from the discussion and ``slot``.
    public var id: String
    /// The discussion.
    public var discussionId: String
    /// 1-based count of the moderator's decision points in the discussion.
    public var slot: Int
    /// Turn index of the user comment the decision follows; the moderator's turn, if any, is the next index.
    public var afterTurnIndex: Int
    /// Decision call or trigger check.
    public var kind: ModeratorDecisionKind
    /// Whether the answer or score was read.
    public var status: ModeratorDecisionStatus
    /// The outcome used: whether the moderator gets a turn (`false` whenever ``defaulted``).
    public var intervene: Bool
    /// Whether ``intervene`` is the documented default (no intervention) because nothing could be read.
    public var defaulted: Bool
    /// The moderator's stated reason (decisions), as answered.
    public var reason: String?
    /// The model's answer as received (decisions; `nil` for a failed call or a trigger).
    public var rawText: String?
    /// Which reading found the answer (``AnnotationParseMethod`` raw value: `json`, `fencedJSON`, `keyValue`, `none`).
    public var method: String?
    /// Why it could not be read, for people; `nil` when ``status`` is `ok`.
    public var detail: String?
    /// The `response_format` form the decision call used (`json_schema`, `json_object`, `off`); `nil` for triggers.
    public var structuredOutput: StructuredOutputForm?
    /// Trigger: the annotator's username.
    public var annotator: String?
    /// Trigger: the rubric dimension.
    public var dimension: String?
    /// Trigger: the score read on ``dimension``, or `nil` when the annotation did not parse.
    public var score: Int?
    /// Trigger: the threshold (``ModeratorTrigger/atLeast``).
    public var threshold: Int?
    /// Trigger: the inline annotation's id (the annotation stage's job id, so the stage skips it).
    public var annotationId: String?
    /// The call that decided (see the type's summary).
    public var call: CallProvenance
    /// When the check started.
    public var startedAt: Date
    /// When it ended.
    public var finishedAt: Date

    /// Creates a record.
    public init(
        id: String, discussionId: String, slot: Int, afterTurnIndex: Int, kind: ModeratorDecisionKind,
        status: ModeratorDecisionStatus, intervene: Bool, defaulted: Bool, reason: String? = nil, rawText: String? = nil,
        method: String? = nil, detail: String? = nil, structuredOutput: StructuredOutputForm? = nil, annotator: String? = nil,
        dimension: String? = nil, score: Int? = nil, threshold: Int? = nil, annotationId: String? = nil, call: CallProvenance,
        startedAt: Date, finishedAt: Date
    ) {
        self.id = id
        self.discussionId = discussionId
        self.slot = slot
        self.afterTurnIndex = afterTurnIndex
        self.kind = kind
        self.status = status
        self.intervene = intervene
        self.defaulted = defaulted
        self.reason = reason
        self.rawText = rawText
        self.method = method
        self.detail = detail
        self.structuredOutput = structuredOutput
        self.annotator = annotator
        self.dimension = dimension
        self.score = score
        self.threshold = threshold
        self.annotationId = annotationId
        self.call = call
        self.startedAt = startedAt
        self.finishedAt = finishedAt
    }

    enum CodingKeys: String, CodingKey {
        case id, discussionId, slot, afterTurnIndex, kind, status, intervene, defaulted, reason, rawText, method, detail
        case structuredOutput, annotator, dimension, score, threshold, annotationId, startedAt, finishedAt
    }

    /// Decodes a row (or JSON object): the record's own fields and, from the same keys, ``call``.
    ///
    /// - Throws: `DecodingError` when a required field is missing or malformed.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        discussionId = try c.decode(String.self, forKey: .discussionId)
        slot = try c.decode(Int.self, forKey: .slot)
        afterTurnIndex = try c.decode(Int.self, forKey: .afterTurnIndex)
        kind = try c.decode(ModeratorDecisionKind.self, forKey: .kind)
        status = try c.decode(ModeratorDecisionStatus.self, forKey: .status)
        intervene = try c.decode(Bool.self, forKey: .intervene)
        defaulted = try c.decode(Bool.self, forKey: .defaulted)
        reason = try c.decodeIfPresent(String.self, forKey: .reason)
        rawText = try c.decodeIfPresent(String.self, forKey: .rawText)
        method = try c.decodeIfPresent(String.self, forKey: .method)
        detail = try c.decodeIfPresent(String.self, forKey: .detail)
        structuredOutput = try c.decodeIfPresent(StructuredOutputForm.self, forKey: .structuredOutput)
        annotator = try c.decodeIfPresent(String.self, forKey: .annotator)
        dimension = try c.decodeIfPresent(String.self, forKey: .dimension)
        score = try c.decodeIfPresent(Int.self, forKey: .score)
        threshold = try c.decodeIfPresent(Int.self, forKey: .threshold)
        annotationId = try c.decodeIfPresent(String.self, forKey: .annotationId)
        call = try CallProvenance(from: decoder)
        startedAt = try c.decode(Date.self, forKey: .startedAt)
        finishedAt = try c.decode(Date.self, forKey: .finishedAt)
    }

    /// Encodes the record's fields and ``call``'s as one flat object (`nil` fields left out).
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(discussionId, forKey: .discussionId)
        try c.encode(slot, forKey: .slot)
        try c.encode(afterTurnIndex, forKey: .afterTurnIndex)
        try c.encode(kind, forKey: .kind)
        try c.encode(status, forKey: .status)
        try c.encode(intervene, forKey: .intervene)
        try c.encode(defaulted, forKey: .defaulted)
        try c.encodeIfPresent(reason, forKey: .reason)
        try c.encodeIfPresent(rawText, forKey: .rawText)
        try c.encodeIfPresent(method, forKey: .method)
        try c.encodeIfPresent(detail, forKey: .detail)
        try c.encodeIfPresent(structuredOutput, forKey: .structuredOutput)
        try c.encodeIfPresent(annotator, forKey: .annotator)
        try c.encodeIfPresent(dimension, forKey: .dimension)
        try c.encodeIfPresent(score, forKey: .score)
        try c.encodeIfPresent(threshold, forKey: .threshold)
        try c.encodeIfPresent(annotationId, forKey: .annotationId)
        try call.encode(to: encoder)
        try c.encode(startedAt, forKey: .startedAt)
        try c.encode(finishedAt, forKey: .finishedAt)
    }
}
