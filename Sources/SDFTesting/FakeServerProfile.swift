import Foundation
import SDFCore

/// The documented request/response shapes of one OpenAI-compatible server, which ``FakeOpenAIServer`` reproduces:
/// the model list, which `response_format` types it accepts and how it rejects the others, the usage fields it
/// reports, whether it has llama-server's `GET /props`.
///
/// The profiles follow each server's documentation and source (cited per profile); the compatibility tests
/// (`ServerCompatibilityTests`) run SDF's client against each of them.
public struct FakeServerProfile: Sendable {
    /// How a server reports token usage.
    public enum Usage: Sendable {
        /// `usage` with `prompt_tokens_details.cached_tokens` (OpenAI, vLLM with `--enable-prompt-tokens-details`).
        case withCachedTokens
        /// `usage` with prompt and completion tokens only (llama-cpp-python, Ollama, LiteLLM, vLLM by default).
        case withoutCachedTokens
        /// `usage` without cached tokens plus llama-server's `timings` (`cache_n`, `prompt_n`, `predicted_n`).
        case llamaServerTimings
        /// No `usage` object at all.
        case none
    }

    /// A short name (`llama-cpp-python`, `vllm`…).
    public var name: String
    /// The model id the server lists and reports.
    public var modelId: String
    /// `response_format.type` values accepted; any other type is answered with ``rejection``.
    public var acceptedFormats: Set<String>
    /// Status and body of the answer to a request whose `response_format.type` is not accepted.
    public var rejection: (status: Int, body: String)
    /// The usage fields reported.
    public var usage: Usage
    /// `total_slots` at `GET /props` (llama-server only), or `nil` for no `/props` (404).
    public var slots: Int?

    /// Creates a profile.
    public init(
        name: String, modelId: String, acceptedFormats: Set<String>, rejection: (status: Int, body: String), usage: Usage,
        slots: Int? = nil
    ) {
        self.name = name
        self.modelId = modelId
        self.acceptedFormats = acceptedFormats
        self.rejection = rejection
        self.usage = usage
        self.slots = slots
    }

