import AsyncHTTPClient
import Foundation
import SDFCore
import SDFLLM
import SDFTesting
import Synchronization
import Testing

/// The README's compatibility matrix, row by row: SDF's client against the in-process fake server reproducing each
/// server's documented request/response shapes and error bodies (``FakeServerProfile`` cites the documentation of
/// each: llama.cpp `tools/server/README.md`; llama-cpp-python `llama_cpp/llama_types.py` and
/// `llama_cpp/server/errors.py` plus the body of issue #18; docs.vllm.ai "Structured Outputs" and vLLM's
/// `ErrorResponse`; Ollama `docs/openai.md`; platform.openai.com "Structured Outputs"; docs.litellm.ai "Proxy").
@Suite("Server compatibility: structured-output forms, error bodies and usage fields per server")
struct ServerCompatibilityTests {
    /// The rubric-shaped request an annotation job sends.
    static let request = ChatRequest(
        model: "m", messages: [.init(role: "system", content: "Rate."), .init(role: "user", content: "Comment: hello")],
        temperature: 0.2, maxTokens: 32, seed: 3, jsonSchema: Rubric.default.jsonSchema)

    /// ``request`` with `structuredOutput` set to `mode`.
    static func request(_ mode: StructuredOutputMode) -> ChatRequest {
        var r = request
        r.structuredOutput = mode
        return r
    }

    final class Notices: Sendable {
        let lines = Mutex<[String]>([])
        var all: [String] { lines.withLock { $0 } }
    }

    func withClient<T: Sendable>(
        _ profile: FakeServerProfile, script: @escaping @Sendable (FakeRequest) -> FakeReply = { _ in .scripted },
        _ body: @Sendable (OpenAIClient, FakeRequestLog, Notices) async throws -> T
    ) async throws -> T {
        let notices = Notices()
        return try await FakeOpenAIServer.with(profile: profile, script: script) { url, log in
            try await HTTPClient.withHTTPClient { http in
                let memory = StructuredOutputMemory { line in notices.lines.withLock { $0.append(line) } }
                let client = OpenAIClient(
                    baseURL: url, apiKey: nil, timeout: 5, retry: RetryPolicy(maxAttempts: 6, baseDelay: 0.01, maxDelay: 0.02), http: http,
                    structuredOutputMemory: memory)
                return try await body(client, log, notices)
            }
        }
    }

    /// One row of the matrix: the form `auto` settles on, and the cached tokens reported (`nil`: not reported).
    struct Row: Sendable, CustomTestStringConvertible {
        var profile: FakeServerProfile
        var form: StructuredOutputForm
        var cachedTokens: Int?
        var testDescription: String { profile.name }
    }

    static let matrix: [Row] = [
        Row(profile: .llamaServer, form: .jsonSchema, cachedTokens: 32),
        Row(profile: .llamaCppPython, form: .jsonObject, cachedTokens: nil),
        Row(profile: .vllm, form: .jsonSchema, cachedTokens: nil),
        Row(profile: .vllmSchemaRejected, form: .jsonObject, cachedTokens: nil),
        Row(profile: .ollama, form: .jsonSchema, cachedTokens: nil),
        Row(profile: .openAI, form: .jsonSchema, cachedTokens: 32),
        Row(profile: .openAILegacyModel, form: .jsonObject, cachedTokens: 32),
        Row(profile: .liteLLM, form: .jsonSchema, cachedTokens: nil),
    ]

    @Test(arguments: matrix)
    func autoSettlesOnTheRichestAcceptedFormWithoutRetriesAndSaysSoOnce(_ row: Row) async throws {
        let (first, second, bodies, notices, models) = try await withClient(row.profile) { client, log, notices in
            let first = try await client.complete(Self.request)
            let second = try await client.complete(Self.request)
            return (first, second, log.all, notices.all, try await client.listModels())
        }
        #expect(models == [row.profile.modelId])
        #expect(first.structuredOutput == row.form && second.structuredOutput == row.form)
        #expect(first.model == row.profile.modelId)
        // A rejected form is a negotiation, not a retry: one attempt in the form used, no request repeated.
        #expect(first.attempts == 1 && second.attempts == 1)
        let rejected = row.form == .jsonSchema ? 0 : 1
        #expect(bodies.count == 2 + rejected)
        // The rejection is remembered: the second call goes straight to the accepted form.
        #expect(FakeServerProfile.responseFormatType(bodies.last!) == row.form.rawValue)
        #expect(notices.count == rejected)
        if rejected == 1 {
            #expect(notices[0].contains("json_schema") && notices[0].contains("using json_object"))
        }
        // The rubric's schema goes with json_object too (llama-server and llama-cpp-python constrain to it).
        if row.form == .jsonObject {
            let json = try #require(try JSONSerialization.jsonObject(with: Data(bodies.last!.utf8)) as? [String: Any])
            let format = try #require(json["response_format"] as? [String: Any])
            #expect(format["schema"] != nil)
        }
        // Usage fields the server does not report are unknown (nil), never 0.
        #expect(first.usage.cachedTokens == row.cachedTokens)
        #expect(first.usage.promptTokens != nil)
        // The answer parses against the rubric.
        #expect(AnnotationParser.parse(first.text, rubric: .default).status == .ok)
    }

