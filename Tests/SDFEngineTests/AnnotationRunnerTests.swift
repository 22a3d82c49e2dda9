import AsyncHTTPClient
import Foundation
import SDFCore
import SDFEngine
import SDFLLM
import SDFStore
import SDFTesting
import Testing

@Suite("Annotation stage")
struct AnnotationRunnerTests {
    func setup(structured: Bool = true, annotators: Int = 2, moderator: Bool = true) -> AnnotationSetup {
        AnnotationSetup(
            annotators: (0..<annotators).map { Persona(username: "ann\($0)", age: 30 + $0) }, instructions: "Rate it.",
            rubric: .default, historyLength: 3, annotateModerator: moderator, structuredOutput: structured ? .auto : .off,
            model: ModelSettings(name: "annotator", endpoint: "http://127.0.0.1:9/v1", temperature: 0.2, maxTokens: 32),
            concurrency: 3)
    }

    /// A store with finished discussions from the scripted model.
    func discussions() async throws -> (Experiment, Store) {
        let experiment = try smallExperiment(replicates: 1)
        let store = try Store.inMemory()
        try await run(experiment, store: store, client: ScriptedChatModel())
        return (experiment, store)
    }

    @Test func annotatesEveryCommentOnceAndRerunsDoNoDuplicateWork() async throws {
        let (experiment, store) = try await discussions()
        let model = ScriptedChatModel { request in
            // The target comment's length decides the toxicity: a deterministic, checkable answer.
            let target = request.messages[1].content.components(separatedBy: "Target comment, by ").last ?? ""
            return #"{"toxicity": \#(target.count % 5 + 1), "argument_quality": 3}"#
        }
        let s = setup()
        let binding = ModelBinding(name: "annotator", client: model, requestModel: "m", settings: s.model)
        let report = try await AnnotationRunner(setup: s, store: store, binding: binding, templates: experiment.templates).run()
        let comments = try await store.allTurns().filter { $0.outcome == .comment }
        #expect(report.jobs == comments.count * 2)
        #expect(report.skipped == 0)
        #expect(report.statusCounts == [.ok: comments.count * 2])
        #expect(report.parseRate == 1)
        #expect(model.requests.count == comments.count * 2)
        // Every request asked for schema-constrained output with the rubric's schema.
        #expect(model.requests.allSatisfy { $0.jsonSchema == Rubric.default.jsonSchema })
        // Abstentions never appear in an annotation prompt, and the target is always a stored comment.
        let abstained = try await store.allTurns().filter { $0.outcome == .abstention }
        #expect(!abstained.isEmpty)
        for request in model.requests {
            #expect(!request.messages[1].content.contains("(silent)"))
        }
        let annotations = try await store.annotations()
        #expect(Set(annotations.map(\.commentId)) == Set(comments.map(\.id)))
        #expect(annotations.allSatisfy { $0.values["argument_quality"] == 3 && ($0.values["toxicity"] ?? 0) >= 1 })

        // A second run does nothing: no request, same rows.
        let again = try await AnnotationRunner(setup: s, store: store, binding: binding, templates: experiment.templates).run()
        #expect(again.skipped == again.jobs)
        #expect(model.requests.count == comments.count * 2)
        #expect(try await store.annotations().count == annotations.count)

        // A third annotator joins: only its jobs run.
        let bigger = setup(annotators: 3)
        let third = try await AnnotationRunner(setup: bigger, store: store, binding: binding, templates: experiment.templates).run()
        #expect(third.jobs - third.skipped == comments.count)
        #expect(model.requests.count == comments.count * 3)
    }

    @Test func refusesToMixAnnotationsMadeUnderAnotherRubric() async throws {
        let (experiment, store) = try await discussions()
        let s = setup(annotators: 1)
        let binding = ModelBinding(name: "annotator", client: ScriptedChatModel { _ in #"{"toxicity": 1, "argument_quality": 2}"# }, requestModel: "m", settings: s.model)
        _ = try await AnnotationRunner(setup: s, store: store, binding: binding, templates: experiment.templates).run()
        var changed = s
        changed.rubric = Rubric(dimensions: [RubricDimension(name: "civility", description: "", min: 1, max: 7, labels: [], higherMeans: "more civil")])
        await #expect {
            _ = try await AnnotationRunner(setup: changed, store: store, binding: binding, templates: experiment.templates).run()
        } throws: { error in
            "\(error)".contains("different rubric")
        }
    }

    @Test func failuresAreRecordedNeverDefaultedAndRetriedOnRerun() async throws {
        let (experiment, store) = try await discussions()
        let answers = ["Toxicity=2, argument quality: 4", "I cannot rate this.", #"{"toxicity": 9, "argument_quality": 2}"#, "toxicity: 3"]
        let counter = SendableCounter()
        let model = ScriptedChatModel { _ in answers[counter.next() % answers.count] }
        let s = setup(structured: false, annotators: 1, moderator: false)
        let binding = ModelBinding(name: "annotator", client: model, requestModel: "m", settings: s.model)
        let report = try await AnnotationRunner(setup: s, store: store, binding: binding, templates: experiment.templates).run()
        #expect(model.requests.allSatisfy { $0.jsonSchema == nil })
        let annotations = try await store.annotations()
        #expect(annotations.count == report.jobs)
        #expect(!annotations.contains { $0.commentId.isEmpty })
        for a in annotations {
            switch a.rawText {
            case answers[0]: #expect(a.status == .ok && a.values == ["toxicity": 2, "argument_quality": 4])
            case answers[1]: #expect(a.status == .refusal && a.values.isEmpty)
            case answers[2]: #expect(a.status == .outOfRange && a.values.isEmpty)
            case answers[3]: #expect(a.status == .missingDimension && a.values.isEmpty)
            default: Issue.record("unexpected raw text \(a.rawText ?? "nil")")
            }
        }
        // Moderator comments were left out as configured.
        let moderatorComments = try await store.allTurns().filter { $0.role == .moderator && $0.outcome == .comment }.map(\.id)
        #expect(!annotations.contains { moderatorComments.contains($0.commentId) })
        // The tidy export has one row per annotation × dimension, values only where parsed.
        let table = try #require(try await TidyExport.tables(store: store).first { $0.name == "annotations" })
        #expect(table.rows.count == annotations.count * 2)
    }

    @Test func sendsTheRubricSchemaOverHTTP() async throws {
        let (experiment, store) = try await discussions()
        let s = setup(annotators: 1)
        let bodies = try await FakeOpenAIServer.with(script: { _ in .chat(#"{"toxicity": 1, "argument_quality": 5}"#) }) { url, log in
            try await HTTPClient.withHTTPClient { http in
                let client = OpenAIClient(baseURL: url, apiKey: nil, timeout: 10, http: http)
                let binding = ModelBinding(name: "annotator", client: client, requestModel: "fake-model", settings: s.model)
                _ = try await AnnotationRunner(setup: s, store: store, binding: binding, templates: experiment.templates).run()
                return log.all
            }
        }
        #expect(!bodies.isEmpty)
        for body in bodies {
            let json = try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])
            let format = try #require(json["response_format"] as? [String: Any])
            let schema = try #require((format["json_schema"] as? [String: Any])?["schema"] as? [String: Any])
            #expect(Set((schema["required"] as? [String]) ?? []) == ["toxicity", "argument_quality"])
        }
        #expect(try await store.annotationStatusCounts() == [.ok: bodies.count])
    }
}
