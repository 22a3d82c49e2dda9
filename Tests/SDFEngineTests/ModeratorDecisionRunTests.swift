import Foundation
import SDFAnalysis
import SDFCore
import SDFEngine
import SDFLLM
import SDFStore
import SDFTesting
import Synchronization
import Testing

/// An experiment with one moderated condition under `schedule` (YAML of the `moderator:` value), round-robin users.
func moderatedExperiment(schedule: String, replicates: Int = 1, turns: Int = 6, annotation: Bool = false, seed: UInt64 = 11) throws -> Experiment {
    let yaml = """
        version: 1
        name: decisions
        seed: \(seed)
        replicates: \(replicates)
        personas: [{username: user0, age: 30}, {username: user1, age: 40}, {username: user2, age: 50}, {username: user3, age: 60}]
        seedComments: ["Cities should ban cars from the centre.", "Homework should be abolished."]
        discussion: {users: 3, turns: \(turns), historyLength: 3, turnTaking: {policy: roundRobin, randomStart: false}}
        strategies: [guidelines]
        moderator: \(schedule)
        models: [{name: scripted, endpoint: "http://127.0.0.1:9/v1", maxTokens: 50}]
        \(annotation ? "annotation: {annotators: [{username: ann_a}, {username: ann_b}], historyLength: 2, model: {name: annotator, endpoint: \"http://127.0.0.1:9/v1\", maxTokens: 30}}" : "")
        """
    return try ExperimentLoader.load(yaml: yaml, file: "decisions.yaml", baseDirectory: "/tmp")
}

/// What a request to the discussion model is.
enum RequestKind { case user, decision, moderator }

func kind(of request: ChatRequest) -> RequestKind {
    let system = request.messages.first?.content ?? ""
    let user = request.messages.last?.content ?? ""
    if user.contains("Before writing anything, decide whether") { return .decision }
    return system.contains("You moderate an online discussion forum") ? .moderator : .user
}

/// The number in "comment number N" of the target comment of an annotation request.
func targetNumber(_ request: ChatRequest) -> Int? {
    let target = request.messages[1].content.components(separatedBy: "Target comment, by ").last ?? ""
    guard let r = target.range(of: "comment number ") else { return nil }
    return Int(target[r.upperBound...].prefix { $0.isNumber })
}

/// Discussion and annotation models bound for `experiment`.
func bindings(_ experiment: Experiment, discussion: any ChatModel, annotator: (any ChatModel)?) -> [String: ModelBinding] {
    var result = bindings(experiment, discussion)
    if let annotator, let setup = experiment.annotation {
        result[setup.model.name] = ModelBinding(name: setup.model.name, client: annotator, requestModel: "annotator-model", settings: setup.model)
    }
    return result
}

/// A model that fails, as after its retries, the first moderator-turn request it gets; answers others with `inner`.
final class FirstModeratorTurnFails: ChatModel {
    let endpoint = "scripted"
    let inner: ScriptedChatModel
    let failed = Mutex(false)
    init(_ inner: ScriptedChatModel) { self.inner = inner }
    func complete(_ request: ChatRequest) async throws -> ChatResponse {
        if kind(of: request) == .moderator {
            let first = failed.withLock { done in
                defer { done = true }
                return !done
            }
            if first { throw LLMError(.server, "HTTP 500 injected", attempts: 4) }
        }
        return try await inner.complete(request)
    }
}

/// The store's moderator decisions without run-dependent fields, one JSON line each.
func decisionContent(_ store: Store) async throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    return try await store.moderatorDecisions().map { d in
        var copy = d
        copy.startedAt = Date(timeIntervalSince1970: 0)
        copy.finishedAt = Date(timeIntervalSince1970: 0)
        copy.call.latencyMs = nil
        return String(decoding: try encoder.encode(copy), as: UTF8.self)
    }.joined(separator: "\n")
}

@Suite("Moderator decisions (decideFirst, onTrigger)")
struct ModeratorDecisionRunTests {
    static let decisionAnswers = [
        #"{"intervene": true, "reason": "A personal attack."}"#, #"{"intervene": false, "reason": "Civil so far."}"#,
        "Hmm, hard to say.", #"{"intervene": true, "reason": "Off topic."}"#, #"{"intervene": false, "reason": "Fine."}"#,
        "```json\n{\"intervene\": \"yes\", \"reason\": \"Heated.\"}\n```",
    ]