    @Test func aForcedFormThatTheServerRejectsFailsOnceAndIsNeverRetried() async throws {
        let forced = Self.request(.jsonSchema)
        let (error, bodies, notices) = try await withClient(.llamaCppPython) { client, log, notices in
            let error = await #expect(throws: LLMError.self) { try await client.complete(forced) }
            return (error, log.all, notices.all)
        }
        let e = try #require(error)
        #expect(e.kind == .badRequest && e.isDeterministic && !e.isRetryable)
        #expect(e.rejectsStructuredOutput && e.structuredOutput == .jsonSchema)
        #expect(e.attempts == 1)
        #expect(e.message.contains("Input should be 'text' or 'json_object'"))
        #expect(bodies.count == 1)
        #expect(notices.isEmpty)
    }

    @Test func forcedJSONObjectAndOffSendWhatTheySay() async throws {
        let object = Self.request(.jsonObject)
        let off = Self.request(.off)
        let (a, b, bodies) = try await withClient(.llamaCppPython) { client, log, _ in
            (try await client.complete(object), try await client.complete(off), log.all)
        }
        #expect(a.structuredOutput == .jsonObject && b.structuredOutput == .off)
        #expect(FakeServerProfile.responseFormatType(bodies[0]) == "json_object")
        #expect(!bodies[1].contains("response_format"))
    }

    @Test func concurrentRejectionsGiveOneNotice() async throws {
        let (forms, notices) = try await withClient(.llamaCppPython) { client, _, notices in
            let forms = try await withThrowingTaskGroup(of: StructuredOutputForm?.self) { group in
                for _ in 0..<6 { group.addTask { try await client.complete(Self.request).structuredOutput } }
                return try await group.reduce(into: [StructuredOutputForm?]()) { $0.append($1) }
            }
            return (forms, notices.all)
        }
        #expect(forms.allSatisfy { $0 == .jsonObject })
        #expect(notices.count == 1)
    }

    @Test func aServerRejectingEveryFormGetsFreeText() async throws {
        var profile = FakeServerProfile.llamaCppPython
        profile.acceptedFormats = ["text"]
        let (response, bodies, notices) = try await withClient(profile, script: { _ in .chat("Toxicity: 2, argument quality: 4") }) {
            client, log, notices in (try await client.complete(Self.request), log.all, notices.all)
        }
        #expect(response.structuredOutput == .off)
        #expect(bodies.count == 3)
        #expect(!bodies[2].contains("response_format"))
        #expect(notices.count == 2)
        #expect(notices.last?.contains("without response_format") == true)
    }

    @Test func requestsWithoutASchemaAreUntouched() async throws {
        let plain = ChatRequest(model: "m", messages: [.init(role: "user", content: "hi")])
        let (response, bodies) = try await withClient(.llamaCppPython, script: { _ in .chat("hello") }) { client, log, _ in
            (try await client.complete(plain), log.all)
        }
        #expect(response.structuredOutput == nil)
        #expect(!bodies[0].contains("response_format"))
    }

