import AsyncHTTPClient
import Foundation
import SDFCore
import SDFEngine
import SDFLLM
import SDFStore
import SDFTesting
import Synchronization
import Testing

/// Issue #18 reproduced on the in-process fake: an annotation stage against a server with llama-cpp-python's shapes
/// (``FakeServerProfile/llamaCppPython``: `json_schema` rejected with HTTP 500, no cached tokens in `usage`).
@Suite("Annotation against servers of other kinds")
struct ServerCompatibilityRunTests {
    final class Notices: Sendable {
        let lines = Mutex<[String]>([])
    }

    func annotate(_ profile: FakeServerProfile, mode: StructuredOutputMode) async throws -> (AnnotationReport, [AnnotationRecord], StoreSummary, [String], Int) {
        let experiment = try smallExperiment(replicates: 1)
        let store = try Store.inMemory()
        try await run(experiment, store: store, client: ScriptedChatModel())
        let notices = Notices()
        return try await FakeOpenAIServer.with(profile: profile, script: { _ in .scripted }) { url, log in
            try await HTTPClient.withHTTPClient { http in
                let client = OpenAIClient(
                    baseURL: url, apiKey: nil, timeout: 10, retry: RetryPolicy(maxAttempts: 6, baseDelay: 0.01, maxDelay: 0.02),
                    http: http, structuredOutputMemory: StructuredOutputMemory { line in notices.lines.withLock { $0.append(line) } })
                let setup = AnnotationSetup(
                    annotators: [Persona(username: "ann0", age: 30), Persona(username: "ann1", age: 40)], instructions: "Rate it.",
                    rubric: .default, historyLength: 3, annotateModerator: true, structuredOutput: mode,
                    model: ModelSettings(name: "annotator", endpoint: url, temperature: 0.2, maxTokens: 32), concurrency: 4)
                let binding = ModelBinding(name: "annotator", client: client, requestModel: profile.modelId, settings: setup.model)
                let report = try await AnnotationRunner(setup: setup, store: store, binding: binding, templates: experiment.templates).run()
                return (
                    report, try await store.annotations(), try await store.summary(), notices.lines.withLock { $0 }, log.all.count
                )
            }
        }
    }

    @Test func llamaCppPythonFallsBackToJSONObjectAndRecordsIt() async throws {
        let (report, annotations, summary, notices, requests) = try await annotate(.llamaCppPython, mode: .auto)
        #expect(report.jobs > 0)
        #expect(report.parseRate == 1)
        #expect(annotations.count == report.jobs)
        // Every annotation records the form its call used, the model id, and one attempt: no wasted retries.
        #expect(annotations.allSatisfy { $0.structuredOutput == .jsonObject })
        #expect(annotations.allSatisfy { $0.call.modelId == FakeServerProfile.llamaCppPython.modelId })
        #expect(annotations.allSatisfy { $0.call.attempts == 1 && $0.call.cachedTokens == nil })
        // At most one rejected json_schema request per job in flight when the first rejection came back.
        #expect(requests - report.jobs <= 4)
        #expect(notices.count == 1)
        // The summary does not claim a cached share the server never reported (the scripted discussions report none either).
        #expect(summary.cachedShare == nil)
        #expect(summary.tokenSummary.contains("cached prompt share not reported by the server"))
        #expect(!summary.tokenSummary.contains("0.0%"))
    }

    @Test func aForcedRejectedFormIsRecordedAsFailedWithoutRetries() async throws {
        let (report, annotations, summary, notices, requests) = try await annotate(.llamaCppPython, mode: .jsonSchema)
        #expect(report.parseRate == 0)
        let first = annotations.first.map { "\($0.status) \($0.structuredOutput) \($0.call.attempts) \($0.call.error?.description ?? "-")" } ?? "none"
        #expect(annotations.allSatisfy { $0.status == .failed && $0.structuredOutput == .jsonSchema }, "\(first)")
        #expect(annotations.allSatisfy { $0.call.attempts == 1 && $0.call.error?.kind == .badRequest }, "\(first)")
        #expect(requests == report.jobs)
        #expect(summary.retries == 0)
        #expect(notices.isEmpty)
    }

    @Test func llamaServerKeepsJSONSchemaAndReportsItsCache() async throws {
        let (report, annotations, summary, notices, requests) = try await annotate(.llamaServer, mode: .auto)
        #expect(report.parseRate == 1)
        #expect(annotations.allSatisfy { $0.structuredOutput == .jsonSchema && $0.call.cachedTokens == 32 })
        #expect(requests == report.jobs)
        #expect(notices.isEmpty)
        #expect(summary.cachedShare != nil)
    }
}