    /// A single discussion's model: users say "comment number N", decisions follow `decisionAnswers` in order, the
    /// moderator always comments.
    static func patternModel() -> ScriptedChatModel {
        let users = SendableCounter()
        let decisions = SendableCounter()
        let moderator = SendableCounter()
        return ScriptedChatModel { request in
            switch kind(of: request) {
            case .user: return "\(ScriptedChatModel.speaker(of: request)) writes comment number \(users.next() + 1)."
            case .decision: return decisionAnswers[decisions.next() % decisionAnswers.count]
            case .moderator: return "Moderator note \(moderator.next() + 1): please keep to the topic."
            }
        }
    }

    @Test func decideFirstMakesOneDecisionCallPerUserCommentAndSpeaksOnlyOnYes() async throws {
        let experiment = try moderatedExperiment(schedule: "{schedule: decideFirst}")
        let store = try Store.inMemory()
        let model = Self.patternModel()
        let report = try await run(experiment, store: store, client: model, concurrency: 1)
        #expect(report.finished == 1 && report.failed == 0)
        let kinds = model.requests.map(kind(of:))
        #expect(kinds.filter { $0 == .user }.count == 6)
        #expect(kinds.filter { $0 == .decision }.count == 6)
        #expect(kinds.filter { $0 == .moderator }.count == 3)
        #expect(model.requests.count == 15)
        // Each decision call comes right after a user turn; a moderator turn only right after a "yes".
        #expect(kinds == [.user, .decision, .moderator, .user, .decision, .user, .decision, .user, .decision, .moderator, .user, .decision, .user, .decision, .moderator])

        let turns = try await store.allTurns()
        #expect(turns.filter { $0.role == .moderator }.map(\.turnIndex) == [2, 6, 9])
        #expect(turns.filter { $0.role == .moderator }.allSatisfy { $0.outcome == .comment })
        let decisions = try await store.moderatorDecisions()
        #expect(decisions.map(\.slot) == [1, 2, 3, 4, 5, 6])
        #expect(decisions.map(\.afterTurnIndex) == [1, 3, 4, 5, 7, 8])
        #expect(decisions.map(\.intervene) == [true, false, false, true, false, true])
        #expect(decisions.map(\.status) == [.ok, .ok, .unparseable, .ok, .ok, .ok])
        #expect(decisions.map(\.defaulted) == [false, false, true, false, false, false])
        #expect(decisions.map(\.reason) == ["A personal attack.", "Civil so far.", nil, "Off topic.", "Fine.", "Heated."])
        #expect(decisions.map(\.method) == ["json", "json", "none", "json", "json", "fencedJSON"])
        #expect(decisions[2].rawText == "Hmm, hard to say." && decisions[2].detail?.contains("no 'intervene' answer") == true)
        #expect(decisions.allSatisfy { $0.kind == .decision && $0.annotator == nil })

        // Full provenance of each decision call, matching the request that was sent.
        let decisionRequests = model.requests.filter { kind(of: $0) == .decision }
        for (d, request) in zip(decisions, decisionRequests) {
            #expect(request.jsonSchema == PromptTemplates.moderatorDecisionSchema)
            #expect(request.structuredOutput == .auto)
            #expect(d.structuredOutput == .jsonSchema)
            #expect(d.call.modelName == "scripted" && d.call.modelId == "scripted-model" && d.call.attempts == 1)
            #expect(d.call.promptHash == RenderedPrompt(system: request.messages[0].content, user: request.messages[1].content, templateId: "").hash)
            #expect(d.call.templateId == PromptTemplates.builtInId)
            #expect(d.call.sampling.seed == request.seed && d.call.sampling.seed != nil)
            #expect(d.call.sampling.temperature == 0.8 && d.call.sampling.maxTokens == 50)
            #expect(d.call.promptTokens != nil && d.call.completionTokens != nil && d.call.latencyMs != nil)
            // The decision is asked with the moderator's own system message (prefix cache), never its stop list.
            #expect(request.messages[0].content.contains("You moderate an online discussion forum"))
            #expect(request.stop.isEmpty)
        }

        // The report's section counts.
        let analysis = try await ExperimentAnalysis.build(store: store)
        let section = try #require(analysis.moderatorDecisions)
        #expect(
            section == [
                ConditionModeratorDecisions(
                    condition: "guidelines", strategy: "guidelines", kinds: ["decision"], asked: 6, decidedToSpeak: 3, spoke: 3,
                    stayedSilent: 3, unparseable: 1, failed: 0, speakRate: 0.5)
            ])
        let html = try await ReportBuilder.html(store: store)
        #expect(html.contains("When the moderator spoke"))

