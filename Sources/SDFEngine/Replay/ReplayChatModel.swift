import Foundation
import SDFCore
import SDFLLM
import Synchronization

/// How many calls a replayed run answered from records and how many it sent to a live server.
public final class ReplayTally: Sendable {
    private let counts = Mutex<(replayed: Int, live: Int)>((0, 0))

    /// Creates a tally at zero.
    public init() {}

    /// Calls answered from the replayed store (failures replayed included).
    public var replayed: Int { counts.withLock { $0.replayed } }
    /// Calls with no record, sent to the live server (`--replay-miss live`).
    public var live: Int { counts.withLock { $0.live } }

    func countReplayed() { counts.withLock { $0.replayed += 1 } }
    func countLive() { counts.withLock { $0.live += 1 } }
}

/// A ``ChatModel`` that answers every request from the calls recorded in another store (``ReplayIndex``), by
/// request key (``CallKey``); no server is involved.
///
/// The key of a request with a JSON schema depends on the `response_format` form sent: the forms are tried in the
/// order a client sends them (``ChatRequest/possibleForms``), and the first recorded one answers — so a run whose
/// endpoint fell back from `json_schema` to `json_object` replays with the same forms.
///
/// A recorded answer comes back as it was recorded — raw text, finish reason, model id, token usage, attempts and
/// form — with ``endpoint`` `replay:<store id>` and the replay's own latency; the runners then clean and parse it as
/// for a live answer. A recorded failure is thrown again as the ``LLMError`` it was (kind, message, attempts), so the
/// discussion fails the same way (a recorded failure without a kind, from stores older than typed errors, replays as
/// kind `server`). A request with no record goes to ``live`` when there is one, else stops the run with a
/// ``ReplayError`` of kind ``ReplayError/Kind/miss`` naming the call (``CallSite/current``).
public struct ReplayChatModel: ChatModel {
    /// The recorded calls.
    public let index: ReplayIndex
    /// Where requests without a record go (`--replay-miss live`); `nil`: a miss stops the run.
    public let live: (any ChatModel)?
    /// Counts of replayed and live calls, shared by the copies of this model in a run.
    public let tally: ReplayTally

    /// `replay:<store id>`: recorded as the endpoint of every replayed call.
    public var endpoint: String { "replay:\(index.storeId)" }

    /// Creates a model answering from `index`, sending misses to `live` when given.
    public init(index: ReplayIndex, live: (any ChatModel)? = nil, tally: ReplayTally = ReplayTally()) {
        self.index = index
        self.live = live
        self.tally = tally
    }

    /// Answers `request` from its record, or from ``live``.
    ///
    /// - Throws: the recorded failure as ``LLMError``; ``ReplayError`` (kind `miss`) for a request without a record
    ///   when there is no ``live`` model; whatever ``live`` throws.
    public func complete(_ request: ChatRequest) async throws -> ChatResponse {
        let started = ContinuousClock.now
        let site = CallSite.current
        for form in request.possibleForms {
            guard let recorded = index.recorded(key: request.callKey(form: form), at: site) else { continue }
            tally.countReplayed()
            let call = recorded.call
            if recorded.failed {
                let failure = call.error ?? CallFailure(kind: nil, message: "no error recorded")
                var error = LLMError(failure.kind ?? .server, failure.message, attempts: call.attempts)
                error.structuredOutput = recorded.structuredOutput
                throw error
            }
            let elapsed = ContinuousClock.now - started
            return ChatResponse(
                text: recorded.rawText ?? "", finishReason: call.finishReason, model: call.modelId,
                usage: TokenUsage(promptTokens: call.promptTokens, completionTokens: call.completionTokens, cachedTokens: call.cachedTokens),
                latencyMs: Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1000,
                attempts: call.attempts, endpoint: endpoint, structuredOutput: recorded.structuredOutput)
        }
        if let live {
            tally.countLive()
            return try await live.complete(request)
        }
        let key = request.callKey(form: request.possibleForms.first ?? nil)
        var message =
            "replay from \(index.path): no recorded call answers \(site.map(\.description) ?? "a call") (request key \(key.prefix(12))); "
            + "the experiment (prompts, personas, sampling, model name) differs from the run that made it, or that run "
            + "never made this call. Finished work is kept; use --replay-miss live to send missing calls to the configured server."
        if let unkeyed = index.unkeyedSummary { message += " Note: \(unkeyed)." }
        throw ReplayError(.miss, message, site: site)
    }
}
