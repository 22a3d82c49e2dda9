import Foundation

/// Why an LLM call failed, by kind: the grouping the status report uses and the retry decision.
///
/// Stored as its raw value (column `errorKind` of `turn`, `annotation` and `failure_log`). `SDFLLM`'s
/// `LLMError.Kind` is this type.
public enum CallErrorKind: String, Sendable, Hashable, Codable, CaseIterable {
    /// Could not connect (refused, DNS, reset).
    case connection
    /// No answer within the request timeout or the call deadline.
    case timeout
    /// HTTP 429.
    case rateLimited
    /// HTTP 5xx.
    case server
    /// HTTP 4xx other than 401/402/403/429: the request itself is wrong (bad request, context length, unknown
    /// model); not retried, and re-running the same request fails the same way.
    case badRequest
    /// HTTP 401, 402 or 403, or a 429 that says the quota is used up: the key, the account or its quota.
    /// Not retried; a run stops at the first one, since every other call would fail the same way.
    case authentication
    /// The answer was not the JSON expected, or had no choices.
    case malformedResponse
    /// The answer had no text at all.
    case emptyResponse
    /// The local engine is not installed or could not start.
    case engine
    /// The call was cancelled (Ctrl-C, shutdown).
    case cancelled

    /// Whether another attempt may succeed.
    public var isRetryable: Bool {
        switch self {
        case .connection, .timeout, .rateLimited, .server, .malformedResponse, .emptyResponse: return true
        case .badRequest, .authentication, .engine, .cancelled: return false
        }
    }

    /// Whether the same request fails the same way however often it is sent (the request or the account is
    /// wrong, not the moment): re-running does not help until the experiment, key or server changes.
    public var isDeterministic: Bool {
        switch self {
        case .badRequest, .authentication, .engine: return true
        default: return false
        }
    }
}

/// A failed call as recorded: its kind and the message for people, stored in two columns.
public struct CallFailure: Codable, Sendable, Hashable, CustomStringConvertible {
    /// The kind, or `nil` when the record does not say (rows written before kinds were stored separately whose
    /// text named no known kind).
    public var kind: CallErrorKind?
    /// Details for people (status code, server message).
    public var message: String

    /// Creates a failure.
    public init(kind: CallErrorKind?, message: String) {
        self.kind = kind
        self.message = message
    }

    /// Reads the single-text form earlier versions stored (`kind: message`): the kind when the text starts with
    /// a known kind and `": "`, else no kind and the whole text as the message. Used only by the schema
    /// migration and by readers of older sdf-json files.
    public init(legacyDescription text: String) {
        if let colon = text.range(of: ": "), let kind = CallErrorKind(rawValue: String(text[..<colon.lowerBound])) {
            self.init(kind: kind, message: String(text[colon.upperBound...]))
        } else {
            self.init(kind: nil, message: text)
        }
    }

    /// `kind: message` (the message alone when the kind is unknown): the text earlier versions stored and
    /// every report prints.
    public var description: String { kind.map { "\($0.rawValue): \(message)" } ?? message }

    /// The kind's name for grouping, `unknown` when not recorded.
    public var kindName: String { kind?.rawValue ?? "unknown" }
}

/// Everything recorded about one LLM call, the same for turns and annotation jobs: which model and server,
/// what was sent (sampling, prompt), what came back (tokens, latency, finish reason), how many attempts, and
/// the failure if it failed.
///
/// Stored flat, one column per field, in the `turn` and `annotation` tables (``CodingKeys``), and nested as
/// `call` in ``TurnRecord`` and ``AnnotationRecord``. Token counts are `nil` when the server did not report
/// them (never 0 for unknown).
public struct CallProvenance: Codable, Sendable, Hashable {
    /// Model name of the experiment (``ModelSettings/name``).
    public var modelName: String
    /// Model id as reported by the server.
    public var modelId: String?
    /// Base URL that answered (`local` engine: its loopback URL; `imported` for imported records).
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
    /// Attempts made (1 = first try succeeded; 0 = not called, e.g. imported).
    public var attempts: Int
    /// The failure, when the call failed after its retries.
    public var error: CallFailure?
    /// The request's content address (``CallKey``): SHA-256 hex of its canonical encoding, set once the call was
    /// made (the `response_format` form actually sent is part of it). `nil` for calls stored before migration
    /// `v9-call-key` and for imported records, which have no request.
    public var callKey: String?

