import Foundation
import SDFCore
import HTTPTypes
import Hummingbird
import NIOCore
import SDFLLM
import Synchronization

/// What the fake server answers to one request.
public enum FakeReply: Sendable {
    /// HTTP 200 with a chat-completions body carrying `text`.
    case chat(String, finishReason: String = "stop", model: String = "fake-model", cachedTokens: Int = 0)
    /// Any status, headers and raw body.
    case raw(status: Int, body: String, headers: [String: String] = [:])
    /// Any status and body bytes, which need not be UTF-8 (a server sending invalid text).
    case rawBytes(status: Int, bytes: [UInt8])
    /// Waits `seconds` before answering with `then`.
    case delay(Double, then: Reply)
    /// Sends the status line, headers and the first bytes of a chat answer, then drops the connection: a reset
    /// connection / an answer cut off mid-way.
    case cutMidway
    /// The default deterministic answer of ``ScriptedChatModel/defaultScript(_:)`` for the request's messages and
    /// seed: the same request always gets the same text, whichever process sends it.
    case scripted

    /// A reply that cannot itself be delayed (so delays do not nest).
    public enum Reply: Sendable {
        /// See ``FakeReply/chat(_:finishReason:model:cachedTokens:)``.
        case chat(String)
        /// See ``FakeReply/raw(status:body:headers:)``.
        case raw(status: Int, body: String)
    }
}

/// A request as the fake server saw it.
public struct FakeRequest: Sendable {
    /// 0-based arrival index among chat-completions requests.
    public var index: Int
    /// The decoded JSON body.
    public var json: [String: any Sendable]
    /// The raw body text.
    public var body: String
    /// The `Authorization` header, if any.
    public var authorization: String?
}

