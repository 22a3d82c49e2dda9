import SDFCore
import AsyncHTTPClient
import Foundation
import SDFLLM
import SDFTesting
import Testing

/// What a server may send back, through the real HTTP client: any Unicode arrives exactly; text that is not
/// Unicode arrives as U+FFFD instead of failing the call; refused keys and quotas are told apart and never retried.
@Suite("Hostile and refusing servers")
struct HostileAnswerTests {
    func withClient<T: Sendable>(
        script: @escaping @Sendable (FakeRequest) -> FakeReply,
        _ body: @Sendable (OpenAIClient, FakeRequestLog) async throws -> T
    ) async throws -> T {
        try await FakeOpenAIServer.with(script: script) { url, log in
            try await HTTPClient.withHTTPClient { http in
                let client = OpenAIClient(
                    baseURL: url, apiKey: "k", timeout: 5, retry: .init(maxAttempts: 4, baseDelay: 0.01, maxDelay: 0.02), http: http)
                return try await body(client, log)
            }
        }
    }

    let request = ChatRequest(model: "fake-model", messages: [.init(role: "user", content: "hi")])

    static func chatJSON(rawContent: String) -> String {
        #"{"model":"fake-model","choices":[{"index":0,"message":{"role":"assistant","content":"\#(rawContent)"},"finish_reason":"stop"}]}"#
    }

    /// ~2 KB of random Unicode scalars (controls, bidi, astral planes), deterministic per seed.
    static func randomText(seed: UInt64) -> String { HostileText.random(seed: seed) }

    @Test(arguments: [
        "\u{0}hello", "hello\u{0} world", "\u{1B}]0;pwned\u{07}\u{1B}[31m", "rtl \u{202E}gnp.exe", "c0 \u{1}\u{2}\u{1F}",
        "a \u{FFFD} b", "😀 𝕏 \u{10FFFF}",
    ])
    func anyUnicodeArrivesExactly(_ text: String) async throws {
        let got = try await withClient(script: { _ in .chat(text) }) { client, _ in try await client.complete(request).text }
        #expect(Array(got.unicodeScalars) == Array(text.unicodeScalars))
    }

    @Test func randomCodePointsArriveExactly() async throws {
        for seed in 1...5 as ClosedRange<UInt64> {
            let text = Self.randomText(seed: seed)
            let got = try await withClient(script: { _ in .chat(text) }) { client, _ in try await client.complete(request).text }
            #expect(Data(got.utf8) == Data(text.utf8), "seed \(seed)")
        }
    }

    @Test func loneSurrogatesBecomeReplacementCharactersNotFailures() async throws {
        let (text, calls) = try await withClient(script: { _ in
            .raw(status: 200, body: Self.chatJSON(rawContent: #"a\ud800b\udc00c\ud83d\ude00d\\ud800"#))
        }) { client, log in (try await client.complete(request).text, log.all.count) }
        // Lone high and low surrogates → U+FFFD; a proper pair stays 😀; an escaped backslash is not an escape.
        #expect(text == "a\u{FFFD}b\u{FFFD}c😀d\\ud800")
        #expect(calls == 1)
    }

    @Test func invalidUtf8AndRawControlCharactersAreRepairedNotRetried() async throws {
        var bytes = Array(#"{"choices":[{"message":{"content":"x"#.utf8)
        bytes += [0xFF, 0xFE, 0x01, 0x00]
        bytes += Array(#"y"},"finish_reason":"stop"}]}"#.utf8)
        let (text, calls) = try await withClient(script: { [bytes] _ in .rawBytes(status: 200, bytes: bytes) }) { client, log in
            (try await client.complete(request).text, log.all.count)
        }
        #expect(Array(text.unicodeScalars) == ["x", "\u{FFFD}", "\u{FFFD}", "\u{1}", "\u{0}", "y"])
        #expect(calls == 1)
    }

    @Test func anAnswerThatIsNotJSONIsStillMalformed() async throws {
        let error = await #expect(throws: LLMError.self) {
            try await withClient(script: { _ in .raw(status: 200, body: "not json \u{1}") }) { client, _ in
                try await client.complete(request)
            }
        }
        #expect(error?.kind == .malformedResponse)
    }

    @Test(arguments: [
        (401, #"{"error":{"message":"Incorrect API key provided","type":"invalid_request_error","code":"invalid_api_key"}}"#, "authentication"),
        (403, #"{"error":{"message":"no access to this model"}}"#, "permission"),
        (402, #"{"error":{"message":"payment required"}}"#, "quota"),
        (429, #"{"error":{"message":"You exceeded your current quota","type":"insufficient_quota","code":"insufficient_quota"}}"#, "quota"),
    ])
    func refusedKeysAndQuotasAreAuthenticationErrorsTriedOnce(_ status: Int, _ body: String, _ word: String) async throws {
        let (error, calls) = try await withClient(script: { _ in .raw(status: status, body: body) }) { client, log in
            do {
                _ = try await client.complete(request)
                return (LLMError?.none, log.all.count)
            } catch let error as LLMError {
                return (error, log.all.count)
            }
        }
        #expect(error?.kind == .authentication)
        #expect(error?.isRetryable == false)
        #expect(error?.isDeterministic == true)
        #expect(error?.message.contains(word) == true, "\(error?.message ?? "")")
        // The server's own message is kept.
        if let serverMessage = (try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: [String: String]])?["error"]?["message"] {
            #expect(error?.message.contains(serverMessage) == true)
        }
        #expect(calls == 1)
    }

    @Test func aPlainRateLimitIsStillRetried() async throws {
        let calls = try await withClient(script: { r in
            r.index == 0 ? .raw(status: 429, body: #"{"error":{"message":"slow down"}}"#) : .chat("ok")
        }) { client, log in
            _ = try await client.complete(request)
            return log.all.count
        }
        #expect(calls == 2)
    }

    @Test func aBadRequestIsDeterministicAndNotRetried() async throws {
        let (error, calls) = try await withClient(script: { _ in
            .raw(status: 400, body: #"{"error":{"message":"the request exceeds the available context size"}}"#)
        }) { client, log in
            do {
                _ = try await client.complete(request)
                return (LLMError?.none, log.all.count)
            } catch let error as LLMError {
                return (error, log.all.count)
            }
        }
        #expect(error?.kind == .badRequest)
        #expect(error?.isDeterministic == true)
        #expect(calls == 1)
    }
}
