import SDFCore
import AsyncHTTPClient
import Foundation
import NIOCore
import SDFLLM
import SDFTesting
import Testing

@Suite("OpenAI-compatible client against the in-process fake server")
struct OpenAIClientTests {
    func withClient<T: Sendable>(
        retry: RetryPolicy = .init(maxAttempts: 3, baseDelay: 0.01, maxDelay: 0.05), timeout: Double = 5,
        script: @escaping @Sendable (FakeRequest) -> FakeReply,
        _ body: @Sendable (OpenAIClient, FakeRequestLog) async throws -> T
    ) async throws -> T {
        try await FakeOpenAIServer.with(script: script) { url, log in
            try await HTTPClient.withHTTPClient { http in
                let client = OpenAIClient(baseURL: url, apiKey: "sk-test-secret", timeout: timeout, retry: retry, http: http)
                return try await body(client, log)
            }
        }
    }

    let request = ChatRequest(
        model: "fake-model",
        messages: [.init(role: "system", content: "You are Ann."), .init(role: "user", content: "Say \"hi\".")],
        temperature: 0.7, topP: 0.9, maxTokens: 42, seed: 7, stop: ["\nBob:", "\nOP:"])

    @Test func sendsTheRequestFieldsAndDecodesTheAnswer() async throws {
        let (response, bodies) = try await withClient(script: { _ in .chat("Hello there", cachedTokens: 5) }) { client, log in
            (try await client.complete(request), log.all)
        }
        #expect(response.text == "Hello there")
        #expect(response.finishReason == "stop")
        #expect(response.model == "fake-model")
        #expect(response.usage.cachedTokens == 5)
        #expect(response.usage.completionTokens == 2)
        #expect(response.attempts == 1)
        #expect(bodies.count == 1)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(bodies[0].utf8)) as? [String: Any])
        #expect(json["model"] as? String == "fake-model")
        #expect(json["max_tokens"] as? Int == 42)
        #expect(json["seed"] as? Int == 7)
        #expect(json["temperature"] as? Double == 0.7)
        #expect(json["top_p"] as? Double == 0.9)
        #expect(json["stop"] as? [String] == ["\nBob:", "\nOP:"])
        #expect(json["stream"] as? Bool == false)
        let messages = try #require(json["messages"] as? [[String: String]])
        #expect(messages == [["role": "system", "content": "You are Ann."], ["role": "user", "content": "Say \"hi\"."]])
    }

    @Test func sendsTheApiKeyAsBearerToken() async throws {
        let seen = try await withClient(script: { request in .chat(request.authorization ?? "none") }) { client, _ in
            try await client.complete(request).text
        }
        #expect(seen == "Bearer sk-test-secret")
    }