    /// llama.cpp's llama-server (the bundled engine): `response_format` `json_schema` and `json_object` (with
    /// `schema`), usage plus `timings`, `GET /props` with `total_slots`.
    /// Source: llama.cpp `tools/server/README.md`, "POST /v1/chat/completions" and "GET /props".
    public static let llamaServer = FakeServerProfile(
        name: "llama-server", modelId: "SmolLM2-135M-Instruct-Q4_1.gguf", acceptedFormats: ["json_schema", "json_object", "text"],
        rejection: (400, #"{"error":{"code":400,"message":"unsupported response_format type","type":"invalid_request_error"}}"#),
        usage: .llamaServerTimings, slots: 4)

    /// llama-cpp-python's server (PyPI `llama-cpp-python[server]` 0.3.x): `response_format.type` is
    /// `Literal["text", "json_object"]` (with an optional `schema`), so `json_schema` fails request validation, which
    /// its route error handler answers with HTTP 500 and the pydantic message; no cached tokens in `usage`.
    /// Sources: `llama_cpp/llama_types.py` (`ChatCompletionRequestResponseFormat`), `llama_cpp/server/errors.py`
    /// (`RouteErrorHandler`: unhandled errors → 500 `{"error": {"message", "type": "internal_server_error"}}`), and
    /// the body observed in issue #18.
    public static let llamaCppPython = FakeServerProfile(
        name: "llama-cpp-python", modelId: "SmolLM2-135M-Instruct-Q4_1.gguf", acceptedFormats: ["json_object", "text"],
        rejection: (
            500,
            #"{"error":{"message":"1 validation error for CreateChatCompletionRequest\nresponse_format.type\n  Input should be 'text' or 'json_object' [type=literal_error, input_value='json_schema', input_type=str]","type":"internal_server_error","param":null,"code":null}}"#
        ),
        usage: .withoutCachedTokens)

    /// vLLM's OpenAI-compatible server: `response_format` `json_schema` and `json_object` (structured outputs);
    /// errors as `{"object": "error", "message", "type": "BadRequestError", "param", "code": 400}`; a schema its
    /// grammar backend cannot compile is a 400 naming the JSON schema; `usage` without `prompt_tokens_details` unless
    /// `--enable-prompt-tokens-details`; no `/props`. Sources: docs.vllm.ai "Structured Outputs" and "OpenAI-Compatible
    /// Server"; `vllm/entrypoints/openai/protocol.py` (`ErrorResponse`, `ResponseFormat`).
    public static let vllm = FakeServerProfile(
        name: "vllm", modelId: "HuggingFaceTB/SmolLM2-135M-Instruct", acceptedFormats: ["json_schema", "json_object", "text"],
        rejection: (
            400,
            #"{"object":"error","message":"The provided JSON schema contains features not supported by xgrammar.","type":"BadRequestError","param":null,"code":400}"#
        ),
        usage: .withoutCachedTokens)

    /// vLLM whose grammar backend rejects the rubric's schema (``vllm``'s documented 400), while JSON mode works.
    public static let vllmSchemaRejected: FakeServerProfile = {
        var p = vllm
        p.name = "vllm (schema rejected)"
        p.acceptedFormats = ["json_object", "text"]
        return p
    }()

    /// Ollama's OpenAI compatibility (`/v1/chat/completions`): `response_format` `json_object` and `json_schema`
    /// (an unknown type is ignored, not rejected), `usage` with prompt and completion tokens only, model ids such as
    /// `smollm2:135m`, errors as `{"error": {"message", "type": "invalid_request_error"}}`; no `/props`.
    /// Source: Ollama `docs/openai.md` ("Supported request fields": `response_format`), `openai/openai.go`.
    public static let ollama = FakeServerProfile(
        name: "ollama", modelId: "smollm2:135m", acceptedFormats: ["json_schema", "json_object", "text"],
        rejection: (400, #"{"error":{"message":"invalid response_format","type":"invalid_request_error","param":null,"code":null}}"#),
        usage: .withoutCachedTokens)

    /// OpenAI: `json_schema` (structured outputs) on current models, `usage.prompt_tokens_details.cached_tokens`.
    /// Source: platform.openai.com/docs/guides/structured-outputs and the Chat Completions API reference.
    public static let openAI = FakeServerProfile(
        name: "openai", modelId: "gpt-4o-mini-2024-07-18", acceptedFormats: ["json_schema", "json_object", "text"],
        rejection: (400, #"{"error":{"message":"Invalid parameter: 'response_format' of type 'json_schema' is not supported with this model.","type":"invalid_request_error","param":"response_format","code":null}}"#),
        usage: .withCachedTokens)

    /// An OpenAI model without structured outputs (gpt-3.5-turbo class): `json_schema` is rejected with HTTP 400,
    /// `param: "response_format"` (documented error shape), JSON mode is accepted.
    public static let openAILegacyModel: FakeServerProfile = {
        var p = openAI
        p.name = "openai (model without structured outputs)"
        p.modelId = "gpt-3.5-turbo-0125"
        p.acceptedFormats = ["json_object", "text"]
        return p
    }()

    /// LiteLLM's proxy in front of an OpenAI-compatible server: passes `response_format` on, answers in OpenAI's shape
    /// without the backend's `timings`, reports errors as `{"error": {"message": "litellm.BadRequestError: …",
    /// "type", "param", "code": "400"}}` (code as a string). Source: docs.litellm.ai "Proxy" and "Structured Outputs
    /// (JSON Mode)"; `litellm/proxy/proxy_server.py`.
    public static let liteLLM = FakeServerProfile(
        name: "litellm", modelId: "smollm2", acceptedFormats: ["json_schema", "json_object", "text"],
        rejection: (400, #"{"error":{"message":"litellm.BadRequestError: OpenAIException - response_format not supported","type":null,"param":null,"code":"400"}}"#),
        usage: .withoutCachedTokens)

    /// Every profile, for matrix tests.
    public static let all: [FakeServerProfile] = [llamaServer, llamaCppPython, vllm, vllmSchemaRejected, ollama, openAI, openAILegacyModel, liteLLM]

    /// `GET /v1/models`'s body.
    public var modelsBody: String {
        #"{"object":"list","data":[{"id":"\#(modelId)","object":"model","created":1700000000,"owned_by":"\#(name)"}]}"#
    }

    /// A chat-completions body in this server's shape.
    public func chatBody(_ text: String, finishReason: String = "stop") -> String {
        let content = String(decoding: try! JSONEncoder().encode(text), as: UTF8.self)
        let completion = max(1, text.split(separator: " ").count)
        let usage: String
        switch self.usage {
        case .withCachedTokens:
            usage = #","usage":{"prompt_tokens":40,"completion_tokens":\#(completion),"total_tokens":\#(40 + completion),"prompt_tokens_details":{"cached_tokens":32}}"#
        case .withoutCachedTokens:
            usage = #","usage":{"prompt_tokens":40,"completion_tokens":\#(completion),"total_tokens":\#(40 + completion)}"#
        case .llamaServerTimings:
            usage = #","usage":{"prompt_tokens":40,"completion_tokens":\#(completion),"total_tokens":\#(40 + completion)},"timings":{"cache_n":32,"prompt_n":8,"predicted_n":\#(completion)}"#
        case .none:
            usage = ""
        }
        return """
            {"id":"chatcmpl-1","object":"chat.completion","created":1700000000,"model":"\(modelId)","choices":[{"index":0,"message":{"role":"assistant","content":\(content)},"finish_reason":"\(finishReason)"}]\(usage)}
            """
    }

    /// The `response_format.type` of a request body, if any.
    public static func responseFormatType(_ body: String) -> String? {
        guard let object = (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any],
            let format = object["response_format"] as? [String: Any]
        else { return nil }
        return format["type"] as? String
    }
}