        // The tidy export: one row per decision, with the moderator's following turn.
        let tables = try await TidyExport.tables(store: store)
        let table = try #require(tables.first { $0.name == "moderator_decisions" })
        #expect(table.rows.count == 6)
        let outcome = try #require(table.columns.firstIndex(of: "moderator_outcome"))
        #expect(table.rows.map { $0[outcome] } == [.text("comment"), .null, .null, .text("comment"), .null, .text("comment")])
        let status = try #require(table.columns.firstIndex(of: "status"))
        #expect(table.rows.map { $0[status] }.filter { $0 == .text("unparseable") }.count == 1)
        let prompt = try #require(table.columns.firstIndex(of: "prompt_hash"))
        #expect(table.rows.map { $0[prompt] } == decisions.map { .text($0.call.promptHash) })
    }

    @Test func fixedSchedulesStoreNoDecisionsAndNoReportSection() async throws {
        let experiment = try moderatedExperiment(schedule: "{schedule: afterEveryComment}")
        let store = try Store.inMemory()
        try await run(experiment, store: store, client: ScriptedChatModel(), concurrency: 1)
        #expect(try await store.moderatorDecisions().isEmpty)
        let analysis = try await ExperimentAnalysis.build(store: store)
        #expect(analysis.moderatorDecisions == nil)
        #expect(!(try ReportJSON.text(analysis)).contains("moderatorDecisions"))
        #expect(!(try await ReportBuilder.html(store: store)).contains("When the moderator spoke"))
    }

    /// A pure script (answers depend on the request only): decisions yes, no or unreadable by a hash of the prompt.
    static func pureModel() -> ScriptedChatModel { ScriptedChatModel(script: pureAnswer) }

    @Sendable static func pureAnswer(_ request: ChatRequest) -> String {
            switch kind(of: request) {
            case .decision:
                switch SeedDerivation.derive(0, request.messages[1].content) % 3 {
                case 0: return #"{"intervene": true, "reason": "Needed."}"#
                case 1: return #"{"intervene": false, "reason": "Not needed."}"#
                default: return "I am not sure."
                }
            case .moderator: return "Moderator: " + ScriptedChatModel.defaultScript(request).replacingOccurrences(of: "(silent)", with: "keep calm")
            case .user: return ScriptedChatModel.defaultScript(request)
            }
    }

    @Test func aDiscussionStoppedAfterADecisionResumesWithTheModeratorsComment() async throws {
        let experiment = try moderatedExperiment(schedule: "{schedule: decideFirst}", replicates: 2, turns: 8)
        // Uninterrupted reference.
        let reference = try Store.inMemory()
        let whole = Self.pureModel()
        try await run(experiment, store: reference, client: whole, concurrency: 1)
        let allDecisions = whole.requests.filter { kind(of: $0) == .decision }.count
        #expect(allDecisions == 16)
        #expect(whole.requests.contains { kind(of: $0) == .moderator })

        // The first moderator turn fails after its decision ("yes") was committed: that discussion fails.
        let store = try Store.inMemory()
        let failing = FirstModeratorTurnFails(Self.pureModel())
        let first = try await run(experiment, store: store, client: failing, concurrency: 1)
        #expect(first.failed == 1)
        let committed = try await store.moderatorDecisions()
        let failedTurn = try #require(try await store.allTurns().first { $0.outcome == .failed })
        #expect(failedTurn.role == .moderator)
        // The decision that gave the failed turn is stored, and said yes.
        let giving = try #require(committed.first { $0.afterTurnIndex + 1 == failedTurn.turnIndex })
        #expect(giving.intervene && giving.status == .ok)

        // Resume: the stored decisions are not asked again; the moderator's turn is taken; the result is the same.
        let second = Self.pureModel()
        let resumed = try await run(experiment, store: store, client: second, concurrency: 1)
        #expect(resumed.failed == 0)
        #expect(second.requests.filter { kind(of: $0) == .decision }.count == allDecisions - committed.count)
        #expect(try await content(store) == (try await content(reference)))
        #expect(try await decisionContent(store) == (try await decisionContent(reference)))
    }

    @Test func aFailedDecisionCallFailsTheDiscussionAndIsAskedAgainOnResume() async throws {
        let experiment = try moderatedExperiment(schedule: "{schedule: decideFirst}")
        let store = try Store.inMemory()
        let calls = SendableCounter()
        let failing = ScriptedChatModel { request in
            if kind(of: request) == .decision, calls.next() == 1 { throw LLMError(.server, "HTTP 503 injected", attempts: 4) }
            return Self.pureAnswer(request)
        }
        let first = try await run(experiment, store: store, client: failing, concurrency: 1)
        #expect(first.failed == 1)
        let stored = try await store.moderatorDecisions()
        #expect(stored.map(\.status).last == .failed)
        #expect(stored.last?.call.error?.kind == .server && stored.last?.call.attempts == 4)
        let analysis = try await ExperimentAnalysis.build(store: store)
        #expect(analysis.moderatorDecisions?.first?.failed == 1)
        let resumed = try await run(experiment, store: store, client: Self.pureModel(), concurrency: 1)
        #expect(resumed.failed == 0)
        let after = try await store.moderatorDecisions()
        #expect(after.count == 6 && after.allSatisfy { $0.status != .failed })
        let reference = try Store.inMemory()
        try await run(experiment, store: reference, client: Self.pureModel(), concurrency: 1)
        #expect(try await decisionContent(store) == (try await decisionContent(reference)))
    }

    static let triggerScores: [Int: String] = [
        1: #"{"toxicity": 1, "argument_quality": 3}"#, 2: #"{"toxicity": 3, "argument_quality": 3}"#,
        3: #"{"toxicity": 2, "argument_quality": 3}"#, 4: #"{"toxicity": 5, "argument_quality": 3}"#,
        5: "I cannot rate this.", 6: #"{"toxicity": 4, "argument_quality": 3}"#,
    ]

    @Test func onTriggerGivesTheModeratorATurnExactlyAfterCommentsAtOrAboveTheThreshold() async throws {
        let experiment = try moderatedExperiment(
            schedule: "{schedule: onTrigger, trigger: {annotator: ann_a, dimension: toxicity, atLeast: 3}}", annotation: true)
        let store = try Store.inMemory()
        let discussion = Self.patternModel()
        let annotator = ScriptedChatModel { request in
            let isA = request.messages[0].content.contains("You are ann_a")
            guard let n = targetNumber(request) else { return #"{"toxicity": 1, "argument_quality": 2}"# }  // moderator comments
            return isA ? Self.triggerScores[n]! : #"{"toxicity": 2, "argument_quality": 2}"#
        }
        let models = bindings(experiment, discussion: discussion, annotator: annotator)
        let setup = try #require(experiment.annotation)
        let runner = ExperimentRunner(experiment: experiment, store: store, models: models, concurrency: 1, specText: "spec")
        let stage = AnnotationRunner(setup: setup, store: store, binding: models["annotator"]!, templates: experiment.templates)
        let (report, annotated) = try await runner.run(annotating: stage)
        #expect(report.finished == 1)

        // The moderator spoke right after comments 2, 4 and 6 (scores 3, 5, 4), not after 1, 3 (scores 1, 2) or 5 (unreadable).
        let turns = try await store.allTurns()
        #expect(turns.filter { $0.role == .moderator }.map(\.turnIndex) == [3, 6, 9])
        #expect(discussion.requests.filter { kind(of: $0) == .decision }.isEmpty)
        let decisions = try await store.moderatorDecisions()
        #expect(decisions.map(\.afterTurnIndex) == [1, 2, 4, 5, 7, 8])
        #expect(decisions.map(\.score) == [1, 3, 2, 5, nil, 4])
        #expect(decisions.map(\.intervene) == [false, true, false, true, false, true])
        #expect(decisions.map(\.status) == [.ok, .ok, .ok, .ok, .unparseable, .ok])
        #expect(decisions.map(\.defaulted) == [false, false, false, false, true, false])
        #expect(decisions.allSatisfy { $0.kind == .trigger && $0.annotator == "ann_a" && $0.dimension == "toxicity" && $0.threshold == 3 })

        // The inline annotations are the stage's own jobs: stored once, never asked again.
        let userComments = turns.filter { $0.role != .moderator && $0.outcome == .comment }
        #expect(decisions.map(\.annotationId) == userComments.map { AnnotationRunner.jobId(commentId: $0.id, annotator: "ann_a") })
        let comments = turns.filter { $0.outcome == .comment }.count
        #expect(comments == 9)
        #expect(annotated.jobs == 2 * comments)
        #expect(annotated.skipped == 6)
        #expect(annotator.requests.count == 2 * comments)
        let asked = annotator.requests.map { ($0.messages[0].content.contains("You are ann_a"), $0.messages[1].content) }
        #expect(Set(asked.map { "\($0.0)|\($0.1)" }).count == asked.count, "an annotation request was repeated")
        let annotations = try await store.annotations()
        #expect(annotations.count == 2 * comments)
        #expect(annotations.filter { $0.status == .refusal }.count == 1)
        // A second annotation stage finds nothing to do.
        let again = try await AnnotationRunner(setup: setup, store: store, binding: models["annotator"]!, templates: experiment.templates).run()
        #expect(again.skipped == again.jobs && annotator.requests.count == 2 * comments)

        let analysis = try await ExperimentAnalysis.build(store: store)
        #expect(
            analysis.moderatorDecisions == [
                ConditionModeratorDecisions(
                    condition: "guidelines", strategy: "guidelines", kinds: ["trigger"], asked: 6, decidedToSpeak: 3, spoke: 3,
                    stayedSilent: 3, unparseable: 1, failed: 0, speakRate: 0.5)
            ])
    }

    @Test func onTriggerWithoutTheAnnotationModelBoundIsAnEngineError() async throws {
        let experiment = try moderatedExperiment(
            schedule: "{schedule: onTrigger, trigger: {annotator: ann_a, dimension: toxicity, atLeast: 3}}", annotation: true)
        let error = await #expect(throws: EngineError.self) {
            try await run(experiment, store: try Store.inMemory(), client: ScriptedChatModel())
        }
        #expect(error?.kind == .noModelBound && "\(error!)".contains("annotator"))
    }

    // MARK: sdf plan

    @Test func planBoundsContainTheRunsCallCountAndAreExactForFixedSchedules() async throws {
        // Fixed schedule, no annotation: the plan is exact.
        let fixed = try moderatedExperiment(schedule: "{schedule: everyKComments, every: 2}", replicates: 2)
        let fixedPlan = try ExperimentPlanner.plan(fixed)
        let fixedModel = ScriptedChatModel()
        try await run(fixed, store: try Store.inMemory(), client: fixedModel)
        #expect(fixedPlan.minCalls == fixedPlan.maxCalls)
        #expect(fixedPlan.maxCalls == fixedModel.requests.count)
        #expect(fixedPlan.decisionCalls == 0 && !fixedPlan.hasConditionalModerator)
        #expect(!fixedPlan.text.contains("Moderator decisions"))

        // decideFirst: decision calls are exact, moderator calls between none and one per decision.
        let decide = try moderatedExperiment(schedule: "{schedule: decideFirst}", replicates: 3)
        let decidePlan = try ExperimentPlanner.plan(decide)
        let decideModel = Self.pureModel()
        try await run(decide, store: try Store.inMemory(), client: decideModel)
        let actual = decideModel.requests.count
        #expect(decidePlan.decisionCalls == decideModel.requests.filter { kind(of: $0) == .decision }.count)
        #expect(decidePlan.decisionCalls == 18)
        #expect(decidePlan.minCalls == 18 + 18)
        #expect(decidePlan.maxCalls == 18 + 18 + 18)
        #expect(decidePlan.minCalls <= actual && actual <= decidePlan.maxCalls)
        #expect(decidePlan.minCalls < actual && actual < decidePlan.maxCalls, "the pure script says yes to some decisions, not all")
        #expect(decidePlan.text.contains("between \(decidePlan.minCalls) and \(decidePlan.maxCalls) calls"))

        // onTrigger with annotation: inline annotations counted once, among the annotation calls.
        let trigger = try moderatedExperiment(
            schedule: "{schedule: onTrigger, trigger: {annotator: ann_b, dimension: toxicity, atLeast: 4}}", replicates: 2, annotation: true)
        let triggerPlan = try ExperimentPlanner.plan(trigger)
        #expect(triggerPlan.inlineAnnotationCalls == 12 && triggerPlan.decisionCalls == 0)
        let store = try Store.inMemory()
        let discussion = ScriptedChatModel()
        let annotator = ScriptedChatModel { request in
            #"{"toxicity": \#(SeedDerivation.derive(0, request.messages[1].content) % 5 + 1), "argument_quality": 3}"#
        }
        let models = bindings(trigger, discussion: discussion, annotator: annotator)
        let runner = ExperimentRunner(experiment: trigger, store: store, models: models, concurrency: 2, specText: "spec")
        _ = try await runner.run(
            annotating: AnnotationRunner(setup: trigger.annotation!, store: store, binding: models["annotator"]!, templates: trigger.templates))
        let total = discussion.requests.count + annotator.requests.count
        #expect(triggerPlan.minCalls <= total && total <= triggerPlan.maxCalls, "\(triggerPlan.minCalls) ≤ \(total) ≤ \(triggerPlan.maxCalls)")
        // With no moderator turn at all: users 12 + annotations 2 × 12.
        #expect(triggerPlan.minCalls == 12 + 24)
    }
}
