import SDFCore

/// A chat message in the OpenAI chat-completions format.
public struct ChatMessage: Codable, Sendable, Hashable {
    /// `system`, `user` or `assistant`.
    public var role: String
    /// Plain text content.
    public var content: String

    /// Creates a message.
    public init(role: String, content: String) {
        self.role = role
        self.content = content
    }
}

/// A chat-completions request, independent of the server behind it.
public struct ChatRequest: Codable, Sendable, Hashable {
    /// Model name sent to the server.
    public var model: String
    /// The conversation: usually one system and one user message.
    public var messages: [ChatMessage]
    /// Sampling temperature.
    public var temperature: Double?
    /// Nucleus sampling mass.
    public var topP: Double?
    /// Token cap for the answer.
    public var maxTokens: Int?
    /// Sampling seed (honoured by llama.cpp and vLLM; best effort elsewhere).
    public var seed: Int?
    /// Stop sequences.
    public var stop: [String]
    /// `frequency_penalty`, sent when set.
    public var frequencyPenalty: Double?
    /// `presence_penalty`, sent when set.
    public var presencePenalty: Double?
    /// Fields sent as they are at the top level of the request JSON (a model's `extraBody`); SDF's own fields win.
    public var extraBody: [String: JSONValue]?
    /// A JSON schema the answer must follow, sent as `response_format` (structured output), if any.
    public var jsonSchema: String?
    /// In which `response_format` form to send ``jsonSchema`` (default ``StructuredOutputMode/auto``: the richest
    /// form the endpoint accepts).
    public var structuredOutput: StructuredOutputMode

    /// Creates a request.
    public init(
        model: String, messages: [ChatMessage], temperature: Double? = nil, topP: Double? = nil, maxTokens: Int? = nil,
        seed: Int? = nil, stop: [String] = [], frequencyPenalty: Double? = nil, presencePenalty: Double? = nil,
        extraBody: [String: JSONValue]? = nil, jsonSchema: String? = nil, structuredOutput: StructuredOutputMode = .auto
    ) {
        self.frequencyPenalty = frequencyPenalty
        self.presencePenalty = presencePenalty
        self.extraBody = extraBody
        self.structuredOutput = structuredOutput
        self.model = model
        self.messages = messages
        self.temperature = temperature
        self.topP = topP
        self.maxTokens = maxTokens
        self.seed = seed
        self.stop = stop
        self.jsonSchema = jsonSchema
    }
}

/// Token counts reported by the server.
public struct TokenUsage: Codable, Sendable, Hashable {
    /// Prompt tokens.
    public var promptTokens: Int?
    /// Generated tokens.
    public var completionTokens: Int?
    /// Prompt tokens served from the server's prefix cache (`prompt_tokens_details.cached_tokens`, or
    /// llama.cpp's `timings.cache_n`).
    public var cachedTokens: Int?

    /// Creates a usage record.
    public init(promptTokens: Int? = nil, completionTokens: Int? = nil, cachedTokens: Int? = nil) {
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.cachedTokens = cachedTokens
    }
}

/// A chat-completions answer with what the server said about it.
public struct ChatResponse: Codable, Sendable, Hashable {
    /// The answer's text (`""` when the server sent none).
    public var text: String
    /// Finish reason (`stop`, `length`, …), if reported.
    public var finishReason: String?
    /// The model id as reported by the server.
    public var model: String?
    /// Token counts.
    public var usage: TokenUsage
    /// Wall time of the successful attempt, in milliseconds.
    public var latencyMs: Double
    /// Attempts made, including the successful one.
    public var attempts: Int
    /// The base URL that answered, when the model knows it (an ``EndpointPool`` has several).
    public var endpoint: String?
    /// The `response_format` form sent with the answered request; `nil` when the request had no JSON schema or the
    /// model does not say.
    public var structuredOutput: StructuredOutputForm?

    /// Creates a response.
    public init(
        text: String, finishReason: String?, model: String?, usage: TokenUsage, latencyMs: Double, attempts: Int = 1,
        endpoint: String? = nil, structuredOutput: StructuredOutputForm? = nil
    ) {
        self.endpoint = endpoint
        self.structuredOutput = structuredOutput
        self.text = text
        self.finishReason = finishReason
        self.model = model
        self.usage = usage
        self.latencyMs = latencyMs
        self.attempts = attempts
    }
}

/// Anything that answers chat-completions requests: the HTTP client, or a scripted model in tests.
public protocol ChatModel: Sendable {
    /// Where requests go, for provenance (a base URL, or a name for in-process models).
    var endpoint: String { get }
    /// Answers one request.
    ///
    /// - Throws: ``LLMError`` when the call fails after the model's own retries.
    func complete(_ request: ChatRequest) async throws -> ChatResponse
}
