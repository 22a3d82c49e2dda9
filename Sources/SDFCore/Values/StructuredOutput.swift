/// How an annotation request asks the server for output in the rubric's shape: the form of `response_format`
/// actually sent, recorded with every annotation (column `structuredOutput` of `annotation`, as its raw value).
public enum StructuredOutputForm: String, Sendable, Hashable, Codable, CaseIterable {
    /// `response_format: {type: "json_schema", json_schema: {name, strict, schema}}` (OpenAI, llama-server, vLLM,
    /// Ollama ≥ 0.5): the server constrains the answer to the rubric's schema.
    case jsonSchema = "json_schema"
    /// `response_format: {type: "json_object", schema: …}`: JSON mode. llama-server and llama-cpp-python constrain
    /// the answer to the `schema` given beside it; other servers only to some JSON object.
    case jsonObject = "json_object"
    /// No `response_format`: free text, read by the tolerant parser.
    case off

    /// Reads the form earlier versions stored as a Bool (`true`: a JSON schema was sent; `false`: none).
    public init(legacyFlag: Bool) { self = legacyFlag ? .jsonSchema : .off }

    /// Whether any `response_format` was sent.
    public var isStructured: Bool { self != .off }
}

/// The experiment file's `annotation.structuredOutput`: which `response_format` form to send.
///
/// `auto` (the default) sends the richest form (`json_schema`) and, when an endpoint rejects the request because
/// of `response_format`, falls back to the next form (`json_object`, then `off`) for that endpoint for the rest of
/// the run. The other values force one form; a rejection of a forced form is recorded as a failed call (never
/// retried). `true` and `false`, the values of earlier versions, read as `auto` and `off`.
public enum StructuredOutputMode: String, Sendable, Hashable, Codable, CaseIterable {
    /// Try `json_schema`, then `json_object`, then no `response_format`, per endpoint.
    case auto
    /// Always `json_schema`.
    case jsonSchema = "json_schema"
    /// Always `json_object`.
    case jsonObject = "json_object"
    /// Never send `response_format`.
    case off

    /// The forms to try, richest first: all three for `auto`, the forced one otherwise.
    public var candidates: [StructuredOutputForm] {
        switch self {
        case .auto: return [.jsonSchema, .jsonObject, .off]
        case .jsonSchema: return [.jsonSchema]
        case .jsonObject: return [.jsonObject]
        case .off: return [.off]
        }
    }

    /// The form sent first (before any rejection).
    public var firstForm: StructuredOutputForm { candidates[0] }

    /// Decodes a mode name (`auto`, `json_schema`, `json_object`, `off`) or a Bool of earlier versions
    /// (`true` → `auto`, `false` → `off`).
    ///
    /// - Throws: `DecodingError.dataCorrupted` naming the accepted values for anything else.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let flag = try? c.decode(Bool.self) {
            self = flag ? .auto : .off
            return
        }
        let text = try c.decode(String.self)
        guard let mode = StructuredOutputMode(rawValue: text) else {
            throw DecodingError.dataCorruptedError(
                in: c, debugDescription: "structuredOutput '\(text)' is not one of auto, json_schema, json_object, off")
        }
        self = mode
    }

    /// Encodes the mode's name.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(rawValue)
    }
}
