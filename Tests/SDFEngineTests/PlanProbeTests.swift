import Foundation
import SDFCore
import SDFEngine
import SDFLLM
import SDFTesting
import Testing

/// `sdf plan --probe`: a few timed real calls per model, and the wall time at those rates.
@Suite("sdf plan --probe", .serialized)
struct PlanProbeTests {
    @Test func probeSendsTheRunsRequestsAtTheServersSlotsAndEstimatesWallTime() async throws {
        let (probe, bodies, file) = try await FakeOpenAIServer.with(slots: 3, script: { _ in .delay(0.05, then: .chat("A short comment.")) }) { url, log in
            let file = try writeExperiment(url: url, name: "probe")
            let experiment = try ExperimentLoader.load(path: file)
            let probe = try await ExperimentPlanner.probe(experiment, experimentFile: file, callsPerModel: 5)
            return (probe, log.all, file)
        }
        #expect(probe.rates.map { $0.model } == ["fake", "rater"])
        #expect(probe.rates.map { $0.kind } == ["user turn", "annotation"])
        for rate in probe.rates {
            #expect(rate.calls == 5 && rate.failures == 0)
            // The server reports 3 slots: never more than 3 in flight, and each call takes at least 50 ms.
            #expect(rate.inFlight == 3)
            #expect(rate.callsPerSecond > 0 && rate.callsPerSecond <= 3 / 0.05)
        }
        // Exactly the probe's calls, each the request the run would send first for that model.
        #expect(bodies.count == 10)
        let json = try bodies.map { try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
        #expect(json.filter { $0["max_tokens"] as? Int == 40 }.count == 5)
        #expect(json.filter { $0["max_tokens"] as? Int == 20 }.count == 5)
        let experiment = try ExperimentLoader.load(path: file)
        let design = Design(experiment: experiment)
        let cell = try #require(design.cells.first)
        let plan = try DiscussionPlan(
            experiment: experiment.experiment(for: cell.condition), cell: cell, renderer: try PromptRenderer(templates: experiment.templates))
        let index = try #require(json.firstIndex { $0["max_tokens"] as? Int == 40 })
        #expect(FakeOpenAIServer.decodeRequest(bodies[index]).messages.first?.content == plan.users[0].systemPrompt)
        let stop = try #require(json[index]["stop"] as? [String])
        #expect(Set(stop) == Set((plan.allUsernames.filter { $0 != plan.users[0].username } + ["OP"]).map { "\n\($0):" }))
        // Wall time: each condition's discussion calls at the discussion model's rate, annotations at the rater's.
        var withProbe = try ExperimentPlanner.plan(experiment)
        withProbe.probe = probe
        let discussionSeconds: Double = Double(withProbe.userCalls + withProbe.moderatorCalls) / probe.rates[0].callsPerSecond
        let expected: Double = discussionSeconds + Double(withProbe.annotationCalls) / probe.rates[1].callsPerSecond
        let wall: Double = try #require(withProbe.probedWallSeconds)
        #expect(Swift.abs(wall - expected) < 1e-9 * expected)
        #expect(withProbe.text.contains("Wall time at the probed rates: about"))
        #expect(withProbe.text.contains("models called only by the probe"))
        #expect(try ExperimentPlanner.plan(experiment).text.contains("no model was called"))
    }

    @Test func failedProbeCallsAreCountedAndLeaveTheWallTimeUnknown() async throws {
        let (probe, file) = try await FakeOpenAIServer.with(script: { request in
            request.body.contains("response_format") ? .scripted : .raw(status: 400, body: #"{"error":{"message":"bad request"}}"#)
        }) { url, _ in
            let file = try writeExperiment(url: url, name: "probe-fail")
            return (try await ExperimentPlanner.probe(try ExperimentLoader.load(path: file), experimentFile: file, callsPerModel: 2), file)
        }
        #expect(probe.rates.count == 2)
        #expect(probe.rates[0].failures == 2 && probe.rates[0].callsPerSecond == 0)
        // No /props: 4 in flight at most, here the 2 calls.
        #expect(probe.rates[0].inFlight == 2)
        var plan = try ExperimentPlanner.plan(try ExperimentLoader.load(path: file))
        plan.probe = probe
        #expect(plan.probedWallSeconds == nil)
        #expect(plan.text.contains("Wall time at the probed rates: unknown"))
    }

    @Test("a discussion model named 'annotation' keeps its own price and probed rate, apart from the annotation model's")
    func aModelNamedAnnotation() throws {
        let yaml = """
            version: 1
            name: names
            seed: 3
            replicates: 1
            personas: [{username: ann, age: 31}, {username: bob, age: 45}, {username: cem, age: 27}]
            seedComments: ["Cities should ban cars from the centre."]
            discussion: {users: 2, turns: 4, historyLength: 3}
            strategies: [none]
            models: [{name: annotation, endpoint: "http://127.0.0.1:9/v1", maxTokens: 50, price: {input: 1, output: 2}}]
            annotation:
              annotators: [{username: rater1, age: 40}]
              model: {name: rater, endpoint: "http://127.0.0.1:9/v1", maxTokens: 20, price: {input: 100, output: 200}}
            """
        var plan = try ExperimentPlanner.plan(try ExperimentLoader.load(yaml: yaml, file: "names.yaml", baseDirectory: "/tmp"))
        let c = try #require(plan.conditions.first)
        #expect(c.annotationCalls > 0 && c.userCalls == 4)
        let expectedCost =
            Double(c.promptTokens - c.annotationPromptTokens) * 1 / 1e6 + Double(c.completionTokens - c.annotationCompletionTokens) * 2 / 1e6
            + Double(c.annotationPromptTokens) * 100 / 1e6 + Double(c.annotationCompletionTokens) * 200 / 1e6
        #expect(abs((plan.cost ?? 0) - expectedCost) < 1e-12)
        plan.probe = ExperimentPlan.Probe(rates: [
            .init(model: "annotation", kind: "user turn", calls: 8, failures: 0, inFlight: 4, wallSeconds: 4, completionTokens: 0),
            .init(model: "rater", kind: "annotation", calls: 8, failures: 0, inFlight: 4, wallSeconds: 1, completionTokens: 0),
        ])
        // 2 calls/s for the discussion model, 8 calls/s for annotations.
        let expectedSeconds = Double(c.userCalls + c.decisionCalls + c.moderatorCalls) / 2 + Double(c.annotationCalls) / 8
        #expect(abs((plan.probedWallSeconds ?? 0) - expectedSeconds) < 1e-9)
    }
}
