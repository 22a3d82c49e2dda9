import Foundation
import Logging
import SDFCore
import SDFEngine
import SDFLLM
import SDFStore
import SDFTesting
import Testing

/// Answers discussion turns with the default script and annotation jobs with a rubric answer derived from the
/// prompt; waits a little per call and records the most calls it ever had in flight.
final class BusyModel: ChatModel {
    let endpoint = "scripted"
    let inner = ScriptedChatModel { request in
        if request.jsonSchema != nil {
            let n = request.messages.map(\.content).joined().count
            return #"{"toxicity": \#(n % 5 + 1), "argument_quality": \#(n % 3 + 1)}"#
        }
        return ScriptedChatModel.defaultScript(request)
    }
    let load = SendableLoad()

    func complete(_ request: ChatRequest) async throws -> ChatResponse {
        load.enter()
        defer { load.leave() }
        try await Task.sleep(nanoseconds: 1_000_000)
        return try await inner.complete(request)
    }
}

import Synchronization

final class SendableLoad: Sendable {
    private let value = Mutex((now: 0, peak: 0))
    func enter() { value.withLock { $0.now += 1; $0.peak = max($0.peak, $0.now) } }
    func leave() { value.withLock { $0.now -= 1 } }
    var peak: Int { value.withLock { $0.peak } }
}

@Suite("Throughput: annotation alongside discussions, slots from the server, several endpoints")
struct ThroughputTests {
    let annotation = AnnotationSetup(
        annotators: [Persona(username: "ann0", age: 30), Persona(username: "ann1", age: 60)], instructions: "Rate it.",
        rubric: .default, historyLength: 3, annotateModerator: true, structuredOutput: .auto,
        model: ModelSettings(name: "annotator", endpoint: "http://127.0.0.1:9/v1", temperature: 0.2, maxTokens: 32),
        concurrency: 4)

    /// The store's annotations without run-dependent fields.
    func annotationContent(_ store: Store) async throws -> [String] {
        try await store.annotations().map { "\($0.id) \($0.commentId) \($0.annotator) \($0.status) \($0.values.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }) \($0.rawText ?? "-")" }.sorted()
    }

    @Test func annotatingAlongsideGivesTheSameStoreAsAnnotatingAfterwards() async throws {
        let experiment = try smallExperiment(replicates: 3)
        let model = BusyModel()
        let gate = CallGate(permits: 2)
        let settings = experiment.spec.models[0]
        // The same model name sent as the staged run's (`bindings`), so the stored request keys agree too.
        let turns = ModelBinding(name: settings.name, client: model, requestModel: "scripted-model", settings: settings, gate: gate)
        let rater = ModelBinding(name: "annotator", client: model, requestModel: "m", settings: annotation.model, gate: gate)

        let pipelined = try Store.inMemory()
        let runner = ExperimentRunner(experiment: experiment, store: pipelined, models: [settings.name: turns], specText: "spec")
        #expect(runner.concurrency == 2, "no concurrency in the file: the server's slots")
        let (report, annotated) = try await runner.run(
            annotating: AnnotationRunner(setup: annotation, store: pipelined, binding: rater, templates: experiment.templates))
        #expect(report.finished == 6 && report.failed == 0)
        #expect(model.load.peak <= 2, "the shared gate kept calls in flight within the slots")

        let staged = try Store.inMemory()
        try await run(experiment, store: staged, client: ScriptedChatModel(), concurrency: 1)
        let afterwards = try await AnnotationRunner(
            setup: annotation, store: staged,
            binding: ModelBinding(name: "annotator", client: BusyModel(), requestModel: "m", settings: annotation.model),
            templates: experiment.templates
        ).run()

        #expect(try await content(pipelined) == content(staged))
        let comments = try await staged.allTurns().filter { $0.outcome == .comment }.count
        #expect(annotated.jobs == comments * 2 && afterwards.jobs == comments * 2)
        let (x, y) = (try await annotationContent(pipelined), try await annotationContent(staged))
        #expect(x.count == y.count)
        #expect(zip(x, y).first { $0 != $1 } == nil, "first difference: \(zip(x, y).first { $0 != $1 }.map { "\($0) / \($1)" } ?? "")")

        // Alongside, not after: the first annotation started before the last discussion finished.
        let firstAnnotation = try #require(try await pipelined.annotations().map(\.startedAt).min())
        let lastDiscussion = try #require(try await pipelined.discussions().compactMap(\.finishedAt).max())
        #expect(firstAnnotation < lastDiscussion)
    }