    /// Creates provenance for a call about to be made: nothing reported yet, no attempt.
    public init(
        modelName: String, modelId: String? = nil, endpoint: String, sampling: SamplingParameters, promptHash: String,
        templateId: String, promptTokens: Int? = nil, completionTokens: Int? = nil, cachedTokens: Int? = nil,
        latencyMs: Double? = nil, finishReason: String? = nil, attempts: Int = 0, error: CallFailure? = nil,
        callKey: String? = nil
    ) {
        self.callKey = callKey
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
    }

    /// Provenance of a call made outside SDF and imported from its files: endpoint and template `imported`,
    /// sampling unknown, no attempts counted.
    public static func imported(modelName: String, modelId: String?, promptHash: String) -> CallProvenance {
        CallProvenance(
            modelName: modelName, modelId: modelId, endpoint: "imported", sampling: .unknown, promptHash: promptHash,
            templateId: "imported")
    }

    /// The stored columns, in schema order.
    public enum CodingKeys: String, CodingKey, CaseIterable {
        /// ``CallProvenance/modelName``.
        case modelName
        /// ``CallProvenance/modelId``.
        case modelId
        /// ``CallProvenance/endpoint``.
        case endpoint
        /// ``CallProvenance/sampling`` (JSON text).
        case sampling
        /// ``CallProvenance/promptHash``.
        case promptHash
        /// ``CallProvenance/templateId``.
        case templateId
        /// ``CallProvenance/promptTokens``.
        case promptTokens
        /// ``CallProvenance/completionTokens``.
        case completionTokens
        /// ``CallProvenance/cachedTokens``.
        case cachedTokens
        /// ``CallProvenance/latencyMs``.
        case latencyMs
        /// ``CallProvenance/finishReason``.
        case finishReason
        /// ``CallProvenance/attempts``.
        case attempts
        /// ``CallFailure/kind`` of ``CallProvenance/error``.
        case errorKind
        /// ``CallFailure/message`` of ``CallProvenance/error``.
        case error
        /// ``CallProvenance/callKey`` (added by migration `v9-call-key`).
        case callKey
    }

    /// Decodes the flat columns (or JSON keys). A record without `errorKind` but with an `error` text (stores
    /// and sdf-json files of earlier versions) reads the kind from the text (``CallFailure/init(legacyDescription:)``).
    ///
    /// - Throws: `DecodingError` when a required field is missing or an error kind is unknown.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        modelName = try c.decode(String.self, forKey: .modelName)
        modelId = try c.decodeIfPresent(String.self, forKey: .modelId)
        endpoint = try c.decode(String.self, forKey: .endpoint)
        sampling = try c.decode(SamplingParameters.self, forKey: .sampling)
        promptHash = try c.decode(String.self, forKey: .promptHash)
        templateId = try c.decode(String.self, forKey: .templateId)
        promptTokens = try c.decodeIfPresent(Int.self, forKey: .promptTokens)
        completionTokens = try c.decodeIfPresent(Int.self, forKey: .completionTokens)
        cachedTokens = try c.decodeIfPresent(Int.self, forKey: .cachedTokens)
        latencyMs = try c.decodeIfPresent(Double.self, forKey: .latencyMs)
        finishReason = try c.decodeIfPresent(String.self, forKey: .finishReason)
        attempts = try c.decode(Int.self, forKey: .attempts)
        let kind = try c.decodeIfPresent(CallErrorKind.self, forKey: .errorKind)
        if let message = try c.decodeIfPresent(String.self, forKey: .error) {
            error = kind.map { CallFailure(kind: $0, message: message) } ?? CallFailure(legacyDescription: message)
        } else {
            error = nil
        }
        callKey = try c.decodeIfPresent(String.self, forKey: .callKey)
    }

    /// Encodes the flat columns; `nil` fields are left out (as synthesized `Codable` does), so they are NULL in the
    /// store and absent in JSON.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(modelName, forKey: .modelName)
        try c.encodeIfPresent(modelId, forKey: .modelId)
        try c.encode(endpoint, forKey: .endpoint)
        try c.encode(sampling, forKey: .sampling)
        try c.encode(promptHash, forKey: .promptHash)
        try c.encode(templateId, forKey: .templateId)
        try c.encodeIfPresent(promptTokens, forKey: .promptTokens)
        try c.encodeIfPresent(completionTokens, forKey: .completionTokens)
        try c.encodeIfPresent(cachedTokens, forKey: .cachedTokens)
        try c.encodeIfPresent(latencyMs, forKey: .latencyMs)
        try c.encodeIfPresent(finishReason, forKey: .finishReason)
        try c.encode(attempts, forKey: .attempts)
        try c.encodeIfPresent(error?.kind, forKey: .errorKind)
        try c.encodeIfPresent(error?.message, forKey: .error)
        try c.encodeIfPresent(callKey, forKey: .callKey)
    }
}
