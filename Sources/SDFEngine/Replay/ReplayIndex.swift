import Foundation
import SDFCore
import SDFStore

/// The calls recorded in a store, by request key (``CallKey``): what ``ReplayChatModel`` answers from.
///
/// Each turn, annotation and `decideFirst` decision row is one call and its final outcome: a call that failed and was retried by a resume
/// is there once, with the retry's outcome (the failed attempt is only in `failure_log`, which replay does not
/// read); a call that failed for good is there as a failure, and replays as that failure. Rows written before
/// migration `v9-call-key` have no stored key; their key is computed from the stored prompt, sampling parameters,
/// model name sent and (annotations) `response_format` form and rubric schema. Rows whose key cannot be computed
/// (imported records: no request) are counted by reason in ``unkeyed``.
public struct ReplayIndex: Sendable {
    /// One recorded call.
    public struct Recorded: Sendable, Hashable {
        /// Where it was made.
        public var site: CallSite
        /// Its provenance as stored (model id, usage, attempts, failure).
        public var call: CallProvenance
        /// The answer's raw text; `nil` for a failed call.
        public var rawText: String?
        /// The `response_format` form the call used (annotations); `nil` for turns.
        public var structuredOutput: StructuredOutputForm?
        /// Whether the call failed (after its retries).
        public var failed: Bool
    }

    /// The replayed store's path.
    public var path: String
    /// The replayed store's identity (``SDFStore/Store/identity()``).
    public var storeId: String
    /// The model name sent, by experiment model name: from the experiment file's `model` where given, else from
    /// the replayed store's run manifests (the model its server listed first).
    public var requestModels: [String: String]
    /// The replayed store's model fingerprints (latest run first wins), by model name.
    public var fingerprints: [String: String]
    /// Calls by key.
    var calls: [String: [Recorded]]
    /// Calls whose key was stored.
    public var storedKeys: Int
    /// Calls whose key was computed (rows from before `v9-call-key`).
    public var computedKeys: Int
    /// Calls without a key, by the reason it cannot be computed.
    public var unkeyed: [String: Int]

    /// Distinct request keys.
    public var keyCount: Int { calls.count }

    /// The recorded call answering the request with key `key` made at `site`: the call made at that site when
    /// several identical requests were recorded (a non-deterministic server may have answered them differently),
    /// else the first recorded; `nil` when none has the key.
    public func recorded(key: String, at site: CallSite?) -> Recorded? {
        guard let found = calls[key] else { return nil }
        if let site, let same = found.first(where: { $0.site.sameCall(as: site) }) { return same }
        return found.first
    }

    /// Reads every call of the store at `path` (a private in-memory copy; the file is not changed, even when it is
    /// from an older SDF version).
    ///
    /// - Parameters:
    ///   - path: the store to replay.
    ///   - requestModels: model names sent, by experiment model name, that override what the store's manifests say
    ///     (the experiment file's `model` fields).
    /// - Throws: ``StoreError`` when the store cannot be read.
    public static func load(path: String, requestModels overrides: [String: String] = [:]) async throws -> ReplayIndex {
        let store = try Store.openSnapshot(path: path)
        var index = ReplayIndex(
            path: path, storeId: try await store.identity(), requestModels: [:], fingerprints: [:], calls: [:], storedKeys: 0,
            computedKeys: 0, unkeyed: [:])
        for run in try await store.runs().sorted(by: { $0.startedAt < $1.startedAt }) {
            for (name, fingerprint) in run.models {
                index.fingerprints[name] = fingerprint
                if let model = requestModel(fromFingerprint: fingerprint) { index.requestModels[name] = model }
            }
        }
        index.requestModels.merge(overrides) { _, new in new }
        var prompts: [String: PromptRecord?] = [:]
        func prompt(_ hash: String) async throws -> PromptRecord? {
            if let known = prompts[hash] { return known }
            let found = try await store.prompt(hash: hash)
            prompts[hash] = found
            return found
        }
        func add(_ recorded: Recorded, form: StructuredOutputForm?, schema: String?) async throws {
            let call = recorded.call
            let key: String
            if let stored = call.callKey {
                key = stored
                index.storedKeys += 1
            } else if call.endpoint == "imported" || call.sampling == .unknown {
                index.unkeyed["imported records carry no request", default: 0] += 1
                return
            } else if let model = index.requestModels[call.modelName] {
                guard let text = try await prompt(call.promptHash) else {
                    index.unkeyed["the prompt is not stored", default: 0] += 1
                    return
                }
                key = CallKey.key(model: model, prompt: text, sampling: call.sampling, form: form, schema: schema)
                index.computedKeys += 1
            } else {
                index.unkeyed["the model name sent for '\(call.modelName)' is not recorded (set 'model' in the experiment file)", default: 0] += 1
                return
            }
            index.calls[key, default: []].append(recorded)
        }
        for turn in try await store.allTurns() {
            let recorded = Recorded(
                site: .turn(discussionId: turn.discussionId, turnIndex: turn.turnIndex, speaker: turn.speaker), call: turn.call,
                rawText: turn.rawText, structuredOutput: nil, failed: turn.outcome == .failed)
            try await add(recorded, form: nil, schema: nil)
        }
        let annotators = try await store.annotatorRecords()
        for annotation in try await store.annotations() {
            let recorded = Recorded(
                site: .annotation(discussionId: annotation.discussionId, commentId: annotation.commentId, annotator: annotation.annotator),
                call: annotation.call, rawText: annotation.rawText, structuredOutput: annotation.structuredOutput,
                failed: annotation.status == .failed)
            try await add(recorded, form: annotation.structuredOutput, schema: annotators[annotation.annotator]?.rubric.jsonSchema)
        }
        // `decideFirst` decisions are calls of their own; an `onTrigger` decision's call is its inline annotation's.
        for decision in try await store.moderatorDecisions() where decision.kind == .decision {
            let recorded = Recorded(
                site: .decision(discussionId: decision.discussionId, slot: decision.slot), call: decision.call, rawText: decision.rawText,
                structuredOutput: decision.structuredOutput, failed: decision.status == .failed)
            try await add(recorded, form: decision.structuredOutput, schema: PromptTemplates.moderatorDecisionSchema)
        }
        return index
    }

    /// The model name sent, read from a run manifest's model fingerprint (as ``ModelSession`` writes it): remote
    /// `ENDPOINTS; model NAME; served: …`, local `local llama-server; model id NAME; gguf …` (`?`: the engine
    /// listed no model, and `local` was sent). `nil` for any other text.
    public static func requestModel(fromFingerprint text: String) -> String? {
        if text.hasPrefix("local llama-server; model id "), let end = text.range(of: "; gguf ") {
            let id = String(text[text.index(text.startIndex, offsetBy: "local llama-server; model id ".count)..<end.lowerBound])
            return id == "?" ? "local" : id
        }
        if let start = text.range(of: "; model "), let end = text.range(of: "; served: ", range: start.upperBound..<text.endIndex) {
            return String(text[start.upperBound..<end.lowerBound])
        }
        return nil
    }

    /// One line on the calls that have no key, for a miss message; `nil` when every call has one.
    public var unkeyedSummary: String? {
        guard !unkeyed.isEmpty else { return nil }
        let total = unkeyed.values.reduce(0, +)
        return "\(total) recorded call(s) of \(path) cannot be replayed: "
            + unkeyed.sorted { $0.key < $1.key }.map { "\($0.value): \($0.key)" }.joined(separator: "; ")
    }
}