    @Test func sendsAJsonSchemaAsStructuredOutput() async throws {
        var prepared = request
        prepared.jsonSchema = #"{"type":"object","properties":{"toxicity":{"type":"integer"}},"required":["toxicity"]}"#
        let schemaRequest = prepared
        let body = try await withClient(script: { _ in .chat("{\"toxicity\": 2}") }) { client, log in
            _ = try await client.complete(schemaRequest)
            return log.all[0]
        }
        let json = try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])
        let format = try #require(json["response_format"] as? [String: Any])
        #expect(format["type"] as? String == "json_schema")
        let schema = try #require((format["json_schema"] as? [String: Any])?["schema"] as? [String: Any])
        #expect(schema["required"] as? [String] == ["toxicity"])
    }

    @Test func listsModels() async throws {
        let ids = try await withClient(script: { _ in .chat("x") }) { client, _ in try await client.listModels() }
        #expect(ids == ["fake-model"])
    }

    @Test func retriesServerErrorsThenSucceeds() async throws {
        let response = try await withClient(script: { r in
            r.index < 2 ? .raw(status: 503, body: #"{"error":{"message":"loading"}}"#) : .chat("finally")
        }) { client, _ in try await client.complete(request) }
        #expect(response.text == "finally")
        #expect(response.attempts == 3)
    }

    @Test func honoursRetryAfterOn429() async throws {
        let start = ContinuousClock.now
        let response = try await withClient(
            retry: .init(maxAttempts: 2, baseDelay: 0, maxDelay: 5),
            script: { r in r.index == 0 ? .raw(status: 429, body: "{}", headers: ["Retry-After": "1"]) : .chat("ok") }
        ) { client, _ in try await client.complete(request) }
        #expect(response.text == "ok")
        #expect(ContinuousClock.now - start >= .milliseconds(900))
    }

    @Test func givesUpAfterTheRetryBudgetWithTheKindAndAttempts() async throws {
        let error = try await withClient(script: { _ in .raw(status: 500, body: "boom") }) { client, log in
            do {
                _ = try await client.complete(request)
                return (LLMError?.none, log.all.count)
            } catch let error as LLMError {
                return (error, log.all.count)
            }
        }
        #expect(error.0?.kind == .server)
        #expect(error.0?.attempts == 3)
        #expect(error.1 == 3)
        #expect(error.0?.message.contains("HTTP 500") == true)
    }

    @Test func doesNotRetryBadRequests() async throws {
        let result = try await withClient(script: { _ in .raw(status: 400, body: #"{"error":{"message":"bad model"}}"#) }) {
            client, log in
            do {
                _ = try await client.complete(request)
                return (LLMError?.none, log.all.count)
            } catch let error as LLMError {
                return (error, log.all.count)
            }
        }
        #expect(result.0?.kind == .badRequest)
        #expect(result.0?.message.contains("bad model") == true)
        #expect(result.1 == 1)
    }

    @Test func malformedJsonAndEmptyChoicesAreMalformedResponses() async throws {
        for body in ["not json at all", #"{"choices":[]}"#] {
            let kind = try await withClient(retry: .none, script: { _ in .raw(status: 200, body: body) }) { client, _ in
                do {
                    _ = try await client.complete(request)
                    return LLMError.Kind?.none
                } catch let error as LLMError {
                    return error.kind
                }
            }
            #expect(kind == .malformedResponse, "body: \(body)")
        }
    }

    @Test func aSlowAnswerHitsTheWholeCallDeadline() async throws {
        // The answer comes after 8 s; the 0.5 s deadline ends the call long before (the server's own shutdown,
        // which waits for the pending answer, is not timed). The bound leaves a loaded machine 5.5 s of slack.
        let (kind, elapsed) = try await withClient(retry: .none, timeout: 0.5, script: { _ in .delay(8, then: .chat("late")) }) {
            client, _ in
            let start = ContinuousClock.now
            do {
                _ = try await client.complete(request)
                return (LLMError.Kind?.none, ContinuousClock.now - start)
            } catch let error as LLMError {
                return (error.kind, ContinuousClock.now - start)
            }
        }
        #expect(kind == .timeout)
        #expect(elapsed < .seconds(6))
    }

    @Test func anUnreachableServerIsAConnectionError() async throws {
        let port = try FreePort.pick()
        var configuration = HTTPClient.Configuration()
        configuration.timeout = .init(connect: .seconds(1))
        let kind = try await HTTPClient.withHTTPClient(configuration: configuration) { http in
            let client = OpenAIClient(baseURL: "http://127.0.0.1:\(port)/v1", apiKey: nil, timeout: 5, retry: .none, http: http)
            do {
                _ = try await client.listModels()
                return LLMError.Kind?.none
            } catch let error as LLMError {
                return error.kind
            }
        }
        #expect(kind == .connection)
    }
}

@Suite struct RetryPolicyTests {
    @Test func backoffGrowsExponentiallyAndIsCapped() {
        let policy = RetryPolicy(maxAttempts: 10, baseDelay: 0.5, maxDelay: 4)
        let error = LLMError(.server, "x")
        #expect(policy.delay(beforeAttempt: 2, error: error, unit: 0.999_999) < 0.5)
        #expect(policy.delay(beforeAttempt: 3, error: error, unit: 0.999_999) > 0.99)
        #expect(policy.delay(beforeAttempt: 4, error: error, unit: 0.999_999) > 1.99)
        #expect(policy.delay(beforeAttempt: 9, error: error, unit: 0.999_999) <= 4)
        #expect(policy.delay(beforeAttempt: 5, error: error, unit: 0) == 0)
        #expect(policy.delay(beforeAttempt: 2, error: LLMError(.rateLimited, "x", retryAfter: 3), unit: 0.1) == 3)
        #expect(policy.delay(beforeAttempt: 2, error: LLMError(.rateLimited, "x", retryAfter: 60), unit: 0.1) == 4)
    }
}
