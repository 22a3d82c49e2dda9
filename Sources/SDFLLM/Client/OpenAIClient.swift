import SDFCore
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1

/// A ``ChatModel`` that talks to an OpenAI-compatible server (llama.cpp, vLLM, Ollama, OpenAI) over HTTP.
///
/// Non-streaming `POST {baseURL}/chat/completions`, with a whole-call deadline (AsyncHTTPClient's read
/// timeout is only an idle timeout), and retries per ``RetryPolicy``. The API key is read from the
/// environment by the caller and only ever sent in the `Authorization` header.
public struct OpenAIClient: ChatModel {
    /// Base URL ending in `/v1`, e.g. `http://127.0.0.1:8080/v1`.
    public let baseURL: String
    /// Bearer token, if the server needs one.
    let apiKey: String?
    /// Deadline for one attempt, in seconds.
    public let timeout: Double
    /// Retries for failed attempts.
    public let retry: RetryPolicy
    /// The `response_format` forms this endpoint rejected during the run (shared by copies of this client).
    public let structuredOutputMemory: StructuredOutputMemory
    let http: HTTPClient

    /// The base URL, for provenance.
    public var endpoint: String { baseURL }

    /// Creates a client on an `HTTPClient` whose lifetime the caller scopes (`HTTPClient.withHTTPClient`).
    ///
    /// - Parameters:
    ///   - baseURL: the server's base URL, with or without a trailing `/`.
    ///   - apiKey: a bearer token (from the environment), or `nil`.
    ///   - timeout: whole-attempt deadline in seconds.
    ///   - retry: retry policy.
    ///   - http: the HTTP client to use.
    ///   - structuredOutputMemory: the forms of `response_format` the endpoint rejected so far (default: a new,
    ///     empty one that announces fallbacks on stderr).
    public init(
        baseURL: String, apiKey: String?, timeout: Double = 300, retry: RetryPolicy = .init(), http: HTTPClient,
        structuredOutputMemory: StructuredOutputMemory = StructuredOutputMemory()
    ) {
        self.structuredOutputMemory = structuredOutputMemory
        var base = baseURL
        while base.hasSuffix("/") { base.removeLast() }
        self.baseURL = base
        self.apiKey = apiKey
        self.timeout = timeout
        self.retry = retry
        self.http = http
    }

    /// Sends a chat-completions request, retrying retryable failures. A request with a JSON schema goes in the
    /// richest `response_format` form the endpoint accepts under the request's ``ChatRequest/structuredOutput``
    /// (a rejection because of `response_format` is never retried; under `auto` the next form is sent instead).
    ///
    /// - Throws: ``LLMError`` after the retries (kind, message, attempts).
    public func complete(_ request: ChatRequest) async throws -> ChatResponse {
        try await StructuredOutputNegotiation.run(request, memory: structuredOutputMemory, endpoint: baseURL) { body in
            try await retry.run { try await self.attempt(body: body) }
        }
    }

    /// Lists the model ids the server serves (`GET /v1/models`).
    ///
    /// - Parameter policy: retries for this call (default: the client's).
    /// - Throws: ``LLMError`` (`connection` for an unreachable server).
    public func listModels(retry policy: RetryPolicy? = nil) async throws -> [String] {
        let (buffer, _) = try await (policy ?? retry).run { try await self.send(method: .GET, path: "/models", body: nil, deadline: min(self.timeout, 30)) }.0
        do {
            let list = try JSONDecoder().decode(WireModelList.self, from: buffer)
            return (list.data ?? []).map(\.id)
        } catch {
            throw LLMError(.malformedResponse, "GET \(baseURL)/models did not return a model list")
        }
    }

    /// How many requests the server processes at once: llama-server's `GET /props` `total_slots` (the URL
    /// without its trailing `/v1`). `nil` when the server has no such endpoint (vLLM, OpenAI) or does not answer.
    public func serverSlots() async -> Int? {
        var root = baseURL
        if root.hasSuffix("/v1") { root.removeLast(3) }
        let probe = OpenAIClient(baseURL: root, apiKey: apiKey, timeout: min(timeout, 10), retry: .none, http: http)
        guard let (buffer, _) = try? await probe.send(method: .GET, path: "/props", body: nil, deadline: min(timeout, 10)),
            let props = try? JSONDecoder().decode(WireProps.self, from: buffer), let slots = props.total_slots, slots > 0
        else { return nil }
        return slots
    }

    /// Whether `GET /models` answers with HTTP 200 within `seconds` (a liveness probe; no retries).
    func answersProbe(within seconds: Double) async -> Bool {
        (try? await send(method: .GET, path: "/models", body: nil, deadline: seconds)) != nil
    }

