import Foundation
import SDFCore
import SDFEngine
import SDFStore
import SDFTesting
import Testing

/// `stop:` on a model: extra stop sequences for comment calls, on the wire and in the stored sampling.
@Suite("Model stop sequences", .serialized)
struct ModelStopTests {
    @Test func extraStopsGoWithCommentCallsOnlyAndAreStored() async throws {
        let (bodies, storePath) = try await FakeOpenAIServer.with(script: { _ in .scripted }) { url, log in
            let file = try writeExperiment(url: url, name: "stops")
            let yaml = try String(contentsOfFile: file, encoding: .utf8).replacingOccurrences(
                of: "model: fake-model, maxTokens: 40}]", with: "model: fake-model, maxTokens: 40, stop: [\"\\n\\n\"]}]")
            try yaml.write(toFile: file, atomically: true, encoding: .utf8)
            let result = try await ExperimentRun.run(ExperimentRunOptions(experimentFile: file, writesReport: false))
            #expect(result.allDone)
            return (log.all, result.storePath)
        }
        let json = try bodies.map { try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
        let turns = json.filter { $0["response_format"] == nil }
        let annotations = json.filter { $0["response_format"] != nil }
        #expect(!turns.isEmpty && !annotations.isEmpty)
        for body in turns {
            let stop = try #require(body["stop"] as? [String])
            // The extra stop first, then the speaker cues.
            #expect(stop.first == "\n\n" && stop.dropFirst().allSatisfy { $0.hasPrefix("\n") && $0.hasSuffix(":") } && stop.count > 1)
        }
        #expect(annotations.allSatisfy { ($0["stop"] as? [String] ?? []).isEmpty })
        let store = try Store.openExisting(path: storePath)
        for turn in try await store.allTurns() { #expect(turn.call.sampling.stop.first == "\n\n") }
    }

    @Test func stopIsValidatedAndHashedOnlyWhenSet() throws {
        let dir = try temporaryFolder("stop-validation")
        let base = crashExperimentYAML(url: "http://127.0.0.1:9/v1")
        let bad = base.replacingOccurrences(
            of: "model: fake-model, maxTokens: 40}]", with: "model: fake-model, maxTokens: 40, stop: [\"\", a, b, c, d]}]")
        try bad.write(toFile: dir + "/bad.yaml", atomically: true, encoding: .utf8)
        do {
            _ = try ExperimentLoader.load(path: dir + "/bad.yaml")
            Issue.record("an empty stop sequence and five stops were accepted")
        } catch let error as ExperimentFileError {
            #expect(error.description.contains("models[0].stop: expected at most 4 stop sequences, got 5"))
            #expect(error.description.contains("models[0].stop[0]: expected a non-empty stop sequence"))
        }
        try base.write(toFile: dir + "/plain.yaml", atomically: true, encoding: .utf8)
        let good = base.replacingOccurrences(of: "model: fake-model, maxTokens: 40}]", with: "model: fake-model, maxTokens: 40, stop: [\"\\n\\n\"]}]")
        try good.write(toFile: dir + "/stop.yaml", atomically: true, encoding: .utf8)
        let plain = try ExperimentLoader.load(path: dir + "/plain.yaml")
        let withStop = try ExperimentLoader.load(path: dir + "/stop.yaml")
        #expect(plain.spec.models[0].samplingFingerprint["stop"] == nil)
        #expect(withStop.spec.models[0].samplingFingerprint["stop"] == #"["\n\n"]"#)
        #expect(Design(experiment: plain).conditions.map(\.id) == Design(experiment: withStop).conditions.map(\.id))
    }
}
