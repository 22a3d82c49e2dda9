import Foundation
import Logging
import SDFCore
import SDFLLM
import SDFStore

/// Where a replayed run's calls come from: `sdf run EXPERIMENT.yaml --replay-from OLD.sqlite [--replay-miss error|live]`.
public struct ReplaySource: Sendable, Hashable {
    /// What a request with no recorded call does.
    public enum MissPolicy: String, Sendable, Hashable, CaseIterable {
        /// Stop the run with a ``ReplayError`` naming the call (the default). No server is started or contacted.
        case error
        /// Send it to the experiment's configured server (the servers are brought up as for a normal run).
        case live
    }

    /// The store whose recorded calls answer the run (read, never changed).
    public var store: String
    /// What a request with no recorded call does.
    public var miss: MissPolicy

    /// Creates a source.
    public init(store: String, miss: MissPolicy = .error) {
        self.store = store
        self.miss = miss
    }
}

/// What a replayed run took from where: calls answered from the replayed store and calls sent live.
public struct ReplaySummary: Sendable, Hashable {
    /// The replayed store's path.
    public var source: String
    /// The replayed store's identity.
    public var storeId: String
    /// Calls answered from records (recorded failures included).
    public var replayed: Int
    /// Calls sent to the live server (`--replay-miss live`).
    public var live: Int

    /// Creates a summary.
    public init(source: String, storeId: String, replayed: Int, live: Int) {
        self.source = source
        self.storeId = storeId
        self.replayed = replayed
        self.live = live
    }
}

extension ExperimentRun {
    /// Loads the calls of the store a run replays, after checking it is not the store written.
    static func replayIndex(_ replay: ReplaySource, experiment: Experiment, storePath: String) async throws -> ReplayIndex {
        func canonical(_ path: String) -> String { URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath().path }
        if canonical(replay.store) == canonical(storePath) {
            throw ReplayError(
                .sameStore, "--replay-from \(replay.store) is the store this run writes; replay into another --store")
        }
        var overrides: [String: String] = [:]
        for model in ModelSession.allModels(experiment) { if let name = model.model, overrides[model.name] == nil { overrides[model.name] = name } }
        return try await ReplayIndex.load(path: replay.store, requestModels: overrides)
    }

    /// Runs `body` with the run's model bindings: the servers' (``ModelSession/withBindings(_:experimentFile:paths:environment:logger:notice:_:)``)
    /// for a normal run; for a replay, ``ReplayChatModel``s over `replay`'s index — with no server at all under
    /// ``ReplaySource/MissPolicy/error``, over the servers' clients under ``ReplaySource/MissPolicy/live``.
    static func withModels<T: Sendable>(
        _ experiment: Experiment, experimentFile: String, replay: (ReplayIndex, ReplaySource.MissPolicy)?, tally: ReplayTally,
        logger: Logger, notice: @escaping @Sendable (String) -> Void,
        _ body: @escaping @Sendable ([String: ModelBinding], [String: String]) async throws -> T
    ) async throws -> T {
        guard let replay else {
            return try await ModelSession.withBindings(experiment, experimentFile: experimentFile, logger: logger, notice: notice, body)
        }
        let (index, miss) = replay
        if miss == .error {
            let (bindings, fingerprints) = try replayBindings(experiment, index: index, tally: tally, live: nil, liveFingerprints: [:])
            return try await body(bindings, fingerprints)
        }
        return try await ModelSession.withBindings(experiment, experimentFile: experimentFile, logger: logger, notice: notice) {
            live, liveFingerprints in
            let (bindings, fingerprints) = try replayBindings(
                experiment, index: index, tally: tally, live: live, liveFingerprints: liveFingerprints)
            return try await body(bindings, fingerprints)
        }
    }

    /// Bindings answering from `index`: per model, the model name sent in the replayed run (so the request keys
    /// match), else the live binding's; misses go to the live binding's client when there is one.
    ///
    /// - Throws: ``ReplayError`` (``ReplayError/Kind/requestModelUnknown``) when the model name to send is known
    ///   neither from the experiment file, nor from the replayed store's manifests, nor from a live server.
    static func replayBindings(
        _ experiment: Experiment, index: ReplayIndex, tally: ReplayTally, live: [String: ModelBinding]?,
        liveFingerprints: [String: String]
    ) throws -> ([String: ModelBinding], [String: String]) {
        var bindings: [String: ModelBinding] = [:]
        var fingerprints: [String: String] = [:]
        for (i, model) in ModelSession.allModels(experiment).enumerated() where bindings[model.name] == nil {
            let liveBinding = live?[model.name]
            guard let requestModel = index.requestModels[model.name] ?? liveBinding?.requestModel else {
                let field = i < experiment.spec.models.count ? "models[\(i)].model" : "annotation.model.model"
                throw ReplayError(
                    .requestModelUnknown,
                    "replay from \(index.path): the model name sent for '\(model.name)' is recorded neither in the "
                        + "experiment file nor in the store's run manifests; set \(field)")
            }
            bindings[model.name] = ModelBinding(
                name: model.name, client: ReplayChatModel(index: index, live: liveBinding?.client, tally: tally),
                requestModel: requestModel, settings: model, gate: liveBinding?.gate)
            let recorded = index.fingerprints[model.name] ?? liveFingerprints[model.name] ?? "no fingerprint recorded"
            fingerprints[model.name] = "replay of \(index.path) (store \(index.storeId)): \(recorded)"
        }
        return (bindings, fingerprints)
    }
}