    @Test func stoppingDuringAnnotationRecordsTheRunAsInterrupted() async throws {
        let experiment = try smallExperiment(replicates: 1)
        let store = try Store.inMemory()
        // The annotation model never answers: the discussions end, the annotation stage hangs until stopped.
        struct Hanging: ChatModel {
            let endpoint = "hanging"
            func complete(_ request: ChatRequest) async throws -> ChatResponse {
                try await Task.sleep(nanoseconds: 3_600_000_000_000)
                throw CancellationError()
            }
        }
        let queued = SendableLoad()
        let runner = ExperimentRunner(
            experiment: experiment, store: store, models: bindings(experiment, ScriptedChatModel()), specText: "spec")
        let rater = ModelBinding(name: "annotator", client: Hanging(), requestModel: "m", settings: annotation.model)
        let annotator = AnnotationRunner(
            setup: annotation, store: store, binding: rater, templates: experiment.templates,
            events: { if case .annotationQueued = $0 { queued.enter() } })
        let task = Task { try await runner.run(annotating: annotator) }
        for _ in 0..<2_000 where queued.peak < 2 { try await Task.sleep(nanoseconds: 5_000_000) }
        #expect(queued.peak == 2, "both discussions' jobs were queued")
        #expect(try await store.discussionStatuses().values.allSatisfy { $0 == .done })
        task.cancel()
        await #expect(throws: CancellationError.self) { _ = try await task.value }
        #expect(try await store.runs().last?.status == .interrupted)
        #expect(try await store.annotations().isEmpty)
    }

    func experiment(endpoints: [String], annotated: Bool = true) throws -> Experiment {
        let list = endpoints.map { "\"\($0)\"" }.joined(separator: ", ")
        let yaml = """
            version: 1
            name: pool
            seed: 3
            replicates: 2
            personas: [{username: ann}, {username: bob}, {username: cid}]
            seedComments: ["Cities should ban cars from the centre."]
            discussion: {users: 2, turns: 3}
            strategies: [none]
            models: [{name: fake, endpoint: [\(list)], model: fake-model, maxTokens: 20}]
            \(annotated ? "annotation: {annotators: [{username: rater}], model: {name: rater, endpoint: [\(list)], model: fake-model}}" : "")
            """
        return try ExperimentLoader.load(yaml: yaml, file: "pool.yaml", baseDirectory: "/tmp")
    }

    @Test func slotsAndTheGateComeFromTheServers() async throws {
        let logger = Logger(label: "test")
        let (slots, derived, sharedGate) = try await FakeOpenAIServer.with(slots: 2, script: { _ in .scripted }) { a, _ in
            try await FakeOpenAIServer.with(slots: 3, script: { _ in .scripted }) { b, _ in
                let e = try experiment(endpoints: [a, b])
                return try await ModelSession.withBindings(e, experimentFile: "pool.yaml", logger: logger) { bindings, _ in
                    let fake = try #require(bindings["fake"])
                    let rater = try #require(bindings["rater"])
                    return (
                        fake.gate?.permits, ModelSession.derivedConcurrency(e, bindings: bindings),
                        fake.gate.map(ObjectIdentifier.init) == rater.gate.map(ObjectIdentifier.init) && fake.gate != nil
                    )
                }
            }
        }
        #expect(slots == 5)
        #expect(derived == 5)
        #expect(sharedGate, "the discussion model and the annotation model reach the same servers: one gate")

        let unknown = try await FakeOpenAIServer.with(script: { _ in .scripted }) { a, _ in
            let e = try experiment(endpoints: [a])
            return try await ModelSession.withBindings(e, experimentFile: "pool.yaml", logger: logger) { bindings, _ in
                (bindings["fake"]?.gate?.permits, ModelSession.derivedConcurrency(e, bindings: bindings))
            }
        }
        #expect(unknown.0 == nil && unknown.1 == 8, "a server without /props: no gate, 8 in flight")
    }

    @Test func modelsOnOneServerShareItsGateButKeepTheirOwnTimeouts() async throws {
        let (timeouts, shared) = try await FakeOpenAIServer.with(slots: 2, script: { _ in .scripted }) { url, _ in
            let yaml = """
                version: 1
                personas: [{username: ann}, {username: bob}, {username: cid}]
                seedComments: ["x"]
                models: [{name: fake, endpoint: "\(url)", model: fake-model, timeoutSeconds: 5}]
                annotation: {annotators: [{username: rater}], model: {name: rater, endpoint: "\(url)", model: fake-model, timeoutSeconds: 7}}
                """
            let e = try ExperimentLoader.load(yaml: yaml, file: "t.yaml", baseDirectory: "/tmp")
            return try await ModelSession.withBindings(e, experimentFile: "t.yaml", logger: Logger(label: "test")) { bindings, _ in
                let fake = try #require(bindings["fake"])
                let rater = try #require(bindings["rater"])
                return (
                    [(fake.client as? OpenAIClient)?.timeout, (rater.client as? OpenAIClient)?.timeout],
                    fake.gate != nil && fake.gate.map(ObjectIdentifier.init) == rater.gate.map(ObjectIdentifier.init)
                )
            }
        }
        #expect(timeouts == [5, 7])
        #expect(shared)
    }

