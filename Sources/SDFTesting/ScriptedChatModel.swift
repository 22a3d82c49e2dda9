import Foundation
import SDFCore
import SDFLLM
import Synchronization

/// A deterministic in-process ``ChatModel`` for tests: the answer is a pure function of the request.
///
/// The default script answers with a short sentence naming the speaker (taken from the prompt's cue) and a
/// number derived from the request's prompt and seed; a moderator abstains (`(silent)`) on roughly a third of
/// its turns. Every request is recorded in ``requests`` for assertions.
public final class ScriptedChatModel: ChatModel {
    /// `scripted`.
    public let endpoint = "scripted"
    let script: @Sendable (ChatRequest) throws -> String
    let log = Mutex<[ChatRequest]>([])

    /// Creates a model answering with `script` (default: ``defaultScript(_:)``).
    public init(script: @escaping @Sendable (ChatRequest) throws -> String = ScriptedChatModel.defaultScript) {
        self.script = script
    }

    /// The requests received so far, in arrival order.
    public var requests: [ChatRequest] { log.withLock { $0 } }

    /// Answers with the script's text; usage counts are word counts.
    public func complete(_ request: ChatRequest) async throws -> ChatResponse {
        log.withLock { $0.append(request) }
        let text = try script(request)
        let promptWords = request.messages.map { $0.content.split(separator: " ").count }.reduce(0, +)
        return ChatResponse(
            text: text, finishReason: "stop", model: "scripted-model",
            usage: TokenUsage(promptTokens: promptWords, completionTokens: text.split(separator: " ").count),
            latencyMs: 0)
    }

    /// The speaker named in the cue "Write your next comment as NAME." of the last user message.
    public static func speaker(of request: ChatRequest) -> String {
        let user = request.messages.last?.content ?? ""
        guard let range = user.range(of: "Write your next comment as ", options: .backwards) else { return "someone" }
        let rest = user[range.upperBound...]
        return String(rest.prefix { $0 != "." && $0 != "\n" })
    }

    /// The default script (see the type's summary).
    @Sendable public static func defaultScript(_ request: ChatRequest) -> String {
        let speaker = speaker(of: request)
        let all = request.messages.map(\.content).joined(separator: "\u{0}") + "|\(request.seed ?? 0)"
        let value = SeedDerivation.derive(0, all)
        let isModerator = request.messages.first?.content.contains("You moderate an online discussion forum") ?? false
        if isModerator && value % 3 == 0 { return "(silent)" }
        return "\(speaker) thinks point \(value % 1000) matters."
    }
}