    func attempt(body: Data) async throws -> ChatResponse {
        let start = ContinuousClock.now
        let (buffer, _) = try await send(method: .POST, path: "/chat/completions", body: body, deadline: timeout)
        let elapsed = ContinuousClock.now - start
        let wire: WireChatResponse
        do {
            wire = try JSONDecoder().decode(WireChatResponse.self, from: buffer)
        } catch {
            // Text that is not Unicode (lone surrogate escapes, invalid UTF-8) or unescaped control characters:
            // decode a repaired copy rather than fail a call whose answer the model cannot change (JSONText).
            guard let repaired = JSONText.repaired(Data(buffer: buffer)),
                let decoded = try? JSONDecoder().decode(WireChatResponse.self, from: repaired)
            else {
                throw LLMError(.malformedResponse, "the answer was not chat-completions JSON: \(String(buffer: buffer).prefix(200))")
            }
            wire = decoded
        }
        guard let choice = wire.choices?.first else {
            throw LLMError(.malformedResponse, "the answer had no choices")
        }
        guard let content = choice.message?.content else {
            throw LLMError(.emptyResponse, "the answer's message had no content")
        }
        let usage = TokenUsage(
            promptTokens: wire.usage?.prompt_tokens ?? wire.timings?.prompt_n.map { $0 + (wire.timings?.cache_n ?? 0) },
            completionTokens: wire.usage?.completion_tokens ?? wire.timings?.predicted_n,
            cachedTokens: wire.usage?.prompt_tokens_details?.cached_tokens ?? wire.timings?.cache_n)
        let ms = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        return ChatResponse(
            text: content, finishReason: choice.finish_reason, model: wire.model, usage: usage, latencyMs: ms, endpoint: baseURL)
    }

    /// One HTTP exchange with a deadline covering the whole body; maps failures to ``LLMError``.
    func send(method: HTTPMethod, path: String, body: Data?, deadline: Double) async throws -> (ByteBuffer, HTTPResponseStatus) {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = method
        request.headers.add(name: "Accept", value: "application/json")
        if let apiKey, !apiKey.isEmpty { request.headers.add(name: "Authorization", value: "Bearer \(apiKey)") }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(data: body))
        }
        let url = baseURL + path
        let prepared = request
        return try await withDeadline(seconds: deadline, url: url) {
            let response: HTTPClientResponse
            do {
                response = try await self.http.execute(prepared, timeout: .milliseconds(Int64(deadline * 1000)))
            } catch let error as HTTPClientError where error == .connectTimeout {
                throw LLMError(.connection, "\(method) \(url): cannot connect (\(error))")
            } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout {
                throw LLMError(.timeout, "\(method) \(url): \(error)")
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                throw LLMError(.connection, "\(method) \(url): \(error)")
            }
            let buffer: ByteBuffer
            do {
                buffer = try await response.body.collect(upTo: 16 << 20)
            } catch {
                throw LLMError(.connection, "\(method) \(url): the answer was cut off (\(error))")
            }
            let status = response.status
            if status.code == 200 { return (buffer, status) }
            let wireError = (try? JSONDecoder().decode(WireErrorBody.self, from: buffer))?.detail
            let bodyText = String(buffer: buffer)
            let detail = wireError?.message ?? String(bodyText.prefix(300))
            let message = "\(method) \(url): HTTP \(status.code) \(detail)"
            if let classified = ErrorClassifier.classify(status: Int(status.code), body: bodyText, param: wireError?.param, message: message) {
                throw classified
            }
            let quota = [wireError?.code, wireError?.type, detail].compactMap { $0?.lowercased() }
                .contains { $0.contains("quota") || $0.contains("billing") || $0.contains("credit") }
            switch status.code {
            case 401, 403:
                throw LLMError(.authentication, "authentication or permission refused (check the API key and its access): \(message)")
            case 402:
                throw LLMError(.authentication, "payment or quota refused (check the account's quota and billing): \(message)")
            case 429 where quota:
                throw LLMError(.authentication, "quota used up (check the account's quota and billing): \(message)")
            case 429:
                let retryAfter = response.headers.first(name: "Retry-After").flatMap(Double.init)
                throw LLMError(.rateLimited, message, retryAfter: retryAfter)
            case 500...599: throw LLMError(.server, message)
            case 408: throw LLMError(.timeout, message)
            default: throw LLMError(.badRequest, message)
            }
        }
    }
}

/// Runs `operation`, failing with a ``LLMError/Kind/timeout`` error if it takes longer than `seconds`.
func withDeadline<T: Sendable>(seconds: Double, url: String, _ operation: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await operation() }
        group.addTask {
            try await Task.sleep(nanoseconds: UInt64(seconds * 1e9))
            throw LLMError(.timeout, "\(url): no complete answer within \(seconds) s")
        }
        defer { group.cancelAll() }
        guard let first = try await group.next() else { throw CancellationError() }
        return first
    }
}