    /// Errors are classified by what their body says, not only by the status code.
    @Test func errorBodiesDecideTheKind() async throws {
        struct Case: Sendable {
            var status: Int
            var body: String
            var kind: CallErrorKind
            var rejectsFormat: Bool
        }
        let cases: [Case] = [
            // llama-cpp-python: a pydantic validation error answered with 500 is the request's fault.
            Case(status: 500, body: #"{"error":{"message":"1 validation error for CreateChatCompletionRequest\nmax_tokens\n  Input should be a valid integer","type":"internal_server_error"}}"#, kind: .badRequest, rejectsFormat: false),
            // FastAPI's own 422 body naming response_format.
            Case(status: 422, body: #"{"detail":[{"type":"literal_error","loc":["body","response_format","type"],"msg":"Input should be 'text' or 'json_object'"}]}"#, kind: .badRequest, rejectsFormat: true),
            // vLLM's top-level error object.
            Case(status: 400, body: #"{"object":"error","message":"The provided JSON schema contains features not supported by xgrammar.","type":"BadRequestError","param":null,"code":400}"#, kind: .badRequest, rejectsFormat: true),
            // OpenAI's param field.
            Case(status: 400, body: #"{"error":{"message":"Invalid parameter.","type":"invalid_request_error","param":"response_format","code":null}}"#, kind: .badRequest, rejectsFormat: true),
            // Context length at 500: not transient.
            Case(status: 500, body: #"{"error":{"message":"Requested tokens (3000) exceed context window of 2048","type":"internal_server_error"}}"#, kind: .badRequest, rejectsFormat: false),
            // A plain server failure stays transient.
            Case(status: 500, body: #"{"error":{"message":"CUDA out of memory","type":"internal_server_error"}}"#, kind: .server, rejectsFormat: false),
            Case(status: 503, body: "Service Unavailable", kind: .server, rejectsFormat: false),
        ]
        for c in cases {
            let forced = Self.request(.jsonSchema)
            let (error, count) = try await FakeOpenAIServer.with(script: { _ in .raw(status: c.status, body: c.body) }) { url, log in
                try await HTTPClient.withHTTPClient { http in
                    let client = OpenAIClient(
                        baseURL: url, apiKey: nil, timeout: 5, retry: RetryPolicy(maxAttempts: 3, baseDelay: 0.01, maxDelay: 0.02),
                        http: http, structuredOutputMemory: StructuredOutputMemory { _ in })
                    let error = await #expect(throws: LLMError.self) { try await client.complete(forced) }
                    return (error, log.all.count)
                }
            }
            let e = try #require(error)
            #expect(e.kind == c.kind, "\(c.status) \(c.body)")
            #expect(e.rejectsStructuredOutput == c.rejectsFormat, "\(c.body)")
            #expect(count == (c.kind.isRetryable ? 3 : 1), "\(c.body)")
        }
    }
}

@Suite("sdf engine check: probing an endpoint")
struct EndpointProbeTests {
    func probe(_ profile: FakeServerProfile) async throws -> EndpointCapabilities {
        try await FakeOpenAIServer.with(profile: profile, script: { _ in .scripted }) { url, _ in
            try await EndpointProbe.probe(baseURL: url, apiKey: nil, timeout: 5, model: nil)
        }
    }

    @Test func llamaCppPythonRejectsJSONSchemaAndReportsNoCachedTokens() async throws {
        let c = try await probe(.llamaCppPython)
        #expect(c.models == [FakeServerProfile.llamaCppPython.modelId])
        #expect(c.reportedModelId == FakeServerProfile.llamaCppPython.modelId)
        guard case .rejected(let message) = c.structuredOutput[.jsonSchema]?.outcome else {
            Issue.record("json_schema should be rejected: \(c.lines)")
            return
        }
        #expect(message.contains("Input should be 'text' or 'json_object'"))
        #expect(c.structuredOutput[.jsonObject]?.outcome == .accepted && c.structuredOutput[.jsonObject]?.answerIsJSON == true)
        #expect(c.autoForm == .jsonObject)
        #expect(c.stop.outcome == .accepted && c.seed.outcome == .accepted && c.seed.reproducible == true)
        #expect(c.usage.promptTokens && c.usage.completionTokens && !c.usage.cachedTokens)
        #expect(c.slots == nil)
        #expect(c.lines.contains("structuredOutput auto: uses json_object"))
        #expect(c.lines.contains { $0.hasPrefix("usage:") && $0.contains("cached tokens not reported") })
    }

    @Test func llamaServerSupportsBothFormsAndHasSlots() async throws {
        let c = try await probe(.llamaServer)
        #expect(c.structuredOutput[.jsonSchema]?.outcome == .accepted && c.structuredOutput[.jsonObject]?.outcome == .accepted)
        #expect(c.autoForm == .jsonSchema)
        #expect(c.usage.cachedTokens)
        #expect(c.slots == 4)
    }

    @Test func anUnreachableEndpointThrows() async throws {
        await #expect(throws: LLMError.self) {
            _ = try await EndpointProbe.probe(baseURL: "http://127.0.0.1:9/v1", apiKey: nil, timeout: 2, model: nil)
        }
    }
}