    @Test func aRunOverSeveralEndpointsSurvivesOneThatIsDown() async throws {
        let logger = Logger(label: "test")
        let (turns, requests, url) = try await FakeOpenAIServer.with(slots: 4, script: { _ in .scripted }) { up, log in
            let e = try experiment(endpoints: [up, "http://127.0.0.1:9/v1"], annotated: false)
            let store = try Store.inMemory()
            try await ModelSession.withBindings(e, experimentFile: "pool.yaml", logger: logger) { bindings, _ in
                #expect(bindings["fake"]?.client is EndpointPool)
                _ = try await ExperimentRunner(experiment: e, store: store, models: bindings, specText: "spec").run()
            }
            return (try await store.allTurns(), log.all.count, up)
        }
        #expect(turns.count == 2 * 3)
        #expect(turns.allSatisfy { $0.outcome != .failed && $0.call.endpoint == url }, "each turn records the endpoint that answered")
        #expect(requests == turns.count)
    }

    @Test func endpointListsAreValidated() throws {
        for (endpoints, expected) in [
            ("[]", "empty list"), ("[local, \"http://a:1/v1\"]", "'local' cannot be part of a list"),
            ("[\"http://a:1/v1\", \"http://a:1/v1\"]", "same URL twice"), ("[\"http://a:1/v1\", \"http://a:1/v1/\"]", "same URL twice"),
            ("[\"http://a:1/v1\", \"ftp://b\"]", "models[0].endpoint[1]"),
            ("[[\"http://a:1/v1\"]]", "expected 'local', a base URL, or a list of base URLs"),
        ] {
            let yaml = """
                version: 1
                personas: [{username: ann}, {username: bob}, {username: cid}]
                seedComments: ["x"]
                models: [{name: m, endpoint: \(endpoints)}]
                """
            #expect(throws: ExperimentFileError.self) { try ExperimentLoader.load(yaml: yaml, file: "e.yaml", baseDirectory: "/tmp") }
            do {
                _ = try ExperimentLoader.load(yaml: yaml, file: "e.yaml", baseDirectory: "/tmp")
            } catch {
                #expect("\(error)".contains(expected), "\(endpoints): \(error)")
            }
        }
    }
}

@Suite("Engine benchmark: the prefix reuse the prompts allow")
struct PrefixReuseTests {
    func reuse(_ experiment: Experiment) async throws -> (ownPrevious: Double, anyEarlier: Double) {
        let store = try Store.inMemory()
        try await run(experiment, store: store, client: ScriptedChatModel(), concurrency: 1)
        return try await EngineBenchmark.prefixReuse(store)
    }

    @Test func speakersWhoSpeakOnceHaveNoPreviousCallToReuse() async throws {
        // Three users, three turns, round robin, no moderator: nobody speaks twice.
        let once = try await reuse(smallExperiment(strategies: ["none"], replicates: 1, turns: 3, policy: .roundRobin(randomStart: false)))
        #expect(once.ownPrevious == 0)
        #expect(once.anyEarlier > 0, "the chat framing and the start of the system message repeat")
        let often = try await reuse(smallExperiment(replicates: 1, turns: 8, historyLength: nil))
        #expect(often.ownPrevious > 0.3 && often.ownPrevious <= often.anyEarlier && often.anyEarlier < 1)
    }

    @Test func anEmptyStoreAllowsNone() async throws {
        let r = try await EngineBenchmark.prefixReuse(try Store.inMemory())
        #expect(r.ownPrevious == 0 && r.anyEarlier == 0)
    }
}

@Suite("Whole-thread history stays within the local engine's context")
struct WholeThreadBudgetTests {
    @Test func longThreadsAreCutToTheContextPerSlot() async throws {
        let experiment = try smallExperiment(strategies: ["none"], replicates: 1, turns: 30, historyLength: nil)
        var settings = experiment.spec.models[0]
        settings.endpoint = "local"
        settings.contextPerSlot = 600
        let store = try Store.inMemory()
        let binding = ModelBinding(name: settings.name, client: ScriptedChatModel(), requestModel: "m", settings: settings)
        _ = try await ExperimentRunner(experiment: experiment, store: store, models: [settings.name: binding], specText: "spec").run()
        let turns = try await store.allTurns()
        #expect(turns.count == 30)
        var cut = 0
        for turn in turns {
            let prompt = try #require(try await store.prompt(hash: turn.call.promptHash))
            let estimate = ContextWindow.estimatedTokens(prompt.system) + ContextWindow.estimatedTokens(prompt.user)
            #expect(estimate <= settings.contextPerSlot - settings.maxTokens + 100, "turn \(turn.turnIndex): \(estimate) tokens")
            if prompt.user.contains("earlier ones are not shown") { cut += 1 }
        }
        #expect(cut > 0, "a 30-turn thread does not fit 600 tokens: later prompts show only the recent comments")
    }
}
