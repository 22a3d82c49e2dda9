import Foundation
import SDFCore
import SDFEngine
import SDFLLM
import SDFStore
import SDFTesting

/// A small experiment written in code: 6 personas, 2 seed comments, strategies none + guidelines.
func smallExperiment(
    strategies: [String] = ["none", "guidelines"], replicates: Int = 2, users: Int = 3, turns: Int = 6,
    historyLength: Int? = 3, policy: TurnTakingPolicy = .respond(p: 0.4), trollShare: Double? = 0.34, seed: UInt64 = 7
) throws -> Experiment {
    let personas = (0..<6).map { i in
        Persona(username: "user\(i)", age: 20 + i * 7, occupation: "job \(i)", personality: ["trait \(i)"])
    }
    let yaml = """
        version: 1
        name: small
        seed: \(seed)
        replicates: \(replicates)
        personas: [\(personas.map { "{username: \($0.username), age: \($0.age!), occupation: \"\($0.occupation!)\", personality: [\"\($0.personality[0])\"]}" }.joined(separator: ", "))]
        seedComments: ["Cities should ban cars from the centre.", "Homework should be abolished."]
        discussion:
          users: \(users)
          turns: \(turns)
          historyLength: \(historyLength.map(String.init) ?? "all")
          turnTaking: \(policyYAML(policy))
        \(trollShare.map { "trolls: {share: \($0)}" } ?? "")
        strategies: [\(strategies.joined(separator: ", "))]
        models: [{name: scripted, endpoint: "http://127.0.0.1:9/v1", maxTokens: 50}]
        """
    return try ExperimentLoader.load(yaml: yaml, file: "small.yaml", baseDirectory: "/tmp")
}

func policyYAML(_ policy: TurnTakingPolicy) -> String {
    switch policy {
    case .roundRobin(let r): return "{policy: roundRobin, randomStart: \(r)}"
    case .random: return "{policy: random}"
    case .respond(let p): return "{policy: respond, p: \(p)}"
    }
}

/// Binds the experiment's only model to `client`.
func bindings(_ experiment: Experiment, _ client: any ChatModel) -> [String: ModelBinding] {
    let settings = experiment.spec.models[0]
    return [settings.name: ModelBinding(name: settings.name, client: client, requestModel: "scripted-model", settings: settings)]
}

/// Runs `experiment` into `store` with `client`.
@discardableResult
func run(_ experiment: Experiment, store: Store, client: any ChatModel, concurrency: Int = 4) async throws -> RunReport {
    let runner = ExperimentRunner(
        experiment: experiment, store: store, models: bindings(experiment, client), concurrency: concurrency, specText: "spec")
    return try await runner.run()
}

/// The store's content without run-dependent fields (timestamps, latencies), for equality checks.
func content(_ store: Store) async throws -> String {
    var lines: [String] = []
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    for d in try await store.discussions() {
        var copy = d
        copy.startedAt = Date(timeIntervalSince1970: 0)
        copy.finishedAt = nil
        lines.append(String(decoding: try encoder.encode(copy), as: UTF8.self))
        for p in try await store.participants(of: d.id) {
            lines.append(String(decoding: try encoder.encode(p), as: UTF8.self))
        }
        for t in try await store.turns(of: d.id) {
            var copy = t
            copy.startedAt = Date(timeIntervalSince1970: 0)
            copy.finishedAt = Date(timeIntervalSince1970: 0)
            copy.call.latencyMs = nil
            lines.append(String(decoding: try encoder.encode(copy), as: UTF8.self))
        }
    }
    return lines.joined(separator: "\n")
}

/// A model that fails (non-retryably, as after its retries) on the calls whose 0-based index is in `failing`.
final class FailingModel: ChatModel {
    let endpoint = "scripted"
    let inner = ScriptedChatModel()
    let failing: Set<Int>
    let counter = SendableCounter()
    init(failing: Set<Int>) { self.failing = failing }
    func complete(_ request: ChatRequest) async throws -> ChatResponse {
        let n = counter.next()
        if failing.contains(n) { throw LLMError(.server, "HTTP 500 injected", attempts: 4) }
        return try await inner.complete(request)
    }
}

import Synchronization

final class SendableCounter: Sendable {
    private let value = Mutex(0)
    func next() -> Int {
        value.withLock { count in
            let current = count
            count += 1
            return current
        }
    }
}
