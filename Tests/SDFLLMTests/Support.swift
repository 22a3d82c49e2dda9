import AsyncHTTPClient
import Foundation
import SDFLLM
import Synchronization

/// A lock-protected value for tests.
final class SendableBox<T: Sendable>: Sendable {
    private let value: Mutex<T>
    init(_ initial: T) { value = Mutex(initial) }
    func set(_ new: T) { value.withLock { $0 = new } }
    func get() -> T { value.withLock { $0 } }
    func update(_ body: (inout T) -> Void) { value.withLock { body(&$0) } }
}

enum HTTPClientScope {
    /// One chat completion against `baseURL` with a scoped HTTP client.
    static func complete(baseURL: String, prompt: String, retry: RetryPolicy = .init()) async throws -> String {
        try await HTTPClient.withHTTPClient { http in
            let client = OpenAIClient(baseURL: baseURL, apiKey: nil, timeout: 120, retry: retry, http: http)
            let model = try await client.listModels().first ?? "local"
            let response = try await client.complete(
                ChatRequest(model: model, messages: [.init(role: "user", content: prompt)], temperature: 0, maxTokens: 16, seed: 1))
            return response.text
        }
    }
}