/// An in-process OpenAI-compatible server on 127.0.0.1 (Hummingbird, port chosen by the kernel), scripted
/// per request, for testing the real HTTP client end to end.
///
/// Serves `POST /v1/chat/completions` (from the script), `GET /v1/models` (`fake-model`), `GET /health`, and,
/// when given a slot count, llama-server's `GET /props` with `total_slots`.
public enum FakeOpenAIServer {
    /// Starts the server, runs `body` with its base URL (`http://127.0.0.1:PORT/v1`) and the requests log, stops it.
    ///
    /// - Parameters:
    ///   - slots: `total_slots` to report at `GET /props` (as llama-server does); `nil` serves no `/props` (404).
    ///   - modelsDelay: seconds `GET /v1/models` waits before answering (a server that stopped answering).
    ///   - profile: a server whose documented shapes to reproduce (``FakeServerProfile``): its model list, `/props`,
    ///     usage fields, and its rejection of `response_format` types it does not accept (before the script is asked);
    ///     `nil`: the generic fake.
    ///   - script: the reply to each chat-completions request.
    ///   - body: runs while the server is up.
    public static func with<T: Sendable>(
        slots: Int? = nil, modelsDelay: Double = 0, profile: FakeServerProfile? = nil,
        script: @escaping @Sendable (FakeRequest) -> FakeReply,
        _ body: @Sendable (String, FakeRequestLog) async throws -> T
    ) async throws -> T {
        let slots = slots ?? profile?.slots
        let log = FakeRequestLog()
        let router = Router()
        router.get("/health") { _, _ in Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: "{\"status\":\"ok\"}"))) }
        if let slots {
            router.get("/props") { _, _ in json(200, #"{"total_slots":\#(slots),"build_info":"fake"}"#) }
        }
        router.get("/v1/models") { _, _ in
            if modelsDelay > 0 { try await Task.sleep(nanoseconds: UInt64(modelsDelay * 1e9)) }
            return json(200, profile?.modelsBody ?? #"{"object":"list","data":[{"id":"fake-model","object":"model"}]}"#)
        }
        router.post("/v1/chat/completions") { request, _ in
            let buffer = try await request.body.collect(upTo: 8 << 20)
            let text = String(buffer: buffer)
            let object = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:]
            let sendable = object.mapValues { "\($0)" as any Sendable }
            let index = log.append(text: text)
            if let profile, let type = FakeServerProfile.responseFormatType(text), !profile.acceptedFormats.contains(type) {
                return json(profile.rejection.status, profile.rejection.body)
            }
            let reply = script(
                FakeRequest(index: index, json: sendable, body: text, authorization: request.headers[.authorization]))
            if let profile {
                switch reply {
                case .scripted: return json(200, profile.chatBody(scriptedAnswer(text)))
                case .chat(let answer, let finishReason, _, _): return json(200, profile.chatBody(answer, finishReason: finishReason))
                default: break
                }
            }
            return try await respond(reply, body: text)
        }
        let port = Mutex<Int?>(nil)
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in port.withLock { $0 = channel.localAddress?.port } })
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask {
                try await app.run()
                return nil
            }
            var waited = 0
            while port.withLock({ $0 }) == nil {
                try await Task.sleep(nanoseconds: 10_000_000)
                waited += 1
                if waited > 1000 { throw LLMError(.engine, "fake server did not start") }
            }
            let url = "http://127.0.0.1:\(port.withLock { $0 }!)/v1"
            do {
                let result = try await body(url, log)
                group.cancelAll()
                return result
            } catch {
                group.cancelAll()
                throw error
            }
        }
    }

    static func json(_ status: Int, _ body: String, headers extra: [String: String] = [:]) -> Response {
        var headers: HTTPFields = [.contentType: "application/json"]
        for (k, v) in extra { if let name = HTTPField.Name(k) { headers[name] = v } }
        return Response(status: .init(code: status), headers: headers, body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    /// The deterministic answer to a request body: for structured-output requests a rubric-shaped JSON object
    /// (`toxicity` and `argument_quality` derived from the prompt), otherwise ``ScriptedChatModel/defaultScript(_:)``.
    public static func scriptedAnswer(_ body: String) -> String {
        let request = decodeRequest(body)
        if body.contains("\"response_format\"") {
            let value = SeedDerivation.derive(1, request.messages.map(\.content).joined(separator: "\u{0}"))
            return #"{"toxicity": \#(value % 5 + 1), "argument_quality": \#((value / 5) % 5 + 1)}"#
        }
        return ScriptedChatModel.defaultScript(request)
    }

    /// The request's messages, seed and model as a ``ChatRequest`` (best effort).
    public static func decodeRequest(_ body: String) -> ChatRequest {
        struct Wire: Decodable {
            var model: String?
            var messages: [ChatMessage]?
            var seed: Int?
        }
        let wire = try? JSONDecoder().decode(Wire.self, from: Data(body.utf8))
        return ChatRequest(model: wire?.model ?? "", messages: wire?.messages ?? [], seed: wire?.seed)
    }

    static func chatBody(_ text: String, finishReason: String, model: String, cachedTokens: Int) -> String {
        let content = String(decoding: try! JSONEncoder().encode(text), as: UTF8.self)
        return """
            {"id":"chatcmpl-1","object":"chat.completion","model":"\(model)","choices":[{"index":0,"message":{"role":"assistant","content":\(content)},"finish_reason":"\(finishReason)"}],"usage":{"prompt_tokens":10,"completion_tokens":\(text.split(separator: " ").count),"total_tokens":12,"prompt_tokens_details":{"cached_tokens":\(cachedTokens)}}}
            """
    }

    struct Cut: Error {}

    static func respond(_ reply: FakeReply, body: String = "") async throws -> Response {
        switch reply {
        case .cutMidway:
            let partial = #"{"id":"chatcmpl-1","object":"chat.completion","choices":[{"index":0,"message":{"role":"assis"#
            return Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: ResponseBody(contentLength: partial.utf8.count * 3) { writer in
                    try await writer.write(ByteBuffer(string: partial))
                    throw Cut()
                })
        case .scripted:
            return json(200, chatBody(scriptedAnswer(body), finishReason: "stop", model: "fake-model", cachedTokens: 0))
        case .chat(let text, let finishReason, let model, let cached):
            return json(200, chatBody(text, finishReason: finishReason, model: model, cachedTokens: cached))
        case .raw(let status, let body, let headers):
            return json(status, body, headers: headers)
        case .rawBytes(let status, let bytes):
            return Response(
                status: .init(code: status), headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
        case .delay(let seconds, let then):
            try await Task.sleep(nanoseconds: UInt64(seconds * 1e9))
            switch then {
            case .chat(let text): return json(200, chatBody(text, finishReason: "stop", model: "fake-model", cachedTokens: 0))
            case .raw(let status, let body): return json(status, body)
            }
        }
    }
}

/// The chat-completions request bodies a ``FakeOpenAIServer`` received, in order.
public final class FakeRequestLog: Sendable {
    let bodies = Mutex<[String]>([])
    init() {}
    func append(text: String) -> Int {
        bodies.withLock {
            $0.append(text)
            return $0.count - 1
        }
    }
    /// The raw JSON bodies received.
    public var all: [String] { bodies.withLock { $0 } }
}
