import Foundation
import SDFCore

/// The JSON body of `POST /v1/chat/completions` (only the fields SDF sends).
struct WireChatRequest: Encodable {
    var model: String
    var messages: [ChatMessage]
    var temperature: Double?
    var top_p: Double?
    var max_tokens: Int?
    var seed: Int?
    var stop: [String]?
    var stream: Bool = false
    var response_format: ResponseFormat?
    var frequency_penalty: Double?
    var presence_penalty: Double?
    /// Extra top-level fields (a model's `extraBody`), written after SDF's own; a key SDF sets is skipped.
    var extra: [String: JSONValue]?

    enum CodingKeys: String, CodingKey {
        case model, messages, temperature, top_p, max_tokens, seed, stop, stream, response_format, frequency_penalty
        case presence_penalty
    }

    struct ExtraKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(model, forKey: .model)
        try c.encode(messages, forKey: .messages)
        try c.encodeIfPresent(temperature, forKey: .temperature)
        try c.encodeIfPresent(top_p, forKey: .top_p)
        try c.encodeIfPresent(max_tokens, forKey: .max_tokens)
        try c.encodeIfPresent(seed, forKey: .seed)
        try c.encodeIfPresent(stop, forKey: .stop)
        try c.encode(stream, forKey: .stream)
        try c.encodeIfPresent(response_format, forKey: .response_format)
        try c.encodeIfPresent(frequency_penalty, forKey: .frequency_penalty)
        try c.encodeIfPresent(presence_penalty, forKey: .presence_penalty)
        guard let extra else { return }
        let own = Set(["model", "messages", "temperature", "top_p", "max_tokens", "seed", "stop", "stream", "response_format",
            "frequency_penalty", "presence_penalty"])
        var e = encoder.container(keyedBy: ExtraKey.self)
        for key in extra.keys.sorted() where !own.contains(key) {
            try e.encode(extra[key]!, forKey: ExtraKey(stringValue: key))
        }
    }

    /// `{type: "json_schema", json_schema: {name, strict, schema}}` (OpenAI's structured outputs), or
    /// `{type: "json_object", schema}` (JSON mode; llama-server and llama-cpp-python honour `schema`).
    struct ResponseFormat: Encodable {
        var type: String
        var json_schema: Schema?
        var schema: RawJSON?
        struct Schema: Encodable {
            var name = "answer"
            var strict = true
            var schema: RawJSON
        }
    }

    init(_ r: ChatRequest, form: StructuredOutputForm) {
        model = r.model
        messages = r.messages
        temperature = r.temperature
        top_p = r.topP
        max_tokens = r.maxTokens
        seed = r.seed
        stop = r.stop.isEmpty ? nil : r.stop
        frequency_penalty = r.frequencyPenalty
        presence_penalty = r.presencePenalty
        extra = r.extraBody
        if let schema = r.jsonSchema {
            switch form {
            case .jsonSchema: response_format = ResponseFormat(type: "json_schema", json_schema: .init(schema: RawJSON(text: schema)))
            case .jsonObject: response_format = ResponseFormat(type: "json_object", schema: RawJSON(text: schema))
            case .off: response_format = nil
            }
        }
    }
}

/// Embeds already-serialised JSON in an `Encodable` value.
struct RawJSON: Encodable {
    var text: String
    func encode(to encoder: any Encoder) throws {
        let value = try JSONSerialization.jsonObject(with: Data(text.utf8))
        var container = encoder.singleValueContainer()
        try container.encode(AnyJSON(value))
    }
}

struct AnyJSON: Encodable {
    var value: Any
    init(_ value: Any) { self.value = value }
    func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch value {
        case let v as Bool where type(of: value) == Bool.self || "\(type(of: value))" == "__NSCFBoolean": try c.encode(v)
        case let v as Int: try c.encode(v)
        case let v as Double: try c.encode(v)
        case let v as String: try c.encode(v)
        case let v as [Any]: try c.encode(v.map(AnyJSON.init))
        case let v as [String: Any]: try c.encode(v.mapValues(AnyJSON.init))
        default: try c.encodeNil()
        }
    }
}

/// The JSON answer of `/v1/chat/completions`. Every field is optional: llama.cpp, vLLM, Ollama and OpenAI differ.
struct WireChatResponse: Decodable {
    var model: String?
    var choices: [Choice]?
    var usage: Usage?
    var timings: Timings?

    struct Choice: Decodable {
        var message: Message?
        var finish_reason: String?
    }
    struct Message: Decodable {
        var content: String?
        var reasoning_content: String?
    }
    struct Usage: Decodable {
        var prompt_tokens: Int?
        var completion_tokens: Int?
        var prompt_tokens_details: Details?
        struct Details: Decodable { var cached_tokens: Int? }
    }
    struct Timings: Decodable {
        var cache_n: Int?
        var prompt_n: Int?
        var predicted_n: Int?
    }
}

/// The JSON answer of `GET /v1/models`.
struct WireModelList: Decodable {
    var data: [Entry]?
    struct Entry: Decodable { var id: String }
}

/// An error body as OpenAI-compatible servers send it: `{"error": {message, type, param, code}}` (OpenAI,
/// llama.cpp, Ollama, LiteLLM, vLLM ≥ 0.9), or the same fields at the top level (`{"object": "error", message, type,
/// param, code}`, vLLM before), or FastAPI's `{"detail": …}`.
struct WireErrorBody: Decodable {
    var error: Detail?
    var topLevel: Detail?

    enum CodingKeys: String, CodingKey { case error }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        error = try? c.decodeIfPresent(Detail.self, forKey: .error)
        topLevel = try? Detail(from: decoder)
    }

    /// The detail wherever it was.
    var detail: Detail? { error ?? (topLevel?.message != nil ? topLevel : nil) }

    struct Detail: Decodable {
        var message: String?
        var type: String?
        var code: String?
        var param: String?

        enum CodingKeys: String, CodingKey { case message, type, code, param }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            message = try? c.decodeIfPresent(String.self, forKey: .message)
            type = try? c.decodeIfPresent(String.self, forKey: .type)
            param = try? c.decodeIfPresent(String.self, forKey: .param)
            // `code` is a string at OpenAI, a number at llama.cpp.
            code = (try? c.decodeIfPresent(String.self, forKey: .code)) ?? (try? c.decodeIfPresent(Int.self, forKey: .code)).flatMap { $0.map(String.init) }
        }
    }
}

/// The part of llama-server's `GET /props` answer SDF reads.
struct WireProps: Decodable {
    var total_slots: Int?
}
