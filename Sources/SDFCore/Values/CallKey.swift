import Foundation

/// The content address of one LLM request: the SHA-256 (64 lowercase hex digits) of its canonical encoding, the same
/// whichever server it is sent to.
///
/// The key covers everything that decides the answer: the model name sent, the messages, the sampling parameters
/// (temperature, `top_p`, `max_tokens`, seed, stop sequences, penalties), the `extraBody` fields, and the
/// `response_format` form actually sent with its JSON schema. It leaves out the endpoint, the API key, timeouts and
/// retries. Two calls with the same key sent the same request; ``replay`` answers a call from the recorded call
/// with its key.
///
/// **Canonical encoding** (version ``version``): one JSON object, keys sorted by their UTF-8 bytes at every level,
/// no whitespace, `/` not escaped, with the fields
/// `v` (``version``), `model`, `messages` (`[{content, role}]` in order), `temperature`, `top_p`, `max_tokens`, `seed`,
/// `stop` (always present, `[]` when none), `frequency_penalty`, `presence_penalty`, `extra_body` (absent when
/// there is none or it is empty), `response_format` (`{schema, type}` with `type` `json_schema` or `json_object`
/// and `schema` the rubric's JSON schema re-encoded canonically; absent when no `response_format` was sent). An
/// unset optional field is absent, never `null`. Numbers are written as Foundation's `JSONEncoder` writes them
/// (integers as integers, other numbers in their shortest round-trip form). The key is
/// ``RenderedPrompt/sha256Hex(_:)`` of that text (UTF-8). The encoding is pinned by a golden test; changing it needs
/// a new ``version``, since stored keys would no longer match.
public enum CallKey {
    /// The version of the canonical encoding, written as its field `v`.
    public static let version = 1

    /// One chat message of a request.
    public struct Message: Codable, Sendable, Hashable {
        /// `system`, `user` or `assistant`.
        public var role: String
        /// The message text, exactly as sent.
        public var content: String

        /// Creates a message.
        public init(role: String, content: String) {
            self.role = role
            self.content = content
        }
    }

    /// The `response_format` actually sent: its type and the JSON schema sent with it.
    public struct ResponseFormat: Codable, Sendable, Hashable {
        /// `json_schema` or `json_object` (``StructuredOutputForm`` raw value; `off` sends none, so has none).
        public var type: String
        /// The schema, parsed, so that its key order and whitespace do not change the key (a schema that is not
        /// JSON is kept as a string).
        public var schema: JSONValue

        /// The format of a request with `schema` sent in `form`; `nil` when nothing was sent (no schema, or form
        /// `off` or unknown).
        public init?(form: StructuredOutputForm?, schema: String?) {
            guard let form, form != .off, let schema else { return nil }
            type = form.rawValue
            self.schema = (try? JSONDecoder().decode(JSONValue.self, from: Data(schema.utf8))) ?? .string(schema)
        }
    }

    /// A request in canonical form: what is hashed.
    public struct Request: Encodable, Sendable, Hashable {
        /// The model name sent (`model` of the request; not the experiment's model name, not the id the server
        /// reports).
        public var model: String
        /// The messages in order.
        public var messages: [Message]
        /// The sampling parameters sent (``SamplingParameters/stop`` included; an empty `extraBody` counts as none).
        public var sampling: SamplingParameters
        /// The `response_format` actually sent, if any.
        public var responseFormat: ResponseFormat?

        /// Creates a canonical request.
        public init(model: String, messages: [Message], sampling: SamplingParameters, responseFormat: ResponseFormat?) {
            self.model = model
            self.messages = messages
            self.sampling = sampling
            self.responseFormat = responseFormat
        }

        enum CodingKeys: String, CodingKey {
            case v, model, messages, temperature, top_p, max_tokens, seed, stop, frequency_penalty, presence_penalty
            case extra_body, response_format
        }

        /// Encodes the canonical fields (see ``CallKey``); unset optionals are left out.
        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(CallKey.version, forKey: .v)
            try c.encode(model, forKey: .model)
            try c.encode(messages, forKey: .messages)
            try c.encodeIfPresent(sampling.temperature, forKey: .temperature)
            try c.encodeIfPresent(sampling.topP, forKey: .top_p)
            try c.encodeIfPresent(sampling.maxTokens, forKey: .max_tokens)
            try c.encodeIfPresent(sampling.seed, forKey: .seed)
            try c.encode(sampling.stop, forKey: .stop)
            try c.encodeIfPresent(sampling.frequencyPenalty, forKey: .frequency_penalty)
            try c.encodeIfPresent(sampling.presencePenalty, forKey: .presence_penalty)
            if let extra = sampling.extraBody, !extra.isEmpty { try c.encode(extra, forKey: .extra_body) }
            try c.encodeIfPresent(responseFormat, forKey: .response_format)
        }

        /// The canonical JSON text (see ``CallKey``).
        public var canonicalJSON: String {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            // Every field is a string, number, Bool, array or object of those: encoding cannot fail.
            let data = (try? encoder.encode(self)) ?? Data()
            return String(decoding: data, as: UTF8.self)
        }

        /// The key: SHA-256 hex of ``canonicalJSON``.
        public var key: String { RenderedPrompt.sha256Hex(canonicalJSON) }
    }

    /// The key of a call whose request was made from a stored prompt (system and user message) and its recorded
    /// sampling parameters — how SDF's runners build every request.
    ///
    /// - Parameters:
    ///   - model: the model name sent.
    ///   - prompt: the stored prompt (its system and user message).
    ///   - sampling: the recorded sampling parameters.
    ///   - form: the `response_format` form the call used (annotations), `nil` for discussion turns.
    ///   - schema: the JSON schema sent with a structured-output form (the rubric's ``Rubric/jsonSchema``).
    /// - Returns: the key.
    public static func key(
        model: String, prompt: PromptRecord, sampling: SamplingParameters, form: StructuredOutputForm? = nil, schema: String? = nil
    ) -> String {
        Request(
            model: model, messages: [Message(role: "system", content: prompt.system), Message(role: "user", content: prompt.user)],
            sampling: sampling, responseFormat: ResponseFormat(form: form, schema: schema)
        ).key
    }
}
